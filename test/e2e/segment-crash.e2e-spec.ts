import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseEther, parseEventLogs, parseUnits, type Hex, type LocalAccount } from 'viem';
import { SegmentVault } from '#app/contracts';
import { Reverted, asset, seg, SegmentWorld, user } from '../support/segments.js';

const usdc = (n: string) => parseUnits(n, 6);
const price8 = (n: string) => parseUnits(n, 8); // feeds answer with 8 decimals

interface Ledger {
  insurance: bigint;
  badDebt: bigint;
  supplyShares: bigint;
}

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
  // crv borrowers at the 55 % LTV, near it, and well under it
  const crvBorrowers = [
    { who: user(2), borrow: usdc('33000') },
    { who: user(3), borrow: usdc('30000') },
    { who: user(4), borrow: usdc('10000') },
  ];
  const wethBorrower = user(5);
  const wbtcBorrower = user(6);
  const liquidator = user(7);
  const bystanders = [...lenders, wethBorrower, wbtcBorrower];

  beforeAll(async () => {
    w = await SegmentWorld.start();
    hub = w.hubEid;
  });
  afterAll(async () => {
    await w?.stop();
  });

  const readLedger = (name: string) => w.readVault<Ledger>(hub, 'ledger', [seg(name)]);
  const supplierAssets = (name: string) => w.readVault<bigint>(hub, 'supplierAssets', [seg(name)]);

  /** Everything each user holds in a segment (sub-account 0). */
  function holdings(segment: Hex, collateral: string, accounts: readonly LocalAccount[]) {
    return Promise.all(
      accounts.map(async (a) => ({
        user: a.address,
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
    wethUsers: await holdings(seg('weth'), 'WETH', bystanders),
    wbtcUsers: await holdings(seg('wbtc'), 'WBTC', bystanders),
  });

  it('liquidates crv, realises its bad debt inside crv, and leaves weth and wbtc unchanged to the wei', async () => {
    for (const u of [...lenders, liquidator]) await w.fund(hub, u, 'USDC', usdc('10000000'));
    for (const name of ['weth', 'crv', 'wbtc']) {
      for (const l of lenders) await w.vaultCall(hub, l, 'supply', [seg(name), usdc('200000'), l.address]);
    }
    for (const { who, borrow } of crvBorrowers) {
      await w.fund(hub, who, 'CRV', parseEther('100000'));
      await w.vaultCall(hub, who, 'depositCollateral', [seg('crv'), 0, asset('CRV'), parseEther('100000')]); // $60,000
      await w.vaultCall(hub, who, 'borrow', [seg('crv'), 0, borrow, who.address]);
    }
    // weth and wbtc borrowers, both at their segment's LTV: the riskiest positions outside crv
    await w.fund(hub, wethBorrower, 'WETH', parseEther('20'));
    await w.vaultCall(hub, wethBorrower, 'depositCollateral', [seg('weth'), 0, asset('WETH'), parseEther('20')]);
    await w.vaultCall(hub, wethBorrower, 'borrow', [seg('weth'), 0, usdc('48000'), wethBorrower.address]);
    await w.fund(hub, wbtcBorrower, 'WBTC', parseUnits('1', 8));
    await w.vaultCall(hub, wbtcBorrower, 'depositCollateral', [seg('wbtc'), 0, asset('WBTC'), parseUnits('1', 8)]);
    await w.vaultCall(hub, wbtcBorrower, 'borrow', [seg('wbtc'), 0, usdc('67500'), wbtcBorrower.address]);

    // a month of interest, so every insurance fund holds something; then the feeds are refreshed
    await w.warp(hub, 30 * 86_400);
    for (const [symbol, price] of [
      ['USDC', price8('1')],
      ['WETH', price8('3000')],
      ['WBTC', price8('90000')],
      ['CRV', price8('0.6')],
    ] as const) {
      // literal pairs: symbol and price keep their types
      await w.setPrice(hub, symbol, price);
    }
    const [lender] = lenders;
    if (!lender) throw new Error('a lender');
    for (const name of ['weth', 'crv', 'wbtc'])
      await w.vaultCall(hub, lender, 'supply', [seg(name), 1n, lender.address]);
    for (const name of ['weth', 'crv', 'wbtc']) expect((await readLedger(name)).insurance).toBeGreaterThan(0n);

    const before = await untouched();
    const crvBefore = await readLedger('crv');
    const crvSuppliersBefore = await supplierAssets('crv');
    const crvLenderShares = await holdings(seg('crv'), 'CRV', lenders);
    expect(crvBefore.badDebt).toBe(0n);

    // CRV: $0.60 → $0.24 in one step; 100,000 CRV now back $24,000 (liquidation value $15,600)
    await w.setPrice(hub, 'CRV', price8('0.24'));
    let liquidations = 0;
    const bad: { amount: bigint; fromInsurance: bigint; fromSuppliers: bigint }[] = [];
    for (const { who } of crvBorrowers) {
      for (;;) {
        const debt = await w.readVault<bigint>(hub, 'debtOf', [seg('crv'), who.address, 0]);
        if (debt === 0n) break;
        try {
          const receipt = await w.vaultCall(hub, liquidator, 'liquidate', [
            seg('crv'),
            who.address,
            0,
            asset('CRV'),
            debt,
          ]);
          liquidations += 1;
          for (const e of parseEventLogs({ abi: SegmentVault.abi, eventName: 'BadDebtRealised', logs: receipt.logs }))
            bad.push(e.args);
        } catch (error) {
          if (error instanceof Reverted && error.errorName === 'AccountHealthy') break;
          throw error;
        }
      }
    }

    const crvAfter = await readLedger('crv');
    const crvSuppliersAfter = await supplierAssets('crv');
    expect(liquidations).toBeGreaterThanOrEqual(2);
    // the two borrowers near the LTV were under water ($24,000 against $30,000 and more): both realised
    expect(bad).toHaveLength(2);
    const total = (key: 'amount' | 'fromInsurance' | 'fromSuppliers') => bad.reduce((sum, e) => sum + e[key], 0n);
    expect(crvAfter.badDebt).toBeGreaterThan(0n);
    expect(crvAfter.badDebt).toBe(total('amount'));
    expect(total('fromInsurance') + total('fromSuppliers')).toBe(total('amount'));
    // insurance paid first, all it had (more than before the crash: the liquidations' bonus share went in first)…
    expect(bad[0]?.fromInsurance).toBeGreaterThanOrEqual(crvBefore.insurance);
    expect(crvAfter.insurance).toBe(0n);
    expect(crvAfter.insurance).toBeLessThan(crvBefore.insurance);
    // …then the suppliers: their assets fell, their shares did not move
    expect(total('fromSuppliers')).toBeGreaterThan(0n);
    expect(crvSuppliersAfter).toBeLessThan(crvSuppliersBefore);
    expect(crvAfter.supplyShares).toBe(crvBefore.supplyShares);
    expect(await holdings(seg('crv'), 'CRV', lenders)).toEqual(crvLenderShares);
    // no crv account is left to liquidate; the healthy one (LTV 17 %, now 42 % of a 65 % threshold) keeps its loan
    for (const { who } of crvBorrowers) {
      const p = await w.readVault<{ liquidationValue: bigint; debtValue: bigint }>(hub, 'position', [
        seg('crv'),
        who.address,
        0,
      ]);
      expect(p.liquidationValue).toBeGreaterThanOrEqual(p.debtValue);
    }
    const [, , healthy] = crvBorrowers;
    expect(await w.readVault<bigint>(hub, 'debtOf', [seg('crv'), healthy?.who.address, 0])).toBeGreaterThan(
      usdc('10000'),
    );
    // and nothing outside crv moved, to the wei
    expect(await untouched()).toEqual(before);
  });
});
