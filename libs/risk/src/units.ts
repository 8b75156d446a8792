import type { Hex } from 'viem';
import { RiskError, invalid } from './errors.js';

/**
 * The edge between exact on-chain numbers and floating-point statistics.
 *
 * Amounts, values and prices are `bigint` at every public boundary: token amounts in token units,
 * USD values and prices in 18-decimal fixed point (`WAD` = $1). Statistics (returns, volatility,
 * correlation, VaR) are `number` (IEEE-754 double): they are estimates, and a double carries
 * ~15.9 significant digits, far beyond what any of them means. The only conversions between the
 * two are the functions in this file, so every loss of precision happens in one visible place.
 */

export const BPS = 10_000;
export const BPS_N = 10_000n;
export const WAD = 10n ** 18n;
/** The largest value a Solidity `uint128` holds (supply and borrow caps). */
export const MAX_UINT128 = (1n << 128n) - 1n;
/** The largest value a Solidity `uint16` holds (LTV, threshold and bonus in bps). */
export const MAX_UINT16 = 0xffff;

const POW10: bigint[] = Array.from({ length: 78 }, (_, i) => 10n ** BigInt(i));

function pow10(decimals: number): bigint {
  const p = POW10[decimals];
  if (p === undefined || !Number.isInteger(decimals)) throw new RiskError('INVALID_INPUT', `decimals ${decimals}`);
  return p;
}

/**
 * USD (1e18) of one token unit, scaled by 1e18 — `SegmentVault._unitValue` for a feed whose
 * answer, brought to 18 decimals, is `price`. (The vault computes `answer·1e36 / 10^(feedDecimals
 * + tokenDecimals)`; with `price = answer·10^(18−feedDecimals)` that is the same rational, floored
 * once, so the results are identical to the wei.)
 */
export function unitValue(price: bigint, decimals: number): bigint {
  invalid(price <= 0n, () => `price ${price} must be positive`);
  return (price * WAD) / pow10(decimals);
}

/** USD (1e18) of `amount` token units at `unit` (from `unitValue`), rounded down as the vault does. */
export function valueAt(amount: bigint, unit: bigint): bigint {
  return (amount * unit) / WAD;
}

/** USD (1e18) of `amount` token units of a `decimals` token priced `price` (USD 1e18 per whole token). */
export function tokenValue(amount: bigint, price: bigint, decimals: number): bigint {
  return valueAt(amount, unitValue(price, decimals));
}

/** `x·bps / 10000`, rounded down: `Math.mulDiv(x, bps, BPS)` in the vault. */
export function bpsOf(x: bigint, bps: number): bigint {
  return (x * BigInt(bps)) / BPS_N;
}

/**
 * An 18-decimal fixed-point value as a float. `Number(x)` rounds to the nearest double (exact below
 * 2^53 wei, i.e. $0.009), the division by 1e18 rounds once more: relative error ≤ 2^-52.
 */
export function wadToNumber(x: bigint): number {
  return Number(x) / 1e18;
}

/** A float (USD, a statistic) back to 18-decimal fixed point, to the nearest representable wei. */
export function numberToWad(x: number): bigint {
  invalid(!Number.isFinite(x), () => `cannot convert ${x} to fixed point`);
  return BigInt(Math.round(x * 1e18));
}

/** A token amount (token units) as a float count of whole tokens. */
export function amountToNumber(amount: bigint, decimals: number): number {
  return Number(amount) / Number(pow10(decimals));
}

/**
 * A price history: one observation every `step` seconds from `start` (unix seconds), as float USD per
 * whole token. Built once per observation at ingestion (`priceSeriesFromWad`), so a recompute reads
 * doubles and never converts a bigint.
 */
export interface PriceSeries {
  assetId: Hex;
  start: number;
  step: number;
  prices: Float64Array;
}

/** The explicit edge: 18-decimal prices (as feeds report them, normalised) → a float series. */
export function priceSeriesFromWad(assetId: Hex, start: number, step: number, prices: readonly bigint[]): PriceSeries {
  const out = new Float64Array(prices.length);
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i];
    invalid(p <= 0n, () => `${assetId}: price #${i} is ${p}; prices must be positive`);
    out[i] = wadToNumber(p);
  }
  return { assetId, start, step, prices: out };
}

/** The last `length` observations of `series` ending at index `end` (exclusive), as a view (no copy). */
export function seriesWindow(series: PriceSeries, length: number, end = series.prices.length): PriceSeries {
  if (!Number.isInteger(length) || length < 2 || end > series.prices.length || end - length < 0) {
    throw new RiskError(
      'INSUFFICIENT_HISTORY',
      `${series.assetId}: a window of ${length} ending at ${end} needs more than ${series.prices.length} prices`,
    );
  }
  const from = end - length;
  return { ...series, start: series.start + from * series.step, prices: series.prices.subarray(from, end) };
}
