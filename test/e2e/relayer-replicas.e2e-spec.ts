import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex, type Address, type Hex } from 'viem';
import { SmokeOApp } from '#app/contracts';
import { ManualRelay, startDevnet, type Devnet } from '#app/devnet';
import { dropSchema, PacketRepository } from '#app/persistence';
import { loadRelayerSettings } from '../../apps/relayer/src/relayer.config.js';
import { startRelayerApp, type RelayerApp } from '../../apps/relayer/src/relayer.app.js';
import { deploySmokeMesh } from '../support/smoke-mesh.js';
import { waitFor } from '../support/wait.js';

const DATABASE_URL = process.env.DATABASE_URL;
// Several replicas need a database they can share: Postgres. CI sets DATABASE_URL.
if (!DATABASE_URL)
  process.stdout.write(
    'Relayer.replicas: not run here because DATABASE_URL is not set (it needs a shared Postgres; CI sets it)\n',
  );
const describeOnPostgres = DATABASE_URL ? describe : describe.skip;

describeOnPostgres('Relayer.replicas on one Postgres', () => {
  let dir: string;
  let devnet: Devnet;
  let relay: ManualRelay;
  let apps: Map<number, Address>;
  const replicas: RelayerApp[] = [];
  const schema = `relayer_${randomBytes(5).toString('hex')}`;
  const eids = [40101, 40102, 40103];
  const app = (eid: number) => apps.get(eid) as Address; // deployed for every eid in beforeAll

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'segment-replicas-'));
    devnet = await startDevnet({ chains: 3, manifestPath: join(dir, 'manifest.json') });
    relay = new ManualRelay(devnet);
    apps = await deploySmokeMesh(relay);
    for (const id of ['replica-a', 'replica-b']) {
      const settings = loadRelayerSettings({
        RELAYER_MANIFEST: join(dir, 'manifest.json'),
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
        RELAYER_REPLICA_ID: id,
        RELAYER_HTTP_PORT: '0',
        RELAYER_POLL_MS: '30',
        RELAYER_BATCH_SIZE: '8',
      });
      replicas.push(await startRelayerApp(settings, false));
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    if (DATABASE_URL) await dropSchema(DATABASE_URL, schema);
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('share a burst on every pathway: each packet delivered exactly once, none missed', async () => {
    const before = await Promise.all(
      eids.map((e) =>
        relay.client(e).readContract({ address: app(e), abi: SmokeOApp.abi, functionName: 'receivedCount' }),
      ),
    );
    const sent: { dst: number; guid: Hex }[] = [];
    for (let i = 0; i < 8; i++) {
      for (const src of eids) {
        for (const dst of eids.filter((e) => e !== src)) {
          const { packet } = await relay.send(src, app(src), dst, toHex(`burst ${src}->${dst} #${i}`));
          sent.push({ dst, guid: packet.guid });
        }
      }
    }
    const repo = new PacketRepository(replicas[0].database.dataSource); // two replicas started in beforeAll
    await waitFor(
      'all 48 packets delivered',
      async () => (await Promise.all(sent.map((s) => repo.get(s.guid)))).every((p) => p?.stage === 'delivered'),
      120_000,
    );
    const after = await Promise.all(
      eids.map((e) =>
        relay.client(e).readContract({ address: app(e), abi: SmokeOApp.abi, functionName: 'receivedCount' }),
      ),
    );
    expect(after.map((n, i) => n - (before[i] ?? 0n))).toEqual([16n, 16n, 16n]);
    // one sender per (chain, key): no replica ever lost a nonce to the other
    const attempts = await replicas[0].database.dataSource.query<{ status: string; error: string | null }[]>(
      `SELECT status, error FROM relayer_tx_attempt WHERE eid = ANY($1)`,
      [eids],
    );
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.filter((a) => a.status !== 'mined')).toEqual([]);
    for (const s of sent) {
      const deliveries = (await repo.history(s.guid)).filter((h) => h.stage === 'delivered');
      expect({ guid: s.guid, deliveries: deliveries.length }).toEqual({ guid: s.guid, deliveries: 1 });
    }
    // one watcher per chain: each chain's logs were read by one of the replicas, not by both
    const watched = await Promise.all(
      replicas.map(async (r) => {
        const text = await (await fetch(`${r.url}/metrics`)).text();
        return eids.filter((e) =>
          new RegExp(`^relayer_stage_round_seconds_count\\{stage="watch",eid="${e}"\\} [1-9]`, 'm').test(text),
        );
      }),
    );
    expect(eids.map((e) => watched.filter((w) => w.includes(e)).length)).toEqual([1, 1, 1]);
  });
});
