/**
 * `npm run bench:relayer [-- --packets 2000]`
 *
 * On a 3-chain devnet, bursts of N packets across all 6 pathways. The relayer, run as operators
 * run it (its own process, a fresh embedded database), is running when its burst is sent: its
 * throughput counts from the burst's first transaction to the last delivery, and each packet's
 * latency from the moment its source block was mined to its delivery (ms and destination blocks).
 * The direct baseline is timed the same way: a loop that sends the same burst, reads its logs once
 * and calls the same DVN.execute / BatchExecutor.deliver contracts, with no database and no
 * watchers. It runs once before the relayer and once after (the chains grow with each run); the
 * baseline is both runs together. The relayer is then stopped, another burst lands, and it starts
 * again on the same database (a restart with a backlog, against the direct loop's delivering
 * alone). Prints the throughputs, the latencies, the relayer process's CPU and peak resident
 * memory (/proc), where its stage rounds spent their time, and `relayer/direct throughput
 * ratio=X.XX`. `--replicas 3` runs three relayer processes sharing the Postgres at DATABASE_URL.
 * `--table-rows 100000` first fills the relayer's table with that many delivered packets of
 * history (a day old), so memory and speed are measured with a table of that size. `--runs 5`
 * repeats the whole measurement on new chains and ends with every run's ratio and their median
 * (runs on a shared 2-core machine vary by 10–30 %).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunctionData, keccak256, pad, parseEventLogs, toHex, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { BatchExecutor, DVN, SmokeOApp } from '#app/contracts';
import { createChainWalletClient } from '#app/chains';
import {
  anvilRpc,
  anvilRpcBatch,
  devnetAccount,
  devnetPrivateKey,
  ManualRelay,
  startDevnet,
  type Devnet,
} from '#app/devnet';
import { deliveryBatchGas, DeliveryOutcome, dvnSigner, lzReceiveOptions, signVerify, toDelivery } from '#app/messaging';
import { dropSchema, openDatabase } from '#app/persistence';
import { TxSender } from '../../apps/relayer/src/chains/tx-sender.js';
import { scanPackets, type ObservedPacket } from '../../apps/relayer/src/pipeline/packet-scan.js';
import { processUsage, RelayerProcess } from '../support/relayer-process.js';
import { deploySmokeMesh } from '../support/smoke-mesh.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('packets', 2000);
/** `--replicas 3`: that many relayers share one Postgres (DATABASE_URL) and the burst. */
const REPLICAS = arg('replicas', 1);
/** `--table-rows 100000`: delivered packets of history in the table before the relayer starts. */
const TABLE_ROWS = arg('table-rows', 0);
/** `--runs 5`: the whole measurement that many times, each on new chains; then the median ratio. */
const RUNS = arg('runs', 1);
if (
  !Number.isInteger(N) ||
  N < 6 ||
  !Number.isInteger(REPLICAS) ||
  REPLICAS < 1 ||
  REPLICAS > 8 ||
  !Number.isInteger(TABLE_ROWS) ||
  TABLE_ROWS < 0 ||
  !Number.isInteger(RUNS) ||
  RUNS < 1
) {
  process.stderr.write(
    'usage: npm run bench:relayer -- [--packets N ≥ 6] [--replicas 1..8] [--table-rows N ≥ 0] [--runs N ≥ 1]\n',
  );
  process.exit(2);
}
const BATCH = 50;
const log = (line: string) => process.stdout.write(`${line}\n`);

/** A burst on chain: where it starts per source chain, when each of its source blocks was mined. */
interface Burst {
  /** The first block of the burst on each source chain. */
  fromBlocks: Map<number, bigint>;
  perPathway: number;
  pathways: number;
  /** Date.now() just before the first transaction went to a node: what throughput counts from. */
  firstSendAt: number;
  /** `${eid}:${block}` → Date.now() when the bench had mined that source block. */
  minedAt: Map<string, number>;
  /** With `recordHeads`: `${eid}:${block}` → every chain's head (by eid) just after that source block was mined. */
  headsAt: Map<string, Map<number, bigint>>;
}

