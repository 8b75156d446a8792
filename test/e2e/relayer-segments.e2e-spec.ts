import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { parseEther } from 'viem';
import { SegmentController } from '#app/contracts';
import { DEVNET_SEGMENTS, devnetRiskParams } from '#app/devnet';
import { ProposalAction } from '#app/messaging';
import { loadRelayerSettings } from '../../apps/relayer/src/relayer.config.js';
import { startRelayerApp, type RelayerApp } from '../../apps/relayer/src/relayer.app.js';
import { asset, revertName, seg, SegmentWorld, user } from '../support/segments.js';
import { waitFor } from '../support/wait.js';

interface Attested {
  blockNumber: bigint;
  snapshot: { paramsEpoch: bigint };
}

describe('Relayer.segments', () => {
  let w: SegmentWorld;
  let relayer: RelayerApp;

  beforeAll(async () => {
    w = await SegmentWorld.start();
    const settings = loadRelayerSettings({
      RELAYER_MANIFEST: w.devnet.manifestPath,
      RELAYER_DATA_DIR: join(w.devnet.manifestPath, '..', 'relayer-db'),
      RELAYER_HTTP_PORT: '0',
      RELAYER_POLL_MS: '30',
      RELAYER_ATTEST_INTERVAL_MS: '500',
    });
    relayer = await startRelayerApp(settings, false);
  });
  afterAll(async () => {
    await relayer?.close();
    await w?.stop();
  });

  it('carries a governance change from the hub to every spoke vault', async () => {
    const crv = DEVNET_SEGMENTS.find((s) => s.name === 'crv');
    if (!crv) throw new Error('the devnet has a crv segment');
    const params = devnetRiskParams(crv);
    const tighter = { ...params, assets: params.assets.map((a) => ({ ...a, ltvBps: a.ltvBps - 500 })) };
    await w.govern({ action: ProposalAction.SetRiskParams, segment: seg('crv'), params: tighter });
    for (const eid of w.eids) {
      const applied = await waitFor(`params epoch 2 on ${eid}`, async () => {
        const cfg = await w.readVault<{ paramsEpoch: bigint }>(eid, 'config', [seg('crv')]);
        return cfg.paramsEpoch === 2n;
      });
      expect(applied).toBe(true);
      const collateral = await w.readVault<{ ltvBps: number }>(eid, 'collateralConfig', [
        seg('crv'),
        params.assets[0]?.assetId,
      ]);
      expect(collateral.ltvBps).toBe(5_000);
    }
  });

  it('keeps the hub attested: every chain reports every segment through the keeper', async () => {
    for (const segment of DEVNET_SEGMENTS) {
      for (const eid of w.eids) {
        const attested = await waitFor(`${segment.name} attested from ${eid}`, async () => {
          const a = await w.read<Attested>(w.hubEid, w.controller, SegmentController.abi, 'attestation', [
            seg(segment.name),
            eid,
          ]);
          return a.blockNumber > 0n ? a : undefined;
        });
        expect(attested.snapshot.paramsEpoch).toBeGreaterThanOrEqual(1n);
      }
    }
  });

  it('turns a segment over its global cap ReduceOnly on every chain, on its own', async () => {
    // $3,000 of WETH on a spoke against a $1,000 cap: the keeper attests, the hub decides, the
    // keeper flushes the status to the spokes, the relayer delivers it
    await w.govern({ action: ProposalAction.SetGlobalCap, segment: seg('weth'), globalCapUsd: parseEther('1000') });
    const spoke = w.eids[1] ?? w.hubEid;
    const borrower = user(0);
    await w.fund(spoke, borrower, 'WETH', parseEther('1'));
    await w.vaultCall(spoke, borrower, 'depositCollateral', [seg('weth'), 0, asset('WETH'), parseEther('1')]);
    for (const eid of w.eids) {
      const status = await waitFor(`weth ReduceOnly on ${eid}`, async () => {
        const cfg = await w.readVault<{ status: number }>(eid, 'config', [seg('weth')]);
        return cfg.status === 2 ? cfg.status : undefined;
      });
      expect(status).toBe(2);
    }
    expect(
      await revertName(w.vaultCall(spoke, borrower, 'depositCollateral', [seg('weth'), 0, asset('WETH'), 1n])),
    ).toBe('OperationNotAllowed');
  });
});
