import { describe, expect, it } from '@jest/globals';
import type { Hex } from 'viem';
import type { RiskParams, StewardBounds } from '#app/messaging';
import {
  assessSegment,
  assessmentToJson,
  collateralWeights,
  DEFAULT_RISK_CONFIG,
  type RiskConfig,
  type SegmentRiskInput,
} from './assess.js';
import type { AssetMarket } from './book.js';
import { shareBpsUp } from './headroom.js';
import { historicalTailRisk } from './tail-risk.js';
import { numberToWad, WAD, wadToNumber } from './units.js';
import { ewmaVolatility, logReturns } from './volatility.js';
import { assertRiskError } from './testing.js';

const SEGMENT: Hex = `0x${'5e'.repeat(32)}`;
const USDC: Hex = `0x${'0c'.repeat(32)}`;
const WETH: Hex = `0x${'0e'.repeat(32)}`;
const DAY = 86_400;
const START = 1_700_000_000;
const DAYS = 120;

/** 120 daily prices: a calm ±0.4 % wobble around $2000; the crash path drops 12 % and rebounds 5 % on alternate days for its last 30. */
function ethPath(crash: boolean): Float64Array {
  const p = new Float64Array(DAYS);
  for (let t = 0; t < DAYS; t++) {
    p[t] = t >= 90 && crash ? p[t - 1] * (t % 2 === 0 ? 0.88 : 1.05) : 2000 * (1 + 0.004 * Math.sin(t));
  }
  return p;
}

function market(assetId: Hex, decimals: number, prices: Float64Array, start = START, step = DAY): AssetMarket {
  return {
    assetId,
    decimals,
    price: numberToWad(prices[prices.length - 1]),
    history: { assetId, start, step, prices },
  };
}

const usdc = market(USDC, 6, new Float64Array(DAYS).fill(1));
const params: RiskParams = {
  borrowCap: 1_000_000n * 1_000_000n,
  reserveFactorBps: 1000,
  rates: { baseBps: 0, slope1Bps: 400, kinkBps: 8000, slope2Bps: 6000 },
  assets: [{ assetId: WETH, ltvBps: 7500, liqThresholdBps: 8000, liqBonusBps: 500, supplyCap: 1000n * WAD }],
};
const bounds: StewardBounds = {
  maxLtvChangeBps: 1000,
  maxThresholdChangeBps: 1000,
  maxBonusChangeBps: 500,
  maxReserveFactorChangeBps: 0,
  maxRateChangeBps: 0,
  maxCapChangeBps: 5000,
  minInterval: DAY,
};
const usd = (n: number) => BigInt(n) * 1_000_000n;

function segment(weth: AssetMarket, borrow = usdc): SegmentRiskInput {
  return {
    segment: SEGMENT,
    borrow,
    collaterals: [weth],
    accounts: [
      { id: 'a', collateral: [10n * WAD], debt: usd(8000) },
      { id: 'b', collateral: [5n * WAD], debt: usd(7000) },
      { id: 'c', collateral: [2n * WAD], debt: 0n },
    ],
    params,
    bounds,
    lastStewardUpdate: START,
  };
}
const config: RiskConfig = { ...DEFAULT_RISK_CONFIG, window: 90 };

