import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseEther, parseUnits } from 'viem';
import { asset, revertName, seg, SegmentWorld, user } from '../support/segments.js';

describe('SegmentVault.basics', () => {
  let w: SegmentWorld;
  beforeAll(async () => {
    w = await SegmentWorld.start();
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('lends, borrows against collateral within LTV, and refuses past it', async () => {
    const hub = w.hubEid;
    const lender = user(0);
    const borrower = user(1);
    await w.fund(hub, lender, 'USDC', parseUnits('100000', 6));
    await w.vaultCall(hub, lender, 'supply', [seg('weth'), parseUnits('100000', 6), lender.address]);
    await w.fund(hub, borrower, 'WETH', parseEther('10'));
    await w.vaultCall(hub, borrower, 'depositCollateral', [seg('weth'), 0, asset('WETH'), parseEther('10')]);
    // 10 WETH at $3000, LTV 80 %: $24,000
    await w.vaultCall(hub, borrower, 'borrow', [seg('weth'), 0, parseUnits('24000', 6), borrower.address]);
    expect(await w.balanceOf(hub, 'USDC', borrower.address)).toBe(parseUnits('24000', 6));
    expect(await revertName(w.vaultCall(hub, borrower, 'borrow', [seg('weth'), 0, 1n, borrower.address]))).toBe(
      'Undercollateralised',
    );
  });

  it('applies the bootstrap on every spoke over LayerZero', async () => {
    for (const eid of w.eids) {
      const cfg = await w.readVault<{ status: number; paramsEpoch: bigint }>(eid, 'config', [seg('crv')]);
      expect({ eid, status: cfg.status, paramsEpoch: cfg.paramsEpoch }).toEqual({ eid, status: 1, paramsEpoch: 1n });
    }
  });
});
