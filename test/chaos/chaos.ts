import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { redactUrl } from '#app/persistence';
import {
  chainOutage,
  dbConnectionLoss,
  destinationRollback,
  dbRestart,
  failingReceivers,
  FULL,
  gasSpike,
  killMidDeliver,
  killMidVerify,
  killMidWrite,
  pgliteCrash,
  reorgs,
  SHORT,
} from './faults.js';
import { ChaosHarness } from './harness.js';
import { formatTable, runFaults } from './suite.js';

const USAGE = `npm run test:chaos [-- options]

Runs every fault on a 3-chain devnet under a steady load (packets, and vault operations on the
segment stack), with relayer replicas as their own processes, then the hostile-input suites, and
prints a table: per fault the injections, packets in flight, delivered once, dead, lost,
duplicated, and whether any vault ledger was wrong after it. The last line is
"chaos total: faults=<n> lost=<n> duplicated=<n>". Exit code 1 when anything was lost or
duplicated, a vault ledger was wrong, or another check on chain failed.

With DATABASE_URL the replicas share that Postgres (the database faults need it); without it one
relayer runs on PGlite and the table says which faults could not run.

Options:
  --short          fewer injections, shorter outages (the version npm test runs)
  --replicas <n>   relayer replicas on Postgres (default 2)
  --rate <n>       packets per second across all pathways (default 6)
  --vault-every <ms>
                   one vault operation (a deposit attested to the hub, or a routed
                   transfer) every <ms>, the chains in turn, and the vault checks after
                   every phase (default 1000; 0: packets only, no segment stack)
  --only <names>   run only the faults whose names contain one of these (comma-separated)
  --no-hostile     skip the hostile-input suites
  -h, --help       this text`;

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    replicas: { type: 'string', default: '2' },
    rate: { type: 'string', default: '6' },
    'vault-every': { type: 'string', default: '1000' },
    'no-hostile': { type: 'boolean', default: false },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: false,
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const replicas = Number(values.replicas);
const rate = Number(values.rate);
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 8) fail('--replicas must be a whole number from 1 to 8');
if (!Number.isFinite(rate) || rate <= 0 || rate > 100) fail('--rate must be a number above 0 and at most 100');
const vaultEveryMs = Number(values['vault-every']);
if (!Number.isInteger(vaultEveryMs) || vaultEveryMs < 0) fail('--vault-every must be a whole number of ms (0: none)');

const log = (line: string) => process.stdout.write(`${line}\n`);
const databaseUrl = process.env.DATABASE_URL;
log(
  databaseUrl
    ? `chaos: replicas share ${redactUrl(databaseUrl)}`
    : 'chaos: DATABASE_URL is not set: one relayer on PGlite; the Postgres faults are listed as not run',
);
const scale = values.short ? SHORT : FULL;
const everyFault = [
  chainOutage, // first: it carries the chain's whole state through an RPC call, small early on
  killMidVerify,
  killMidDeliver,
  killMidWrite,
  destinationRollback,
  dbConnectionLoss,
  dbRestart,
  pgliteCrash,
  reorgs,
  failingReceivers,
  gasSpike,
];
const wanted = values.only?.split(',').map((w) => w.trim().toLowerCase());
const faults = wanted ? everyFault.filter((f) => wanted.some((w) => f.name.toLowerCase().includes(w))) : everyFault;
if (faults.length === 0) fail(`--only matches no fault; the faults are: ${everyFault.map((f) => f.name).join(', ')}`);

const h = await ChaosHarness.start({ databaseUrl, replicas, rate, vaultEveryMs, log });
let result;
try {
  result = await runFaults(h, faults, scale, log);
} finally {
  await h.stop();
}
const hostile = values['no-hostile'] ? { lines: ['not run (--no-hostile)'], failed: false } : await hostileSuites();
log('');
for (const line of formatTable(result.rows, hostile.lines)) log(line);
const problems = [...result.problems, ...(hostile.failed ? ['a hostile-input suite failed'] : [])];
if (problems.length) {
  process.stderr.write(`\nchaos: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
}
const broken = result.rows.some((r) => r.lost > 0 || r.duplicated > 0) || problems.length > 0;
process.exit(broken ? 1 : 0);

/** Runs the hostile-input suites (contracts, API fuzz, secrets in logs) and keeps their count lines. */
async function hostileSuites(): Promise<{ lines: string[]; failed: boolean }> {
  log('chaos: hostile-input suites (contracts, API fuzz, secrets in logs)');
  const suites = [
    'test/e2e/hostile-contracts.e2e-spec.ts',
    'test/e2e/api-fuzz.e2e-spec.ts',
    'test/e2e/secrets-in-logs.e2e-spec.ts',
  ];
  const child = spawn(
    process.execPath,
    ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--runInBand', ...suites],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(hostile: |api-fuzz: requests=|secrets: )/.test(l));
  if (code !== 0) process.stderr.write(output);
  return { lines: code === 0 ? lines : [...lines, `the suites failed (exit ${code})`], failed: code !== 0 };
}

function fail(message: string): never {
  process.stderr.write(`test:chaos: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}
