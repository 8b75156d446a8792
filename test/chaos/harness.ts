import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { parseEventLogs, toHex, type Address, type Hex } from 'viem';
import { EndpointV2, SmokeOApp } from '#app/contracts';
import { anvilRpc, defaultChainSpecs, ManualRelay, startDevnet, type AnvilInstance, type Devnet } from '#app/devnet';
import { addressToBytes32, decodePacket, lzReceiveOptions } from '#app/messaging';
import { dropSchema } from '#app/persistence';
import type { PacketHistoryView, PacketView as RelayerPacketView } from '../../apps/relayer/src/http/packet.dto.js';
import { RelayerProcess } from '../support/relayer-process.js';
import { deploySmokeMesh } from '../support/smoke-mesh.js';
import { PgProxy } from './pg-proxy.js';
import { VaultLoad } from './vault-load.js';

/** Source confirmations on the chaos devnet: deep enough for a reorg of 1–2 blocks to land before them. */
export const CONFIRMATIONS = 3;

export interface ChaosConfig {
  /** A Postgres the replicas share (through a proxy the suite can cut); without it one relayer runs on PGlite. */
  databaseUrl?: string;
  /** Relayer replicas on Postgres (one on PGlite). */
  replicas: number;
  /** Steady load: packets per second across all six pathways. */
  rate: number;
  /** Extra environment for every relayer process (e.g. a heap limit through NODE_OPTIONS). */
  relayerEnv?: Record<string, string>;
  /**
   * Deploy the segment stack too and run vault operations beside the packets (deposits attested
   * to the hub, routed liquidity, a governed change a phase): one every this many ms.
   */
  vaultEveryMs?: number;
  log: (line: string) => void;
}

/** One packet the suite sent, and what it should come to. */
export interface Sent {
  phase: string;
  guid: Hex;
  src: number;
  dst: number;
  payload: Hex;
  txHash: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  sentAt: number;
  /** `dead`: a receiver built to fail (reverts, runs out of gas, burns all gas). */
  expect: 'delivered' | 'dead';
}

/** A packet as the relayer's `GET /packets/:guid` shows it. */
export type PacketView = RelayerPacketView & { history: PacketHistoryView[] };

/** Where each packet of a phase ended, checked on chain and in the relayer's records. */
export interface Verdict {
  sent: number;
  /** Sends a source reorg took back: never to be delivered. */
  orphaned: number;
  deliveredOnce: number;
  delivered: Sent[];
  dead: number;
  lost: Sent[];
  /** Packets delivered more than once (the receiver's Delivered events on chain), and orphans delivered. */
  duplicated: number;
  /** Each dead packet with the reason the relayer gives. */
  deadEnds: { sent: Sent; reason: string }[];
}

/**
 * A 3-chain devnet with SmokeOApps on every pathway, relayer replicas as their own processes,
 * a steady load, and the checks that say where every packet ended.
 */
export class ChaosHarness {
  readonly records: Sent[] = [];
  phase = 'warm-up';
  readonly replicas: RelayerProcess[] = [];
  /** When each guid's Delivered event was first seen (ms). */
  private readonly seen = new Map<Hex, number>();
  private readonly cursors = new Map<number, bigint>();
  private readonly chainLocks = new Map<number, Promise<unknown>>();
  private readonly paused = new Set<number>();
  private loadRunning = false;
  private watching = false;
  private loops: Promise<void>[] = [];
  private background: Promise<void>[] = [];
  private sequence = 0;
  loadErrors = 0;
  /** The segment stack's operations, when the config asks for them. */
  vaults?: VaultLoad;

  private constructor(
    readonly config: ChaosConfig,
    readonly dir: string,
    readonly devnet: Devnet,
    readonly relay: ManualRelay,
    readonly apps: Map<number, Address>,
    readonly eids: number[],
    private readonly baseline: Map<number, bigint>,
    readonly schema: string | undefined,
    readonly pool: DataSource | undefined,
    readonly proxy: PgProxy | undefined,
  ) {}

