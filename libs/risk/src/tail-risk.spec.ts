import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { pearson } from './correlation.js';
import { empiricalTail, historicalTailRisk, parametricTailRisk } from './tail-risk.js';
import { numberToWad } from './units.js';
import { assertRiskError } from './testing.js';

/** prices p₀·exp(k·Σ returns): scaling k scales every log return of the path. */
function pathOf(returns: readonly number[], k = 1, p0 = 100): Float64Array {
  const p = new Float64Array(returns.length + 1);
  let level = 0;
  p[0] = p0;
  for (let t = 0; t < returns.length; t++) {
    level += returns[t];
    p[t + 1] = p0 * Math.exp(k * level);
  }
  return p;
}

describe('historical VaR / ES', () => {
  // One factor, exposure $100, per-period returns (%) −3, +1, −7, −2, −10, +4, −5, 0, −8, −1: the loss of
  // scenario s is −100·(p[s+1]/p[s] − 1), i.e. 3, −1, 7, 2, 10, −4, 5, 0, 8, 1.
  // Sorted: −4, −1, 0, 1, 2, 3, 5, 7, 8, 10 (N = 10).
  const pct = [-3, 1, -7, -2, -10, 4, -5, 0, -8, -1];
  const prices = new Float64Array(pct.length + 1);
  prices[0] = 100;
  pct.forEach((r, s) => (prices[s + 1] = prices[s] * (1 + r / 100)));

  it.each([
    // c, j = ⌈N·c⌉, VaR = j-th smallest, ES = mean of the j-th smallest and above
    [9000, 8, 9], // j = ⌈9⌉ = 9: VaR 8, ES (8 + 10)/2 = 9
    [9500, 10, 10], // j = ⌈9.5⌉ = 10: VaR 10, ES 10
    [7500, 7, 25 / 3], // j = ⌈7.5⌉ = 8: VaR 7, ES (7 + 8 + 10)/3
    [8000, 7, 25 / 3], // j = ⌈8⌉ = 8 (a whole N·c is not rounded up)
    [5000, 2, 35 / 6], // j = 5: VaR 2, ES (2 + 3 + 5 + 7 + 8 + 10)/6
  ])('at %i bps: VaR %p, ES %p on a 10-scenario sample', (confidenceBps, v, es) => {
    const t = historicalTailRisk([100], [prices], { confidenceBps, horizon: 1 });
    expect(t.method).toBe('historical');
    expect(t.scenarios).toBe(10);
    expect(t.varUsd).toBeCloseTo(v, 9);
    expect(t.esUsd).toBeCloseTo(es, 9);
    expect(t.var).toBe(numberToWad(t.varUsd));
    expect(t.es).toBe(numberToWad(t.esUsd));
    const sample = Float64Array.from([3, -1, 7, 2, 10, -4, 5, 0, 8, 1]);
    expect(empiricalTail(sample, confidenceBps)).toEqual({ var: v, es: expect.closeTo(es, 12) });
    // reordered in place: VaR at j − 1, the smaller losses before it, the larger after it in ascending order
    const j = Math.ceil(confidenceBps / 1000);
    expect(Array.from(sample.subarray(j - 1))).toEqual([-4, -1, 0, 1, 2, 3, 5, 7, 8, 10].slice(j - 1));
    expect(Array.from(sample.subarray(0, j - 1)).sort((a, b) => a - b)).toEqual(
      [-4, -1, 0, 1, 2, 3, 5, 7, 8].slice(0, j - 1),
    );
  });

  it('selects the same VaR and ES, to the bit, as a full sort', () => {
    // few distinct values: many ties, ±0 included
    const loss = fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.constantFrom(-0, 0.1, 1e-300),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
    );
    fc.assert(
      fc.property(
        fc.array(loss, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 9999 }),
        (values, confidenceBps) => {
          const sorted = Float64Array.from(values).sort();
          const j = Math.ceil((values.length * confidenceBps) / 10_000);
          const v = sorted[j - 1];
          let excess = 0;
          for (let s = j; s < values.length; s++) excess += sorted[s] - v;
          const t = empiricalTail(Float64Array.from(values), confidenceBps);
          expect(t.var === v).toBe(true); // −0 and 0 are the same loss
          expect(t.es === v + excess / (values.length - j + 1)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    assertRiskError(() => empiricalTail(Float64Array.from([1, NaN, 2]), 5000), 'INVALID_INPUT');
  });

  it('keeps ES ≥ VaR when the tail is a run of equal losses', () => {
    // 13 equal losses from j = 12 up: their float mean lands an ulp below them, their mean excess is 0
    const t = empiricalTail(new Float64Array(24).fill(14.089470302000397), 5000);
    expect(t).toEqual({ var: 14.089470302000397, es: 14.089470302000397 });
  });

  it('revalues collateral and debt over overlapping horizon-period scenarios', () => {
    // collateral $1000 at prices 100, 90, 80, 120; debt $500 at prices 1, 1, 1.1, 1; horizon 2 → 2 scenarios
    // s = 0: −1000·(80/100 − 1) + 500·(1.1/1 − 1) = 200 + 50 = 250
    // s = 1: −1000·(120/90 − 1) + 500·(1/1 − 1) = −333.33…
    const histories = [Float64Array.from([100, 90, 80, 120]), Float64Array.from([1, 1, 1.1, 1])];
    const high = historicalTailRisk([1000, -500], histories, { confidenceBps: 9000, horizon: 2 }); // j = ⌈1.8⌉ = 2
    expect(high.scenarios).toBe(2);
    expect(high.varUsd).toBeCloseTo(250, 9);
    expect(high.esUsd).toBeCloseTo(250, 9);
    const mid = historicalTailRisk([1000, -500], histories, { confidenceBps: 5000, horizon: 2 }); // j = 1
    expect(mid.varUsd).toBeCloseTo(-1000 / 3, 9);
    expect(mid.esUsd).toBeCloseTo((250 - 1000 / 3) / 2, 9);
    const scratch = new Float64Array(16).fill(7);
    expect(historicalTailRisk([1000, -500], histories, { confidenceBps: 5000, horizon: 2 }, scratch)).toEqual(mid);
  });

  it('rejects bad options, misaligned and short histories', () => {
    const p = Float64Array.from([1, 2, 3]);
    assertRiskError(() => historicalTailRisk([1], [p], { confidenceBps: 0, horizon: 1 }), 'INVALID_INPUT');
    assertRiskError(() => historicalTailRisk([1], [p], { confidenceBps: 10_000, horizon: 1 }), 'INVALID_INPUT');
    assertRiskError(() => historicalTailRisk([1], [p], { confidenceBps: 99.5, horizon: 1 }), 'INVALID_INPUT');
    assertRiskError(() => historicalTailRisk([1], [p], { confidenceBps: 9900, horizon: 0 }), 'INVALID_INPUT');
    assertRiskError(() => historicalTailRisk([1, 2], [p], { confidenceBps: 9900, horizon: 1 }), 'INVALID_INPUT');
    const short = Float64Array.from([1, 2]);
    assertRiskError(
      () => historicalTailRisk([1, 1], [p, short], { confidenceBps: 9900, horizon: 1 }),
      'MISALIGNED_HISTORY',
    );
    assertRiskError(() => historicalTailRisk([1], [p], { confidenceBps: 9900, horizon: 3 }), 'INSUFFICIENT_HISTORY');
    assertRiskError(() => historicalTailRisk([], [], { confidenceBps: 9900, horizon: 1 }), 'INSUFFICIENT_HISTORY');
    assertRiskError(() => empiricalTail(new Float64Array(0), 9900), 'INVALID_INPUT');
  });
});

describe('parametric VaR / ES', () => {
  it('matches the hand-computed delta-normal VaR of two exposures', () => {
    // w = ($1,000,000, −$400,000), σ = (3 %, 1 %), ρ = 0.5: wσ = (30,000, −4,000)
    // σ²_V = 30,000² + 4,000² + 2·0.5·30,000·(−4,000) = 9e8 + 1.6e7 − 1.2e8 = 7.96e8 per period
    // horizon 4: σ_V = √(7.96e8·4) = 56,426.9439…; VaR₉₉ = 2.3263478740408408·σ_V = 131,267.9…
    // ES₉₉ = σ_V·φ(2.3263…)/0.01 = σ_V·0.026652142203458/0.01 = 150,389.0…
    const rho = Float64Array.from([1, 0.5, 0.5, 1]);
    const t = parametricTailRisk([1_000_000, -400_000], [0.03, 0.01], rho, { confidenceBps: 9900, horizon: 4 });
    const sigma = Math.sqrt(7.96e8 * 4);
    expect(t.method).toBe('parametric');
    expect(t.sigmaUsd).toBeCloseTo(sigma, 8);
    expect(t.varUsd).toBeCloseTo(2.3263478740408408 * sigma, 7);
    expect(t.esUsd).toBeCloseTo((sigma * 0.026652142203458) / 0.01, 5);
    expect(t.var).toBe(numberToWad(t.varUsd));
    expect(t.scenarios).toBe(0);
  });

  it('adds perfectly correlated exposures linearly and offsets hedged ones', () => {
    const one = Float64Array.from([1, 1, 1, 1]);
    const long = parametricTailRisk([100, 50], [0.02, 0.04], one, { confidenceBps: 9750, horizon: 1 });
    expect(long.sigmaUsd).toBeCloseTo(4, 12); // 100·0.02 + 50·0.04
    const hedged = parametricTailRisk([100, -50], [0.02, 0.04], one, { confidenceBps: 9750, horizon: 1 });
    expect(hedged.varUsd).toBe(0);
  });

  it('rejects mismatched sizes and bad options', () => {
    const rho = Float64Array.from([1]);
    assertRiskError(() => parametricTailRisk([1, 2], [0.1], rho, { confidenceBps: 9900, horizon: 1 }), 'INVALID_INPUT');
    assertRiskError(() => parametricTailRisk([1], [0.1], rho, { confidenceBps: 9900, horizon: 1.5 }), 'INVALID_INPUT');
    assertRiskError(
      () => parametricTailRisk([Infinity], [0.1], rho, { confidenceBps: 9900, horizon: 1 }),
      'INVALID_INPUT',
    );
  });
});

const returnArb = fc.double({ min: -0.3, max: 0.3, noNaN: true });
const scaleArb = fc.double({ min: 1, max: 4, noNaN: true });
const highConfidence = fc.integer({ min: 5000, max: 9990 });

describe('tail risk properties', () => {
  it('ES ≥ VaR for any book and history (historical)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -1e7, max: 1e7, noNaN: true }),
            fc.array(returnArb, { minLength: 12, maxLength: 12 }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 4 }),
        (factors, confidenceBps, horizon) => {
          const t = historicalTailRisk(
            factors.map(([w]) => w),
            factors.map(([, r]) => pathOf(r)),
            { confidenceBps, horizon },
          );
          expect(t.esUsd).toBeGreaterThanOrEqual(t.varUsd);
          expect(t.es >= t.var).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('historical VaR does not fall when the log returns are scaled up (one factor, a loss at the quantile)', () => {
    // Full revaluation is convex in the returns, so for a book of factors moving in opposite directions a
    // larger move can shrink a loss; with one factor (or factors on one driver, below) scenarios keep
    // their order and a loss only grows.
    fc.assert(
      fc.property(
        fc.double({ min: -1e7, max: 1e7, noNaN: true }),
        fc.array(returnArb, { minLength: 5, maxLength: 60 }),
        scaleArb,
        highConfidence,
        fc.integer({ min: 1, max: 3 }),
        (w, returns, k, confidenceBps, horizon) => {
          fc.pre(returns.length > horizon);
          const o = { confidenceBps, horizon };
          const base = historicalTailRisk([w], [pathOf(returns)], o);
          fc.pre(base.varUsd >= 0);
          const stressed = historicalTailRisk([w], [pathOf(returns, k)], o);
          expect(stressed.varUsd).toBeGreaterThanOrEqual(base.varUsd - 1e-12 * Math.abs(w));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('historical VaR does not fall when the log returns are scaled up (collateral on one driver, stable debt)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0.2, max: 2, noNaN: true })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.double({ min: -1e7, max: 0, noNaN: true }),
        fc.array(returnArb, { minLength: 5, maxLength: 60 }),
        scaleArb,
        highConfidence,
        (assets, debt, driver, k, confidenceBps) => {
          const exposures = [debt, ...assets.map(([w]) => w)];
          const stable = new Float64Array(driver.length + 1).fill(1);
          const histories = (s: number) => [stable, ...assets.map(([, beta]) => pathOf(driver, s * beta))];
          const o = { confidenceBps, horizon: 1 };
          const base = historicalTailRisk(exposures, histories(1), o);
          fc.pre(base.varUsd >= 0);
          const stressed = historicalTailRisk(exposures, histories(k), o);
          const scale = exposures.reduce((s, w) => s + Math.abs(w), 0);
          expect(stressed.varUsd).toBeGreaterThanOrEqual(base.varUsd - 1e-12 * scale);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('parametric VaR does not fall and ES ≥ VaR when the vols are scaled up', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 4 })
          .chain((k) =>
            fc.tuple(
              fc.array(fc.double({ min: -1e7, max: 1e7, noNaN: true }), { minLength: k, maxLength: k }),
              fc.array(fc.double({ min: 0, max: 0.3, noNaN: true }), { minLength: k, maxLength: k }),
              fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: k * (k + 4), maxLength: k * (k + 4) }),
            ),
          ),
        scaleArb,
        highConfidence,
        fc.integer({ min: 1, max: 10 }),
        ([exposures, vols, data], s, confidenceBps, horizon) => {
          const k = exposures.length;
          const rho = pearson(Float64Array.from(data), k, k + 4).values;
          const o = { confidenceBps, horizon };
          const base = parametricTailRisk(exposures, vols, rho, o);
          const stressed = parametricTailRisk(
            exposures,
            vols.map((v) => v * s),
            rho,
            o,
          );
          // rounding noise of wᵀΣw, carried through the square root
          let terms = 0;
          for (let i = 0; i < k; i++)
            for (let j = 0; j < k; j++) terms += Math.abs(exposures[i] * vols[i] * exposures[j] * vols[j]);
          const noise = 3 * Math.sqrt(1e-14 * terms * horizon) * s;
          expect(stressed.varUsd).toBeGreaterThanOrEqual(base.varUsd - noise);
          expect(base.esUsd).toBeGreaterThanOrEqual(base.varUsd);
          expect(stressed.esUsd).toBeGreaterThanOrEqual(stressed.varUsd);
        },
      ),
      { numRuns: 200 },
    );
  });
});
