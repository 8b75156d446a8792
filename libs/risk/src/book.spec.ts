import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Hex } from 'viem';
import type { AssetRisk } from '#app/messaging';
import { accountPosition, healthFactor, valueBook, type AssetMarket, type BookAccount } from './book.js';
import { liquidationHeadroom, shareBpsUp } from './headroom.js';
import {
  amountToNumber,
  bpsOf,
  numberToWad,
  priceSeriesFromWad,
  tokenValue,
  unitValue,
  valueAt,
  WAD,
  wadToNumber,
} from './units.js';
import { assertRiskError } from './testing.js';

const WETH = '0x5745544800000000000000000000000000000000000000000000000000000000' as Hex;
const WBTC = '0x5742544300000000000000000000000000000000000000000000000000000000' as Hex;
const USDC = '0x5553444300000000000000000000000000000000000000000000000000000000' as Hex;

function market(assetId: Hex, decimals: number, price: bigint): AssetMarket {
  return { assetId, decimals, price, history: priceSeriesFromWad(assetId, 0, 86400, [price, price]) };
}
const risk = (assetId: Hex, ltvBps: number, liqThresholdBps: number): AssetRisk => ({
  assetId,
  ltvBps,
  liqThresholdBps,
  liqBonusBps: 500,
  supplyCap: 10n ** 30n,
});

describe('units', () => {
  it('values tokens with the vault rounding (floor of unit value, then floor of amount × unit)', () => {
    // WETH, 18 decimals, $2000.000000000000000001: unit value = price·1e18/1e18 = price, no rounding
    const ethPrice = 2000n * WAD + 1n;
    expect(unitValue(ethPrice, 18)).toBe(ethPrice);
    // 0.500000000000000001 ETH: (5e17 + 1)(2000e18 + 1)/1e18 = (1e39 + 2e21 + 5e17 + 1)/1e18
    //   = 1e21 + 2000 + 0.5 + 1e-18 → floored to 1e21 + 2000
    expect(tokenValue(5n * 10n ** 17n + 1n, ethPrice, 18)).toBe(1_000_000_000_000_000_002_000n);
    // WBTC, 8 decimals, $65,000 + 6e7 wei: unit value = price·1e18/1e8 = 6.5e32 + 6e17 (exact)
    const btcPrice = 65_000n * WAD + 60_000_000n;
    expect(unitValue(btcPrice, 8)).toBe(650_000_000_000_000_600_000_000_000_000_000n);
    // 3 sat: 3·(6.5e32 + 6e17)/1e18 = 1.95e15 + 1.8 → 1,950,000,000,000,001 ($0.00195)
    expect(tokenValue(3n, btcPrice, 8)).toBe(1_950_000_000_000_001n);
    // 6 sat: 3.9e15 + 3.6 → 3,900,000,000,000,003 (two 3-sat holdings floor to …002 together)
    expect(tokenValue(6n, btcPrice, 8)).toBe(3_900_000_000_000_003n);
    // a 24-decimal token floors the unit value itself: (3e18 + 1)·1e18/1e24 = 3e12 + 1e-6 → 3e12
    expect(unitValue(3n * WAD + 1n, 24)).toBe(3_000_000_000_000n);
    expect(valueAt(10n ** 24n, 3_000_000_000_000n)).toBe(3n * WAD);
  });

  it('converts between fixed point and floats at the edge', () => {
    expect(bpsOf(1999n, 5000)).toBe(999n); // 999.5 floored
    expect(wadToNumber(3n * WAD + WAD / 4n)).toBe(3.25);
    expect(numberToWad(1.5)).toBe(1_500_000_000_000_000_000n);
    expect(numberToWad(-0.25)).toBe(-250_000_000_000_000_000n);
    expect(amountToNumber(1_500_000n, 6)).toBe(1.5);
  });

  it('rejects non-positive prices, impossible decimals and non-finite floats', () => {
    assertRiskError(() => unitValue(0n, 18), 'INVALID_INPUT');
    assertRiskError(() => unitValue(-1n, 18), 'INVALID_INPUT');
    for (const d of [-1, 78, 1.5]) assertRiskError(() => unitValue(WAD, d), 'INVALID_INPUT');
    assertRiskError(() => numberToWad(Number.NaN), 'INVALID_INPUT');
    assertRiskError(() => numberToWad(Infinity), 'INVALID_INPUT');
  });
});

