/**
 * `npm run bench:sim [-- --quick] [-- --accounts N --steps S]`
 *
 * The contagion simulator at scale: a scenario built here (not read from a file) with 50 segments,
 * each one collateral asset lending USDC, a synthetic correlated path (ρ = 0.6, σ = 120 bps a step,
 * the lead falls 50 % over 10 steps from step 600, 60 % into the path) of 1,000 steps, and a book of
 * N borrowers (30 % of them in two or three segments: ≈ 1.45 N positions, the segmented layout's
 * accounts; the shared pool has N). Runs N = 10,000 and then N = 20,000
 * (`--quick`: 2,000 and 4,000 over 300 steps), each in its own child process so that the peak RSS
 * (`process.resourceUsage().maxRSS`, a process-lifetime figure) belongs to that case alone, and times
 * `generateBook`, `runModel('shared')`, `runModel('segmented')` and `correlationAlert` separately.
 * Prints one `sim …` line per case, then the scaling of time and memory when the book doubles and
 * the cost per account-step. Figures only: nothing is asserted on time.
 */
import { fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  compileScenario,
  correlationAlert,
  formatUsd,
  generateBook,
  runModel,
  seededRandom,
  type ModelResult,
  type ScenarioFile,
  type SegmentFile,
} from '#app/simulation';

const flag = (name: string) => process.argv.includes(`--${name}`);
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const QUICK = flag('quick');
const SEGMENTS = 50;
const ACCOUNTS = arg('accounts', QUICK ? 2_000 : 10_000);
const STEPS = arg('steps', QUICK ? 300 : 1_000);
/** child mode: run one case and report it to the parent */
const CASE = arg('case', 0);
if (![ACCOUNTS, STEPS, CASE].every((v) => Number.isInteger(v) && v >= 0) || ACCOUNTS < 1 || STEPS < 100) {
  process.stderr.write('usage: npm run bench:sim -- [--quick] [--accounts N ≥ 1] [--steps S ≥ 100]\n');
  process.exit(2);
}
const log = (line: string) => process.stdout.write(`${line}\n`);
const MiB = (bytes: number) => bytes / 2 ** 20;
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
/** CPU seconds (user + system) of this process since `from`: less sensitive than wall time to other work on the machine */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};

// ---- the scenario ----
/** Integer USD as the decimal string a scenario file wants. */
const usd = (v: number) => Math.round(v).toString();

/**
 * 50 collateral assets (the first is the lead that crashes) and USDC at $1; one segment per
 * collateral. Parameters come from a fixed seed, so every run builds the same scenario; only the
 * number of borrowers (and the path length) changes between cases, and every USD amount grows with
 * the number of borrowers: a doubled book is twice as many accounts of the same sizes, so the
 * scaling figure measures the engine, not a different market (with fixed totals, halving every
 * position pushes more of them under the liquidators' minimum profit).
 */
