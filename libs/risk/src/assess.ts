import type { Hex } from 'viem';
import type { RiskParams, StewardBounds } from '#app/messaging';
import { valueBook, type AssetMarket, type BookAccount } from './book.js';
import { collateralIndex, pearson, segmentCorrelation, type CorrelationMatrix } from './correlation.js';
import { RiskError, invalid } from './errors.js';
import { liquidationHeadroom, shareBpsUp, type Headroom } from './headroom.js';
import { DEFAULT_POLICY, proposeRiskParams, type PolicyConfig, type PolicyDecision } from './policy.js';
import { historicalTailRisk, parametricTailRisk, type TailRisk } from './tail-risk.js';
import { wadToNumber } from './units.js';
import { DEFAULT_EWMA, ewmaVariance, ewmaVarianceOfDifference, logReturns, type EwmaOptions } from './volatility.js';

/**
 * One segment's risk, end to end: its book valued at spot, volatility per collateral asset, VaR and
 * ES of the book (historical and parametric), liquidation headroom, and the policy's proposal.
 * Everything it read is in `inputs`, so a reviewer can recompute every number.
 */
export interface RiskConfig {
  /** prices per window (returns = window − 1); every history must hold at least this many */
  window: number;
  ewma: EwmaOptions;
  /** VaR / ES */
  confidenceBps: number;
  /** VaR / ES horizon in periods */
  horizon: number;
  /** headroom: an account is near liquidation when its health factor is below 1 + margin */
  headroomMarginBps: number;
  /**
   * Volatility used by the policy is at least this multiple of the measured one (a stress
   * multiplier: the oracle raises it for segments under a correlation alert). 1 = as measured.
   */
  volatilityStress: number;
  policy: PolicyConfig;
}

export const DEFAULT_RISK_CONFIG: RiskConfig = {
  window: 90,
  ewma: DEFAULT_EWMA,
  confidenceBps: 9900,
  horizon: 1,
  headroomMarginBps: 1000,
  volatilityStress: 1,
  policy: DEFAULT_POLICY,
};

export interface SegmentRiskInput {
  segment: Hex;
  borrow: AssetMarket;
  /** in the order of `params.assets` */
  collaterals: readonly AssetMarket[];
  accounts: readonly BookAccount[];
  params: RiskParams;
  bounds: StewardBounds;
  /** unix seconds of the last steward update, 0 or absent for none */
  lastStewardUpdate?: number;
}

export interface AssetMetrics {
  assetId: Hex;
  /** the spot price valued at (USD 1e18 per whole token) */
  price: bigint;
  /** daily (per period) EWMA σ of the asset's USD log returns, and annualised */
  volatility: number;
  annualVolatility: number;
  /** σ of ln(asset / borrow asset): what the policy reads (before any stress) */
  relativeVolatility: number;
  /** collateral in the segment: token units and USD 1e18 */
  supplied: bigint;
  suppliedValue: bigint;
}

export interface SegmentAssessment {
  segment: Hex;
  inputs: {
    /** the window: first observation time, period, number of prices */
    start: number;
    step: number;
    length: number;
    /** prices used, float USD per whole token, borrow asset first, then the collaterals */
    prices: { assetId: Hex; window: Float64Array }[];
    accounts: number;
    params: RiskParams;
    bounds: StewardBounds;
    config: RiskConfig;
  };
  book: {
    borrowers: number;
    collateralValue: bigint;
    debtValue: bigint;
    netValue: bigint;
  };
  borrow: { assetId: Hex; price: bigint; volatility: number; debt: bigint };
  assets: AssetMetrics[];
  historical: TailRisk;
  parametric: TailRisk;
  headroom: Headroom;
  /** max(historical, parametric) ES over the collateral value, bps rounded up */
  esShareBps: number;
  decision: PolicyDecision;
}

function checkConfig(c: RiskConfig): void {
  invalid(!Number.isInteger(c.window) || c.window < 3, () => `window ${c.window} must be an integer ≥ 3`);
  invalid(!(c.volatilityStress >= 1) || !Number.isFinite(c.volatilityStress), 'volatilityStress must be ≥ 1');
  invalid(c.horizon >= c.window - 1, () => `a horizon of ${c.horizon} leaves no scenario in a window of ${c.window}`);
}

/** The last `window` prices of `m`'s history, checked to line up with `reference`. */
function windowOf(m: AssetMarket, window: number, reference: AssetMarket): Float64Array {
  const h = m.history;
  const r = reference.history;
  const end = h.start + (h.prices.length - 1) * h.step;
  const refEnd = r.start + (r.prices.length - 1) * r.step;
  if (h.step !== r.step || end !== refEnd) {
    throw new RiskError(
      'MISALIGNED_HISTORY',
      `${m.assetId}: history ends at ${end} every ${h.step}s, ${reference.assetId}'s at ${refEnd} every ${r.step}s`,
    );
  }
  if (h.prices.length < window) {
    throw new RiskError('INSUFFICIENT_HISTORY', `${m.assetId}: ${h.prices.length} prices, the window needs ${window}`);
  }
  return h.prices.subarray(h.prices.length - window);
}

/**
 * Work arrays reused from one assessment to the next: the returns, the scenario losses and the
 * standardised returns are most of what an assessment allocates, and nothing returned points into
 * them. (assessSegment runs to completion without yielding, so one set serves every call.)
 */