describe('valueBook / accountPosition', () => {
  const weth = market(WETH, 18, 2000n * WAD + 1n);
  const wbtc = market(WBTC, 8, 65_000n * WAD + 60_000_000n);
  const usdc = market(USDC, 6, 999_800_000_000_000_000n); // $0.9998
  const accounts: BookAccount[] = [
    { id: 'a', collateral: [5n * 10n ** 17n + 1n, 3n], debt: 500_000_000n }, // 500 USDC
    { id: 'b', collateral: [0n, 3n], debt: 0n },
  ];

  it('values every account and asset in exact bigint, floored per account', () => {
    const book = valueBook(accounts, [weth, wbtc], usdc);
    expect(book.values).toEqual([1_000_000_000_000_000_002_000n, 1_950_000_000_000_001n, 0n, 1_950_000_000_000_001n]);
    expect(book.collateralAmounts).toEqual([5n * 10n ** 17n + 1n, 6n]);
    expect(book.collateralValues).toEqual([1_000_000_000_000_000_002_000n, 3_900_000_000_000_002n]);
    // 500 USDC: 5e8 · (0.9998e18·1e12) / 1e18 = 500 · 0.9998e18 = $499.90
    expect(book.debtValues).toEqual([499_900_000_000_000_000_000n, 0n]);
    expect(book.debtAmount).toBe(500_000_000n);
    expect(book.debtValue).toBe(499_900_000_000_000_000_000n);
    // 1,000,000,000,000,000,002,000 + 3,900,000,000,000,002 − 499,900,000,000,000,000,000
    expect(book.netValue).toBe(500_103_900_000_000_002_002n);
  });

  it('computes the vault position with per-asset floors, and the health factor', () => {
    const book = valueBook(accounts, [weth, wbtc], usdc);
    const p = accountPosition(book, 0, [risk(WETH, 8000, 8250), risk(WBTC, 7000, 7500)]);
    // ltv: ⌊1,000,000,000,000,000,002,000·0.8⌋ + ⌊1,950,000,000,000,001·0.7⌋ = 800,000,000,000,000,001,600 + 1,365,000,000,000,000
    expect(p.borrowLimit).toBe(800_001_365_000_000_001_600n);
    // threshold: ⌊…002,000·0.825⌋ + ⌊1,950,000,000,000,001·0.75⌋ = 825,000,000,000,000,001,650 + 1,462,500,000,000,000
    expect(p.liquidationValue).toBe(825_001_462_500_000_001_650n);
    expect(p.collateralValue).toBe(1_000_001_950_000_000_002_001n);
    expect(healthFactor(p)).toBeCloseTo(825.0014625 / 499.9, 12);
    expect(healthFactor(accountPosition(book, 1, [risk(WETH, 1, 1), risk(WBTC, 1, 1)]))).toBe(Infinity);
  });

  it('rejects malformed accounts and parameter sets', () => {
    assertRiskError(() => valueBook([{ id: 'x', collateral: [1n], debt: 0n }], [weth, wbtc], usdc), 'INVALID_INPUT');
    assertRiskError(
      () => valueBook([{ id: 'x', collateral: [-1n, 0n], debt: 0n }], [weth, wbtc], usdc),
      'INVALID_INPUT',
    );
    assertRiskError(
      () => valueBook([{ id: 'x', collateral: [0n, 0n], debt: -1n }], [weth, wbtc], usdc),
      'INVALID_INPUT',
    );
    const book = valueBook(accounts, [weth, wbtc], usdc);
    assertRiskError(() => accountPosition(book, 0, [risk(WETH, 1, 1)]), 'INVALID_INPUT');
  });
});