function scenarioFile(borrowers: number, steps: number): ScenarioFile {
  const random = seededRandom(0x51_3b_e7c4);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  const int = (lo: number, hi: number) => Math.floor(uniform(lo, hi + 1));
  const symbols = Array.from({ length: SEGMENTS }, (_, i) => `TKN${i.toString().padStart(2, '0')}`);
  const lead = symbols[0];
  const assets: ScenarioFile['assets'] = { USDC: { oracle: [[0, '1']], depthUsd: '5000000000' } };
  const start: Record<string, string> = {};
  const segments: SegmentFile[] = symbols.map((symbol) => {
    // collateral from $2M to $200M per segment (log-uniform), pools 5–40 % of it deep on each side
    // scaled with the book, so a doubled book has the same account sizes (a like-for-like scaling test)
    const collateralUsd = Math.exp(uniform(Math.log(2e6), Math.log(2e8))) * (borrowers / 10_000);
    assets[symbol] = { depthUsd: usd(collateralUsd * uniform(0.05, 0.4)) };
    start[symbol] = Math.exp(uniform(Math.log(0.05), Math.log(50_000))).toFixed(6);
    const liqThresholdBps = int(6_000, 8_600);
    // the vault's rule: threshold × (1 + bonus) ≤ 100 %
    const liqBonusBps = Math.min(int(400, 1_500), Math.floor(1e8 / liqThresholdBps) - 10_000);
    return {
      name: symbol.toLowerCase(),
      borrow: 'USDC',
      collaterals: [{ asset: symbol, ltvBps: liqThresholdBps - int(300, 1_000), liqThresholdBps, liqBonusBps }],
      // the book borrows at most ltv × 90 % ≤ 77 % of the collateral: supply is comfortably above it
      supplyUsd: usd(collateralUsd * 1.2),
      insuranceUsd: usd(collateralUsd * 0.02),
      collateralUsd: usd(collateralUsd),
    };
  });
  return {
    name: `bench-${SEGMENTS}x${steps}`,
    title: `Benchmark: ${SEGMENTS} segments, ${borrowers} borrowers, ${steps} steps`,
    summary: `${lead} falls 50 % over 10 steps from step ${Math.round(steps * 0.6)}; the other ${SEGMENTS - 1} assets follow with beta 0.6.`,
    sources: ['Synthetic: test/bench/simulation.bench.ts'],
    stepMinutes: 60,
    steps,
    shocked: [lead],
    assets,
    synthetic: {
      seed: 2026,
      lead,
      correlation: 0.6,
      volBps: 120,
      crashBps: 5_000,
      crashFrom: Math.round(steps * 0.6), // step 600 of 1,000 (180 of 300 with --quick)
      crashSteps: 10,
      start,
    },
    segments,
    book: { seed: 7, borrowers, multiSegmentShare: 0.3, utilisation: [0.3, 0.9] },
    liquidation: { minProfitUsd: '50' },
  };
}

// ---- one case (child process) ----
interface ModelSummary {
  liquidations: number;
  badDebt: string;
  contagion: string;
}
interface CaseResult {
  accounts: number;
  positions: number;
  steps: number;
  compileS: number;
  bookS: number;
  sharedS: number;
  sharedCpuS: number;
  segmentedS: number;
  segmentedCpuS: number;
  alertS: number;
  /** RSS after compiling the scenario, before the book: the baseline the run adds to */
  baselineRss: number;
  /** highest RSS seen at the samples (between phases and every 25 steps) */
  sampledRss: number;
  /** process-lifetime peak (getrusage) */
  maxRss: number;
  peakHeap: number;
  shared: ModelSummary;
  segmented: ModelSummary;
  alert: string;
}

function runCase(accounts: number, steps: number): CaseResult {
  let sampledRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    sampledRss = Math.max(sampledRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const onStep = (_model: string, step: number) => {
    if (step % 25 === 0) sample();
  };
  const summary = (r: ModelResult): ModelSummary => ({
    liquidations: r.liquidations.count,
    badDebt: formatUsd(r.badDebtUsd),
    contagion: formatUsd(r.contagionUsd),
  });

  let t = process.hrtime.bigint();
  const scenario = compileScenario(scenarioFile(accounts, steps));
  const compileS = seconds(t);
  sample();
  const baselineRss = process.memoryUsage.rss();

  t = process.hrtime.bigint();
  const book = generateBook(scenario);
  const bookS = seconds(t);
  sample();
  let cpu = process.cpuUsage();
  t = process.hrtime.bigint();
  const shared = runModel(scenario, book, 'shared', { onStep });
  const sharedS = seconds(t);
  const sharedCpuS = cpuSeconds(cpu);
  sample();
  cpu = process.cpuUsage();
  t = process.hrtime.bigint();
  const segmented = runModel(scenario, book, 'segmented', { onStep });
  const segmentedS = seconds(t);
  const segmentedCpuS = cpuSeconds(cpu);
  sample();
  t = process.hrtime.bigint();
  const alert = correlationAlert(scenario);
  const alertS = seconds(t);
  sample();
  return {
    accounts,
    positions: book.positions.length,
    steps,
    compileS,
    bookS,
    sharedS,
    sharedCpuS,
    segmentedS,
    segmentedCpuS,
    alertS,
    baselineRss,
    sampledRss,
    maxRss: process.resourceUsage().maxRSS * 1024, // Node reports kilobytes
    peakHeap,
    shared: summary(shared),
    segmented: summary(segmented),
    alert: alert.firstStep === null ? `none (${alert.skipped ?? 'no pair'})` : `step ${alert.firstStep}`,
  };
}

// ---- the parent: each case in a fresh process ----
function inChild(accounts: number, steps: number): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      fileURLToPath(import.meta.url),
      ['--case', '1', '--accounts', String(accounts), '--steps', String(steps)],
      { execArgv: process.execArgv },
    );
    let result: CaseResult | undefined;
    child.on('message', (m) => (result = m as CaseResult));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`case accounts=${accounts} exited with ${code}`)),
    );
  });
}

