import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex, type Address, type Hex } from 'viem';
import { SmokeOApp } from '#app/contracts';
import { anvilRpc, defaultChainSpecs, ManualRelay, startDevnet, type Devnet } from '#app/devnet';
import { loadRelayerSettings } from '../../apps/relayer/src/relayer.config.js';
import { startRelayerApp, type RelayerApp } from '../../apps/relayer/src/relayer.app.js';
import { waitFor } from '../support/wait.js';

const HUB = 40101;
const SPOKE = 40102;
const CONFIRMATIONS = 3;

interface PacketView {
  stage: string;
  srcBlockNumber: string;
  lastError: string | null;
  history: { stage: string; reason: string | null }[];
}

describe('Relayer under faults', () => {
  let dir: string;
  let devnet: Devnet;
  let relay: ManualRelay;
  let apps: Map<number, Address>;
  let relayer: RelayerApp;
  const app = (eid: number) => apps.get(eid) as Address; // deployed for every eid in beforeAll
  /** anvil's own methods (snapshot, revert, mine, state) as plain JSON-RPC. */
  const rpc = (eid: number, method: string, params: unknown[] = []): Promise<unknown> =>
    anvilRpc(devnet.registry.byEidOrThrow(eid).rpcUrls[0] ?? '', method, params);
  const packet = async (guid: Hex): Promise<PacketView | undefined> => {
    const res = await fetch(`${relayer.url}/packets/${guid}`);
    return res.status === 200 ? ((await res.json()) as PacketView) : undefined;
  };
  const received = async (guid: Hex) =>
    (
      await relay
        .client(SPOKE)
        .readContract({ address: app(SPOKE), abi: SmokeOApp.abi, functionName: 'received', args: [guid] })
    )[3];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'segment-faults-'));
    // three confirmations, so a packet can be reorged away before the relayer may verify it
    devnet = await startDevnet({
      chains: defaultChainSpecs(2, CONFIRMATIONS),
      manifestPath: join(dir, 'manifest.json'),
    });
    relay = new ManualRelay(devnet);
    apps = await relay.deploySmokeOApps();
    const settings = loadRelayerSettings({
      RELAYER_MANIFEST: join(dir, 'manifest.json'),
      RELAYER_DATA_DIR: join(dir, 'db'),
      RELAYER_HTTP_PORT: '0',
      RELAYER_POLL_MS: '30',
    });
    relayer = await startRelayerApp(settings, false);
  });
  afterAll(async () => {
    await relayer?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops a packet reorged away before its confirmations and delivers the one sent in its place', async () => {
    const snapshot = await rpc(HUB, 'evm_snapshot');
    const orphan = await relay.send(HUB, app(HUB), SPOKE, toHex('orphaned by a reorg'));
    const seen = await waitFor(
      'the orphan recorded as sent',
      async () => (await packet(orphan.packet.guid))?.stage === 'sent',
    );
    expect(seen).toBe(true);

    await rpc(HUB, 'evm_revert', [snapshot]);
    const canonical = await relay.send(HUB, app(HUB), SPOKE, toHex('the canonical one'));
    expect(canonical.packet.guid).toBe(orphan.packet.guid); // same pathway and nonce: the same guid
    expect(canonical.blockNumber).toBe(orphan.blockNumber);
    await rpc(HUB, 'anvil_mine', [toHex(CONFIRMATIONS)]);

    // the receiver holds the payload a moment before the relayer records the receipt
    const view = await waitFor('the canonical packet recorded delivered', async () => {
      const p = await packet(canonical.packet.guid);
      return p?.stage === 'delivered' ? p : undefined;
    });
    expect(await received(canonical.packet.guid)).toBe(toHex('the canonical one'));
    expect(view?.history.filter((h) => h.stage === 'sent').length).toBeGreaterThanOrEqual(2);
  });

  it('drops a packet whose block is gone and never verifies it', async () => {
    const snapshot = await rpc(HUB, 'evm_snapshot');
    const orphan = await relay.send(HUB, app(HUB), SPOKE, toHex('gone for good'));
    await waitFor('the orphan recorded', async () => (await packet(orphan.packet.guid))?.stage === 'sent');
    await rpc(HUB, 'evm_revert', [snapshot]);
    await rpc(HUB, 'anvil_mine', [toHex(CONFIRMATIONS + 2)]);
    const dropped = await waitFor('the orphan dropped', async () => {
      const p = await packet(orphan.packet.guid);
      return p?.stage === 'dropped' ? p : undefined;
    });
    expect(dropped.lastError).toMatch(/^reorg: block \d+ is now 0x[0-9a-f]{64}, packet was in 0x/);
    expect(dropped.history.map((h) => h.stage)).not.toContain('verified');
    expect(await received(orphan.packet.guid)).toBe('0x');
  });

  it('keeps a packet through a destination outage and delivers it once the chain is back', async () => {
    // an outage as the relayer sees it: the destination's RPC refuses every call
    const spoke = devnet.anvils.find((a) => a.chainId === devnet.registry.byEidOrThrow(SPOKE).chainId);
    if (!spoke) throw new Error('the spoke anvil is ours');
    const state = await rpc(SPOKE, 'anvil_dumpState');
    await spoke.stop();
    const sent = await relay.send(HUB, app(HUB), SPOKE, toHex('sent during an outage'));
    await rpc(HUB, 'anvil_mine', [toHex(CONFIRMATIONS)]);
    await waitFor(
      'the packet confirmed while the destination is down',
      async () => (await packet(sent.packet.guid))?.stage === 'confirmed',
    );
    await new Promise((r) => setTimeout(r, 1_000)); // a few rounds of failed RPC calls
    expect((await packet(sent.packet.guid))?.stage).toBe('confirmed');

    await spoke.restart();
    expect(await rpc(SPOKE, 'anvil_loadState', [state])).toBe(true);
    await waitFor(
      'the packet delivered after the outage',
      async () => (await received(sent.packet.guid)) === toHex('sent during an outage'),
      90_000,
    );
    const recorded = await waitFor(
      'the delivery recorded',
      async () => (await packet(sent.packet.guid))?.stage === 'delivered',
    );
    expect(recorded).toBe(true);
  });
});
