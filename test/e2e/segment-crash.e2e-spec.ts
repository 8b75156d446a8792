import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseEther, parseEventLogs, parseUnits, type Hex, type LocalAccount, type TransactionReceipt } from 'viem';
import { SegmentVault } from '#app/contracts';
import { Reverted, asset, revertName, seg, SegmentWorld, user } from '../support/segments.js';

const usdc = (n: string) => parseUnits(n, 6);
const price8 = (n: string) => parseUnits(n, 8); // feeds answer with 8 decimals
const crv = seg('crv');

interface Ledger {
  cash: bigint;
  insurance: bigint;
  badDebt: bigint;
  supplyShares: bigint;
  debtShares: bigint;
  accounts: number;
}

interface Position {
  liquidationValue: bigint;
  debtValue: bigint;
}

/** One sub-account of one user. */
interface Holder {
  who: LocalAccount;
  sub: number;
}

/**
 * The story our users know (Aave CRV 2022): one collateral asset crashes. Here CRV falls 60 % in
 * one step; the 'crv' segment's unhealthy accounts are liquidated until none is left, 'crv'
 * realises bad debt that its own insurance and then its own suppliers absorb — and the 'weth' and
 * 'wbtc' segments, their suppliers, borrowers and insurance, are unchanged to the wei.
 */
