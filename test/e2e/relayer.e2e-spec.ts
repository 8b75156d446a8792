import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAbiParameters, toHex, zeroAddress, type Address, type Hex } from 'viem';
import { BatchExecutor, EndpointV2, OtherExecutor, SmokeOApp } from '#app/contracts';
import { anvilRpc, ManualRelay, startDevnet, type Devnet } from '#app/devnet';
import { addressToBytes32, DeliveryOutcome } from '#app/messaging';
import { loadRelayerSettings, type RelayerSettings } from '../../apps/relayer/src/relayer.config.js';
import { jsonLogger, startRelayerApp, type RelayerApp } from '../../apps/relayer/src/relayer.app.js';
import { startRpcProxy } from '../support/rpc-proxy.js';
import { deploySmokeMesh } from '../support/smoke-mesh.js';
import { waitFor } from '../support/wait.js';

describe('Relayer on a 3-chain devnet', () => {
  let dir: string;
  let devnet: Devnet;
  let relay: ManualRelay;
  let apps: Map<number, Address>;
  let settings: RelayerSettings;
  let relayer: RelayerApp | undefined;
  const eids = [40101, 40102, 40103];
  const app = (eid: number) => apps.get(eid) as Address; // deployed for every eid in beforeAll

  const receivedCount = (eid: number) =>
    relay.client(eid).readContract({ address: app(eid), abi: SmokeOApp.abi, functionName: 'receivedCount' });
  const received = async (eid: number, guid: Hex) =>
    (
      await relay
        .client(eid)
        .readContract({ address: app(eid), abi: SmokeOApp.abi, functionName: 'received', args: [guid] })
    )[3];
  const packet = async (guid: Hex) => {
    const res = await fetch(`${relayer?.url}/packets/${guid}`);
    return (await res.json()) as {
      stage: string;
      attempts: number;
      lastError: string | null;
      history: { stage: string; detail: Record<string, unknown> | null }[];
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'segment-relayer-'));
    devnet = await startDevnet({ chains: 3, manifestPath: join(dir, 'manifest.json') });
    relay = new ManualRelay(devnet);
    apps = await deploySmokeMesh(relay);
    settings = loadRelayerSettings({
      RELAYER_MANIFEST: join(dir, 'manifest.json'),
      RELAYER_DATA_DIR: join(dir, 'db'),
      RELAYER_HTTP_PORT: '0',
      RELAYER_POLL_MS: '50',
      RELAYER_RETRY_BASE_MS: '100',
      RELAYER_RETRY_MAX_MS: '300',
      RELAYER_MAX_ATTEMPTS: '3',
    });
    relayer = await startRelayerApp(settings, process.env.SEGMENT_TEST_LOGS ? jsonLogger() : false);
  });
  afterAll(async () => {
    await relayer?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers messages in every direction exactly once', async () => {
    const before = await Promise.all(eids.map(receivedCount));
    const sent: { dst: number; guid: Hex; message: Hex }[] = [];
    for (const src of eids) {
      for (const dst of eids.filter((e) => e !== src)) {
        for (let i = 0; i < 3; i++) {
          const message = toHex(`relay ${src}->${dst} #${i}`);
          const { packet: p } = await relay.send(src, app(src), dst, message);
          sent.push({ dst, guid: p.guid, message });
        }
      }
    }
    await waitFor('every packet delivered', async () =>
      (await Promise.all(sent.map((s) => received(s.dst, s.guid)))).every((m, i) => m === sent[i]?.message),
    );
    const after = await Promise.all(eids.map(receivedCount));
    expect(after.map((n, i) => n - (before[i] ?? 0n))).toEqual([6n, 6n, 6n]);
    // the receivers hold the payloads a moment before the relayer records the receipts
    for (const s of sent) {
      expect(
        await waitFor(`${s.guid} recorded delivered`, async () => (await packet(s.guid)).stage === 'delivered'),
      ).toBe(true);
    }
    // the endpoints agree: every pathway's inbound nonce reached 3
    for (const src of eids) {
      for (const dst of eids.filter((e) => e !== src)) {
        const nonce = await relay.client(dst).readContract({
          address: relay.lz(dst).endpoint,
          abi: EndpointV2.abi,
          functionName: 'inboundNonce',
          args: [app(dst), src, addressToBytes32(app(src))],
        });
        expect({ src, dst, nonce }).toEqual({ src, dst, nonce: 3n });
      }
    }
    // each packet's time to every stage, per pathway: 3 packets each, seen → confirmed → verified → delivered
    const metrics = await (await fetch(`${relayer?.url}/metrics`)).text();
    const count = (name: string, labels: string) =>
      Number(new RegExp(`^${name}_count\\{${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? -1);
    for (const src of eids) {
      for (const dst of eids.filter((e) => e !== src)) {
        const pathway = `${src}-${dst}`;
        const counts = ['confirmed', 'verified', 'delivered'].map((stage) =>
          count('relayer_packet_stage_seconds', `stage="${stage}",pathway="${pathway}"`),
        );
        const endToEnd = count('relayer_packet_delivery_seconds', `pathway="${pathway}"`);
        expect({ pathway, counts, endToEnd }).toEqual({ pathway, counts: [3, 3, 3], endToEnd: 3 });
      }
    }
  });

  it('resumes from its cursor after a restart and delivers what was sent while it was down', async () => {
    await relayer?.close();
    relayer = undefined;
    const countBefore = await receivedCount(40102);
    const whileDown = [];
    for (let i = 0; i < 4; i++)
      whileDown.push((await relay.send(40101, app(40101), 40102, toHex(`while down ${i}`))).packet);
    expect(await receivedCount(40102)).toBe(countBefore);
    relayer = await startRelayerApp(settings, process.env.SEGMENT_TEST_LOGS ? jsonLogger() : false);
    await waitFor('the backlog delivered', async () => (await receivedCount(40102)) === countBefore + 4n);
    for (const p of whileDown) {
      expect(
        await waitFor(`${p.guid} recorded delivered`, async () => (await packet(p.guid)).stage === 'delivered'),
      ).toBe(true);
      // deep enough when first read (the chain asks one confirmation): confirmed as it was recorded
      const { history } = await packet(p.guid);
      expect(history.map((h) => h.stage)).toEqual(['sent', 'confirmed', 'verified', 'delivered']);
      expect(history[3]?.detail).toEqual({ txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    }
  });

  it('catches up behind a provider that refuses eth_getLogs over more than 100 blocks, 300 blocks behind', async () => {
    await relayer?.close();
    relayer = undefined;
    const hub = devnet.manifest.chains[0]?.rpcUrl ?? '';
    const countBefore = await receivedCount(40102);
    const first = await relay.send(40101, app(40101), 40102, toHex('before 300 blocks'));
    await anvilRpc(hub, 'anvil_mine', [toHex(300)]);
    const second = await relay.send(40101, app(40101), 40102, toHex('after 300 blocks'));
    const proxy = await startRpcProxy(hub, (method, params) => {
      const filter = params[0] as { fromBlock?: Hex; toBlock?: Hex } | undefined;
      if (method !== 'eth_getLogs' || !filter?.fromBlock || !filter.toBlock) return undefined;
      return BigInt(filter.toBlock) - BigInt(filter.fromBlock) >= 100n
        ? 'query exceeds max block range 100'
        : undefined;
    });
    const manifest = JSON.parse(readFileSync(settings.manifestPath, 'utf8')) as { chains: { rpcUrl: string }[] };
    manifest.chains[0] = { ...manifest.chains[0], rpcUrl: proxy.url };
    const manifestPath = join(dir, 'manifest-behind-a-provider.json');
    writeFileSync(manifestPath, JSON.stringify(manifest));
    try {
      relayer = await startRelayerApp({ ...settings, manifestPath }, false);
      await waitFor('both packets delivered', async () => (await receivedCount(40102)) === countBefore + 2n);
      expect(await received(40102, first.packet.guid)).toBe(toHex('before 300 blocks'));
      expect(await received(40102, second.packet.guid)).toBe(toHex('after 300 blocks'));
      expect(proxy.refused).toBeGreaterThan(0);
    } finally {
      await relayer?.close();
      await proxy.close();
      relayer = await startRelayerApp(settings, process.env.SEGMENT_TEST_LOGS ? jsonLogger() : false);
    }
  });

  it('takes a reverting receiver through failed to dead without holding up others, and delivers it after an operator retry', async () => {
    await relay.confirm(
      40103,
      relay
        .wallet(40103)
        .writeContract({ address: app(40103), abi: SmokeOApp.abi, functionName: 'setRejectAll', args: [true] }),
    );
    const bad = (await relay.send(40101, app(40101), 40103, toHex('rejected for now'))).packet;
    const good = (await relay.send(40101, app(40101), 40102, toHex('unaffected'))).packet;
    await waitFor(
      'the other pathway delivered',
      async () => (await received(40102, good.guid)) === toHex('unaffected'),
    );
    const dead = await waitFor('the packet dead', async () => {
      const p = await packet(bad.guid);
      return p.stage === 'dead' ? p : undefined;
    });
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toMatch(/lzReceive reverted: SmokeRejected/);
    expect(dead.history.map((h) => h.stage)).toEqual([
      'sent',
      'confirmed',
      'verified',
      'failed',
      'verified',
      'failed',
      'verified',
      'dead',
    ]);

    await relay.confirm(
      40103,
      relay
        .wallet(40103)
        .writeContract({ address: app(40103), abi: SmokeOApp.abi, functionName: 'setRejectAll', args: [false] }),
    );
    const retry = await fetch(`${relayer?.url}/packets/${bad.guid}/retry`, { method: 'POST' });
    expect(retry.status).toBe(200);
    await waitFor(
      'the retried packet delivered',
      async () => (await received(40103, bad.guid)) === toHex('rejected for now'),
    );
    expect(
      await waitFor('the retry recorded delivered', async () => (await packet(bad.guid)).stage === 'delivered'),
    ).toBe(true);
  });

  it('refuses packets for a denylisted OApp with a visible reason, and relays them once the operator lifts it', async () => {
    await relayer?.close();
    relayer = await startRelayerApp({ ...settings, denylist: new Set([`40103:${app(40103).toLowerCase()}`]) }, false);
    const refused = (await relay.send(40101, app(40101), 40103, toHex('denied'))).packet;
    const allowed = (await relay.send(40101, app(40101), 40102, toHex('allowed'))).packet;
    await waitFor(
      'the allowed packet delivered',
      async () => (await received(40102, allowed.guid)) === toHex('allowed'),
    );
    const dead = await waitFor('the denied packet dead', async () => {
      const p = await packet(refused.guid);
      return p.stage === 'dead' ? p : undefined;
    });
    expect(dead.lastError).toBe(`receiver 40103:${app(40103).toLowerCase()} is on the operator denylist`);
    expect(await received(40103, refused.guid)).toBe('0x');

    await relayer.close();
    relayer = await startRelayerApp(settings, false);
    expect((await fetch(`${relayer.url}/packets/${refused.guid}/retry`, { method: 'POST' })).status).toBe(200);
    await waitFor(
      'the packet delivered after the denylist was lifted',
      async () => (await received(40103, refused.guid)) === toHex('denied'),
    );
  });

  it('serves the operator API: filters, 404 and 400 with a message', async () => {
    const list = (await (
      await fetch(`${relayer?.url}/packets?stage=delivered&pathway=40101-40102&limit=5`)
    ).json()) as { stage: string; pathway: string }[];
    expect(list.length).toBe(5);
    expect(list.every((p) => p.stage === 'delivered' && p.pathway === '40101-40102')).toBe(true);
    const missing = await fetch(`${relayer?.url}/packets/0x${'ab'.repeat(32)}`);
    expect(missing.status).toBe(404);
    const bad = await fetch(`${relayer?.url}/packets?stage=flying`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/stage must be one of/);
    const metrics = await (await fetch(`${relayer?.url}/metrics`)).text();
    expect(metrics).toMatch(/relayer_stage_results_total\{stage="deliver",eid="40103",result="delivered"\} [1-9]/);
    const ready = await fetch(`${relayer?.url}/ready`);
    expect(ready.status).toBe(200);
  });

  it('leaves a packet our DVN verified for another executor to it, with the reason, and records it delivered once it is', async () => {
    const [src, dst] = [40102, 40103];
    const deployer = relay.wallet(src);
    const deployed = await relay.confirm(
      src,
      deployer.deployContract({ abi: OtherExecutor.abi, bytecode: OtherExecutor.bytecode }),
    );
    const setExecutor = (executor: Address) =>
      relay.confirm(
        src,
        deployer.writeContract({
          address: relay.lz(src).endpoint,
          abi: EndpointV2.abi,
          functionName: 'setConfig',
          args: [
            app(src),
            relay.lz(src).sendUln302,
            [
              {
                eid: dst,
                configType: 1, // the send library's executor config
                config: encodeAbiParameters(
                  [{ type: 'tuple', components: [{ type: 'uint32' }, { type: 'address' }] }],
                  [[executor === zeroAddress ? 0 : 10_000, executor]],
                ),
              },
            ],
          ],
        }),
      );
    await setExecutor(deployed.contractAddress as Address); // a deployment's receipt names its contract
    try {
      const sent = await relay.send(src, app(src), dst, toHex('for another executor'));
      const waiting = await waitFor('the packet verified and left to its executor', async () => {
        const p = await packet(sent.packet.guid);
        return p.stage === 'verified' && p.lastError !== null ? p : undefined;
      });
      expect(waiting.lastError).toBe(
        'verified; delivering it is up to its executor (not ours), checked again every 5 s',
      );
      expect(await received(dst, sent.packet.guid)).toBe('0x');

      // its executor (here the deployer, through the batch executor) delivers it
      await relay.confirm(
        dst,
        relay.wallet(dst).writeContract({
          address: relay.lz(dst).batchExecutor,
          abi: BatchExecutor.abi,
          functionName: 'setOperator',
          args: [relay.wallet(dst).account.address, true],
        }),
      );
      const [outcome] = await relay.deliver(dst, [sent], 'deployer');
      expect(outcome?.outcome).toBe(DeliveryOutcome.Delivered);
      const delivered = await waitFor('the packet recorded delivered', async () => {
        const p = await packet(sent.packet.guid);
        return p.stage === 'delivered' ? p : undefined;
      });
      expect(delivered.history.map((h) => h.stage)).toEqual(['sent', 'confirmed', 'verified', 'delivered']);
    } finally {
      await setExecutor(zeroAddress); // back to the default executor, ours
    }
  });

  it('names out of gas, and the gas the options gave, when a receiver fails without revert data', async () => {
    const starved = (await relay.send(40103, app(40103), 40101, toHex('too little gas'), 5_000n)).packet;
    const failed = await waitFor('the starved packet failed', async () => {
      const p = await packet(starved.guid);
      return p.stage === 'failed' || p.stage === 'dead' ? p : undefined;
    });
    expect(failed.lastError).toBe(
      'lzReceive reverted without data: out of gas (its executor options give it 5000 gas) or a bare revert',
    );
    expect(await received(40101, starved.guid)).not.toBe(toHex('too little gas'));
  });
});
