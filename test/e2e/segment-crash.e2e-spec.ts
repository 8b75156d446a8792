import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseEther, parseUnits, type Hex, type LocalAccount } from 'viem';
import { Reverted, asset, seg, SegmentWorld, user } from '../support/segments.js';

const usdc = (n: string) => parseUnits(n, 6);

/**
 * The story our users know (Aave CRV 2022): one collateral asset crashes. Here CRV falls 60 % in
 * one step; the 'crv' segment's unhealthy accounts are liquidated until none is left, 'crv'
 * realises bad debt and its own insurance and suppliers absorb it — and the 'weth' and 'wbtc'
 * segments, their suppliers, borrowers and insurance, are unchanged to the wei.
 */
describe('Segments.crash', () => {
  let w: SegmentWorld;
  let hub: number;
  const lenders = [user(0), user(1)];
  const crvBorrowers = [user(2), user(3), user(4)];
  const others = [user(5), user(6)];
  const liquidator = user(7);

  beforeAll(async () => {
    w = await SegmentWorld.start();
    hub = w.hubEid;
  });
  afterAll(async () => {
    await w?.stop();
  });

  /** Everything a user of a segment holds there. */
  async function holdings(segment: Hex, collateral: string, accounts: readonly LocalAccount[]) {
    return Promise.all(
      accounts.map(async (a) => ({
        shares: await w.readVault<bigint>(hub, 'supplySharesOf', [segment, a.address]),
        debt: await w.readVault<bigint>(hub, 'debtOf', [segment, a.address, 0]),
        collateral: await w.readVault<bigint>(hub, 'collateralOf', [
          await w.readVault<Hex>(hub, 'accountKey', [segment, a.address, 0]),
          asset(collateral),
        ]),
      })),
    );
  }

  const untouched = async () => ({
    weth: await w.ledgerSnapshot(hub, seg('weth')),
    wbtc: await w.ledgerSnapshot(hub, seg('wbtc')),
    wethUsers: await holdings(seg('weth'), 'WETH', [...lenders, ...others]),
    wbtcUsers: await holdings(seg('wbtc'), 'WBTC', [...lenders, ...others]),
  });

  it('liquidates crv, realises its bad debt inside crv, and leaves weth and wbtc unchanged to the wei', async () => {
    for (const u of [...lenders, liquidator]) await w.fund(hub, u, 'USDC', usdc('10000000'));
    for (const name of ['weth', 'crv', 'wbtc']) {
      for (const l of lenders) await w.vaultCall(hub, l, 'supply', [seg(name), usdc('200000'), l.address]);
    }
    // crv borrowers at, near and well under the 55 % LTV
    for (const [i, b] of crvBorrowers.entries()) {
      await w.fund(hub, b, 'CRV', parseEther('100000'));
      await w.vaultCall(hub, b, 'depositCollateral', [seg('crv'), 0, asset('CRV'), parseEther('100000')]); // $60,000
      const borrow = [usdc('33000'), usdc('30000'), usdc('10000')][i] ?? 0n;
      await w.vaultCall(hub, b, 'borrow', [seg('crv'), 0, borrow, b.address]);
    }
    // weth and wbtc borrowers
    const [o1, o2] = others;
    if (!o1 || !o2) throw new Error('two other users');
    await w.fund(hub, o1, 'WETH', parseEther('20'));
    await w.vaultCall(hub, o1, 'depositCollateral', [seg('weth'), 0, asset('WETH'), parseEther('20')]);
    await w.vaultCall(hub, o1, 'borrow', [seg('weth'), 0, usdc('40000'), o1.address]);
    await w.fund(hub, o2, 'WBTC', parseUnits('1', 8));
    await w.vaultCall(hub, o2, 'depositCollateral', [seg('wbtc'), 0, asset('WBTC'), parseUnits('1', 8)]);
    await w.vaultCall(hub, o2, 'borrow', [seg('wbtc'), 0, usdc('50000'), o2.address]);
    // a month of interest, so every insurance fund holds something; the feeds stay fresh
    await w.warp(hub, 30 * 86_400);
    for (const [symbol, price] of [
      ['USDC', 100_000_000n],
      ['WETH', 300_000_000_000n],
      ['WBTC', 9_000_000_000_000n],
    ] as const)
      await w.setPrice(hub, symbol, price);
    for (const name of ['weth', 'crv', 'wbtc'])
      await w.vaultCall(hub, lenders[0] ?? o1, 'supply', [seg(name), 1n, o1.address]);

    const before = await untouched();
    const crvBefore = await w.readVault<{ insurance: bigint; badDebt: bigint }>(hub, 'ledger', [seg('crv')]);
    const crvSuppliersBefore = await w.readVault<bigint>(hub, 'supplierAssets', [seg('crv')]);
    expect(crvBefore.insurance).toBeGreaterThan(0n);

    // CRV: $0.60 → $0.24 in one step
    await w.setPrice(hub, 'CRV', 24_000_000n);
    let liquidations = 0;
    for (const b of crvBorrowers) {
      for (;;) {
        const debt = await w.readVault<bigint>(hub, 'debtOf', [seg('crv'), b.address, 0]);
        if (debt === 0n) break;
        try {
          await w.vaultCall(hub, liquidator, 'liquidate', [seg('crv'), b.address, 0, asset('CRV'), debt]);
          liquidations += 1;
        } catch (error) {
          if (error instanceof Reverted && error.errorName === 'AccountHealthy') break;
          throw error;
        }
      }
    }

    const crvAfter = await w.readVault<{ insurance: bigint; badDebt: bigint }>(hub, 'ledger', [seg('crv')]);
    expect(liquidations).toBeGreaterThanOrEqual(2);
    // the two borrowers near the LTV are under water after −60 %: crv realises bad debt…
    expect(crvAfter.badDebt).toBeGreaterThan(0n);
    // …its insurance pays first (it is emptied), then its suppliers' share price falls
    expect(crvAfter.insurance).toBe(0n);
    expect(await w.readVault<bigint>(hub, 'supplierAssets', [seg('crv')])).toBeLessThan(crvSuppliersBefore);
    // the healthy crv borrower (LTV 17 %, now 42 % of a 65 % threshold) keeps its position
    expect(await w.readVault<bigint>(hub, 'debtOf', [seg('crv'), crvBorrowers[2]?.address, 0])).toBeGreaterThan(0n);
    // and nothing outside crv moved, to the wei
    expect(await untouched()).toEqual(before);
  });
});