/**
 * Sends `count` packets spread over all 6 pathways. Every transaction is signed first; then the
 * burst lands as a busy chain's blocks do, many packets per block: with automine off the node
 * takes every transaction into its pool, then blocks are mined until the last is in. (Automined
 * one per block, a batch of raw transactions the node handles out of nonce order can leave one
 * stranded in the pool.) A relayer running meanwhile has its transactions mined in those blocks.
 */
async function sendBurst(
  devnet: Devnet,
  relay: ManualRelay,
  apps: Map<number, Address>,
  count: number,
  tag: string,
  /** Read every chain's head after each block the burst mines (the live burst's latency in blocks). */
  recordHeads = false,
): Promise<Burst> {
  const eids = devnet.manifest.chains.map((c) => c.eid);
  const pathways = eids.flatMap((src) => eids.filter((d) => d !== src).map((dst) => ({ src, dst })));
  const perPathway = Math.ceil(count / pathways.length);
  const options = lzReceiveOptions(200_000n);
  const signed = await Promise.all(
    eids.map(async (src) => {
      const client = relay.client(src);
      const account = devnetAccount('deployer');
      const chainId = devnet.registry.byEidOrThrow(src).chainId;
      let nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' });
      const fees = await client.estimateFeesPerGas();
      const raw: Hex[] = [];
      for (const { dst } of pathways.filter((p) => p.src === src)) {
        const sample = toHex(`${tag} ${src}->${dst} #000000`);
        const fee = await client.readContract({
          address: apps.get(src) as Address,
          abi: SmokeOApp.abi,
          functionName: 'quote',
          args: [dst, sample, options],
        });
        for (let i = 0; i < perPathway; i++) {
          const data = encodeFunctionData({
            abi: SmokeOApp.abi,
            functionName: 'send',
            args: [dst, toHex(`${tag} ${src}->${dst} #${String(i).padStart(6, '0')}`), options],
          });
          raw.push(
            await account.signTransaction({
              chainId,
              type: 'eip1559',
              to: apps.get(src) as Address,
              data,
              value: fee.nativeFee,
              nonce: nonce++,
              gas: 400_000n,
              maxFeePerGas: fees.maxFeePerGas * 2n,
              maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
            }),
          );
        }
      }
      return { src, raw, client, url: devnet.registry.byEidOrThrow(src).rpcUrls[0] ?? '' };
    }),
  );
  const fromBlocks = new Map<number, bigint>();
  const minedAt = new Map<string, number>();
  const headsAt = new Map<string, Map<number, bigint>>();
  const firstSendAt = Date.now();
  await Promise.all(
    signed.map(async ({ src, raw, client, url }) => {
      await anvilRpc(url, 'evm_setAutomine', [false]);
      try {
        const head = await client.getBlockNumber();
        fromBlocks.set(src, head + 1n);
        for (let i = 0; i < raw.length; i += 200)
          await anvilRpcBatch(
            url,
            raw.slice(i, i + 200).map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx] })),
          );
        const last = keccak256(raw.at(-1) as Hex); // a burst has at least one transaction
        for (let blocks = 1; ; blocks++) {
          if (blocks > raw.length) throw new Error(`burst on ${src}: its last transaction is not mined`);
          await anvilRpc(url, 'evm_mine');
          const key = `${src}:${head + BigInt(blocks)}`;
          minedAt.set(key, Date.now());
          if (recordHeads)
            headsAt.set(
              key,
              new Map(
                await Promise.all(
                  eids.map(async (e) => [e, await relay.client(e).getBlockNumber({ cacheTime: 0 })] as const),
                ),
              ),
            );
          const receipt = await client.getTransactionReceipt({ hash: last }).catch(() => undefined);
          if (receipt?.status === 'success') break;
          if (receipt) throw new Error(`burst send on ${src}: the last transaction reverted`);
        }
      } finally {
        await anvilRpc(url, 'evm_setAutomine', [true]);
        // what a running relayer sent after the last of those blocks waits in the pool: mine it now
        await anvilRpc(url, 'evm_mine');
      }
    }),
  );
  return { fromBlocks, perPathway, pathways: pathways.length, firstSendAt, minedAt, headsAt };
}

