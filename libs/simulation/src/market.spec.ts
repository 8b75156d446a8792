import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Market } from './market.js';
import { WAD } from './wad.js';

/** $1,000 on each side, the token at $2: 100 tokens are worth q = $200. */
const pool = (): Market => {
  const m = new Market(1000n * WAD);
  m.reset(2n * WAD);
  return m;
};

describe('Market', () => {
  it('sells into constant-product depth: D·q/(D+q), then D²q/((D+v)(D+v+q)) in the same step', () => {
    const m = pool();
    // 1000·200/1200 = 166.666…
    expect(m.proceeds(100n * WAD)).toBe(166_666_666_666_666_666_666n);
    m.sell(100n * WAD);
    // v = 200: 1000²·200/(1200·1400) = 119.047619…; telescoped: 1000·400/1400 − 1000·200/1200 = 285.714… − 166.666…
    expect(m.proceeds(100n * WAD)).toBe(119_047_619_047_619_047_619n);
    // the two sales realise what one sale of 200 tokens would: 1000·400/1400 = 285.714…
    expect(166_666_666_666_666_666_666n + 119_047_619_047_619_047_619n).toBe(285_714_285_714_285_714_285n);
    expect(m.realisable(200n * WAD)).toBe(285_714_285_714_285_714_285n);
    // realisable always sells into a full pool, whatever was sold this step
    expect(m.realisable(100n * WAD)).toBe(166_666_666_666_666_666_666n);
  });

  it('buys from constant-product depth: D·q/(D−q), then D(v+q)/(D−v−q) − Dv/(D−v)', () => {
    const m = pool();
    // 50 tokens = $100: 1000·100/900 = 111.111…
    expect(m.cost(50n * WAD)).toBe(111_111_111_111_111_111_111n);
    m.buy(50n * WAD);
    // v = 100: 1000·200/800 − ⌊1000·100/900⌋ = 250 − 111.111111111111111111
    expect(m.cost(50n * WAD)).toBe(138_888_888_888_888_888_889n);
    // 450 more tokens ($900) would take v + q = $1000 = D: the pool cannot supply them
    expect(m.cost(450n * WAD)).toBeNull();
    expect(m.cost(500n * WAD)).toBeNull();
    // just under the pool's depth (v + q = D − 2 wei) is finite but ruinous: ≈ D²/2 wei
    expect(m.cost(450n * WAD - 1n)).toBeGreaterThan(10n ** 20n * WAD);
    // buying does not move the sell side
    expect(m.proceeds(100n * WAD)).toBe(166_666_666_666_666_666_666n);
  });

  it('fills at the market price without depth, however much is traded', () => {
    const m = new Market(null);
    m.reset(2_500_000_000_000_000_000n); // $2.50
    m.sell(10n ** 9n * WAD);
    m.buy(10n ** 9n * WAD);
    // 3 tokens at $2.50 = $7.50 exactly, before and after a billion tokens traded
    expect(m.proceeds(3n * WAD)).toBe(7_500_000_000_000_000_000n);
    expect(m.cost(3n * WAD)).toBe(7_500_000_000_000_000_000n);
    expect(m.realisable(3n * WAD)).toBe(7_500_000_000_000_000_000n);
    expect(m.cost(10n ** 12n * WAD)).toBe(25n * 10n ** 11n * WAD);
  });

  it('refills at each reset: a new step trades at the new price into the full depth', () => {
    const m = pool();
    m.sell(300n * WAD);
    m.buy(400n * WAD); // $800 of the $1000 side
    expect(m.proceeds(100n * WAD)).toBeLessThan(166_666_666_666_666_666_666n);
    expect(m.cost(100n * WAD)).toBeNull();
    m.reset(2n * WAD);
    expect(m.proceeds(100n * WAD)).toBe(166_666_666_666_666_666_666n);
    expect(m.cost(50n * WAD)).toBe(111_111_111_111_111_111_111n);
    m.reset(4n * WAD);
    // 50 tokens at $4 = $200 again: the same USD trade, the same slippage
    expect(m.proceeds(50n * WAD)).toBe(166_666_666_666_666_666_666n);
    expect(m.price).toBe(4n * WAD);
  });

  it('always slips against the trader and charges nothing for splitting a trade (to rounding)', () => {
    const units = fc.bigInt({ min: 1n, max: 10n ** 24n });
    fc.assert(
      fc.property(
        fc.bigInt({ min: 10n ** 18n, max: 10n ** 28n }),
        fc.bigInt({ min: 10n ** 12n, max: 10n ** 22n }),
        units,
        units,
        (depth, price, a, b) => {
          const m = new Market(depth);
          m.reset(price);
          const value = (u: bigint) => (u * price) / WAD;
          // selling realises at most the value, buying costs at least it
          expect(m.proceeds(a)).toBeLessThanOrEqual(value(a));
          const costA = m.cost(a);
          if (costA !== null) expect(costA).toBeGreaterThanOrEqual(value(a));
          // two sales in a step realise what one sale of both would: D·qa/(D+qa) + D²qb/((D+qa)(D+qa+qb)) is
          // exactly D(qa+qb)/(D+qa+qb); each of the three floors loses less than 1 wei
          const first = m.proceeds(a);
          m.sell(a);
          const second = m.proceeds(b);
          const once = new Market(depth);
          once.reset(price);
          const together = (depth * (value(a) + value(b))) / (depth + value(a) + value(b));
          expect(first + second - together).toBeLessThanOrEqual(1n);
          expect(together - (first + second)).toBeLessThanOrEqual(2n);
          // a second sale never fetches more than the same sale into a full pool
          expect(second).toBeLessThanOrEqual(once.proceeds(b));
        },
      ),
    );
  });
});