const scratch = { returns: new Float64Array(0), losses: new Float64Array(0), standardised: new Float64Array(0) };

function scratchOf(name: keyof typeof scratch, length: number) {
  if (scratch[name].length < length) scratch[name] = new Float64Array(length);
  return scratch[name].subarray(0, length);
}

export function assessSegment(input: SegmentRiskInput, config: RiskConfig = DEFAULT_RISK_CONFIG): SegmentAssessment {
  checkConfig(config);
  const { borrow, collaterals, params } = input;
  invalid(
    collaterals.length !== params.assets.length,
    () => `${collaterals.length} collateral markets for ${params.assets.length} assets`,
  );
  const markets = [borrow, ...collaterals];
  const windows = markets.map((m) => windowOf(m, config.window, borrow));
  const n = config.window - 1;
  const returns = scratchOf('returns', markets.length * n);
  windows.forEach((w, i) => logReturns(w, returns.subarray(i * n, (i + 1) * n)));
  const returnsOf = (i: number) => returns.subarray(i * n, (i + 1) * n);
  const vols = markets.map((_, i) => Math.sqrt(ewmaVariance(returnsOf(i), config.ewma)));

  const book = valueBook(input.accounts, collaterals, borrow);
  const exposures = new Float64Array(markets.length);
  exposures[0] = -wadToNumber(book.debtValue);
  for (let a = 0; a < collaterals.length; a++) exposures[a + 1] = wadToNumber(book.collateralValues[a]);
  const tail = { confidenceBps: config.confidenceBps, horizon: config.horizon };
  const historical = historicalTailRisk(exposures, windows, tail, scratchOf('losses', config.window));
  const correlation = pearson(returns, markets.length, n, scratchOf('standardised', markets.length * n));
  const parametric = parametricTailRisk(exposures, vols, correlation.values, tail);
  const headroom = liquidationHeadroom(book, params.assets, config.headroomMarginBps);
  const collateralValue = book.collateralValues.reduce((s, v) => s + v, 0n);
  const worstEs = historical.es > parametric.es ? historical.es : parametric.es;
  const esShareBps = worstEs > 0n ? shareBpsUp(worstEs, collateralValue) : 0;

  const assets = collaterals.map((m, a): AssetMetrics => {
    const volatility = vols[a + 1];
    return {
      assetId: m.assetId,
      price: m.price,
      volatility,
      annualVolatility: volatility * Math.sqrt(365),
      relativeVolatility: Math.sqrt(ewmaVarianceOfDifference(returnsOf(a + 1), returnsOf(0), config.ewma)),
      supplied: book.collateralAmounts[a],
      suppliedValue: book.collateralValues[a],
    };
  });
  const decision = proposeRiskParams(
    {
      current: params,
      bounds: input.bounds,
      assets: assets.map((a) => ({
        assetId: a.assetId,
        volatility: a.relativeVolatility * config.volatilityStress,
        supplied: a.supplied,
      })),
      borrowed: book.debtAmount,
      esShareBps,
      headroomShareBps: headroom.withinMarginShareBps,
      lastStewardUpdate: input.lastStewardUpdate ?? 0,
    },
    config.policy,
  );
  const h = borrow.history;
  return {
    segment: input.segment,
    inputs: {
      start: h.start + (h.prices.length - config.window) * h.step,
      step: h.step,
      length: config.window,
      prices: markets.map((m, i) => ({ assetId: m.assetId, window: windows[i] })),
      accounts: input.accounts.length,
      params,
      bounds: input.bounds,
      config,
    },
    book: { borrowers: headroom.borrowers, collateralValue, debtValue: book.debtValue, netValue: book.netValue },
    borrow: { assetId: borrow.assetId, price: borrow.price, volatility: vols[0], debt: book.debtAmount }, // markets ≥ 1
    assets,
    historical,
    parametric,
    headroom,
    esShareBps,
    decision,
  };
}

/**
 * Cross-segment correlation of the segments' collateral indexes (each basket at today's weights,
 * see `collateralIndex`) over the last `window` returns. Segments with no collateral weigh their
 * assets equally.
 */
export function crossSegmentCorrelation(
  segments: readonly { segment: Hex; collaterals: readonly AssetMarket[]; weights: ArrayLike<number> }[],
  window: number,
): CorrelationMatrix {
  const indexes = segments.map((s) => {
    const length = Math.min(...s.collaterals.map((c) => c.history.prices.length));
    invalid(length < window + 1, () => `${s.segment}: ${length} prices give no ${window} returns`);
    const prices = s.collaterals.map((c) => c.history.prices.subarray(c.history.prices.length - window - 1));
    return { segment: s.segment, levels: collateralIndex(prices, s.weights) };
  });
  return segmentCorrelation(indexes, window);
}

/** The collateral weights `crossSegmentCorrelation` wants, from an assessment (USD, float). */
export function collateralWeights(a: SegmentAssessment): Float64Array {
  return Float64Array.from(a.assets, (x) => wadToNumber(x.suppliedValue));
}

/** An assessment as JSON-safe data: bigints as decimal strings, price windows as arrays. */
export function assessmentToJson(a: SegmentAssessment): unknown {
  return JSON.parse(
    JSON.stringify(a, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Float64Array) return Array.from(v);
      return v;
    }),
  );
}