describe('Segments.crash', () => {
  let w: SegmentWorld;
  let hub: number;
  const lenders = [
    { who: user(0), amount: usdc('200000') },
    { who: user(1), amount: usdc('150000') },
    { who: user(2), amount: usdc('50000') },
  ];
  // 100,000 CRV each ($60,000; $24,000 after the crash, liquidation value $15,600). The first two
  // borrow at and near the 55 % LTV and end under water; the third is unhealthy but not under water
  // (liquidated back to health, keeps collateral); the fourth stays healthy throughout.
  const crvBorrowers = [
    { who: user(3), borrow: usdc('33000') },
    { who: user(4), borrow: usdc('30000') },
    { who: user(5), borrow: usdc('18000') },
    { who: user(6), borrow: usdc('10000') },
  ];
  // outside crv: borrowers at their segment's LTV and well under it, in two sub-accounts
  const wethBorrowers = [
    { who: user(7), sub: 0, collateral: parseEther('20'), borrow: usdc('48000') },
    { who: user(8), sub: 1, collateral: parseEther('5'), borrow: usdc('6000') },
  ];
  const wbtcBorrowers = [
    { who: user(9), sub: 0, collateral: parseUnits('1', 8), borrow: usdc('67500') },
    { who: user(8), sub: 2, collateral: parseUnits('0.5', 8), borrow: usdc('20000') },
  ];
  const liquidator = user(10);

  beforeAll(async () => {
    w = await SegmentWorld.start();
    hub = w.hubEid;
  });
  afterAll(async () => {
    await w?.stop();
  });

  const readLedger = (segment: Hex) => w.readVault<Ledger>(hub, 'ledger', [segment]);
  const supplierAssets = (segment: Hex) => w.readVault<bigint>(hub, 'supplierAssets', [segment]);
  const debtOf = (segment: Hex, h: Holder) => w.readVault<bigint>(hub, 'debtOf', [segment, h.who.address, h.sub]);
  const positionOf = (segment: Hex, h: Holder) =>
    w.readVault<Position>(hub, 'position', [segment, h.who.address, h.sub]);

  /** Everything each holder has in a segment: supply shares, debt and collateral. */
  function holdings(segment: Hex, collateral: string, holders: readonly Holder[]) {
    return Promise.all(
      holders.map(async (h) => ({
        user: h.who.address,
        sub: h.sub,
        shares: await w.readVault<bigint>(hub, 'supplySharesOf', [segment, h.who.address]),
        debt: await debtOf(segment, h),
        collateral: await w.readVault<bigint>(hub, 'collateralOf', [
          await w.readVault<Hex>(hub, 'accountKey', [segment, h.who.address, h.sub]),
          asset(collateral),
        ]),
      })),
    );
  }

  const lenderHolders: Holder[] = lenders.map(({ who }) => ({ who, sub: 0 }));
  const untouched = async () => ({
    weth: await w.ledgerSnapshot(hub, seg('weth')),
    wbtc: await w.ledgerSnapshot(hub, seg('wbtc')),
    wethUsers: await holdings(seg('weth'), 'WETH', [...lenderHolders, ...wethBorrowers]),
    wbtcUsers: await holdings(seg('wbtc'), 'WBTC', [...lenderHolders, ...wbtcBorrowers]),
  });

  async function openPositions(): Promise<void> {
    for (const { who, amount } of lenders) {
      await w.fund(hub, who, 'USDC', 3n * amount + usdc('1'));
      for (const name of ['weth', 'crv', 'wbtc'])
        await w.vaultCall(hub, who, 'supply', [seg(name), amount, who.address]);
    }
    for (const { who, borrow } of crvBorrowers) {
      await w.fund(hub, who, 'CRV', parseEther('100000'));
      await w.vaultCall(hub, who, 'depositCollateral', [crv, 0, asset('CRV'), parseEther('100000')]);
      await w.vaultCall(hub, who, 'borrow', [crv, 0, borrow, who.address]);
    }
    for (const [name, symbol, borrowers] of [
      ['weth', 'WETH', wethBorrowers],
      ['wbtc', 'WBTC', wbtcBorrowers],
    ] as const) {
      // literal tuples: each segment keeps its collateral symbol and its borrowers
      for (const { who, sub, collateral, borrow } of borrowers) {
        await w.fund(hub, who, symbol, collateral);
        await w.vaultCall(hub, who, 'depositCollateral', [seg(name), sub, asset(symbol), collateral]);
        await w.vaultCall(hub, who, 'borrow', [seg(name), sub, borrow, who.address]);
      }
    }
  }

  /** Liquidates every crv borrower until each is healthy or has no debt left; returns the receipts. */
  async function liquidateCrv(): Promise<TransactionReceipt[]> {
    const receipts: TransactionReceipt[] = [];
    for (const { who } of crvBorrowers) {
      for (let debt = await debtOf(crv, { who, sub: 0 }); debt > 0n; debt = await debtOf(crv, { who, sub: 0 })) {
        try {
          receipts.push(await w.vaultCall(hub, liquidator, 'liquidate', [crv, who.address, 0, asset('CRV'), debt]));
        } catch (error) {
          if (error instanceof Reverted && error.errorName === 'AccountHealthy') break;
          throw error;
        }
      }
    }
    return receipts;
  }

  it('liquidates crv, realises its bad debt inside crv, and leaves weth and wbtc unchanged to the wei', async () => {
    await openPositions();
    await w.fund(hub, liquidator, 'USDC', usdc('10000000'));
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
    const [first] = lenders;
    if (!first) throw new Error('a lender');
    for (const name of ['weth', 'crv', 'wbtc']) {
      await w.vaultCall(hub, first.who, 'supply', [seg(name), 1n, first.who.address]); // accrues
      expect((await readLedger(seg(name))).insurance).toBeGreaterThan(0n);
    }

    const before = await untouched();
    const crvBefore = await readLedger(crv);
    const crvSuppliersBefore = await supplierAssets(crv);
    const crvLenders = await holdings(crv, 'CRV', lenderHolders);
    expect(crvBefore.badDebt).toBe(0n);

    // CRV: $0.60 → $0.24 in one step
    await w.setPrice(hub, 'CRV', price8('0.24'));
    const receipts = await liquidateCrv();
    const logs = receipts.flatMap((r) => parseEventLogs({ abi: SegmentVault.abi, logs: r.logs }));
    expect(logs.every((log) => !('segment' in log.args) || log.args.segment === crv)).toBe(true);

    // replay the crash's events in order: insurance pays each bad debt first, all it holds, then suppliers
    let insurance = crvBefore.insurance;
    const sum = { repaid: 0n, seized: 0n, toInsurance: 0n, realised: 0n, fromSuppliers: 0n, supplierInterest: 0n };
    const realised: Hex[] = [];
    for (const log of logs) {
      if (log.eventName === 'InterestAccrued') {
        insurance += log.args.toInsurance;
        sum.supplierInterest += log.args.interest - log.args.toInsurance;
      } else if (log.eventName === 'Liquidated') {
        insurance += log.args.toInsurance;
        sum.repaid += log.args.repaid;
        sum.seized += log.args.seized;
        sum.toInsurance += log.args.toInsurance;
      } else if (log.eventName === 'BadDebtRealised') {
        expect(log.args.amount).toBeGreaterThan(insurance); // so the whole fund goes, and suppliers pay the rest
        expect(log.args.fromInsurance).toBe(insurance);
        expect(log.args.fromSuppliers).toBe(log.args.amount - insurance);
        insurance = 0n;
        sum.realised += log.args.amount;
        sum.fromSuppliers += log.args.fromSuppliers;
        realised.push(log.args.owner);
      }
    }
    // the two borrowers under water were realised, no one else
    expect(realised).toEqual(crvBorrowers.slice(0, 2).map((b) => b.who.address));

    const crvAfter = await readLedger(crv);
    expect(crvAfter.insurance).toBe(insurance);
    expect(crvAfter.badDebt).toBe(sum.realised);
    expect(crvAfter.cash).toBe(crvBefore.cash + sum.repaid + sum.toInsurance);
    expect(crvAfter.accounts).toBe(crvBefore.accounts - 2); // emptied accounts are closed
    expect(await w.balanceOf(hub, 'CRV', liquidator.address)).toBe(sum.seized);
    // the suppliers lost what insurance could not pay (less the interest they earned meanwhile),
    // within two units of debt-share rounding per liquidation; their shares did not move
    const suppliersAfter = await supplierAssets(crv);
    const loss = crvSuppliersBefore + sum.supplierInterest - suppliersAfter;
    const rounding = 2n * BigInt(receipts.length);
    expect(sum.fromSuppliers).toBeGreaterThan(0n);
    expect(loss - sum.fromSuppliers).toBeGreaterThanOrEqual(-rounding);
    expect(loss - sum.fromSuppliers).toBeLessThanOrEqual(rounding);
    expect(suppliersAfter).toBeLessThan(crvSuppliersBefore);
    expect(crvAfter.supplyShares).toBe(crvBefore.supplyShares);
    expect(await holdings(crv, 'CRV', lenderHolders)).toEqual(crvLenders);

    // no crv account is left to liquidate; the two above water keep collateral and debt
    for (const { who } of crvBorrowers) {
      const p = await positionOf(crv, { who, sub: 0 });
      expect(p.liquidationValue).toBeGreaterThanOrEqual(p.debtValue);
    }
    const kept = await holdings(
      crv,
      'CRV',
      crvBorrowers.slice(2).map(({ who }) => ({ who, sub: 0 })),
    );
    expect(kept.map((k) => k.debt > 0n && k.collateral > 0n)).toEqual([true, true]);
    // the third was liquidated back to health (some of its CRV seized), the fourth untouched
    expect(kept.map((k) => k.collateral < parseEther('100000'))).toEqual([true, false]);

    // nothing outside crv is liquidatable, and nothing outside crv moved, to the wei
    for (const [name, symbol, borrowers] of [
      ['weth', 'WETH', wethBorrowers],
      ['wbtc', 'WBTC', wbtcBorrowers],
    ] as const) {
      // literal tuples: each segment keeps its collateral symbol and its borrowers
      for (const { who, sub } of borrowers) {
        const attempt = w.vaultCall(hub, liquidator, 'liquidate', [seg(name), who.address, sub, asset(symbol), 1n]);
        expect(await revertName(attempt)).toBe('AccountHealthy');
      }
    }
    expect(await untouched()).toEqual(before);
  });
});