  static async start(config: ChaosConfig): Promise<ChaosHarness> {
    const dir = mkdtempSync(join(tmpdir(), 'segment-chaos-'));
    const devnet = await startDevnet({
      chains: defaultChainSpecs(3, CONFIRMATIONS),
      manifestPath: join(dir, 'manifest.json'),
    });
    const relay = new ManualRelay(devnet);
    const apps = await deploySmokeMesh(relay);
    if (config.vaultEveryMs) await VaultLoad.deploy(devnet);
    const eids = devnet.manifest.chains.map((c) => c.eid);
    const baseline = new Map<number, bigint>();
    for (const eid of eids) baseline.set(eid, await receivedCount(relay, apps, eid));

    let schema: string | undefined;
    let pool: DataSource | undefined;
    let proxy: PgProxy | undefined;
    if (config.databaseUrl) {
      schema = `chaos_${randomBytes(5).toString('hex')}`;
      const url = new URL(config.databaseUrl);
      proxy = await PgProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
      // the suite's own connection (not through the proxy): it watches the replicas' tables and locks
      pool = new DataSource({ type: 'postgres', url: config.databaseUrl, extra: { max: 2 } });
      await pool.initialize();
    }
    const h = new ChaosHarness(config, dir, devnet, relay, apps, eids, baseline, schema, pool, proxy);
    const count = config.databaseUrl ? config.replicas : 1;
    try {
      for (let i = 0; i < count; i++) h.replicas.push(h.relayerProcess(`replica-${'abcdefgh'[i]}`, h.replicaEnv(i)));
      for (const r of h.replicas) await r.start();
      h.watch();
      if (config.vaultEveryMs) {
        h.vaults = await VaultLoad.start(h, config.vaultEveryMs);
        config.log('chaos: segment stack deployed, its bootstrap delivered, routes allowed at both ends');
      }
    } catch (error) {
      await h.stop();
      throw error;
    }
    config.log(
      `chaos: devnet ${eids.join(', ')} (${CONFIRMATIONS} confirmations), ${count} relayer replica(s) on ${
        config.databaseUrl ? `Postgres (schema ${schema})` : 'PGlite'
      }, load ${config.rate} packets/s`,
    );
    return h;
  }