async function collect(devnet: Devnet, relay: ManualRelay, fromBlocks: Map<number, bigint>): Promise<ObservedPacket[]> {
  const all: ObservedPacket[] = [];
  for (const chain of devnet.manifest.chains) {
    const client = relay.client(chain.eid);
    const head = await client.getBlockNumber();
    const lz = chain.layerZero;
    all.push(
      ...(await scanPackets(
        client,
        { endpoint: lz.endpoint, sendLibrary: lz.sendUln302, dvn: lz.dvn, executor: lz.executor },
        fromBlocks.get(chain.eid) ?? 0n,
        head,
      )),
    );
  }
  return all;
}

/** The baseline: the same contracts, called in the simplest loop, no database, no watchers. */
async function directDelivery(devnet: Devnet, relay: ManualRelay, packets: ObservedPacket[]): Promise<number> {
  const signers = [dvnSigner(devnetPrivateKey('dvnSigner1')), dvnSigner(devnetPrivateKey('dvnSigner2'))];
  let delivered = 0;
  // one loop per destination chain, side by side (each chain has its own sender), as the relayer does
  await Promise.all(
    devnet.manifest.chains.map(async (chain) => {
      const config = devnet.registry.byEidOrThrow(chain.eid);
      const client = relay.client(chain.eid);
      const sender = new TxSender(
        client,
        createChainWalletClient(config, privateKeyToAccount(devnetPrivateKey('relayer'))),
      );
      const vid = await client.readContract({ address: chain.layerZero.dvn, abi: DVN.abi, functionName: 'vid' });
      const mine = packets
        .filter((p) => p.dstEid === chain.eid)
        .sort((a, b) => a.srcEid - b.srcEid || (a.nonce < b.nonce ? -1 : 1));
      for (let i = 0; i < mine.length; i += BATCH) {
        const batch = mine.slice(i, i + BATCH);
        const expiration = BigInt(Math.floor(Date.now() / 1000) + 600);
        const params = batch.map((p) =>
          signVerify(
            {
              vid,
              receiveLibrary: chain.layerZero.receiveUln302,
              header: p.header,
              payloadHash: p.payloadHash,
              confirmations: 1n,
              expiration,
            },
            signers,
          ),
        );
        await sender.send({
          to: chain.layerZero.dvn,
          data: encodeFunctionData({ abi: DVN.abi, functionName: 'execute', args: [params] }),
          gas: 200_000n + 120_000n * BigInt(params.length),
          label: 'verify',
        });
        const deliveries = batch.map((p) => toDelivery(p, p.options));
        const receipt = await sender.send({
          to: chain.layerZero.batchExecutor,
          data: encodeFunctionData({ abi: BatchExecutor.abi, functionName: 'deliver', args: [deliveries] }),
          gas: deliveryBatchGas(deliveries),
          label: 'deliver',
        });
        const outcomes = parseEventLogs({ abi: BatchExecutor.abi, eventName: 'PacketOutcome', logs: receipt.logs });
        delivered += outcomes.filter((o) => o.args.outcome === Number(DeliveryOutcome.Delivered)).length;
      }
    }),
  );
  return delivered;
}

/**
 * Fills the relayer's packet table with `rows` delivered packets a day old (their pathways exist
 * nowhere on chain: history the relayer must carry, never touch), with their history rows.
 */
