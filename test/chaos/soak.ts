import { parseArgs } from 'node:util';
import { redactUrl } from '#app/persistence';
import { ChaosHarness } from './harness.js';

const USAGE = `npm run soak [-- options]

Holds a fixed rate of packets across all six pathways of a 3-chain devnet for a while, with
relayer replicas as their own processes, and prints a line a minute: packets sent and delivered,
throughput, p99 latency (send mined to the receiver's Delivered event), relayer memory and
database size. At the end every packet must be delivered exactly once, throughput must hold at
least 90 % of the offered rate, and each relayer's memory may not grow by more than the bound.
Exit code 1 otherwise.

With DATABASE_URL the replicas share that Postgres; without it one relayer runs on PGlite.

Options:
  --minutes <n>     how long the load runs (default 10)
  --rate <n>        packets per second across all pathways (default 6)
  --replicas <n>    relayer replicas on Postgres (default 2)
  --rss-bound <n>   allowed memory growth per relayer in MiB, start to end (default 64)
  --heap-mib <n>    each relayer's V8 heap limit (--max-old-space-size, default 160), as a
                    deployment would set it; a relayer that runs out of it exits and fails the soak
  -h, --help        this text`;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '6' },
    replicas: { type: 'string', default: '2' },
    'rss-bound': { type: 'string', default: '64' },
    'heap-mib': { type: 'string', default: '160' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const replicas = Number(values.replicas);
const boundMiB = Number(values['rss-bound']);
const heapMiB = Number(values['heap-mib']);
if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) fail('--minutes must be above 0 and at most 1440');
if (!Number.isFinite(rate) || rate <= 0 || rate > 100) fail('--rate must be above 0 and at most 100');
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 8) fail('--replicas must be a whole number from 1 to 8');
if (!Number.isFinite(boundMiB) || boundMiB <= 0) fail('--rss-bound must be a positive number of MiB');
if (!Number.isInteger(heapMiB) || heapMiB < 64) fail('--heap-mib must be a whole number of MiB, at least 64');

const MiB = 1024n * 1024n;
const log = (line: string) => process.stdout.write(`${line}\n`);
const databaseUrl = process.env.DATABASE_URL;
log(
  databaseUrl
    ? `soak: replicas share ${redactUrl(databaseUrl)}`
    : 'soak: DATABASE_URL is not set: one relayer on PGlite',
);

const h = await ChaosHarness.start({
  databaseUrl,
  replicas,
  rate,
  log,
  relayerEnv: { NODE_OPTIONS: `--max-old-space-size=${heapMiB}` },
});
const rssNow = () => h.replicas.map((r) => r.rss() ?? 0n);
let code = 0;
try {
  h.startLoad();
  await sleep(60_000); // warm-up: the relayers' heaps and the database settle first
  const startedAt = Date.now();
  const firstRecord = h.records.length;
  const rssStart = rssNow();
  const dbStart = await h.databaseBytes();
  log(`soak: relayer heap limit ${heapMiB} MiB (--max-old-space-size)`);
  log(`soak: start after warm-up: rss ${rssStart.map(mib).join(' / ')}, database ${mib(dbStart)}`);
  const endAt = startedAt + minutes * 60_000;
  for (let minute = 1; Date.now() < endAt; minute++) {
    const windowStart = Date.now();
    await sleep(Math.min(60_000, endAt - Date.now()));
    const window = h.records.slice(firstRecord).filter((r) => r.sentAt >= windowStart);
    const delivered = window.filter((r) => h.deliveredAt(r.guid) !== undefined);
    const seconds = (Date.now() - windowStart) / 1000;
    log(
      `soak: minute ${minute}: sent ${window.length} (${(window.length / seconds).toFixed(2)}/s), delivered ${delivered.length}, ` +
        `p99 ${percentile(latencies(window), 0.99)} ms, rss ${rssNow().map(mib).join(' / ')}, database ${mib(await h.databaseBytes())}`,
    );
  }
  const elapsed = (Date.now() - startedAt) / 1000;
  const rssEnd = rssNow();
  await h.stopLoad();
  const records = h.records.slice(firstRecord);
  const verdict = await h.settle(records, 180_000);
  const times = latencies(records);
  const throughput = verdict.deliveredOnce / elapsed;
  const growth = rssEnd.map((end, i) => end - (rssStart[i] ?? 0n));
  const dbEnd = await h.databaseBytes();
  log(
    `soak: ${minutes} min at ${rate}/s offered: sent ${records.length}, delivered once ${verdict.deliveredOnce}, ` +
      `lost ${verdict.lost.length}, duplicated ${verdict.duplicated}, dead ${verdict.dead}`,
  );
  log(`soak: throughput ${throughput.toFixed(2)} packets/s (${((100 * throughput) / rate).toFixed(1)} % of offered)`);
  log(
    `soak: latency p50 ${percentile(times, 0.5)} ms, p99 ${percentile(times, 0.99)} ms, max ${percentile(times, 1)} ms (${times.length} timed)`,
  );
  log(
    `soak: relayer rss start ${rssStart.map(mib).join(' / ')}, end ${rssEnd.map(mib).join(' / ')}, growth ${growth
      .map(mib)
      .join(' / ')} (bound ${boundMiB} MiB)`,
  );
  log(
    `soak: database ${mib(dbStart)} -> ${mib(dbEnd)} (${(Number(dbEnd - dbStart) / records.length) | 0} bytes per packet)`,
  );
  const problems = [
    ...(verdict.lost.length ? [`${verdict.lost.length} packets lost`] : []),
    ...(verdict.duplicated ? [`${verdict.duplicated} packets duplicated`] : []),
    ...(throughput < 0.9 * rate ? [`throughput ${throughput.toFixed(2)}/s is under 90 % of ${rate}/s`] : []),
    ...growth.filter((g) => g > BigInt(Math.round(boundMiB)) * MiB).map((g) => `a relayer grew by ${mib(g)}`),
    ...h.replicas.filter((r) => !r.running || r.starts !== 1).map((r) => `${r.name} exited during the soak`),
  ];
  if (problems.length) {
    process.stderr.write(`soak: ${problems.join('; ')}\n`);
    code = 1;
  }
} finally {
  await h.stop();
}
process.exit(code);

/** Milliseconds from each mined send to its receiver's Delivered event, for those seen delivered. */
function latencies(records: readonly { guid: `0x${string}`; sentAt: number }[]): number[] {
  return records
    .map((r) => {
      const at = h.deliveredAt(r.guid);
      return at === undefined ? undefined : at - r.sentAt;
    })
    .filter((ms): ms is number => ms !== undefined)
    .sort((a, b) => a - b);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

function mib(bytes: bigint): string {
  return `${(Number(bytes) / 1024 / 1024).toFixed(1)} MiB`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function fail(message: string): never {
  process.stderr.write(`soak: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}
