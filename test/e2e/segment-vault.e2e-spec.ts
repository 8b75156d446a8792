import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { encodeFunctionData, maxUint256, parseEther, parseEventLogs, parseUnits, type Hex } from 'viem';
import { DevPriceFeed, SegmentController, SegmentVault } from '#app/contracts';
import { DEVNET_SEGMENTS, devnetRiskParams } from '#app/devnet';
import { ProposalAction } from '#app/messaging';
import { asset, revertName, seg, SegmentWorld, user } from '../support/segments.js';

const usdc = (n: string) => parseUnits(n, 6);
const WETH = asset('WETH');
const weth = seg('weth');

/**
 * The hub vault, one behaviour at a time: each test starts from the same funded state (an anvil
 * snapshot) — a lender with 100,000 USDC supplied to 'weth', a borrower with 10 WETH deposited.
 */
describe('SegmentVault', () => {
  let w: SegmentWorld;
  let hub: number;
  let snapshot: string;
  const lender = user(0);
  const borrower = user(1);
  const other = user(2);
  const liquidator = user(3);
  const call = (who: typeof lender, fn: string, args: readonly unknown[]) => w.vaultCall(hub, who, fn, args);
  const read = <T>(fn: string, args: readonly unknown[]) => w.readVault<T>(hub, fn, args);
  const ledger = () =>
    read<{ cash: bigint; insurance: bigint; badDebt: bigint; supplyShares: bigint; accounts: number }>('ledger', [
      weth,
    ]);
  const setStatus = (status: number) => w.govern({ action: ProposalAction.SetStatus, segment: weth, status });

  beforeAll(async () => {
    w = await SegmentWorld.start();
    hub = w.hubEid;
    for (const u of [lender, borrower, other, liquidator]) await w.fund(hub, u, 'USDC', usdc('1000000'));
    for (const u of [borrower, other]) await w.fund(hub, u, 'WETH', parseEther('100'));
    await call(lender, 'supply', [weth, usdc('100000'), lender.address]);
    await call(borrower, 'depositCollateral', [weth, 0, WETH, parseEther('10')]);
  });
  afterAll(async () => {
    await w?.stop();
  });
  beforeEach(async () => {
    snapshot = (await w.rpc(hub, 'evm_snapshot')) as string; // anvil's snapshot id
  });
  afterEach(async () => {
    await w.rpc(hub, 'evm_revert', [snapshot]);
  });

  describe('SegmentVault.lenders', () => {
    it('mints shares for a supply and pays them back in full on withdraw(max)', async () => {
      const before = await w.balanceOf(hub, 'USDC', other.address);
      await call(other, 'supply', [weth, usdc('5000'), other.address]);
      const shares = await read<bigint>('supplySharesOf', [weth, other.address]);
      expect(shares).toBeGreaterThan(0n);
      await call(other, 'withdraw', [weth, maxUint256, other.address]);
      expect(await read<bigint>('supplySharesOf', [weth, other.address])).toBe(0n);
      // no interest accrued with nothing borrowed: the lender gets back what it supplied, to the wei or one below
      const after = await w.balanceOf(hub, 'USDC', other.address);
      expect(before - after).toBeLessThanOrEqual(1n);
    });

    it('refuses withdrawing more shares than held, nothing, and more than the idle cash', async () => {
      const shares = await read<bigint>('supplySharesOf', [weth, lender.address]);
      expect(await revertName(call(lender, 'withdraw', [weth, shares + 1n, lender.address]))).toBe(
        'InsufficientShares',
      );
      expect(await revertName(call(lender, 'withdraw', [weth, 0n, lender.address]))).toBe('ZeroAmount');
      await call(borrower, 'borrow', [weth, 0, usdc('20000'), borrower.address]);
      expect(await revertName(call(lender, 'withdraw', [weth, shares, lender.address]))).toBe('InsufficientLiquidity');
    });
  });

  describe('SegmentVault.borrowers', () => {
    it('keeps sub-accounts apart: collateral in sub 0 does not back a borrow in sub 1', async () => {
      expect(await revertName(call(borrower, 'borrow', [weth, 1, usdc('1'), borrower.address]))).toBe(
        'Undercollateralised',
      );
      await call(borrower, 'borrow', [weth, 0, usdc('1000'), borrower.address]);
      expect(await read<bigint>('debtOf', [weth, borrower.address, 0])).toBe(usdc('1000'));
      expect(await read<bigint>('debtOf', [weth, borrower.address, 1])).toBe(0n);
    });

    it('repays in part, on behalf of another owner, and in full with max', async () => {
      await call(borrower, 'borrow', [weth, 0, usdc('1000'), borrower.address]);
      await call(other, 'repay', [weth, borrower.address, 0, usdc('400')]);
      const left = await read<bigint>('debtOf', [weth, borrower.address, 0]);
      expect(left - usdc('600')).toBeGreaterThanOrEqual(0n); // plus a few seconds of interest
      expect(left - usdc('600')).toBeLessThan(usdc('0.01'));
      await call(borrower, 'repay', [weth, borrower.address, 0, maxUint256]);
      expect(await read<bigint>('debtOf', [weth, borrower.address, 0])).toBe(0n);
      expect(await revertName(call(borrower, 'repay', [weth, borrower.address, 0, maxUint256]))).toBe('ZeroAmount');
    });

    it('lets collateral out only while the borrow limit holds, and closes an emptied account', async () => {
      await call(borrower, 'borrow', [weth, 0, usdc('11900'), borrower.address]); // limit $24,000; $12,000 on 5 WETH
      expect(
        await revertName(call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('6'), borrower.address])),
      ).toBe('Undercollateralised');
      await call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('5'), borrower.address]);
      expect(
        await revertName(call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('6'), borrower.address])),
      ).toBe('InsufficientCollateral');
      const accounts = (await ledger()).accounts;
      await call(borrower, 'repay', [weth, borrower.address, 0, maxUint256]);
      await call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('5'), borrower.address]);
      expect((await ledger()).accounts).toBe(accounts - 1);
    });

    it('refuses an unlisted asset, the supply cap and the borrow cap', async () => {
      expect(await revertName(call(borrower, 'depositCollateral', [weth, 0, asset('CRV'), 1n]))).toBe('AssetNotListed');
      await w.fund(hub, other, 'WETH', parseEther('100000'));
      // 10 WETH are in already; the cap is 100,000
      expect(await revertName(call(other, 'depositCollateral', [weth, 0, WETH, parseEther('99991')]))).toBe(
        'SupplyCapExceeded',
      );
      const wethSegment = DEVNET_SEGMENTS.find((x) => x.name === 'weth');
      if (!wethSegment) throw new Error('the devnet has a weth segment');
      await w.govern({
        action: ProposalAction.SetRiskParams,
        segment: weth,
        params: { ...devnetRiskParams(wethSegment), borrowCap: usdc('500') },
      });
      expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('501'), borrower.address]))).toBe(
        'BorrowCapExceeded',
      );
      expect(await revertName(call(borrower, 'borrow', [weth, 0, 0n, borrower.address]))).toBe('ZeroAmount');
    });
  });

  describe('SegmentVault.prices', () => {
    it('refuses to price with a stale, zero or negative feed', async () => {
      const feed = w.feed('WETH', hub);
      const deployer = w.role('deployer');
      const now = (await w.client(hub).getBlock()).timestamp;
      await w.send(hub, deployer, feed, DevPriceFeed.abi, 'setAnswerAt', [300_000_000_000n, now - 86_401n]);
      expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe('StalePrice');
      await w.send(hub, deployer, feed, DevPriceFeed.abi, 'setAnswer', [0n]);
      expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe('InvalidPrice');
      await w.send(hub, deployer, feed, DevPriceFeed.abi, 'setAnswer', [-1n]);
      expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe('InvalidPrice');
    });
  });

  describe('SegmentVault.interest', () => {
    it('accrues the kinked rate for a year and moves the reserve factor into insurance', async () => {
      // 20,000 of 100,000 lent: 20 % utilisation, below the 80 % kink → 400 bps × 20/80 = 100 bps a year
      await call(borrower, 'borrow', [weth, 0, usdc('20000'), borrower.address]);
      expect(await read<bigint>('borrowRateBps', [weth])).toBe(100n);
      await w.warp(hub, 365 * 86_400);
      await w.setPrice(hub, 'WETH', 300_000_000_000n); // keep the feed fresh
      await call(other, 'supply', [weth, 1n, other.address]); // any operation accrues
      const debt = await read<bigint>('debtOf', [weth, borrower.address, 0]);
      // 1 % simple interest on 20,000 USDC over the year (a few seconds more for the blocks in between)
      expect(debt - usdc('20200')).toBeGreaterThanOrEqual(0n);
      expect(debt - usdc('20200')).toBeLessThan(usdc('0.01'));
      const insurance = (await ledger()).insurance;
      expect(insurance).toBeGreaterThanOrEqual(usdc('20')); // 10 % of the 200 USDC interest
      expect(insurance).toBeLessThan(usdc('20.001'));
    });
  });

  describe('SegmentVault.liquidation', () => {
    it('refuses to liquidate a healthy account', async () => {
      await call(borrower, 'borrow', [weth, 0, usdc('20000'), borrower.address]);
      expect(await revertName(call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('1000')]))).toBe(
        'AccountHealthy',
      );
    });

    it('repays at most half the debt, seizes that value plus the bonus, and feeds insurance a tenth of the bonus', async () => {
      await call(borrower, 'borrow', [weth, 0, usdc('24000'), borrower.address]);
      await w.setPrice(hub, 'WETH', 250_000_000_000n); // $2,500: 10 WETH × 85 % = $21,250 < $24,000
      const insuranceBefore = (await ledger()).insurance;
      const receipt = await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('100000')]);
      const [event] = parseEventLogs({ abi: SegmentVault.abi, eventName: 'Liquidated', logs: receipt.logs });
      // close factor 50 % of a debt of 24,000 plus a few seconds of interest
      const repaid = event?.args.repaid ?? 0n;
      expect(repaid - usdc('12000')).toBeGreaterThanOrEqual(0n);
      expect(repaid - usdc('12000')).toBeLessThan(usdc('0.01'));
      // seized = repaid × 1.05 / $2,500 (5.04 WETH for exactly 12,000); insurance 5 % bonus × 10 %
      const seized = (repaid * 10n ** 12n * 10_500n) / (10_000n * 2_500n);
      expect(event?.args.seized).toBe(seized);
      expect(event?.args.toInsurance).toBe((repaid * 5n) / 1_000n);
      // plus the reserve-factor share of those seconds of interest
      const fed = (await ledger()).insurance - insuranceBefore - (repaid * 5n) / 1_000n;
      expect(fed).toBeGreaterThanOrEqual(0n);
      expect(fed).toBeLessThan(usdc('0.01'));
      expect(await w.balanceOf(hub, 'WETH', liquidator.address)).toBe(seized);
    });

    it('realises the debt left when collateral runs out: insurance first, then the suppliers', async () => {
      await call(borrower, 'borrow', [weth, 0, usdc('24000'), borrower.address]);
      await w.setPrice(hub, 'WETH', 100_000_000_000n); // $1,000: 10 WETH worth $10,000 against $24,000
      const suppliersBefore = await read<bigint>('supplierAssets', [weth]);
      const receipt = await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('100000')]);
      const [liquidated] = parseEventLogs({ abi: SegmentVault.abi, eventName: 'Liquidated', logs: receipt.logs });
      const [bad] = parseEventLogs({ abi: SegmentVault.abi, eventName: 'BadDebtRealised', logs: receipt.logs });
      expect(liquidated?.args.seized).toBe(parseEther('10'));
      const repaid = liquidated?.args.repaid ?? 0n;
      expect(bad?.args.amount).toBe(usdc('24000') - repaid);
      expect((bad?.args.fromInsurance ?? 0n) + (bad?.args.fromSuppliers ?? 0n)).toBe(bad?.args.amount);
      expect(await read<bigint>('debtOf', [weth, borrower.address, 0])).toBe(0n);
      expect((await ledger()).badDebt).toBe(bad?.args.amount);
      // the suppliers lose what insurance could not pay (insurance share of the bonus was added first)
      expect(suppliersBefore - (await read<bigint>('supplierAssets', [weth]))).toBe(bad?.args.fromSuppliers);
    });
  });

  describe('SegmentVault.status', () => {
    it('ReduceOnly: no new supply, collateral or debt; repay and withdrawals go on', async () => {
      await call(borrower, 'borrow', [weth, 0, usdc('1000'), borrower.address]);
      await setStatus(2);
      expect(await revertName(call(other, 'supply', [weth, usdc('1'), other.address]))).toBe('OperationNotAllowed');
      expect(await revertName(call(other, 'depositCollateral', [weth, 0, WETH, 1n]))).toBe('OperationNotAllowed');
      expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe(
        'OperationNotAllowed',
      );
      await call(borrower, 'repay', [weth, borrower.address, 0, usdc('500')]);
      await call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('1'), borrower.address]);
      await call(lender, 'withdraw', [weth, 1_000n, lender.address]);
      // 500 left, plus the interest of the few seconds the blocks in between took
      const debt = await read<bigint>('debtOf', [weth, borrower.address, 0]);
      expect(debt - usdc('500')).toBeGreaterThanOrEqual(0n);
      expect(debt - usdc('500')).toBeLessThan(usdc('0.01'));
    });

    it('Frozen (by the guardian): only repay and liquidation', async () => {
      await call(borrower, 'borrow', [weth, 0, usdc('24000'), borrower.address]);
      await w.send(hub, w.role('guardian'), w.controller, SegmentController.abi, 'freeze', [weth]);
      expect(await revertName(call(lender, 'withdraw', [weth, 1_000n, lender.address]))).toBe('OperationNotAllowed');
      expect(await revertName(call(borrower, 'withdrawCollateral', [weth, 0, WETH, 1n, borrower.address]))).toBe(
        'OperationNotAllowed',
      );
      await call(borrower, 'repay', [weth, borrower.address, 0, usdc('1000')]);
      await w.setPrice(hub, 'WETH', 250_000_000_000n);
      await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('1000')]);
    });

    it('Retired: only exits', async () => {
      await setStatus(4);
      expect(await revertName(call(other, 'supply', [weth, usdc('1'), other.address]))).toBe('OperationNotAllowed');
      expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe(
        'OperationNotAllowed',
      );
      await call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('10'), borrower.address]);
      await call(lender, 'withdraw', [weth, maxUint256, lender.address]);
      expect(await read<bigint>('supplySharesOf', [weth, lender.address])).toBe(0n);
    });

    it('names an unknown segment', async () => {
      expect(await revertName(call(other, 'supply', [seg('nope'), usdc('1'), other.address]))).toBe('SegmentNotFound');
    });
  });

  describe('SegmentVault.attestation', () => {
    it('attests on the hub for free, straight to the controller, and refuses a fee there', async () => {
      expect(await read<bigint>('quoteAttest', [[weth]])).toBe(0n);
      const receipt = await call(other, 'attest', [[weth]]);
      const [attested] = parseEventLogs({ abi: SegmentVault.abi, eventName: 'Attested', logs: receipt.logs });
      expect(attested?.args.segments).toBe(1n);
      const recorded = await w.read<{ snapshot: { collateralValue: bigint } }>(
        hub,
        w.controller,
        SegmentController.abi,
        'attestation',
        [weth, hub],
      );
      expect(recorded.snapshot.collateralValue).toBe(parseEther('30000')); // 10 WETH at $3,000
      const paid = w.send(hub, other, w.vault(hub), SegmentVault.abi, 'attest', [[weth]], 1n);
      expect(await revertName(paid)).toBe('NativeFeeOnHub');
      expect(await revertName(call(other, 'attest', [[seg('nope')]]))).toBe('SegmentNotFound');
    });
  });

  describe('SegmentVault.configuration', () => {
    it('takes configuration from the controller only', async () => {
      const message: Hex = encodeFunctionData({ abi: SegmentVault.abi, functionName: 'segmentCount' });
      expect(await revertName(call(other, 'applyFromController', [message]))).toBe('NotController');
      const spoke = w.eids[1] ?? hub;
      expect(await revertName(w.vaultCall(spoke, other, 'applyFromController', [message]))).toBe('NotController');
    });
  });
});