async function fillHistory(options: Parameters<typeof openDatabase>[0], rows: number): Promise<void> {
  const database = await openDatabase(options);
  try {
    const started = Date.now();
    const chunk = 20_000;
    for (let from = 0; from < rows; from += chunk) {
      const to = Math.min(rows, from + chunk) - 1;
      const guid = `'0x' || lpad(to_hex(n), 64, '0')`;
      await database.dataSource.query(
        `INSERT INTO relayer_packet (guid, src_eid, dst_eid, nonce, sender, receiver, header, payload_hash, message,
           options, src_block_number, src_block_hash, src_tx_hash, our_dvn, our_executor, stage, created_at,
           updated_at, confirmed_at, verified_at, delivered_at)
         SELECT ${guid}, 40101 + n % 3, 40101 + (n + 1) % 3, n + 1, '0x' || repeat('0', 24) || repeat('e', 40),
           '0x' || repeat('0', 24) || repeat('f', 40), '0x' || repeat('ab', 81), ${guid}, '0x' || repeat('cd', 64),
           '0x00030100110100000000000000000000000000030d40', n, ${guid}, ${guid}, true, true, 'delivered',
           now() - interval '1 day', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day',
           now() - interval '1 day'
         FROM generate_series($1::bigint, $2::bigint) AS n`,
        [from, to],
      );
      await database.dataSource.query(
        `INSERT INTO relayer_packet_event (guid, stage, at)
         SELECT ${guid}, s.stage, now() - interval '1 day' FROM generate_series($1::bigint, $2::bigint) AS n
         CROSS JOIN (VALUES ('sent'), ('confirmed'), ('verified'), ('delivered')) AS s(stage)`,
        [from, to],
      );
    }
    log(
      `history: ${rows} delivered packets (and ${rows * 4} history rows) in the table in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await database.close();
  }
}

/** Where the relayers' time went: each stage's rounds from their /metrics, summed over chains and replicas. */
function stageRoundTotals(texts: readonly string[]): string {
  const totals = new Map<string, { seconds: number; rounds: number }>();
  for (const text of texts) {
    for (const m of text.matchAll(
      /^relayer_stage_round_seconds_(sum|count)\{stage="(\w+)",eid="\d+"\} ([\d.e+-]+)$/gm,
    )) {
      const [, kind, stage, value] = m;
      const t = totals.get(stage ?? '') ?? { seconds: 0, rounds: 0 };
      if (kind === 'sum') t.seconds += Number(value);
      else t.rounds += Number(value);
      totals.set(stage ?? '', t);
    }
  }
  return [...totals].map(([stage, t]) => `${stage}=${t.seconds.toFixed(1)} s/${t.rounds}`).join(' ');
}

/** How many packets the receivers of `apps` took in all, on every chain. */
async function receivedTotal(relay: ManualRelay, apps: Map<number, Address>): Promise<bigint> {
  const counts = await Promise.all(
    [...apps].map(([eid, address]) =>
      relay.client(eid).readContract({ address, abi: SmokeOApp.abi, functionName: 'receivedCount' }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0n);
}

/** Waits until the relayers have recorded `total` deliveries (summed over their delivery histograms). */
async function waitRecorded(urls: readonly string[], total: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    let delivered = 0;
    for (const url of urls) {
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const m of text.matchAll(/^relayer_packet_delivery_seconds_count\{pathway="[\d-]+"\} (\d+)$/gm))
        delivered += Number(m[1]);
    }
    if (delivered >= total) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the relayers did not record ${total} deliveries within 30 s of the receivers holding them`);
}

/** CPU seconds (user + system) the devnet's anvils have used so far. */
function anvilsCpu(devnet: Devnet): number {
  return devnet.anvils.reduce((n, a) => {
    const u = processUsage(a.pid);
    return n + u.userSeconds + u.systemSeconds;
  }, 0);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Waits until the receivers of `apps` hold `total` more packets than `before`, while every relayer runs. */
async function waitReceived(
  relay: ManualRelay,
  apps: Map<number, Address>,
  before: bigint,
  total: number,
  relayers: readonly RelayerProcess[],
) {
  const started = Date.now();
  for (;;) {
    const done = Number((await receivedTotal(relay, apps)) - before);
    if (done >= total) return Date.now();
    if (relayers.some((r) => !r.running)) throw new Error('a relayer exited during the bench');
    if (Date.now() - started > 600_000) throw new Error(`relayer delivered ${done}/${total} in 10 minutes`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The block each packet of `guids` was delivered in on `eid` (BatchExecutor's PacketOutcome), from `fromBlock` on. */
async function deliveryBlocks(
  devnet: Devnet,
  relay: ManualRelay,
  fromBlock: Map<number, bigint>,
): Promise<Map<string, bigint>> {
  const blocks = new Map<string, bigint>();
  for (const chain of devnet.manifest.chains) {
    const logs = await relay.client(chain.eid).getContractEvents({
      address: chain.layerZero.batchExecutor,
      abi: BatchExecutor.abi,
      eventName: 'PacketOutcome',
      fromBlock: fromBlock.get(chain.eid) ?? 0n,
    });
    for (const l of logs)
      if (l.args.outcome === Number(DeliveryOutcome.Delivered) && l.args.guid)
        blocks.set(l.args.guid.toLowerCase(), l.blockNumber);
  }
  return blocks;
}

/** One whole measurement on new chains; returns its relayer/direct throughput ratio. */
async function measure(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'segment-bench-'));
  const devnet = await startDevnet({ chains: 3, manifestPath: join(dir, 'manifest.json') });
  const relayers: RelayerProcess[] = []; // killed on the way out, whatever happened
  try {
    const relay = new ManualRelay(devnet);
    const direct = await deploySmokeMesh(relay);
    const live = await deploySmokeMesh(relay);
    const restarted = await deploySmokeMesh(relay);
    log(`bench:relayer — ${N} packets over 6 pathways, batches of ${BATCH}`);
    const heads = async () =>
      new Map(
        await Promise.all(
          devnet.manifest.chains.map(async (c) => [c.eid, await relay.client(c.eid).getBlockNumber()] as const),
        ),
      );

    // The direct loop runs before and after the relayer, on the same apps: every run grows the
    // chains, and a node's work per block with them, so one run before the relayer would flatter
    // the baseline. The baseline is both runs together.
    const directRun = async (when: string) => {
      const burst = await sendBurst(devnet, relay, direct, N, `direct ${when}`);
      const sent = Date.now();
      const packets = await collect(devnet, relay, burst.fromBlocks);
      const t0 = Date.now();
      const [cpu0, anvils0] = [process.cpuUsage(), anvilsCpu(devnet)];
      const delivered = await directDelivery(devnet, relay, packets);
      const end = Date.now();
      const used = process.cpuUsage(cpu0);
      if (delivered !== packets.length) throw new Error(`direct loop delivered ${delivered}/${packets.length}`);
      const run = { packets: packets.length, seconds: (end - burst.firstSendAt) / 1000, delivering: (end - t0) / 1000 };
      log(
        `direct (${when}): ${run.packets} packets in ${run.seconds.toFixed(2)} s from first send to last delivery = ${(run.packets / run.seconds).toFixed(1)} packets/s ` +
          `(sent in ${((sent - burst.firstSendAt) / 1000).toFixed(2)} s, collected in ${((t0 - sent) / 1000).toFixed(2)} s, delivered in ${run.delivering.toFixed(2)} s: ` +
          `cpu=${((used.user + used.system) / 1e6).toFixed(1)} s (the bench process), anvils cpu=${(anvilsCpu(devnet) - anvils0).toFixed(1)} s)`,
      );
      return run;
    };
    const directBefore = await directRun('before');

    if (REPLICAS > 1 && !process.env.DATABASE_URL)
      throw new Error('--replicas needs DATABASE_URL: replicas share a Postgres');
    const schema = `bench_${Date.now()}`;
    // on Postgres when DATABASE_URL is set (several replicas need it), on PGlite otherwise
    const postgres = process.env.DATABASE_URL;
    const shared = postgres ? { databaseUrl: postgres, schema } : { dataDir: join(dir, 'db') };
    if (TABLE_ROWS > 0) await fillHistory(shared, TABLE_ROWS);
    // each relayer as operators run it: its own process (`npm run build` first), measured from /proc
    const startBlocks = [...(await heads())].map(([eid, b]) => `${eid}:${b + 1n}`).join(',');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RELAYER_MANIFEST: join(dir, 'manifest.json'),
      RELAYER_HTTP_PORT: '0',
      RELAYER_POLL_MS: '20',
      RELAYER_BATCH_SIZE: String(BATCH),
      RELAYER_START_BLOCK: startBlocks,
    };
    delete env.DATABASE_URL;
    if (postgres) {
      Object.assign(env, {
        DATABASE_URL: postgres,
        DATABASE_SCHEMA: schema,
        RELAYER_MAX_SENDER_CHAINS: String(Math.ceil(3 / REPLICAS)),
      });
    } else env.RELAYER_DATA_DIR = join(dir, 'db');
    relayers.push(
      ...Array.from(
        { length: REPLICAS },
        (_, i) =>
          new RelayerProcess(`bench-${i}`, { ...env, RELAYER_REPLICA_ID: `bench-${i}` }, join(dir, `bench-${i}.log`)),
      ),
    );
    const usageOf = () =>
      relayers.map((r) => {
        const u = r.usage();
        if (!u) throw new Error(`${r.name} is not running`);
        return u;
      });
    const cpuSince = (before: ReturnType<typeof usageOf>) =>
      usageOf().reduce(
        (n, u, i) =>
          n + u.userSeconds + u.systemSeconds - (before[i]?.userSeconds ?? 0) - (before[i]?.systemSeconds ?? 0),
        0,
      );
    const peakOf = (usage: ReturnType<typeof usageOf>) =>
      Number(usage.reduce((max, u) => (u.peakRss > max ? u.peakRss : max), 0n)) / 2 ** 20;

    // Live: the relayers run, then the burst is sent; from its first transaction to the last delivery.
    for (const r of relayers) await r.start();
    const liveBefore = await receivedTotal(relay, live);
    const dstAtStart = await heads();
    const cpuAtStart = usageOf();
    const anvilsAtStart = anvilsCpu(devnet);
    const burst = await sendBurst(devnet, relay, live, N, 'live', true);
    const total = burst.perPathway * burst.pathways;
    const liveEnd = await waitReceived(relay, live, liveBefore, total, relayers);
    const liveSeconds = (liveEnd - burst.firstSendAt) / 1000;
    const anvilsLive = anvilsCpu(devnet) - anvilsAtStart;
    const cpuLive = cpuSince(cpuAtStart);
    // the relayers record a delivery a moment after the receivers hold it
    await waitRecorded(
      relayers.map((r) => r.url),
      total,
    );
    const liveUsage = usageOf();
    const rounds = stageRoundTotals(
      await Promise.all(relayers.map((r) => fetch(`${r.url}/metrics`).then((x) => x.text()))),
    );
    for (const r of relayers) await r.stop();

    // Latency of each live packet: from the moment its source block was mined to its delivery,
    // in ms (the relayer's delivered_at) and in destination blocks.
    const database = await openDatabase(shared);
    const rows = await database.dataSource.query<
      { guid: string; src_eid: number; dst_eid: number; block: string; ms: number }[]
    >(
      `SELECT guid, src_eid, dst_eid, src_block_number::text AS block, extract(epoch from delivered_at) * 1000 AS ms
         FROM relayer_packet WHERE stage = 'delivered' AND receiver = ANY($1::char(66)[])`,
      [[...live.values()].map((a) => pad(a.toLowerCase() as Hex, { size: 32 }))],
    );
    await database.close();
    if (rows.length !== total) throw new Error(`the relayer recorded ${rows.length}/${total} live packets delivered`);
    const delivered = await deliveryBlocks(devnet, relay, dstAtStart);
    const latencyMs: number[] = [];
    const latencyBlocks: number[] = [];
    for (const r of rows) {
      const minedAt = burst.minedAt.get(`${r.src_eid}:${r.block}`);
      const dstHead = burst.headsAt.get(`${r.src_eid}:${r.block}`)?.get(Number(r.dst_eid));
      const block = delivered.get(r.guid);
      if (minedAt === undefined || dstHead === undefined || block === undefined)
        throw new Error(`live packet ${r.guid}: its source block or delivery was not seen`);
      latencyMs.push(Number(r.ms) - minedAt);
      latencyBlocks.push(Number(block - dstHead));
    }
    latencyMs.sort((a, b) => a - b);
    latencyBlocks.sort((a, b) => a - b);

    // Restarted: the relayers are stopped, a burst lands, and they start again with it on chain.
    const restartedBefore = await receivedTotal(relay, restarted);
    await sendBurst(devnet, relay, restarted, N, 'restarted');
    for (const r of relayers) await r.start();
    const restartAt = Date.now(); // from started relayers: opening the database and booting Nest are not throughput
    const cpuAtRestart = usageOf();
    const restartedSeconds =
      ((await waitReceived(relay, restarted, restartedBefore, total, relayers)) - restartAt) / 1000;
    const cpuRestarted = cpuSince(cpuAtRestart);
    await waitRecorded(
      relayers.map((r) => r.url),
      total,
    );
    const restartedUsage = usageOf();
    for (const r of relayers) await r.stop();
    if (postgres) await dropSchema(postgres, schema);

    const where = `${REPLICAS > 1 ? `the largest of ${REPLICAS} relayer processes` : 'the relayer process'} on ${postgres ? 'Postgres' : 'PGlite'}`;
    const liveRate = total / liveSeconds;
    log(
      `relayer: ${total} packets in ${liveSeconds.toFixed(2)} s from first send to last delivery = ${liveRate.toFixed(1)} packets/s (running as the burst was sent)`,
    );
    log(
      `relayer latency p50=${percentile(latencyMs, 50).toFixed(0)} ms p99=${percentile(latencyMs, 99).toFixed(0)} ms, ` +
        `p50=${percentile(latencyBlocks, 50)} p99=${percentile(latencyBlocks, 99)} destination blocks (source block mined → delivered)`,
    );
    log(
      `relayer cpu=${cpuLive.toFixed(1)} s from first send to last delivery (anvils cpu=${anvilsLive.toFixed(1)} s), peak rss=${peakOf(liveUsage).toFixed(0)} MB ` +
        `(${where}${TABLE_ROWS ? `, ${TABLE_ROWS + total} packets in the table` : ''})`,
    );
    log(`relayer stage rounds (sum over chains and replicas): ${rounds}`);
    const directAfter = await directRun('after');
    const directRate = (directBefore.packets + directAfter.packets) / (directBefore.seconds + directAfter.seconds);
    const directDelivering =
      (directBefore.packets + directAfter.packets) / (directBefore.delivering + directAfter.delivering);
    log(
      `relayer restarted with its burst on chain: ${total} packets in ${restartedSeconds.toFixed(2)} s from start = ${(total / restartedSeconds).toFixed(1)} packets/s, ` +
        `${(total / restartedSeconds / directDelivering).toFixed(2)} of the direct loop delivering packets it collected (${directDelivering.toFixed(1)} packets/s); ` +
        `cpu=${cpuRestarted.toFixed(1)} s, peak rss=${peakOf(restartedUsage).toFixed(0)} MB`,
    );
    log(`direct baseline (both runs): ${directRate.toFixed(1)} packets/s from first send to last delivery`);
    log(`relayer/direct throughput ratio=${(liveRate / directRate).toFixed(2)}`);
    return liveRate / directRate;
  } finally {
    for (const r of relayers) await r.kill();
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const ratios: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    if (RUNS > 1) log(`run ${run}/${RUNS}`);
    ratios.push(await measure());
  }
  if (RUNS > 1) {
    // the middle run, or the mean of the two middle ones (`percentile` would take the upper one)
    const sorted = [...ratios].sort((a, b) => a - b);
    const median = ((sorted[(RUNS - 1) >> 1] ?? NaN) + (sorted[RUNS >> 1] ?? NaN)) / 2;
    log(
      `relayer/direct throughput ratio over ${RUNS} runs: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median=${median.toFixed(2)}`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:relayer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
