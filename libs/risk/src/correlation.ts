import type { Hex } from 'viem';
import { RiskError, invalid } from './errors.js';
import { logReturns } from './volatility.js';

/**
 * Pearson correlation, floating point. A series with zero variance over the window (a constant
 * price) has no defined correlation; it gets 0 against every other series and 1 with itself, and is
 * listed in `degenerate`, so the matrix stays symmetric, positive semi-definite, unit-diagonal and
 * inside [−1, 1].
 */
export interface Correlation {
  size: number;
  /** size × size, row-major */
  values: Float64Array;
  /** indices of the series with zero variance */
  degenerate: number[];
}

/**
 * Pearson correlation of `rows` series of `length` observations each, stored row-major in `data`.
 * Two passes per series (mean, then centred sum of squares) for accuracy, then one dot product per
 * pair of standardised rows: rows·length + rows²·length/2 multiply-adds. `scratch` (at least
 * rows·length long, e.g. reused across calls) holds the standardised rows instead of a new array.
 */
export function pearson(data: Float64Array, rows: number, length: number, scratch?: Float64Array): Correlation {
  invalid(data.length < rows * length, () => `pearson: ${data.length} values for ${rows}×${length}`);
  invalid(length < 2, 'pearson needs at least two observations per series');
  const size = rows * length;
  const z = scratch !== undefined && scratch.length >= size ? scratch.subarray(0, size) : new Float64Array(size);
  const degenerate: number[] = [];
  for (let i = 0; i < rows; i++) {
    const o = i * length;
    // a constant series is told by its values, not by its centred sum of squares: the float mean of
    // equal values can miss them by an ulp, which leaves a tiny nonzero variance
    const first = data[o];
    let constant = true;
    let mean = 0;
    for (let t = 0; t < length; t++) {
      const x = data[o + t];
      mean += x;
      if (x !== first) constant = false;
    }
    mean /= length;
    let ss = 0;
    for (let t = 0; t < length; t++) {
      const d = data[o + t] - mean;
      z[o + t] = d;
      ss += d * d;
    }
    const norm = Math.sqrt(ss);
    if (constant || !(norm > 0) || !Number.isFinite(norm)) {
      invalid(!Number.isFinite(ss), () => `pearson: series ${i} is not finite`);
      degenerate.push(i);
      z.fill(0, o, o + length);
      continue;
    }
    for (let t = 0; t < length; t++) z[o + t] = z[o + t] / norm;
  }
  return { size: rows, values: standardisedDots(z, rows, length, degenerate), degenerate };
}

function standardisedDots(z: Float64Array, rows: number, length: number, degenerate: readonly number[]): Float64Array {
  const values = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    values[i * rows + i] = 1;
    const oi = i * length;
    for (let j = i + 1; j < rows; j++) {
      const oj = j * length;
      let dot = 0;
      for (let t = 0; t < length; t++) dot += z[oi + t] * z[oj + t];
      const rho = dot > 1 ? 1 : dot < -1 ? -1 : dot; // rounding can step past ±1 by an ulp
      values[i * rows + j] = rho;
      values[j * rows + i] = rho;
    }
  }
  for (const d of degenerate) values[d * rows + d] = 1;
  return values;
}

/**
 * A segment's collateral index: the value of its current collateral basket at each past price,
 * Iₜ = Σₐ wₐ · Pₐ,ₜ / Pₐ,last, where wₐ is the asset's current collateral value (USD, float): a
 * fixed-quantity basket, equal to the collateral value today. With no collateral at all the assets
 * weigh equally. All `prices` series must have one length.
 */
export function collateralIndex(prices: readonly Float64Array[], weights: ArrayLike<number>): Float64Array {
  invalid(prices.length === 0 || weights.length !== prices.length, 'collateralIndex: one weight per price series');
  const n = prices[0].length;
  let total = 0;
  for (let a = 0; a < weights.length; a++) total += weights[a];
  const index = new Float64Array(n);
  for (let a = 0; a < prices.length; a++) {
    const p = prices[a];
    if (p.length !== n) throw new RiskError('MISALIGNED_HISTORY', 'collateralIndex: series of different lengths');
    const w = total > 0 ? weights[a] : 1;
    if (w === 0) continue;
    const scale = w / p[n - 1]; // n ≥ 1
    for (let t = 0; t < n; t++) index[t] = index[t] + scale * p[t];
  }
  return index;
}

export interface SegmentIndex {
  segment: Hex;
  /** index levels (or any price-like series), one per period, all segments aligned */
  levels: ArrayLike<number>;
}

export interface CorrelationMatrix extends Correlation {
  segments: readonly Hex[];
  /** log returns used per segment, ending at `end` (exclusive, in returns) */
  window: number;
  end: number;
}

/**
 * Cross-segment correlation over a rolling window: Pearson on the last `window` log returns of each
 * segment's index, ending at return `end` (exclusive; the latest by default). Roll it by moving `end`.
 */
export function segmentCorrelation(indexes: readonly SegmentIndex[], window: number, end?: number): CorrelationMatrix {
  invalid(indexes.length === 0, 'segmentCorrelation: no segments');
  const levels = indexes[0].levels.length;
  const last = end ?? levels - 1;
  if (!Number.isInteger(window) || window < 2 || last > levels - 1 || last - window < 0) {
    throw new RiskError(
      'INSUFFICIENT_HISTORY',
      `a window of ${window} returns ending at ${last} needs more than ${levels} levels`,
    );
  }
  const data = new Float64Array(indexes.length * window);
  const scratch = new Float64Array(window);
  indexes.forEach((s, i) => {
    if (s.levels.length !== levels)
      throw new RiskError('MISALIGNED_HISTORY', `${s.segment}: ${s.levels.length} levels, not ${levels}`);
    const from = last - window; // returns [from, last) use levels [from, last]
    logReturns(levelsSlice(s.levels, from, last + 1), scratch);
    data.set(scratch, i * window);
  });
  return { ...pearson(data, indexes.length, window), segments: indexes.map((s) => s.segment), window, end: last };
}

function levelsSlice(levels: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (levels instanceof Float64Array) return levels.subarray(from, to);
  return Array.from({ length: to - from }, (_, i) => levels[from + i]);
}

/** ρ between two entries of a matrix. */
export function correlationAt(m: Correlation, i: number, j: number): number {
  invalid(i < 0 || j < 0 || i >= m.size || j >= m.size, () => `correlationAt(${i}, ${j}) outside ${m.size}×${m.size}`);
  return m.values[i * m.size + j];
}

export interface CorrelatedPair {
  a: Hex;
  b: Hex;
  rho: number;
}

/**
 * The pairs of distinct segments whose correlation is at least `threshold`, highest first; `include`
 * narrows them (e.g. to segments that are meant to be independent).
 */
export function correlatedPairs(
  m: CorrelationMatrix,
  threshold: number,
  include: (a: Hex, b: Hex) => boolean = () => true,
): CorrelatedPair[] {
  invalid(!(threshold >= -1 && threshold <= 1), () => `threshold ${threshold} must be in [−1, 1]`);
  const pairs: CorrelatedPair[] = [];
  for (let i = 0; i < m.size; i++) {
    for (let j = i + 1; j < m.size; j++) {
      const rho = m.values[i * m.size + j];
      const a = m.segments[i];
      const b = m.segments[j];
      if (rho >= threshold && include(a, b)) pairs.push({ a, b, rho });
    }
  }
  return pairs.sort((x, y) => y.rho - x.rho);
}
