import { describe, expect, it } from '@jest/globals';
import { SimulationError } from './errors.js';
import { keyPointPath, syntheticPaths, type SyntheticSpec } from './paths.js';
import { WAD } from './wad.js';

const usd = (x: string): bigint => {
  const [whole, frac = ''] = x.split('.');
  return BigInt(whole) * WAD + BigInt(frac.padEnd(18, '0'));
};

function assertInvalid(fn: () => unknown, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SimulationError);
  expect((caught as SimulationError).code).toBe('INVALID_SCENARIO');
  expect((caught as SimulationError).message).toBe(message);
}

const logReturns = (path: readonly bigint[], from = 1, to = path.length - 1): number[] => {
  const out: number[] = [];
  for (let t = from; t <= to; t++) out.push(Math.log(Number(path[t]) / Number(path[t - 1])));
  return out;
};

function correlation(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((a, v) => a + v, 0) / x.length;
  const my = y.reduce((a, v) => a + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const spec = (overrides: Partial<SyntheticSpec> = {}): SyntheticSpec => ({
  seed: 2026,
  lead: 'WETH',
  correlation: 0.5,
  volBps: 150,
  crashBps: 6000,
  crashFrom: 60,
  crashSteps: 6,
  start: new Map([
    ['WETH', 3000n * WAD],
    ['WBTC', 90_000n * WAD],
    ['CRV', 6n * 10n ** 17n],
  ]),
  steps: 96,
  ...overrides,
});

describe('keyPointPath', () => {
  it('interpolates linearly between points and stays flat before the first and after the last', () => {
    // (2, $1) → (6, $3): +$0.50 a step; (6, $3) → (8, $2): −$0.50 a step
    const path = keyPointPath(
      [
        [2, '1'],
        [6, '3'],
        [8, '2'],
      ],
      10,
      'f',
    );
    expect(path).toEqual(['1', '1', '1', '1.5', '2', '2.5', '3', '2.5', '2', '2'].map(usd));
  });

  it('rounds a rising segment down in fixed point', () => {
    // $1 → $2 over 3 steps: 1 + 1/3 and 1 + 2/3, each to 18 decimals, floored
    expect(
      keyPointPath(
        [
          [0, '1'],
          [3, '2'],
        ],
        5,
        'f',
      ),
    ).toEqual([WAD, 1_333_333_333_333_333_333n, 1_666_666_666_666_666_666n, 2n * WAD, 2n * WAD]);
    // a single point is a flat path
    expect(keyPointPath([[3, '0.61']], 4, 'f')).toEqual(Array.from({ length: 4 }, () => usd('0.61')));
  });

  it('rejects steps that do not increase, steps outside the path, zero prices and no points', () => {
    assertInvalid(
      () =>
        keyPointPath(
          [
            [3, '1'],
            [2, '2'],
          ],
          10,
          'assets.X.oracle',
        ),
      'assets.X.oracle[1]: steps must increase',
    );
    assertInvalid(
      () =>
        keyPointPath(
          [
            [0, '1'],
            [4, '2'],
            [4, '3'],
          ],
          10,
          'assets.X.oracle',
        ),
      'assets.X.oracle[2]: steps must increase',
    );
    assertInvalid(
      () => keyPointPath([[10, '1']], 10, 'assets.X.market'),
      'assets.X.market[0]: must be [step, "price"] with 0 ≤ step < 10',
    );
    assertInvalid(() => keyPointPath([[1.5, '1']], 10, 'p'), 'p[0]: must be [step, "price"] with 0 ≤ step < 10');
    assertInvalid(() => keyPointPath([[0, '0.000']], 10, 'p'), 'p[0]: a price must be positive');
    assertInvalid(() => keyPointPath([], 10, 'p'), 'p: give at least one [step, price] point');
  });
});

describe('syntheticPaths', () => {
  it('is deterministic: the same seed gives the same paths, another seed other paths', () => {
    const a = syntheticPaths(spec());
    expect(syntheticPaths(spec())).toEqual(a);
    expect(syntheticPaths(spec({ seed: 2027 })).get('WBTC')).not.toEqual(a.get('WBTC'));
    for (const [symbol, path] of a) {
      expect(path).toHaveLength(96);
      expect(path[0]).toBe(spec().start.get(symbol));
      expect(path.every((p) => p > 0n)).toBe(true);
    }
  });

  it('moves every asset as one at correlation 1: identical log returns, calm and crash', () => {
    const paths = syntheticPaths(spec({ correlation: 1 }));
    const lead = logReturns(paths.get('WETH')!);
    for (const symbol of ['WBTC', 'CRV']) {
      const r = logReturns(paths.get(symbol)!);
      r.forEach((x, i) => expect(Math.abs(x - lead[i])).toBeLessThan(1e-9));
    }
    // and they do move (not a flat line)
    expect(Math.max(...lead.map(Math.abs))).toBeGreaterThan(0.01);
  });

  it('correlates log returns at ρ with per-step volatility σ over the calm part', () => {
    for (const rho of [0, 0.5, 0.9]) {
      const paths = syntheticPaths(spec({ correlation: rho, steps: 2000, crashFrom: 1900, crashSteps: 50 }));
      const calm = (s: string) => logReturns(paths.get(s)!, 1, 1900);
      const [weth, wbtc, crv] = [calm('WETH'), calm('WBTC'), calm('CRV')];
      expect(Math.abs(correlation(weth, wbtc) - rho)).toBeLessThan(0.15);
      expect(Math.abs(correlation(weth, crv) - rho)).toBeLessThan(0.15);
      expect(Math.abs(correlation(wbtc, crv) - rho)).toBeLessThan(0.15);
      const sd = Math.sqrt(weth.reduce((a, x) => a + x * x, 0) / weth.length);
      expect(sd).toBeGreaterThan(0.015 * 0.85);
      expect(sd).toBeLessThan(0.015 * 1.15);
    }
  });

  it('crashes the lead by crashBps over crashSteps and the others with beta ρ (no noise: exact)', () => {
    const paths = syntheticPaths(spec({ volBps: 0, correlation: 0.5, crashFrom: 10, crashSteps: 6, steps: 20 }));
    const weth = paths.get('WETH')!;
    const wbtc = paths.get('WBTC')!;
    // flat before the crash, flat after it
    for (let t = 0; t <= 10; t++) expect(weth[t]).toBe(3000n * WAD);
    for (let t = 16; t < 20; t++) expect(weth[t]).toBe(weth[16]);
    // −60 %: $3000 → $1200; WBTC with beta 0.5: 0.4^0.5 = 0.63245553…
    expect(Number(weth[16]) / 1e18).toBeCloseTo(1200, 6);
    expect(Number(wbtc[16]) / Number(wbtc[10])).toBeCloseTo(Math.sqrt(0.4), 9);
    // at ρ = 0 only the lead falls
    const alone = syntheticPaths(spec({ volBps: 0, correlation: 0, crashFrom: 10, crashSteps: 6, steps: 20 }));
    expect(alone.get('WBTC')![19]).toBe(90_000n * WAD);
    expect(Number(alone.get('WETH')![19]) / 1e18).toBeCloseTo(1200, 6);
  });

  it('crashes the lead by crashBps on average when there is noise', () => {
    let sum = 0;
    const seeds = 50;
    for (let seed = 0; seed < seeds; seed++) {
      const weth = syntheticPaths(spec({ seed })).get('WETH')!;
      sum += Math.log(Number(weth[66]) / Number(weth[60]));
    }
    // each crash is ln 0.4 plus six steps of noise (σ√6 ≈ 3.7 %); the mean of 50 is within ±3 %
    expect(Math.abs(sum / seeds - Math.log(0.4))).toBeLessThan(0.03);
  });
});
