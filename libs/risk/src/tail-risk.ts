import { RiskError, invalid } from './errors.js';
import { normalPdf, normalQuantile } from './normal.js';
import { BPS, numberToWad } from './units.js';

/**
 * Value at risk and expected shortfall of a book's net value V = Σ collateral − debt (USD).
 *
 * Sign convention: the loss is L = −ΔV over the horizon, so a fall in net value is a positive loss.
 * VaR at confidence c is the loss not exceeded with probability c; ES is the mean loss in the tail
 * beyond it (ES ≥ VaR). Both are reported as positive numbers when they are losses; a VaR ≤ 0 means
 * even the c-quantile scenario gains. Exposures are the signed USD values per risk factor
 * (collateral +, debt −; an asset that is both nets out) — V is linear in them, so the book's
 * accounts enter only through these sums.
 *
 * Floating point (see units.ts); `var`/`es` are the same numbers brought to USD 1e18 at the edge.
 */
export interface TailRisk {
  method: 'historical' | 'parametric';
  confidenceBps: number;
  /** horizon in periods of the price history (days for daily prices) */
  horizon: number;
  /** USD 1e18, positive = loss */
  var: bigint;
  es: bigint;
  /** the same as computed, float USD */
  varUsd: number;
  esUsd: number;
  /** historical: scenarios used; parametric: 0 */
  scenarios: number;
  /** parametric: σ of the horizon P&L (USD); historical: 0 */
  sigmaUsd: number;
}

export interface TailOptions {
  /** e.g. 9900 for 99 %; strictly between 0 and 10000 */
  confidenceBps: number;
  /** periods, ≥ 1 */
  horizon: number;
}

function checkOptions(o: TailOptions): void {
  invalid(
    !Number.isInteger(o.confidenceBps) || o.confidenceBps <= 0 || o.confidenceBps >= BPS,
    () => `confidenceBps ${o.confidenceBps} must be in (0, 10000)`,
  );
  invalid(!Number.isInteger(o.horizon) || o.horizon < 1, () => `horizon ${o.horizon} must be a positive integer`);
}

function tailRisk(
  method: TailRisk['method'],
  o: TailOptions,
  varUsd: number,
  esUsd: number,
  scenarios: number,
  sigmaUsd: number,
): TailRisk {
  return { method, ...o, var: numberToWad(varUsd), es: numberToWad(esUsd), varUsd, esUsd, scenarios, sigmaUsd };
}

/**
 * VaR and ES of an empirical loss sample, reordered in place. With N losses, VaR is the j-th
 * smallest, j = ⌈N·c⌉ (no interpolation), and ES the mean of the N − j + 1 losses from it up,
 * computed as VaR + the mean excess over it: every excess is ≥ 0 exactly, so ES ≥ VaR survives the
 * rounding (a plain mean of equal losses can land an ulp below them).
 *
 * Only the tail is sorted: the j-th smallest is selected in expected O(N) and left at index j − 1,
 * the smaller losses before it (in no order), the larger ones after it sorted ascending — the same
 * values in the same order from j − 1 up as a full sort, so the same VaR and ES to the bit.
 */
export function empiricalTail(losses: Float64Array, confidenceBps: number): { var: number; es: number } {
  const n = losses.length;
  invalid(n === 0, 'no scenarios');
  for (let s = 0; s < n; s++) {
    if (Number.isNaN(losses[s])) throw new RiskError('INVALID_INPUT', `scenario ${s}: the loss is NaN`);
  }
  // n·c is an integer, so the division is exact whenever the quotient is: ⌈⌉ never rounds a whole number up
  const j = Math.ceil((n * confidenceBps) / BPS);
  selectNth(losses, j - 1); // 1 ≤ j ≤ n
  losses.subarray(j).sort();
  const v = losses[j - 1];
  let excess = 0;
  for (let s = j; s < n; s++) excess += losses[s] - v;
  return { var: v, es: v + excess / (n - j + 1) };
}

/**
 * Reorders `a` so that a[k] is its (k+1)-th smallest value, nothing larger before it and nothing
 * smaller after it (Wirth's selection: Hoare partitions around a[k], keeping the side that holds k).
 */
function selectNth(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[k];
    let i = lo;
    let j = hi;
    do {
      while (a[i] < pivot) i++;
      while (pivot < a[j]) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) lo = i;
    if (k < i) hi = j;
  }
}

/**
 * Historical simulation with full revaluation: every overlapping `horizon`-period move in the price
 * histories is a scenario, ΔVₛ = Σᵢ wᵢ·(Pᵢ[s+h] / Pᵢ[s] − 1), s = 0 … n−h−1. `histories[i]` are the
 * prices of factor i over one window (all the same length, aligned), `exposures[i]` its signed USD.
 */
export function historicalTailRisk(
  exposures: ArrayLike<number>,
  histories: readonly Float64Array[],
  options: TailOptions,
  scratch?: Float64Array,
): TailRisk {
  checkOptions(options);
  invalid(histories.length !== exposures.length, 'one history per exposure');
  const n = histories.length === 0 ? 0 : histories[0].length;
  const h = options.horizon;
  if (n - h < 1) throw new RiskError('INSUFFICIENT_HISTORY', `${n} prices give no ${h}-period scenario`);
  const scenarios = n - h;
  const losses =
    scratch !== undefined && scratch.length >= scenarios ? scratch.subarray(0, scenarios) : new Float64Array(scenarios);
  losses.fill(0);
  for (let i = 0; i < histories.length; i++) {
    const p = histories[i];
    if (p.length !== n) throw new RiskError('MISALIGNED_HISTORY', `history ${i} has ${p.length} prices, not ${n}`);
    const w = exposures[i];
    if (w === 0) continue;
    for (let s = 0; s < scenarios; s++) losses[s] = losses[s] - w * (p[s + h] / p[s] - 1);
  }
  const tail = empiricalTail(losses, options.confidenceBps);
  return tailRisk('historical', options, tail.var, tail.es, scenarios, 0);
}

/**
 * Parametric (delta-normal, zero mean as RiskMetrics): ΔV ≈ Σ wᵢ·rᵢ with r ~ N(0, Σ), Σᵢⱼ = σᵢσⱼρᵢⱼ,
 * so σ_V = √(wᵀΣw)·√h; VaR = z_c·σ_V and ES = σ_V·φ(z_c)/(1 − c). `vols` are per-period σ (EWMA),
 * `correlation` k×k row-major (Pearson over the same window).
 */
export function parametricTailRisk(
  exposures: ArrayLike<number>,
  vols: ArrayLike<number>,
  correlation: Float64Array,
  options: TailOptions,
): TailRisk {
  checkOptions(options);
  const k = exposures.length;
  invalid(
    vols.length !== k || correlation.length !== k * k,
    () => `parametric: ${k} exposures need ${k} vols and a ${k}×${k} matrix`,
  );
  let variance = 0;
  for (let i = 0; i < k; i++) {
    const wi = exposures[i] * vols[i];
    if (wi === 0) continue;
    let row = 0;
    for (let j = 0; j < k; j++) row += correlation[i * k + j] * exposures[j] * vols[j];
    variance += wi * row;
  }
  invalid(!Number.isFinite(variance), 'parametric: variance is not finite');
  const sigma = Math.sqrt(Math.max(0, variance) * options.horizon);
  const c = options.confidenceBps / BPS;
  const z = normalQuantile(c);
  return tailRisk('parametric', options, z * sigma, (sigma * normalPdf(z)) / (1 - c), 0, sigma);
}