function print(r: CaseResult): void {
  log(
    `sim accounts=${r.accounts} segments=${SEGMENTS} steps=${r.steps} shared_s=${r.sharedS.toFixed(3)} ` +
      `segmented_s=${r.segmentedS.toFixed(3)} book_s=${r.bookS.toFixed(3)} alert_s=${r.alertS.toFixed(3)} ` +
      `peak_rss_mib=${MiB(r.maxRss).toFixed(1)}`,
  );
  log(
    `  positions=${r.positions} compile_s=${r.compileS.toFixed(3)} baseline_rss_mib=${MiB(r.baselineRss).toFixed(1)} ` +
      `sampled_peak_rss_mib=${MiB(r.sampledRss).toFixed(1)} peak_heap_mib=${MiB(r.peakHeap).toFixed(1)} ` +
      `shared_cpu_s=${r.sharedCpuS.toFixed(3)} segmented_cpu_s=${r.segmentedCpuS.toFixed(3)}`,
  );
  for (const model of ['shared', 'segmented'] as const) {
    const m = r[model];
    log(`  ${model}: liquidations=${m.liquidations} bad_debt=${m.badDebt} contagion=${m.contagion}`);
  }
  log(`  correlation alert: ${r.alert}`);
}

async function main(): Promise<void> {
  log(
    `bench:sim — ${SEGMENTS} segments (one collateral asset each, lending USDC), ${STEPS} steps, ` +
      `books of ${ACCOUNTS} and ${2 * ACCOUNTS} borrowers (multi-segment share 0.3); each case in its own process`,
  );
  // wall times: other work on the machine shows up in them
  const load = () => loadavg()[0].toFixed(2);
  log(`  ${availableParallelism()} CPUs, load average ${load()} at start`);
  const small = await inChild(ACCOUNTS, STEPS);
  print(small);
  const large = await inChild(2 * ACCOUNTS, STEPS);
  print(large);
  log(`  load average ${load()} at end`);
  // correlationAlert does not read the book (its cost is the same in both cases): it stays out of the ratio
  const work = (r: CaseResult) => r.bookS + r.sharedS + r.segmentedS;
  const aboveBaseline = (r: CaseResult) => r.maxRss - r.baselineRss;
  log(
    `scaling accounts×2: time ×${(work(large) / work(small)).toFixed(2)} (linear ≈ 2.0), ` +
      `memory ×${(large.maxRss / small.maxRss).toFixed(2)} ` +
      `(peak RSS; above the pre-book baseline ×${(aboveBaseline(large) / aboveBaseline(small)).toFixed(2)})`,
  );
  log(
    `  book+shared+segmented: ${work(small).toFixed(2)} s → ${work(large).toFixed(2)} s; ` +
      `shared ×${(large.sharedS / small.sharedS).toFixed(2)}, segmented ×${(large.segmentedS / small.segmentedS).toFixed(2)}, ` +
      `book ×${(large.bookS / small.bookS).toFixed(2)}; CPU time of the two models ` +
      `×${((large.sharedCpuS + large.segmentedCpuS) / (small.sharedCpuS + small.segmentedCpuS)).toFixed(2)}`,
  );
  // the shared pool holds one account per borrower; the segmented layout one per position
  const µs = (s: number, accountSteps: number) => ((s / accountSteps) * 1e6).toFixed(3);
  log(
    `per account-step: ${µs(large.sharedS + large.segmentedS, large.accounts * large.steps)} µs ` +
      `(both models per borrower-step, ${large.accounts} borrowers); ` +
      `shared ${µs(large.sharedS, large.accounts * large.steps)} µs per pool account, ` +
      `segmented ${µs(large.segmentedS, large.positions * large.steps)} µs per pool account (${large.positions})`,
  );
}

if (CASE) {
  const result = runCase(ACCOUNTS, STEPS);
  if (process.send) process.send(result, () => process.disconnect());
  else print(result);
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
