import { invalid } from './errors.js';

/**
 * EWMA volatility (RiskMetrics): σ²ₜ = λ·σ²ₜ₋₁ + (1 − λ)·r²ₜ on log returns rₜ = ln(pₜ / pₜ₋₁), with a
 * zero mean as RiskMetrics assumes. Seeded with the mean square of the first `seedReturns` returns;
 * the recursion runs over the returns after them. All floating point (see units.ts).
 */
export interface EwmaOptions {
  /** decay λ in (0, 1); RiskMetrics uses 0.94 for daily data */
  lambda: number;
  /** how many leading returns seed σ² with their mean square (≥ 1) */
  seedReturns: number;
}

export const DEFAULT_EWMA: EwmaOptions = { lambda: 0.94, seedReturns: 20 };

function checkEwma(options: EwmaOptions, returns: number): void {
  invalid(!(options.lambda > 0 && options.lambda < 1), () => `EWMA λ ${options.lambda} must be in (0, 1)`);
  invalid(!Number.isInteger(options.seedReturns) || options.seedReturns < 1, 'EWMA seedReturns must be ≥ 1');
  invalid(returns < 1, 'EWMA needs at least one return');
}

/** rₜ = ln(pₜ / pₜ₋₁) for t = 1 … n−1, written into `out` (allocated when not given). */
export function logReturns(prices: ArrayLike<number>, out = new Float64Array(Math.max(0, prices.length - 1))) {
  let previous = prices[0]; // read only when length > 1
  for (let t = 1; t < prices.length; t++) {
    const p = prices[t];
    out[t - 1] = Math.log(p / previous);
    previous = p;
  }
  return out;
}

/** The EWMA variance after the last of `returns` (one pass, no allocation). */
export function ewmaVariance(returns: ArrayLike<number>, options: EwmaOptions = DEFAULT_EWMA): number {
  return ewmaVarianceOf(returns, undefined, options);
}

/**
 * The EWMA variance of rₜ − bₜ: the log return of the price ratio of two assets (a collateral priced
 * in the borrow asset), without building the difference series.
 */
export function ewmaVarianceOfDifference(
  returns: ArrayLike<number>,
  baseReturns: ArrayLike<number>,
  options: EwmaOptions = DEFAULT_EWMA,
): number {
  invalid(baseReturns.length !== returns.length, 'EWMA of a difference needs two series of one length');
  return ewmaVarianceOf(returns, baseReturns, options);
}

function ewmaVarianceOf(r: ArrayLike<number>, b: ArrayLike<number> | undefined, options: EwmaOptions): number {
  const n = r.length;
  checkEwma(options, n);
  const { lambda } = options;
  const seed = Math.min(options.seedReturns, n);
  let sum = 0;
  for (let t = 0; t < seed; t++) {
    const x = r[t] - (b === undefined ? 0 : b[t]);
    sum += x * x;
  }
  let variance = sum / seed;
  const w = 1 - lambda;
  for (let t = seed; t < n; t++) {
    const x = r[t] - (b === undefined ? 0 : b[t]);
    variance = lambda * variance + w * x * x;
  }
  return variance;
}

/** √(EWMA variance): the volatility per period of the returns. */
export function ewmaVolatility(returns: ArrayLike<number>, options: EwmaOptions = DEFAULT_EWMA): number {
  return Math.sqrt(ewmaVariance(returns, options));
}

/** σ per period → σ per year, by the square-root-of-time rule (365 periods: crypto trades daily). */
export function annualise(volatility: number, periodsPerYear = 365): number {
  invalid(!(periodsPerYear > 0), () => `periodsPerYear ${periodsPerYear} must be positive`);
  return volatility * Math.sqrt(periodsPerYear);
}
