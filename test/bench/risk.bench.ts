/**
 * `npm run bench:risk [-- --segments 10000]`
 *
 * The risk oracle's full recompute on synthetic data: N segments (default 10,000), each with 5
 * collateral assets and a borrow asset of 365 daily prices, a book of 8 accounts, current params and
 * steward bounds. Times `assessSegment` for every segment (window 365) plus `crossSegmentCorrelation`
 * over 200 segments, then the same numbers from a straightforward reference written below (plain
 * arrays, returns recomputed per use, a sorted copy per VaR, means recomputed per pair), checks that
 * both agree to 1e-9 relative (exit 1 if not), and prints `recompute seconds=<s>`, the reference
 * ratio, peak memory and `target=2s met=yes|no`. Data come from a seeded PRNG: every run sees the same.
 */
import { performance } from 'node:perf_hooks';
import type { Hex } from 'viem';
import { seededRandom } from '#app/simulation';
import type { AssetRisk, RiskParams, StewardBounds } from '#app/messaging';
import {
  assessSegment,
  collateralWeights,
  crossSegmentCorrelation,
  DEFAULT_RISK_CONFIG,
  normalPdf,
  normalQuantile,
  numberToWad,
  proposeRiskParams,
  shareBpsUp,
  WAD,
  type AssetMarket,
  type BookAccount,
  type CorrelationMatrix,
  type PolicyDecision,
  type RiskConfig,
  type SegmentAssessment,
  type SegmentRiskInput,
} from '#app/risk';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SEGMENTS = arg('segments', 10_000);
const ASSETS = 5;
const DAYS = 365;
const ACCOUNTS = 8;
const CORRELATED = Math.min(200, SEGMENTS);
const TARGET_SECONDS = 2;
const TOLERANCE = 1e-9;
if (!Number.isInteger(SEGMENTS) || SEGMENTS < 2) {
  process.stderr.write('usage: npm run bench:risk -- [--segments N ≥ 2]\n');
  process.exit(2);
}
const log = (line: string) => process.stdout.write(`${line}\n`);
const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

// ---- peak memory, sampled between chunks of work ----
let peakRss = 0;
let peakHeap = 0;
function sampleMemory(): void {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}

