/**
 * `npm run bench:relayer [-- --packets 2000]`
 *
 * On a 3-chain devnet, bursts of N packets across all 6 pathways are delivered by a direct loop
 * that calls the same DVN.execute / BatchExecutor.deliver contracts with no database and no
 * watchers, and by the relayer as operators run it (its own process, a fresh embedded database,
 * started after its burst was sent). The direct loop runs once before the relayer and once after
 * (the chains grow with each run); its baseline is both runs together. Prints both throughputs, the relayer's
 * latency from its start to each delivery (ms and destination blocks), the relayer process's CPU
 * and peak resident memory (/proc), where its stage rounds spent their time, and
 * `relayer/direct throughput ratio=X.XX`. `--replicas 3` runs three relayer processes sharing
 * the Postgres at DATABASE_URL.
 * `--table-rows 100000` first fills the relayer's table with that many delivered packets of
 * history (a day old), so memory and speed are measured with a table of that size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunctionData, keccak256, parseEventLogs, toHex, type Address, type Hex } from 'viem';
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
if (
  !Number.isInteger(N) ||
  N < 6 ||
  !Number.isInteger(REPLICAS) ||
  REPLICAS < 1 ||
  REPLICAS > 8 ||
  !Number.isInteger(TABLE_ROWS) ||
  TABLE_ROWS < 0
) {
  process.stderr.write('usage: npm run bench:relayer -- [--packets N ≥ 6] [--replicas 1..8] [--table-rows N ≥ 0]\n');
  process.exit(2);
}
const BATCH = 50;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function sendBurst(devnet: Devnet, relay: ManualRelay, apps: Map<number, Address>, count: number, tag: string) {
  const eids = devnet.manifest.chains.map((c) => c.eid);
  const pathways = eids.flatMap((src) => eids.filter((d) => d !== src).map((dst) => ({ src, dst })));
  const options = lzReceiveOptions(200_000n);
  const fromBlocks = new Map<number, bigint>();
  await Promise.all(
    eids.map(async (src) => {
      const client = relay.client(src);
      const account = devnetAccount('deployer');
      const chainId = devnet.registry.byEidOrThrow(src).chainId;
      fromBlocks.set(src, (await client.getBlockNumber()) + 1n);
      let nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' });
      const fees = await client.estimateFeesPerGas();
      const mine = pathways.filter((p) => p.src === src);
      const perPathway = Math.ceil(count / pathways.length);
      const raw: Hex[] = [];
      for (const { dst } of mine) {
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
      // The burst lands as a busy chain's blocks do, many packets per block: with automine off
      // the node takes every transaction into its pool, then blocks are mined until the last is
      // in. (Automined one per block, a batch of raw transactions the node handles out of nonce
      // order can leave one stranded in the pool.)
      const url = devnet.registry.byEidOrThrow(src).rpcUrls[0] ?? '';
      await anvilRpc(url, 'evm_setAutomine', [false]);
      try {
        for (let i = 0; i < raw.length; i += 200)
          await anvilRpcBatch(
            url,
            raw.slice(i, i + 200).map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx] })),
          );
        const last = keccak256(raw.at(-1) as Hex); // a burst has at least one transaction
        for (let blocks = 0; ; blocks++) {
          if (blocks > raw.length) throw new Error(`burst on ${src}: its last transaction is not mined`);
          await anvilRpc(url, 'evm_mine');
          const receipt = await client.getTransactionReceipt({ hash: last }).catch(() => undefined);
          if (receipt?.status === 'success') break;
          if (receipt) throw new Error(`burst send on ${src}: the last transaction reverted`);
        }
      } finally {
        await anvilRpc(url, 'evm_setAutomine', [true]);
      }
    }),
  );
  return { fromBlocks, perPathway: Math.ceil(count / pathways.length), pathways: pathways.length };
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

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'segment-bench-'));
  const devnet = await startDevnet({ chains: 3, manifestPath: join(dir, 'manifest.json') });
  const relayers: RelayerProcess[] = []; // killed on the way out, whatever happened
  try {
    const relay = new ManualRelay(devnet);
    const direct = await deploySmokeMesh(relay);
    const viaRelayer = await deploySmokeMesh(relay);
    log(`bench:relayer — ${N} packets over 6 pathways, batches of ${BATCH}`);

    // The direct loop runs before and after the relayer, on the same apps: every run grows the
    // chains, and a node's work per block with them, so one run before the relayer would flatter
    // the baseline. The baseline is both runs together.
    const directRun = async (when: string) => {
      const started = Date.now();
      const burst = await sendBurst(devnet, relay, direct, N, `direct ${when}`);
      log(`burst for the direct loop (${when}) sent in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const packets = await collect(devnet, relay, burst.fromBlocks);
      const t0 = Date.now();
      const [cpu0, anvils0] = [process.cpuUsage(), anvilsCpu(devnet)];
      const delivered = await directDelivery(devnet, relay, packets);
      const seconds = (Date.now() - t0) / 1000;
      const used = process.cpuUsage(cpu0);
      if (delivered !== packets.length) throw new Error(`direct loop delivered ${delivered}/${packets.length}`);
      log(
        `direct (${when}): ${packets.length} packets in ${seconds.toFixed(2)} s = ${(packets.length / seconds).toFixed(1)} packets/s, ` +
          `cpu=${((used.user + used.system) / 1e6).toFixed(1)} s (the bench process), anvils cpu=${(anvilsCpu(devnet) - anvils0).toFixed(1)} s`,
      );
      return { packets: packets.length, seconds };
    };
    const directBefore = await directRun('before');

    let t = Date.now();
    const burstB = await sendBurst(devnet, relay, viaRelayer, N, 'relayer');
    log(`burst for the relayer sent in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const total = burstB.perPathway * burstB.pathways;
    const startBlocks = [...burstB.fromBlocks].map(([eid, b]) => `${eid}:${b}`).join(',');
    const dstBlocksAtStart = new Map(
      await Promise.all(
        devnet.manifest.chains.map(async (c) => [c.eid, await relay.client(c.eid).getBlockNumber()] as const),
      ),
    );
    if (REPLICAS > 1 && !process.env.DATABASE_URL)
      throw new Error('--replicas needs DATABASE_URL: replicas share a Postgres');
    const schema = `bench_${Date.now()}`;
    // on Postgres when DATABASE_URL is set (several replicas need it), on PGlite otherwise
    const postgres = process.env.DATABASE_URL;
    const shared = postgres ? { databaseUrl: postgres, schema } : { dataDir: join(dir, 'db') };
    if (TABLE_ROWS > 0) await fillHistory(shared, TABLE_ROWS);
    // each relayer as operators run it: its own process (`npm run build` first), measured from /proc
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
    const receivedBefore = await receivedTotal(relay, viaRelayer);
    for (const r of relayers) await r.start();
    t = Date.now(); // from started relayers: opening the database and booting Nest are not throughput
    const cpuAtStart = relayers.map((r) => r.usage());
    const anvilsAtStart = anvilsCpu(devnet);
    for (;;) {
      const done = Number((await receivedTotal(relay, viaRelayer)) - receivedBefore);
      if (done >= total) break;
      if (relayers.some((r) => !r.running)) throw new Error('a relayer exited during the bench');
      if (Date.now() - t > 600_000) throw new Error(`relayer delivered ${done}/${total} in 10 minutes`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const relayerSeconds = (Date.now() - t) / 1000;
    const anvilsDuringRelayer = anvilsCpu(devnet) - anvilsAtStart;
    // the relayers record a delivery a moment after the receivers hold it
    await waitRecorded(
      relayers.map((r) => r.url),
      total,
    );
    const usage = relayers.map((r) => {
      const u = r.usage();
      if (!u) throw new Error(`${r.name} is not running`);
      return u;
    });
    const rounds = stageRoundTotals(
      await Promise.all(relayers.map((r) => fetch(`${r.url}/metrics`).then((x) => x.text()))),
    );
    for (const r of relayers) await r.stop();
    const dstBlocks = await Promise.all(
      devnet.manifest.chains.map(async (c) =>
        Number((await relay.client(c.eid).getBlockNumber()) - (dstBlocksAtStart.get(c.eid) ?? 0n)),
      ),
    );
    const database = await openDatabase(shared);
    const rows = await database.dataSource.query<{ ms: number }[]>(
      `SELECT extract(epoch from delivered_at) * 1000 AS ms FROM relayer_packet
        WHERE stage = 'delivered' AND created_at > now() - interval '1 hour'`,
    );
    await database.close();
    if (postgres) await dropSchema(postgres, schema);
    const latencies = rows.map((r) => Number(r.ms) - t).sort((a, b) => a - b);
    const cpu = {
      user: usage.reduce((n, u) => n + u.userSeconds, 0),
      system: usage.reduce((n, u) => n + u.systemSeconds, 0),
    };
    const cpuInRun = usage.reduce(
      (n, u, i) =>
        n + u.userSeconds + u.systemSeconds - (cpuAtStart[i]?.userSeconds ?? 0) - (cpuAtStart[i]?.systemSeconds ?? 0),
      0,
    );
    const peakRss = Number(usage.reduce((max, u) => (u.peakRss > max ? u.peakRss : max), 0n));

    const relayerRate = total / relayerSeconds;
    log(
      `relayer: ${total} packets in ${relayerSeconds.toFixed(2)} s = ${relayerRate.toFixed(1)} packets/s (from start, burst already on chain)`,
    );
    log(
      `relayer latency p50=${percentile(latencies, 50).toFixed(0)} ms p99=${percentile(latencies, 99).toFixed(0)} ms (start → delivery; destination chains advanced ${dstBlocks.join('/')} blocks)`,
    );
    log(
      `relayer cpu user=${cpu.user.toFixed(1)} s system=${cpu.system.toFixed(1)} s (${cpuInRun.toFixed(1)} s of it from start to last delivery; anvils cpu=${anvilsDuringRelayer.toFixed(1)} s), peak rss=${(peakRss / 2 ** 20).toFixed(0)} MB ` +
        `(${REPLICAS > 1 ? `the largest of ${REPLICAS} relayer processes` : 'the relayer process'} on ${postgres ? 'Postgres' : 'PGlite'}${TABLE_ROWS ? `, ${TABLE_ROWS + total} packets in the table` : ''})`,
    );
    log(`relayer stage rounds (sum over chains and replicas): ${rounds}`);
    const directAfter = await directRun('after');
    const directRate = (directBefore.packets + directAfter.packets) / (directBefore.seconds + directAfter.seconds);
    log(`direct baseline (both runs): ${directRate.toFixed(1)} packets/s`);
    log(`relayer/direct throughput ratio=${(relayerRate / directRate).toFixed(2)}`);
  } finally {
    for (const r of relayers) await r.kill();
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:relayer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
