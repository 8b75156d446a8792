import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Hex } from 'viem';
import { crossSegmentCorrelation } from './assess.js';
import { collateralIndex, correlatedPairs, correlationAt, pearson, segmentCorrelation } from './correlation.js';
import type { AssetMarket } from './book.js';
import { assertRiskError } from './testing.js';

const seg = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;
/** levels e^(Σ returns), starting at 1 */
const levelsOf = (returns: readonly number[]) => {
  const out = new Float64Array(returns.length + 1);
  out[0] = 1;
  returns.forEach((r, t) => (out[t + 1] = out[t] * Math.exp(r)));
  return out;
};

describe('pearson', () => {
  it('matches a hand-computed correlation', () => {
    // x = 1, 2, 3, 4 and y = 2, 1, 4, 3 (both mean 2.5): dx = −1.5, −0.5, 0.5, 1.5; dy = −0.5, −1.5, 1.5, 0.5
    // Σdx·dy = 0.75 + 0.75 + 0.75 + 0.75 = 3; Σdx² = Σdy² = 2.25 + 0.25 + 0.25 + 2.25 = 5 → ρ = 3/5 = 0.6
    const m = pearson(Float64Array.from([1, 2, 3, 4, 2, 1, 4, 3]), 2, 4);
    expect(m.size).toBe(2);
    expect(m.values[1]).toBeCloseTo(0.6, 15);
    expect(m.values[2]).toBe(m.values[1]);
    expect([m.values[0], m.values[3]]).toEqual([1, 1]);
    expect(m.degenerate).toEqual([]);
  });

  it('gives exactly ±1 for proportional and negated series', () => {
    const x = [0.013, -0.021, 0.007, 0.03, -0.011, 0.002];
    const m = pearson(Float64Array.from([...x, ...x.map((v) => 3 * v + 1), ...x.map((v) => -v)]), 3, 6);
    expect(correlationAt(m, 0, 1)).toBeCloseTo(1, 14);
    expect(correlationAt(m, 0, 2)).toBeCloseTo(-1, 14);
    expect(correlationAt(m, 1, 2)).toBeCloseTo(-1, 14);
  });

  it('reports constant series as degenerate: 0 against the others, 1 with itself', () => {
    // the float mean of seven 0.1s is 0.09999999999999999, not 0.1: centred, the constant series is not 0
    const data = Float64Array.from([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 1, 3, 2, 5, 4, 6, 7, 0, 0, 0, 0, 0, 0, 0]);
    const m = pearson(data, 3, 7);
    expect(m.degenerate).toEqual([0, 2]);
    expect(Array.from(m.values)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('rejects too little data, single observations and non-finite series', () => {
    assertRiskError(() => pearson(new Float64Array(3), 2, 2), 'INVALID_INPUT');
    assertRiskError(() => pearson(new Float64Array(2), 2, 1), 'INVALID_INPUT');
    assertRiskError(() => pearson(Float64Array.from([1, Infinity, 1, 2]), 2, 2), 'INVALID_INPUT');
    assertRiskError(() => correlationAt(pearson(new Float64Array(4), 2, 2), 0, 2), 'INVALID_INPUT');
  });

  it('is a symmetric unit-diagonal matrix in [−1, 1], invariant under positive affine maps', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 4 })
          .chain((rows) =>
            fc.tuple(
              fc.constant(rows),
              fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: rows * 8, maxLength: rows * 8 }),
            ),
          ),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        ([rows, data], a, b) => {
          // values on a 1e-3 grid: no tiny magnitudes for the affine map to wipe out
          const m = pearson(
            Float64Array.from(data, (x) => x / 1000),
            rows,
            8,
          );
          const shifted = pearson(
            Float64Array.from(data, (x) => (a * x) / 1000 + b),
            rows,
            8,
          );
          expect(shifted.degenerate).toEqual(m.degenerate);
          for (let i = 0; i < rows; i++) {
            expect(m.values[i * rows + i]).toBe(1);
            for (let j = 0; j < rows; j++) {
              const rho = m.values[i * rows + j];
              expect(rho).toBe(m.values[j * rows + i]);
              expect(Math.abs(rho)).toBeLessThanOrEqual(1);
              if (!m.degenerate.includes(i) && !m.degenerate.includes(j))
                expect(Math.abs(shifted.values[i * rows + j] - rho)).toBeLessThan(1e-6);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('collateralIndex', () => {
  it('is the current basket valued at past prices', () => {
    // weights $200 and $100; I = 200·P₁/20 + 100·P₂/1 for P₁ = 10, 15, 20 and P₂ = 4, 2, 1
    const p1 = Float64Array.from([10, 15, 20]);
    const p2 = Float64Array.from([4, 2, 1]);
    expect(Array.from(collateralIndex([p1, p2], [200, 100]))).toEqual([500, 350, 300]);
    // no collateral at all: equal weights of 1 → 0.5 + 4, 0.75 + 2, 1 + 1
    expect(Array.from(collateralIndex([p1, p2], [0, 0]))).toEqual([4.5, 2.75, 2]);
  });

  it('rejects missing weights and series of different lengths', () => {
    assertRiskError(() => collateralIndex([], []), 'INVALID_INPUT');
    assertRiskError(() => collateralIndex([new Float64Array(2)], [1, 2]), 'INVALID_INPUT');
    const a = Float64Array.from([1, 2, 3]);
    assertRiskError(() => collateralIndex([a, Float64Array.from([1, 2])], [1, 1]), 'MISALIGNED_HISTORY');
  });
});

describe('segmentCorrelation', () => {
  const base = [0.01, -0.02, 0.015, 0.003, -0.008, 0.02, -0.004, 0.011];
  const noise = [0.002, 0.01, -0.03, 0.004, 0.02, -0.001, 0.006, -0.015];
  const indexes = [
    { segment: seg(1), levels: levelsOf(base) },
    { segment: seg(2), levels: Array.from(levelsOf(base.map((r) => 2 * r))) }, // a plain array works too
    { segment: seg(3), levels: levelsOf(base.map((r) => -r)) },
    { segment: seg(4), levels: levelsOf(noise) },
  ];

  it('correlates the log returns of the indexes over the window', () => {
    const m = segmentCorrelation(indexes, 8);
    expect([m.window, m.end, m.segments]).toEqual([8, 8, indexes.map((i) => i.segment)]);
    expect(correlationAt(m, 0, 1)).toBeCloseTo(1, 12);
    expect(correlationAt(m, 0, 2)).toBeCloseTo(-1, 12);
    const direct = pearson(Float64Array.from([...base, ...noise]), 2, 8).values[1];
    expect(correlationAt(m, 0, 3)).toBeCloseTo(direct, 12);
  });

  it('rolls: a window ending earlier reads only the returns before it', () => {
    const m = segmentCorrelation(indexes, 4, 6); // returns 2 … 5
    const direct = pearson(Float64Array.from([...base.slice(2, 6), ...noise.slice(2, 6)]), 2, 4).values[1];
    expect(correlationAt(m, 0, 3)).toBeCloseTo(direct, 12);
  });

  it('lists the correlated pairs highest first, optionally filtered', () => {
    const m = segmentCorrelation(indexes, 8);
    const pairs = correlatedPairs(m, 0.9);
    expect(pairs.map((p) => [p.a, p.b])).toEqual([[seg(1), seg(2)]]);
    expect(correlatedPairs(m, -1).map((p) => p.rho)).toEqual(
      [...correlatedPairs(m, -1).map((p) => p.rho)].sort((x, y) => y - x),
    );
    expect(correlatedPairs(m, -1)).toHaveLength(6);
    expect(correlatedPairs(m, 0.9, (a) => a !== seg(1))).toEqual([]);
    assertRiskError(() => correlatedPairs(m, 1.5), 'INVALID_INPUT');
  });

  it('rejects short and misaligned histories', () => {
    assertRiskError(() => segmentCorrelation(indexes, 9), 'INSUFFICIENT_HISTORY');
    assertRiskError(() => segmentCorrelation(indexes, 1), 'INSUFFICIENT_HISTORY');
    assertRiskError(() => segmentCorrelation(indexes, 4, 3), 'INSUFFICIENT_HISTORY');
    assertRiskError(() => segmentCorrelation([], 4), 'INVALID_INPUT');
    const ragged = [...indexes, { segment: seg(5), levels: levelsOf(base.slice(1)) }];
    assertRiskError(() => segmentCorrelation(ragged, 4), 'MISALIGNED_HISTORY');
  });
});

describe('crossSegmentCorrelation', () => {
  const market = (prices: Float64Array): AssetMarket => ({
    assetId: seg(99),
    decimals: 18,
    price: 1n,
    history: { assetId: seg(99), start: 0, step: 86400, prices },
  });

  it('correlates the collateral baskets at current weights', () => {
    const a = levelsOf([0.01, -0.02, 0.015, 0.003, -0.008, 0.02]);
    const b = levelsOf([0.004, 0.01, -0.03, 0.004, 0.02, -0.001]);
    const m = crossSegmentCorrelation(
      [
        { segment: seg(1), collaterals: [market(a)], weights: [1] },
        { segment: seg(2), collaterals: [market(a), market(b)], weights: [5, 0] }, // only a weighs
        { segment: seg(3), collaterals: [market(b)], weights: [0] }, // no collateral: equal weights
      ],
      5,
    );
    expect(correlationAt(m, 0, 1)).toBeCloseTo(1, 12);
    const direct = segmentCorrelation(
      [
        { segment: seg(1), levels: a },
        { segment: seg(3), levels: b },
      ],
      5,
    );
    expect(correlationAt(m, 0, 2)).toBeCloseTo(correlationAt(direct, 0, 1), 12);
    assertRiskError(
      () => crossSegmentCorrelation([{ segment: seg(1), collaterals: [market(a)], weights: [1] }], 7),
      'INVALID_INPUT',
    );
  });
});