  /** The environment of replica `i`: its own id, and on Postgres its own application name through the proxy. */
  replicaEnv(i: number, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
    const id = `replica-${'abcdefgh'[i]}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RELAYER_MANIFEST: this.devnet.manifestPath,
      RELAYER_REPLICA_ID: id,
      RELAYER_HTTP_PORT: '0',
      RELAYER_POLL_MS: '50',
      RELAYER_BATCH_SIZE: '8',
      RELAYER_LEASE_MS: '4000',
      RELAYER_MAX_ATTEMPTS: '4',
      RELAYER_RETRY_BASE_MS: '250',
      RELAYER_RETRY_MAX_MS: '2000',
      RELAYER_ATTEST_INTERVAL_MS: '0',
      ...this.config.relayerEnv,
      ...overrides,
    };
    if (this.proxy && this.config.databaseUrl) {
      const url = new URL(this.config.databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(this.proxy.port);
      url.searchParams.set('application_name', id);
      env.DATABASE_URL = url.toString();
      env.DATABASE_SCHEMA = this.schema;
    } else {
      delete env.DATABASE_URL;
      env.RELAYER_DATA_DIR = join(this.dir, 'pglite');
    }
    return env;
  }

  /** A relayer process whose output goes to `<dir>/<name>.log` (kept with CHAOS_KEEP=1). */
  relayerProcess(name: string, env: NodeJS.ProcessEnv): RelayerProcess {
    return new RelayerProcess(name, env, join(this.dir, `${name}.log`));
  }

  app(eid: number): Address {
    const app = this.apps.get(eid);
    if (!app) throw new Error(`no SmokeOApp on ${eid}`);
    return app;
  }

  anvil(eid: number): AnvilInstance {
    const chainId = this.devnet.registry.byEidOrThrow(eid).chainId;
    const anvil = this.devnet.anvils.find((a) => a.chainId === chainId);
    if (!anvil) throw new Error(`no anvil for ${eid}`);
    return anvil;
  }

  /** anvil's own methods (snapshot, revert, mine, state, fees) as plain JSON-RPC. */
  async rpc(eid: number, method: string, params: unknown[] = []): Promise<unknown> {
    return anvilRpc(this.devnet.registry.byEidOrThrow(eid).rpcUrls[0] ?? '', method, params);
  }

  /** Runs `work` while no other send goes out from `eid` (one account sends everything on a chain). */
  withChain<T>(eid: number, work: () => Promise<T>): Promise<T> {
    const before = this.chainLocks.get(eid) ?? Promise.resolve();
    const run = before.then(work);
    this.chainLocks.set(
      eid,
      run.catch(() => undefined),
    );
    return run;
  }

  /** Sends one packet from the SmokeOApp on `src` to `dst` and records it. */
  send(src: number, dst: number, payload: Hex, expect: Sent['expect'] = 'delivered', gas = 200_000n): Promise<Sent> {
    return this.withChain(src, () => this.sendNow(src, dst, payload, expect, gas));
  }

  /** The same without taking the chain's turn (for a fault that already holds it). */
  async sendNow(
    src: number,
    dst: number,
    payload: Hex,
    expect: Sent['expect'],
    gas = 200_000n,
    /** Mine the block for it here (the chain's automine is off). */
    mine = false,
  ): Promise<Sent> {
    const client = this.relay.client(src);
    const options = lzReceiveOptions(gas);
    const app = this.app(src);
    const fee = await client.readContract({
      address: app,
      abi: SmokeOApp.abi,
      functionName: 'quote',
      args: [dst, payload, options],
    });
    const hash = await this.relay.wallet(src).writeContract({
      address: app,
      abi: SmokeOApp.abi,
      functionName: 'send',
      args: [dst, payload, options],
      value: fee.nativeFee,
    });
    if (mine) await this.rpc(src, 'evm_mine');
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50, timeout: 20_000 });
    if (receipt.status !== 'success') throw new Error(`send ${src}->${dst} reverted`);
    const [log] = parseEventLogs({ abi: EndpointV2.abi, eventName: 'PacketSent', logs: receipt.logs });
    if (!log) throw new Error('no PacketSent in the send receipt');
    const sent: Sent = {
      phase: this.phase,
      guid: decodePacket(log.args.encodedPayload).guid,
      src,
      dst,
      payload,
      txHash: hash,
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
      sentAt: Date.now(),
      expect,
    };
    this.records.push(sent);
    return sent;
  }

  /**
   * Starts the steady load: each chain sends in turn to the other two, `rate` packets/s in all,
   * and the vault operations when there are any.
   */
  startLoad(): void {
    if (this.loadRunning) return;
    this.loadRunning = true;
    const everyMs = (1_000 * this.eids.length) / this.config.rate;
    this.loops = this.eids.map(async (src) => {
      const dsts = this.eids.filter((e) => e !== src);
      let next = Date.now();
      for (let n = 0; this.loadRunning; n++) {
        next += everyMs;
        if (!this.paused.has(src)) {
          const dst = dsts[n % dsts.length];
          this.sequence += 1;
          await this.send(src, dst, toHex(`load ${src}->${dst} #${this.sequence}`)).catch(() => {
            this.loadErrors += 1; // the source is down, or its send was reorged away before it mined
          });
        }
        const wait = next - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else next = Date.now(); // behind: do not burst to catch up
      }
    });
    this.vaults?.run();
  }

  async stopLoad(): Promise<void> {
    this.loadRunning = false;
    await Promise.all(this.loops);
    await this.vaults?.halt();
    this.loops = [];
  }

  /** Following deliveries and producing blocks, from the start until `stop`. */
  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.background = [this.track(), this.produceBlocks()];
  }

  /** Whether a fault holds the load on `eid`. */
  isPaused(eid: number): boolean {
    return this.paused.has(eid);
  }

  /** Holds the load on `eid` (and waits for its send in progress) until `resume`. */
  async pause(eid: number): Promise<void> {
    this.paused.add(eid);
    await this.withChain(eid, () => Promise.resolve());
  }

  resume(eid: number): void {
    this.paused.delete(eid);
  }

  /**
   * A block a second on every chain, as real chains keep producing them: without it the last
   * packets of the load would never get their confirmations. A paused chain (a fault is working
   * on it: a reorg, an outage, a fee spike) is left alone.
   */
  private async produceBlocks(): Promise<void> {
    while (this.watching) {
      await new Promise((r) => setTimeout(r, 1_000));
      for (const eid of this.eids.filter((e) => !this.paused.has(e))) {
        await this.withChain(eid, () => this.rpc(eid, 'evm_mine')).catch(() => undefined); // down for a fault
      }
    }
  }

  /** Follows every receiver's Delivered events (for packets in flight and latency; the verdict reads state). */
  private async track(): Promise<void> {
    while (this.watching) {
      for (const eid of this.eids) {
        try {
          const client = this.relay.client(eid);
          const head = await client.getBlockNumber();
          let from = this.cursors.get(eid) ?? 0n;
          if (head + 1n < from) from = head + 1n; // the chain was rolled back below what we read
          if (head < from) continue;
          const logs = await client.getContractEvents({
            address: this.app(eid),
            abi: SmokeOApp.abi,
            eventName: 'Delivered',
            fromBlock: from,
            toBlock: head,
          });
          for (const log of logs) {
            const guid = log.args.guid as Hex;
            if (!this.seen.has(guid)) this.seen.set(guid, Date.now());
          }
          this.cursors.set(eid, head + 1n);
        } catch {
          // the chain is down for a fault: read it again next round
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** How many packets the receiver on `eid` has taken in all. */
  receivedCount(eid: number): Promise<bigint> {
    return receivedCount(this.relay, this.apps, eid);
  }

  /** When the receiver's Delivered event for `guid` was first seen (ms), if it was. */
  deliveredAt(guid: Hex): number | undefined {
    return this.seen.get(guid);
  }

  /** Packets sent and not yet seen delivered (nor built to fail). */
  inFlight(): number {
    return this.records.filter((r) => r.expect === 'delivered' && !this.seen.has(r.guid)).length;
  }

  /** A running replica's view of a packet. */
  async packet(guid: Hex): Promise<PacketView | undefined> {
    for (const r of this.replicas.filter((x) => x.running)) {
      try {
        const res = await fetch(`${r.url}/packets/${guid}`);
        if (res.status === 404) return undefined;
        if (res.ok) return (await res.json()) as PacketView;
      } catch {
        // that replica is going down: ask another
      }
    }
    return undefined;
  }

  /** Whether the source block of a send is still the canonical one (a reorg takes it back). */
  private async canonical(s: Sent): Promise<boolean> {
    const block = await this.relay.client(s.src).getBlock({ blockNumber: s.blockNumber });
    return block.hash === s.blockHash;
  }

  /** How many times the receiver emitted Delivered for this packet on its chain as it stands now. */
  private async deliveries(s: Sent): Promise<number> {
    const logs = await this.relay.client(s.dst).getContractEvents({
      address: this.app(s.dst),
      abi: SmokeOApp.abi,
      eventName: 'Delivered',
      args: { guid: s.guid },
      fromBlock: 0n,
    });
    return logs.length;
  }

  private async received(s: Sent): Promise<Hex> {
    const [, , , message] = await this.relay.client(s.dst).readContract({
      address: this.app(s.dst),
      abi: SmokeOApp.abi,
      functionName: 'received',
      args: [s.guid],
    });
    return message;
  }

  /**
   * Waits until every packet of `records` is delivered on chain or dead with a reason (or until
   * `timeoutMs`; what is left then is lost), and says where each ended.
   */
  async settle(records: readonly Sent[], timeoutMs: number): Promise<Verdict> {
    const verdict: Verdict = {
      sent: 0,
      orphaned: 0,
      deliveredOnce: 0,
      delivered: [],
      dead: 0,
      lost: [],
      duplicated: 0,
      deadEnds: [],
    };
    const open = new Set(records);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const look = async (s: Sent): Promise<void> => {
        try {
          if (!(await this.canonical(s))) {
            // its guid (same pathway, same nonce) now belongs to the packet sent in its place
            const now = await this.received(s);
            if (now === s.payload) verdict.duplicated += 1; // an orphan delivered
            verdict.orphaned += 1;
            open.delete(s);
            return;
          }
          if ((await this.received(s)) === s.payload) {
            // once: the receiver's own record of lzReceive calls on the chain as it stands
            if ((await this.deliveries(s)) > 1) verdict.duplicated += 1;
            else verdict.deliveredOnce += 1;
            verdict.delivered.push(s);
            open.delete(s);
            return;
          }
          const view = await this.packet(s.guid);
          if (view?.stage === 'dead' && view.lastError) {
            verdict.dead += 1;
            verdict.deadEnds.push({ sent: s, reason: view.lastError });
            open.delete(s);
          }
        } catch {
          // a chain or the relayer is still coming back: look again
        }
      };
      const pending = [...open];
      for (let i = 0; i < pending.length; i += 20) await Promise.all(pending.slice(i, i + 20).map(look));
      if (open.size === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    verdict.sent = records.length;
    verdict.lost = [...open];
    return verdict;
  }

  /**
   * The chain's own word across the whole run: on every pathway the destination endpoint has
   * verified every nonce the source sent (no gap), and each receiver counted exactly as many
   * deliveries as it holds packets the suite sent: nothing delivered that was not sent, nothing twice.
   */
  async onChainTotals(): Promise<string[]> {
    const problems: string[] = [];
    // every packet the suite sent that its receiver holds now, late arrivals included
    const delivered = new Map<number, number>();
    for (let i = 0; i < this.records.length; i += 50) {
      const chunk = this.records.slice(i, i + 50);
      const held = await Promise.all(chunk.map(async (s) => (await this.received(s)) === s.payload));
      chunk.forEach((s, j) => {
        if (held[j]) delivered.set(s.dst, (delivered.get(s.dst) ?? 0) + 1);
      });
    }
    for (const src of this.eids) {
      for (const dst of this.eids.filter((e) => e !== src)) {
        const sender = this.app(src);
        const receiver = this.app(dst);
        const outbound = await this.relay.client(src).readContract({
          address: this.relay.lz(src).endpoint,
          abi: EndpointV2.abi,
          functionName: 'outboundNonce',
          args: [sender, dst, addressToBytes32(receiver)],
        });
        const inbound = await this.relay.client(dst).readContract({
          address: this.relay.lz(dst).endpoint,
          abi: EndpointV2.abi,
          functionName: 'inboundNonce',
          args: [receiver, src, addressToBytes32(sender)],
        });
        if (inbound !== outbound)
          problems.push(`${src}->${dst}: sent up to nonce ${outbound}, verified up to ${inbound}`);
      }
    }
    for (const eid of this.eids) {
      const count = (await receivedCount(this.relay, this.apps, eid)) - (this.baseline.get(eid) ?? 0n);
      const expected = BigInt(delivered.get(eid) ?? 0);
      if (count !== expected) problems.push(`${eid}: the receiver counted ${count} deliveries, ${expected} expected`);
    }
    return problems;
  }

  /** The replica holding the sender of `eid` for `sender` (the Postgres advisory lock), if any. */
  async senderHolder(eid: number, sender: string): Promise<RelayerProcess | undefined> {
    if (!this.pool) return this.replicas.find((r) => r.running);
    const key = `relayer-sender:${eid}:${sender.toLowerCase()}`;
    const rows = await this.pool.query<{ app: string }[]>(
      `SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
      [key],
    );
    return this.replicas.find((r) => r.name === rows[0]?.app && r.running);
  }

  /** Polls the relayers' transaction attempts for one of `label…` broadcast after `since` and not yet mined. */
  async pendingAttempt(
    labelPrefix: string,
    since: Date,
    timeoutMs: number,
    eid?: number,
  ): Promise<{ eid: number; sender: string; nonce: number; fee: bigint } | undefined> {
    if (!this.pool || !this.schema) return undefined;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const rows = await this.pool.query<{ eid: number; sender: string; nonce: number; fee: string }[]>(
        `SELECT eid, sender, nonce, max_fee_per_gas AS fee FROM ${this.schema}.relayer_tx_attempt
          WHERE status = 'pending' AND label LIKE $1 AND sent_at > $2 AND ($3::integer IS NULL OR eid = $3)
          ORDER BY sent_at DESC LIMIT 1`,
        [`${labelPrefix}%`, since, eid ?? null],
      );
      const row = rows[0];
      if (row) return { eid: row.eid, sender: row.sender, nonce: row.nonce, fee: BigInt(row.fee) };
      await new Promise((r) => setTimeout(r, 3));
    }
    return undefined;
  }

  /** Attempts at one (chain, sender, nonce) by status, e.g. `{ replaced: 3, mined: 1 }`. */
  async attemptsAt(eid: number, sender: string, nonce: number): Promise<Record<string, number>> {
    if (!this.pool || !this.schema) return {};
    const rows = await this.pool.query<{ status: string; n: string }[]>(
      `SELECT status, count(*) AS n FROM ${this.schema}.relayer_tx_attempt
        WHERE eid = $1 AND sender = $2 AND nonce = $3 GROUP BY status`,
      [eid, sender, nonce],
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** A replica holding leases on packets it is working on right now (claimed, written, not finished). */
  async leaseHolder(): Promise<RelayerProcess | undefined> {
    if (!this.pool || !this.schema) return undefined;
    const rows = await this.pool.query<{ owner: string }[]>(
      `SELECT lease_owner AS owner FROM ${this.schema}.relayer_packet
        WHERE lease_owner IS NOT NULL AND lease_expires_at > now() LIMIT 1`,
    );
    return this.replicas.find((r) => r.name === rows[0]?.owner && r.running);
  }

  /** What the relayers' database takes: the schema's tables and indexes on Postgres, the directory on PGlite. */
  async databaseBytes(): Promise<bigint> {
    if (this.pool && this.schema) {
      const rows = await this.pool.query<{ bytes: string | null }[]>(
        `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
        [this.schema],
      );
      return BigInt(rows[0]?.bytes ?? 0);
    }
    return directoryBytes(join(this.dir, 'pglite'));
  }

  async stop(): Promise<void> {
    await this.stopLoad();
    this.watching = false;
    await Promise.all(this.background);
    for (const r of this.replicas) await r.kill();
    await this.proxy?.close();
    await this.pool?.destroy();
    if (this.config.databaseUrl && this.schema) await dropSchema(this.config.databaseUrl, this.schema);
    await this.devnet.stop();
    if (process.env.CHAOS_KEEP === '1') this.config.log(`chaos: logs and databases kept in ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}

function directoryBytes(dir: string): bigint {
  let total = 0n;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(path) : BigInt(statSync(path).size);
  }
  return total;
}

function receivedCount(relay: ManualRelay, apps: Map<number, Address>, eid: number): Promise<bigint> {
  return relay.client(eid).readContract({
    address: apps.get(eid) as Address, // deployed on every eid
    abi: SmokeOApp.abi,
    functionName: 'receivedCount',
  });
}
