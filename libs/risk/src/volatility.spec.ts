import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { normalPdf, normalQuantile } from './normal.js';
import { priceSeriesFromWad, seriesWindow, WAD } from './units.js';
import {
  annualise,
  DEFAULT_EWMA,
  ewmaVariance,
  ewmaVarianceOfDifference,
  ewmaVolatility,
  logReturns,
} from './volatility.js';
import { assertRiskError } from './testing.js';

const returnsArb = (min: number, max: number) =>
  fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { minLength: min, maxLength: max });

describe('logReturns', () => {
  it('is ln(pₜ / pₜ₋₁), one fewer than the prices, and writes into a given buffer', () => {
    const prices = [100, 110, 99, 99];
    const r = logReturns(prices);
    expect(r).toHaveLength(3);
    expect(r[0]).toBeCloseTo(Math.log(1.1), 15); // 0.0953101798…
    expect(r[1]).toBeCloseTo(Math.log(0.9), 15); // −0.1053605156…
    expect(r[2]).toBe(0);
    const out = new Float64Array(3);
    expect(logReturns(prices, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(r));
    expect(logReturns([5])).toHaveLength(0);
  });
});

describe('ewmaVariance', () => {
  // Prices 100, 100e^0.1, 100e^-0.1, 100e^0.2 → log returns r = 0.1, −0.2, 0.3.
  // λ = 0.94, seeded with the first return: σ² = 0.1² = 0.01
  //   after r = −0.2: 0.94·0.01   + 0.06·0.04 = 0.0094   + 0.0024 = 0.0118
  //   after r =  0.3: 0.94·0.0118 + 0.06·0.09 = 0.011092 + 0.0054 = 0.016492
  const prices = [100, 100 * Math.exp(0.1), 100 * Math.exp(-0.1), 100 * Math.exp(0.2)];

  it('matches the hand-computed recursion on a 4-price series', () => {
    const r = logReturns(prices);
    expect(ewmaVariance(r, { lambda: 0.94, seedReturns: 1 })).toBeCloseTo(0.016492, 14);
    expect(ewmaVolatility(r, { lambda: 0.94, seedReturns: 1 })).toBeCloseTo(Math.sqrt(0.016492), 14);
    // seeded with two returns: (0.01 + 0.04)/2 = 0.025, then 0.94·0.025 + 0.06·0.09 = 0.0235 + 0.0054 = 0.0289
    expect(ewmaVariance(r, { lambda: 0.94, seedReturns: 2 })).toBeCloseTo(0.0289, 14);
    // a seed longer than the series is the mean square of all of it: (0.01 + 0.04 + 0.09)/3
    expect(ewmaVariance(r, DEFAULT_EWMA)).toBeCloseTo(0.14 / 3, 14);
  });

  it('of a difference is the EWMA of rₜ − bₜ', () => {
    const r = [0.1, -0.2, 0.3];
    const b = [0.05, -0.05, 0.1]; // r − b = 0.05, −0.15, 0.2
    // 0.0025 → 0.94·0.0025 + 0.06·0.0225 = 0.00235 + 0.00135 = 0.0037 → 0.94·0.0037 + 0.06·0.04 = 0.003478 + 0.0024 = 0.005878
    expect(ewmaVarianceOfDifference(r, b, { lambda: 0.94, seedReturns: 1 })).toBeCloseTo(0.005878, 14);
    expect(ewmaVarianceOfDifference(r, [0, 0, 0], DEFAULT_EWMA)).toBe(ewmaVariance(r, DEFAULT_EWMA));
  });

  it('annualises by √365 (or the periods given)', () => {
    expect(annualise(0.02)).toBeCloseTo(0.02 * 19.104973174542799, 14);
    expect(annualise(0.1, 4)).toBeCloseTo(0.2, 15);
  });

  it('scales with the square of the returns and is never negative', () => {
    fc.assert(
      fc.property(returnsArb(1, 60), fc.double({ min: 0.1, max: 10, noNaN: true }), (r, k) => {
        const options = { lambda: 0.9, seedReturns: 5 };
        const v = ewmaVariance(r, options);
        expect(v).toBeGreaterThanOrEqual(0);
        const scaled = ewmaVariance(
          r.map((x) => k * x),
          options,
        );
        expect(Math.abs(scaled - k * k * v)).toBeLessThanOrEqual(1e-12 * (k * k * v) + 1e-300);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects λ outside (0, 1), a seed < 1, no returns and mismatched lengths', () => {
    assertRiskError(() => ewmaVariance([0.1], { lambda: 1, seedReturns: 1 }), 'INVALID_INPUT');
    assertRiskError(() => ewmaVariance([0.1], { lambda: 0, seedReturns: 1 }), 'INVALID_INPUT');
    assertRiskError(() => ewmaVariance([0.1], { lambda: Number.NaN, seedReturns: 1 }), 'INVALID_INPUT');
    assertRiskError(() => ewmaVariance([0.1], { lambda: 0.9, seedReturns: 0 }), 'INVALID_INPUT');
    assertRiskError(() => ewmaVariance([0.1], { lambda: 0.9, seedReturns: 1.5 }), 'INVALID_INPUT');
    assertRiskError(() => ewmaVariance([]), 'INVALID_INPUT');
    assertRiskError(() => ewmaVarianceOfDifference([0.1, 0.2], [0.1]), 'INVALID_INPUT');
    assertRiskError(() => annualise(0.1, 0), 'INVALID_INPUT');
  });
});

describe('normalQuantile', () => {
  it('matches the tabulated quantiles', () => {
    expect(Math.abs(normalQuantile(0.99) - 2.3263478740408408)).toBeLessThan(1e-12);
    expect(Math.abs(normalQuantile(0.975) - 1.959963984540054)).toBeLessThan(1e-12);
    expect(Math.abs(normalQuantile(0.95) - 1.6448536269514722)).toBeLessThan(1e-12);
    expect(normalQuantile(0.5)).toBe(0);
    // the far tail (r > 5 branch): Φ⁻¹(1e-10) = −6.361340902404056
    expect(Math.abs(normalQuantile(1e-10) + 6.361340902404056)).toBeLessThan(1e-12);
  });

  it('is antisymmetric around ½ and increasing', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 0.5, noNaN: true }),
        fc.double({ min: 1e-6, max: 0.5, noNaN: true }),
        (p, q) => {
          expect(normalQuantile(1 - p)).toBeCloseTo(-normalQuantile(p), 6);
          if (p < q) expect(normalQuantile(p)).toBeLessThanOrEqual(normalQuantile(q));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects p outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) assertRiskError(() => normalQuantile(p), 'INVALID_INPUT');
  });

  it('has the standard normal density', () => {
    expect(normalPdf(0)).toBeCloseTo(0.3989422804014327, 15);
    expect(normalPdf(2.3263478740408408)).toBeCloseTo(0.026652142203458, 14);
  });
});

describe('price series', () => {
  const id = '0x01' as const;

  it('converts 18-decimal prices to floats and windows them without copying', () => {
    const s = priceSeriesFromWad(id, 1000, 86400, [WAD, 2n * WAD, 3n * WAD + WAD / 2n, 4n * WAD]);
    expect(Array.from(s.prices)).toEqual([1, 2, 3.5, 4]);
    const w = seriesWindow(s, 2, 3);
    expect(Array.from(w.prices)).toEqual([2, 3.5]);
    expect(w.start).toBe(1000 + 86400);
    expect(w.prices.buffer).toBe(s.prices.buffer);
    expect(Array.from(seriesWindow(s, 3).prices)).toEqual([2, 3.5, 4]);
  });

  it('rejects non-positive prices and windows longer than the history', () => {
    assertRiskError(() => priceSeriesFromWad(id, 0, 1, [WAD, 0n]), 'INVALID_INPUT');
    const s = priceSeriesFromWad(id, 0, 1, [WAD, WAD, WAD]);
    assertRiskError(() => seriesWindow(s, 4), 'INSUFFICIENT_HISTORY');
    assertRiskError(() => seriesWindow(s, 1), 'INSUFFICIENT_HISTORY');
    assertRiskError(() => seriesWindow(s, 2, 4), 'INSUFFICIENT_HISTORY');
  });
});