// ---- seeded data ----
const random = seededRandom(0x5e6_2024);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const int = (lo: number, hi: number) => Math.floor(uniform(lo, hi + 1));
function gaussian(): number {
  const u = 1 - random(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
const hex32 = (tag: number, n: number): Hex =>
  `0x${tag.toString(16).padStart(8, '0')}${n.toString(16).padStart(56, '0')}`;

const DAY = 86_400;
const START = 1_700_000_000;
const DECIMALS = [18, 8, 6, 18, 12];
const bounds: StewardBounds = {
  maxLtvChangeBps: 500,
  maxThresholdChangeBps: 500,
  maxBonusChangeBps: 300,
  maxReserveFactorChangeBps: 500,
  maxRateChangeBps: 500,
  maxCapChangeBps: 2500,
  minInterval: DAY,
};
const config: RiskConfig = { ...DEFAULT_RISK_CONFIG, window: DAYS };

/** One market-wide factor for every segment (so segments correlate), then per segment a sector factor. */
const market = Float64Array.from({ length: DAYS }, () => 0.012 * gaussian());
/** All price histories in one buffer: segment-major, then borrow asset, then the collaterals. */
const store = new Float64Array(SEGMENTS * (ASSETS + 1) * DAYS);

function history(s: number, a: number, p0: number, next: (t: number) => number): AssetMarket['history'] {
  const prices = store.subarray((s * (ASSETS + 1) + a) * DAYS, (s * (ASSETS + 1) + a + 1) * DAYS);
  let level = Math.log(p0);
  for (let t = 0; t < DAYS; t++) {
    level += next(t);
    prices[t] = Math.exp(level);
  }
  return { assetId: hex32(s, a), start: START, step: DAY, prices };
}
const spot = (h: AssetMarket['history']) => numberToWad(h.prices[DAYS - 1]);
const tokens = (usd: number, price: number, decimals: number) => BigInt(Math.round((usd / price) * 10 ** decimals));

function segment(s: number): SegmentRiskInput {
  const crash = random() < 0.1; // one in ten has a bad last month
  const sector = Float64Array.from({ length: DAYS }, () => 0.008 * gaussian());
  const borrowHistory = history(s, 0, 1, () => 0.0005 * gaussian());
  const borrow = { assetId: borrowHistory.assetId, decimals: 6, price: spot(borrowHistory), history: borrowHistory };
  const collaterals = DECIMALS.map((decimals, a): AssetMarket => {
    const beta = uniform(0.3, 1.5);
    const idio = uniform(0.002, 0.02);
    const h = history(s, a + 1, Math.exp(uniform(-1, 11)), (t) => {
      const shock = crash && t >= DAYS - 30 ? 3 : 1;
      return shock * (beta * market[t] + 0.7 * sector[t] + idio * gaussian()) - (crash && t >= DAYS - 30 ? 0.01 : 0);
    });
    return { assetId: h.assetId, decimals, price: spot(h), history: h };
  });
  const last = collaterals.map((c) => c.history.prices[DAYS - 1]);
  const accounts = Array.from({ length: ACCOUNTS }, (_, i): BookAccount => {
    let value = 0;
    const collateral = collaterals.map((c, a) => {
      if (random() < 0.4) return 0n;
      const usd = Math.exp(uniform(5, 13));
      value += usd;
      return tokens(usd, last[a], c.decimals);
    });
    const debtUsd = random() < 0.2 ? 0 : value * uniform(0.1, 0.5);
    return { id: `${s}:${i}`, collateral, debt: tokens(debtUsd, borrowHistory.prices[DAYS - 1], 6) };
  });
  const supplied = collaterals.map((_, a) => accounts.reduce((sum, x) => sum + x.collateral[a], 0n));
  const debt = accounts.reduce((sum, x) => sum + x.debt, 0n);
  const assets = collaterals.map((c, a): AssetRisk => {
    const liqThresholdBps = int(6000, 8000);
    return {
      assetId: c.assetId,
      ltvBps: liqThresholdBps - int(300, 1500),
      liqThresholdBps,
      liqBonusBps: int(600, 1200),
      supplyCap: (supplied[a] * BigInt(int(110, 300))) / 100n + 1n,
    };
  });
  const params: RiskParams = {
    borrowCap: (debt * BigInt(int(110, 300))) / 100n + 1n,
    reserveFactorBps: 1000,
    rates: { baseBps: 0, slope1Bps: 400, kinkBps: 8000, slope2Bps: 6000 },
    assets,
  };
  return { segment: hex32(0xffff_ffff, s), borrow, collaterals, accounts, params, bounds, lastStewardUpdate: START };
}

// ---- the reference: the same numbers, written the obvious way ----
interface ReferenceResult {
  volatility: number[];
  relativeVolatility: number[];
  historical: { var: number; es: number };
  parametric: { var: number; es: number };
  withinMarginAccounts: number;
  liquidatableAccounts: number;
  withinMarginValue: bigint;
  esShareBps: number;
  decision: PolicyDecision;
}

function refReturns(prices: readonly number[]): number[] {
  const r: number[] = [];
  for (let t = 1; t < prices.length; t++) r.push(Math.log(prices[t] / prices[t - 1]));
  return r;
}
function refEwma(r: readonly number[]): number {
  const { lambda, seedReturns } = config.ewma;
  const seed = Math.min(seedReturns, r.length);
  let v = r.slice(0, seed).reduce((s, x) => s + x * x, 0) / seed;
  for (let t = seed; t < r.length; t++) v = lambda * v + (1 - lambda) * r[t] * r[t];
  return v;
}
function refPearson(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let t = 0; t < x.length; t++) {
    sxy += (x[t] - mx) * (y[t] - my);
    sxx += (x[t] - mx) ** 2;
    syy += (y[t] - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return 0;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}
function refTail(losses: readonly number[]): { var: number; es: number } {
  const sorted = [...losses].sort((a, b) => a - b);
  const j = Math.ceil((sorted.length * config.confidenceBps) / 10_000);
  const tail = sorted.slice(j - 1);
  return { var: sorted[j - 1], es: tail.reduce((s, v) => s + v, 0) / tail.length };
}

function reference(input: SegmentRiskInput): ReferenceResult {
  const markets = [input.borrow, ...input.collaterals];
  const windows = markets.map((m) => Array.from(m.history.prices.slice(-config.window)));
  const volatility = windows.map((w) => Math.sqrt(refEwma(refReturns(w))));
  const relativeVolatility = windows.slice(1).map((w) => {
    const r = refReturns(w);
    const b = refReturns(windows[0]);
    return Math.sqrt(refEwma(r.map((x, t) => x - b[t])));
  });
  // the book, account by account, as the vault rounds it
  const unit = (m: AssetMarket) => (m.price * WAD) / 10n ** BigInt(m.decimals);
  const values = input.accounts.map((acc) => acc.collateral.map((x, a) => (x * unit(input.collaterals[a])) / WAD));
  const debts = input.accounts.map((acc) => (acc.debt * unit(input.borrow)) / WAD);
  const perAsset = input.collaterals.map((_, a) => values.reduce((s, v) => s + v[a], 0n));
  const collateralValue = perAsset.reduce((s, v) => s + v, 0n);
  const debtValue = debts.reduce((s, v) => s + v, 0n);
  const exposures = [-Number(debtValue) / 1e18, ...perAsset.map((v) => Number(v) / 1e18)];
  // historical: full revaluation per scenario
  const h = config.horizon;
  const losses: number[] = [];
  for (let s = 0; s + h < config.window; s++) {
    let loss = 0;
    windows.forEach((p, i) => (loss -= exposures[i] * (p[s + h] / p[s] - 1)));
    losses.push(loss);
  }
  const historical = refTail(losses);
  // parametric: every pair's correlation from scratch
  let variance = 0;
  for (let i = 0; i < markets.length; i++) {
    for (let j = 0; j < markets.length; j++) {
      const rho = i === j ? 1 : refPearson(refReturns(windows[i]), refReturns(windows[j]));
      variance += exposures[i] * volatility[i] * rho * exposures[j] * volatility[j];
    }
  }
  const c = config.confidenceBps / 10_000;
  const z = normalQuantile(c);
  const sigma = Math.sqrt(Math.max(0, variance) * h);
  const parametric = { var: z * sigma, es: (sigma * normalPdf(z)) / (1 - c) };
  // headroom
  const margin = 10_000n + BigInt(config.headroomMarginBps);
  let withinMarginAccounts = 0;
  let liquidatableAccounts = 0;
  let withinMarginValue = 0n;
  input.accounts.forEach((_, i) => {
    if (debts[i] === 0n) return;
    const liq = values[i].reduce((s, v, a) => s + (v * BigInt(input.params.assets[a].liqThresholdBps)) / 10_000n, 0n);
    if (liq * 10_000n >= debts[i] * margin) return;
    withinMarginAccounts++;
    withinMarginValue += values[i].reduce((s, v) => s + v, 0n);
    if (liq < debts[i]) liquidatableAccounts++;
  });
  const worstEs = [numberToWad(historical.es), numberToWad(parametric.es)].reduce((m, v) => (v > m ? v : m));
  const esShareBps = worstEs > 0n ? shareBpsUp(worstEs, collateralValue) : 0;
  // the policy is a small pure function of these metrics: the reference calls it as it is
  const decision = proposeRiskParams(
    {
      current: input.params,
      bounds: input.bounds,
      assets: input.collaterals.map((m, a) => ({
        assetId: m.assetId,
        volatility: relativeVolatility[a] * config.volatilityStress,
        supplied: input.accounts.reduce((s, acc) => s + acc.collateral[a], 0n),
      })),
      borrowed: input.accounts.reduce((s, acc) => s + acc.debt, 0n),
      esShareBps,
      headroomShareBps: shareBpsUp(withinMarginValue, collateralValue),
      lastStewardUpdate: input.lastStewardUpdate ?? 0,
    },
    config.policy,
  );
  return {
    volatility,
    relativeVolatility,
    historical,
    parametric,
    withinMarginAccounts,
    liquidatableAccounts,
    withinMarginValue,
    esShareBps,
    decision,
  };
}

function referenceCorrelation(inputs: readonly SegmentRiskInput[], weights: readonly Float64Array[]): number[][] {
  const indexes = inputs.map((input, s) => {
    const w = Array.from(weights[s]);
    const total = w.reduce((a, b) => a + b, 0);
    return Array.from({ length: DAYS }, (_, t) =>
      input.collaterals.reduce((sum, c, a) => {
        const p = c.history.prices;
        return sum + ((total > 0 ? w[a] : 1) * p[t]) / p[DAYS - 1];
      }, 0),
    );
  });
  return indexes.map((x, i) => indexes.map((y, j) => (i === j ? 1 : refPearson(refReturns(x), refReturns(y)))));
}

// ---- agreement ----
let worst = 0;
const mismatches: string[] = [];
function agree(what: string, a: number, b: number, floor = 1e-6): void {
  const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
  worst = Math.max(worst, rel);
  if (!(rel <= TOLERANCE) && mismatches.length < 10) mismatches.push(`${what}: ${a} vs ${b}`);
}
function agreeExactly(what: string, a: unknown, b: unknown): void {
  const s = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  if (s(a) !== s(b) && mismatches.length < 10) mismatches.push(`${what}: ${s(a)} vs ${s(b)}`);
}
function compare(s: number, got: SegmentAssessment, want: ReferenceResult): void {
  agree(`#${s} borrow volatility`, got.borrow.volatility, want.volatility[0]);
  got.assets.forEach((a, i) => {
    agree(`#${s} volatility ${i}`, a.volatility, want.volatility[i + 1]);
    agree(`#${s} relative volatility ${i}`, a.relativeVolatility, want.relativeVolatility[i]);
  });
  agree(`#${s} historical VaR`, got.historical.varUsd, want.historical.var);
  agree(`#${s} historical ES`, got.historical.esUsd, want.historical.es);
  agree(`#${s} parametric VaR`, got.parametric.varUsd, want.parametric.var);
  agree(`#${s} parametric ES`, got.parametric.esUsd, want.parametric.es);
  const h = got.headroom;
  agreeExactly(
    `#${s} headroom`,
    [h.withinMarginAccounts, h.liquidatableAccounts, h.withinMarginValue, got.esShareBps],
    [want.withinMarginAccounts, want.liquidatableAccounts, want.withinMarginValue, want.esShareBps],
  );
  agreeExactly(`#${s} decision`, got.decision.params, want.decision.params);
}

// ---- run ----
log(
  `bench:risk — ${SEGMENTS} segments × ${ASSETS} collateral assets × ${DAYS} daily prices (+ borrow asset), ` +
    `${ACCOUNTS} accounts each; correlation over ${CORRELATED} segments`,
);
let t0 = performance.now();
const inputs: SegmentRiskInput[] = [];
for (let s = 0; s < SEGMENTS; s++) {
  inputs.push(segment(s));
  if ((s + 1) % 2000 === 0 || s + 1 === SEGMENTS) {
    sampleMemory();
    log(`  generated ${s + 1}/${SEGMENTS}`);
  }
}
log(`generated in ${((performance.now() - t0) / 1000).toFixed(2)} s (prices ${MiB(store.byteLength)} MiB)`);

// warm-up on a few segments: the oracle recomputes in a long-running process, so JIT-compiled code is the steady state
for (let s = 0; s < Math.min(200, SEGMENTS); s++) assessSegment(inputs[s], config);

t0 = performance.now();
const assessments: SegmentAssessment[] = [];
for (let s = 0; s < SEGMENTS; s++) {
  assessments.push(assessSegment(inputs[s], config));
  if ((s + 1) % 2500 === 0) {
    sampleMemory();
    log(`  assessed ${s + 1}/${SEGMENTS}`);
  }
}
const tAssess = (performance.now() - t0) / 1000;
t0 = performance.now();
const correlated = assessments.slice(0, CORRELATED).map((a, s) => ({
  segment: a.segment,
  collaterals: inputs[s].collaterals,
  weights: collateralWeights(a),
}));
const matrix: CorrelationMatrix = crossSegmentCorrelation(correlated, DAYS - 1);
const tCorrelation = (performance.now() - t0) / 1000;
const recompute = tAssess + tCorrelation;
sampleMemory();
log(`recompute seconds=${recompute.toFixed(3)}`);
log(
  `  assessSegment ${tAssess.toFixed(3)} s (${((tAssess / SEGMENTS) * 1e6).toFixed(1)} µs/segment), ` +
    `crossSegmentCorrelation ${tCorrelation.toFixed(3)} s (${CORRELATED}×${CORRELATED}, ${DAYS - 1} returns)`,
);

log('reference (plain arrays, recomputed per use) …');
t0 = performance.now();
const references: ReferenceResult[] = [];
for (let s = 0; s < SEGMENTS; s++) {
  references.push(reference(inputs[s]));
  if ((s + 1) % 2500 === 0) {
    sampleMemory();
    log(`  reference ${s + 1}/${SEGMENTS}`);
  }
}
const refMatrix = referenceCorrelation(
  inputs.slice(0, CORRELATED),
  correlated.map((c) => c.weights),
);
const tReference = (performance.now() - t0) / 1000;
sampleMemory();
log(`reference seconds=${tReference.toFixed(3)} ratio=${(tReference / recompute).toFixed(2)}x (reference / recompute)`);

// agreement on a sample: every 50th segment and, among the first 2000, every one whose decision changes; and the whole matrix
let sampled = 0;
for (let s = 0; s < SEGMENTS; s++) {
  if (s % 50 !== 0 && !(s < 2000 && assessments[s].decision.changed)) continue;
  compare(s, assessments[s], references[s]);
  sampled++;
}
for (let i = 0; i < CORRELATED; i++) {
  for (let j = 0; j < CORRELATED; j++) agree(`ρ(${i}, ${j})`, matrix.values[i * CORRELATED + j], refMatrix[i][j], 1);
}
const changed = assessments.filter((a) => a.decision.changed).length;
log(
  `agreement: ${sampled} segments and ${CORRELATED}² correlations compared, max relative difference ` +
    `${worst.toExponential(2)} (tolerance ${TOLERANCE}) — ${mismatches.length === 0 ? 'ok' : 'MISMATCH'}`,
);
for (const m of mismatches) log(`  ${m}`);
log(`decisions: ${changed} of ${SEGMENTS} segments would get a steward update`);
log(`peak memory rss=${MiB(peakRss)} MiB heapUsed=${MiB(peakHeap)} MiB`);
log(`target=${TARGET_SECONDS}s met=${recompute < TARGET_SECONDS ? 'yes' : 'no'}`);
process.exitCode = mismatches.length === 0 ? 0 : 1;