describe('assessSegment', () => {
  const calm = assessSegment(segment(market(WETH, 18, ethPath(false))), config);
  const crash = assessSegment(segment(market(WETH, 18, ethPath(true))), config);

  it('values the book at spot and measures its volatility and tail risk', () => {
    const spot = numberToWad(ethPath(true)[DAYS - 1]);
    expect(crash.book).toEqual({
      borrowers: 2,
      collateralValue: 17n * spot, // 18 decimals: unit value = price, 17 ETH → 17·price exactly
      debtValue: 15_000n * WAD, // 15,000 USDC at $1
      netValue: 17n * spot - 15_000n * WAD,
    });
    expect(crash.borrow).toEqual({ assetId: USDC, price: WAD, volatility: 0, debt: usd(15_000) });
    expect(crash.assets[0].volatility).toBeGreaterThan(20 * calm.assets[0].volatility);
    expect(crash.assets[0].relativeVolatility).toBe(crash.assets[0].volatility); // the borrow asset never moves
    // per dollar of collateral (the crash also shrinks the collateral)
    const perDollar = (a: typeof calm, v: number) => v / wadToNumber(a.book.collateralValue);
    expect(perDollar(crash, crash.historical.varUsd)).toBeGreaterThan(10 * perDollar(calm, calm.historical.varUsd));
    expect(perDollar(crash, crash.parametric.varUsd)).toBeGreaterThan(10 * perDollar(calm, calm.parametric.varUsd));
    const worstEs = crash.historical.es > crash.parametric.es ? crash.historical.es : crash.parametric.es;
    expect(crash.esShareBps).toBe(shareBpsUp(worstEs, crash.book.collateralValue));
    expect(crash.headroom.withinMarginAccounts).toBeGreaterThan(calm.headroom.withinMarginAccounts);
  });

  it('tightens LTV and threshold on the crash path relative to the calm one', () => {
    const [c] = calm.decision.params.assets;
    const [x] = crash.decision.params.assets;
    expect([calm.decision.changed, c.ltvBps, c.liqThresholdBps]).toEqual([false, 7500, 8000]);
    expect(crash.decision.changed).toBe(true);
    expect(x.ltvBps).toBeLessThan(c.ltvBps);
    expect(x.liqThresholdBps).toBeLessThan(c.liqThresholdBps);
    expect(x.liqBonusBps).toBeGreaterThanOrEqual(c.liqBonusBps);
    expect(crash.decision.params.borrowCap).toBeLessThan(params.borrowCap); // elevated ES / headroom shrink the caps
    expect(crash.decision.notBefore).toBe(START + DAY);
  });

  it('carries its inputs, so the tail risk can be recomputed from them', () => {
    const { inputs } = crash;
    expect([inputs.start, inputs.step, inputs.length, inputs.accounts]).toEqual([START + 30 * DAY, DAY, 90, 3]);
    expect(inputs.prices.map((p) => p.assetId)).toEqual([USDC, WETH]);
    expect(Array.from(inputs.prices[1].window)).toEqual(Array.from(ethPath(true).subarray(DAYS - 90)));
    const exposures = [-wadToNumber(crash.book.debtValue), ...crash.assets.map((a) => wadToNumber(a.suppliedValue))];
    const again = historicalTailRisk(
      exposures,
      inputs.prices.map((p) => p.window),
      { confidenceBps: inputs.config.confidenceBps, horizon: inputs.config.horizon },
    );
    expect(again).toEqual(crash.historical);
    expect(ewmaVolatility(logReturns(inputs.prices[1].window), inputs.config.ewma)).toBe(crash.assets[0].volatility);
    expect(Array.from(collateralWeights(crash))).toEqual([wadToNumber(crash.assets[0].suppliedValue)]);
  });

  it('serialises to JSON with bigints as decimal strings and windows as arrays', () => {
    expect(() => JSON.stringify(crash)).toThrow(TypeError); // raw bigints do not serialise
    const json = assessmentToJson(crash) as {
      book: { collateralValue: string };
      historical: { var: string; varUsd: number };
      decision: { params: { borrowCap: string; assets: { supplyCap: string }[] } };
      inputs: { prices: { window: number[] }[] };
    };
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json.book.collateralValue).toBe(crash.book.collateralValue.toString());
    expect(json.historical).toMatchObject({ var: crash.historical.var.toString(), varUsd: crash.historical.varUsd });
    expect(json.decision.params.borrowCap).toBe(crash.decision.params.borrowCap.toString());
    expect(json.decision.params.assets[0].supplyCap).toMatch(/^\d+$/);
    expect(json.inputs.prices[1].window).toEqual(Array.from(crash.inputs.prices[1].window));
  });

  it('applies the volatility stress to what the policy reads', () => {
    const stressed = assessSegment(segment(market(WETH, 18, ethPath(false))), { ...config, volatilityStress: 3 });
    expect(stressed.decision.target.assets[0].volatility).toBeCloseTo(3 * calm.assets[0].relativeVolatility, 15);
    expect(stressed.decision.target.assets[0].liqThresholdBps).toBeLessThan(
      calm.decision.target.assets[0].liqThresholdBps,
    );
  });

  it('rejects misaligned and short histories and bad configs', () => {
    const weth = market(WETH, 18, ethPath(false));
    const early = market(WETH, 18, ethPath(false), START - DAY); // ends a day before the borrow asset
    assertRiskError(() => assessSegment(segment(early), config), 'MISALIGNED_HISTORY');
    const hourly = market(WETH, 18, ethPath(false), START, 3600);
    assertRiskError(() => assessSegment(segment(hourly), config), 'MISALIGNED_HISTORY');
    assertRiskError(() => assessSegment(segment(weth), { ...config, window: DAYS + 1 }), 'INSUFFICIENT_HISTORY');
    assertRiskError(() => assessSegment(segment(weth), { ...config, window: 2 }), 'INVALID_INPUT');
    assertRiskError(() => assessSegment(segment(weth), { ...config, horizon: 89 }), 'INVALID_INPUT');
    assertRiskError(() => assessSegment(segment(weth), { ...config, volatilityStress: 0.5 }), 'INVALID_INPUT');
    assertRiskError(() => assessSegment({ ...segment(weth), collaterals: [] }, config), 'INVALID_INPUT');
  });
});