describe('liquidationHeadroom', () => {
  const weth = market(WETH, 18, 2000n * WAD); // $2000
  const usdc = market(USDC, 6, WAD); // $1
  const usd = (n: number) => BigInt(n) * 1_000_000n;
  // A: 1 ETH ($2000), no debt                → h = ∞
  // B: 1 ETH ($2000), 1600 USDC  (thr 85 %)  → h = 1700/1600 = 1.0625 < 1.1: within the 10 % margin
  // C: 2 ETH ($4000), 3500 USDC  (thr 85 %)  → h = 3400/3500 = 0.9714 < 1:   liquidatable
  const book = (debtC: number) =>
    valueBook(
      [
        { id: 'A', collateral: [WAD], debt: 0n },
        { id: 'B', collateral: [WAD], debt: usd(1600) },
        { id: 'C', collateral: [2n * WAD], debt: usd(debtC) },
      ],
      [weth],
      usdc,
    );

  it('counts accounts and value near and past liquidation on a 3-account book', () => {
    const h = liquidationHeadroom(book(3500), [risk(WETH, 8000, 8500)], 1000);
    expect(h).toEqual({
      marginBps: 1000,
      accounts: 3,
      borrowers: 2,
      withinMarginAccounts: 2, // B and C
      liquidatableAccounts: 1, // C
      collateralValue: 8000n * WAD,
      withinMarginValue: 6000n * WAD,
      liquidatableValue: 4000n * WAD,
      withinMarginShareBps: 7500, // 6000/8000
      liquidatableShareBps: 5000, // 4000/8000
    });
    // margin 0: only the liquidatable are "within"
    expect(liquidationHeadroom(book(3500), [risk(WETH, 8000, 8500)], 0).withinMarginAccounts).toBe(1);
  });

  it('treats the boundaries exactly: h = 1 + margin is outside, h = 1 is not liquidatable', () => {
    // threshold 88 %: B has h = 1760/1600 = 1.1 exactly (outside); C has h = 3520/3500 (within)
    const h88 = liquidationHeadroom(book(3500), [risk(WETH, 8000, 8800)], 1000);
    expect([h88.withinMarginAccounts, h88.liquidatableAccounts, h88.withinMarginShareBps]).toEqual([1, 0, 5000]);
    // C with 3400 USDC at 85 %: h = 3400/3400 = 1 → within, not liquidatable
    const h1 = liquidationHeadroom(book(3400), [risk(WETH, 8000, 8500)], 1000);
    expect([h1.withinMarginAccounts, h1.liquidatableAccounts, h1.liquidatableValue]).toEqual([2, 0, 0n]);
  });

  it('rounds shares up and rejects a negative margin', () => {
    expect(shareBpsUp(1n, 3n)).toBe(3334);
    expect(shareBpsUp(2n, 3n)).toBe(6667);
    expect(shareBpsUp(5n, 5n)).toBe(10_000);
    expect(shareBpsUp(0n, 0n)).toBe(0);
    assertRiskError(() => liquidationHeadroom(book(1), [risk(WETH, 1, 1)], -1), 'INVALID_INPUT');
    assertRiskError(() => liquidationHeadroom(book(1), [risk(WETH, 1, 1)], 0.5), 'INVALID_INPUT');
  });

  it('is monotone: liquidatable ⊆ within margin, and a higher threshold or smaller margin never adds accounts', () => {
    const account = fc.record({
      eth: fc.bigInt({ min: 0n, max: 100n * WAD }),
      debt: fc.bigInt({ min: 0n, max: usd(300_000) }),
    });
    fc.assert(
      fc.property(
        fc.array(account, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        (rows, t1, t2, m1, m2) => {
          const b = valueBook(
            rows.map((r, i) => ({ id: String(i), collateral: [r.eth], debt: r.debt })),
            [weth],
            usdc,
          );
          const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
          const [small, large] = m1 <= m2 ? [m1, m2] : [m2, m1];
          const base = liquidationHeadroom(b, [risk(WETH, 1, lo)], large);
          expect(base.liquidatableAccounts).toBeLessThanOrEqual(base.withinMarginAccounts);
          expect(base.liquidatableValue <= base.withinMarginValue).toBe(true);
          const safer = liquidationHeadroom(b, [risk(WETH, 1, hi)], small);
          expect(safer.withinMarginAccounts).toBeLessThanOrEqual(base.withinMarginAccounts);
          expect(safer.liquidatableAccounts).toBeLessThanOrEqual(base.liquidatableAccounts);
          expect(safer.withinMarginShareBps).toBeLessThanOrEqual(base.withinMarginShareBps);
        },
      ),
      { numRuns: 200 },
    );
  });
});
