import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_MANIFEST_PATH,
  DEVNET_PRICE_PERIOD_SECONDS,
  formatAnswer,
  playScenario,
  playScenarioOnDevnet,
  readManifest,
  scenarioByName,
  SCENARIOS,
  type DevnetRun,
} from '#app/devnet';
import {
  buildReport,
  findScenario,
  formatUsd,
  readScenarioDir,
  simulate,
  type ModelResult,
  type Scenario,
  type SimulationResult,
} from '#app/simulation';
import { out } from '../io.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

const isFeedScenario = (name: string): boolean => SCENARIOS.some((s) => s.name === name);

/**
 * `segctl scenario …`: the contagion simulator's scenarios (libs/simulation/scenarios: list, show,
 * play, report, and play --devnet on the contracts) and the risk oracle's feed scenarios (play on the
 * devnet's feeds).
 */
export function scenarioCommand(): Command {
  const scenario = new Command('scenario').description(
    'Incident and stress scenarios: simulate shared vs segmented, report, or play them on the devnet.',
  );
  scenario
    .command('list')
    .description('List the simulator scenarios and the feed scenarios.')
    .action(() => {
      out('simulator scenarios (segctl scenario play <name> [--devnet], segctl scenario report):');
      for (const s of readScenarioDir()) out(`  ${s.name.padEnd(20)} ${s.title}`);
      out('feed scenarios for the risk oracle (segctl scenario play <name> on a running devnet):');
      for (const s of SCENARIOS) out(`  ${s.name.padEnd(20)} ${s.description}`);
    });
  scenario
    .command('show <name>')
    .description('Print a scenario: sources, assumptions, segments and its price path.')
    .action((name: string) => (isFeedScenario(name) ? showFeedScenario(name) : showScenario(findScenario(name))));
  scenario
    .command('play <name>')
    .description(
      'A simulator scenario (or a path to your own .json): run it shared vs segmented and print the figures; ' +
        'with --devnet, run it on the devnet contracts and compare with the simulator. ' +
        'A feed scenario (crv-crash, correlated-crash): play its prices on every chain’s feeds, one step per period.',
    )
    .addOption(new Option('--manifest <path>', 'the devnet manifest').default(DEFAULT_MANIFEST_PATH))
    .option('--devnet', 'run a simulator scenario on the devnet contracts and check the simulator agrees')
    .option('--chain <name>', 'with --devnet: the chain whose vault holds the book (default: the hub)')
    .addOption(
      new Option('--borrowers <n>', 'with --devnet: borrowers in the scaled book').default(24).argParser(positiveInt),
    )
    .addOption(
      new Option('--period <seconds>', 'feed scenarios: seconds per step')
        .default(DEVNET_PRICE_PERIOD_SECONDS)
        .argParser(positiveInt),
    )
    .option('--no-history', 'feed scenarios: play only the live steps (the devnet already has a history)')
    .action(
      async (
        name: string,
        opts: {
          manifest: string;
          devnet?: boolean;
          chain?: string;
          borrowers: number;
          period: number;
          history: boolean;
        },
      ) => {
        if (isFeedScenario(name)) {
          if (opts.devnet) throw new Error(`${name} is a feed scenario: it always plays on the devnet's feeds`);
          return playFeedScenario(name, opts);
        }
        const s = findScenario(name);
        if (!opts.devnet) return printResult(simulate(s));
        const manifest = readManifest(opts.manifest);
        if (!manifest)
          throw new Error(
            `no devnet manifest at ${opts.manifest}: start one with \`segctl devnet up\` or \`segctl up\``,
          );
        out(
          'note: a running risk oracle (segctl up) reacts to these prices too and may tighten parameters or liquidate first; ' +
            'for an exact comparison use a devnet without services (segctl devnet up).',
        );
        const run = await playScenarioOnDevnet(manifest, s, { chain: opts.chain, borrowers: opts.borrowers, log: out });
        printAgreement(run);
        if (!run.agrees) process.exitCode = 1;
      },
    );
  scenario
    .command('report')
    .description('Simulate scenarios and write a Markdown report with SVG charts (shared vs segmented, with numbers).')
    .option('--scenario <name...>', 'only these scenarios (names or .json paths); all bundled ones by default')
    .addOption(new Option('--out <dir>', 'where to write report.md and charts/').default('reports/contagion'))
    .action((opts: { scenario?: string[]; out: string }) => {
      const scenarios = opts.scenario ? opts.scenario.map((n) => findScenario(n)) : readScenarioDir();
      const results = scenarios.map((s, i) => {
        out(`[${i + 1}/${scenarios.length}] ${s.name}: ${s.steps} steps, ${s.book.borrowers} borrowers…`);
        return simulate(s);
      });
      const report = buildReport(results);
      const dir = resolve(opts.out);
      mkdirSync(join(dir, 'charts'), { recursive: true });
      writeFileSync(join(dir, 'report.md'), report.markdown);
      for (const [file, svg] of report.charts) writeFileSync(join(dir, 'charts', file), svg);
      out(`wrote ${join(dir, 'report.md')} and ${report.charts.size} charts in ${join(dir, 'charts')}`);
    });
  return scenario;
}

function showScenario(s: Scenario): void {
  out(`${s.name}: ${s.title}`);
  out(s.summary);
  for (const src of s.sources) out(`source: ${src}`);
  for (const a of s.assumptions) out(`assumes: ${a}`);
  out(`${s.steps} steps of ${s.stepMinutes} min; shocked: ${[...s.shocked].map((i) => s.assets[i].symbol).join(', ')}`);
  for (const seg of s.segments) {
    const coll = seg.collaterals
      .map((c) => `${s.assets[c.asset].symbol} ltv ${c.ltvBps} thr ${c.liqThresholdBps} bonus ${c.liqBonusBps}`)
      .join(', ');
    out(
      `segment ${seg.name.padEnd(10)} lends ${s.assets[seg.borrow].symbol} against ${coll}; supply ${formatUsd(seg.supplyUsd)}, insurance ${formatUsd(seg.insuranceUsd)}`,
    );
  }
  const every = Math.max(1, Math.ceil(s.steps / 24));
  out(`step  ${s.assets.map((a) => a.symbol.padStart(14)).join('')}`);
  for (let t = 0; t < s.steps; t += every) {
    out(`${String(t).padStart(4)}  ${s.assets.map((a) => formatUsd(a.oracle[t]).padStart(14)).join('')}`);
  }
}

function printResult(r: SimulationResult): void {
  const rows: [string, (m: ModelResult) => string][] = [
    ['bad debt', (m) => formatUsd(m.badDebtUsd)],
    ['lost by suppliers', (m) => formatUsd(m.supplierLossUsd)],
    ['contagion', (m) => formatUsd(m.contagionUsd)],
    ['insurance used', (m) => `${formatUsd(m.insurance.usedUsd)} of ${formatUsd(m.insurance.startUsd)}`],
    ['liquidations', (m) => `${m.liquidations.count} (${formatUsd(m.liquidations.repaidUsd)})`],
    ['precision', (m) => `${(m.liquidations.precisionBps / 100).toFixed(1)} %`],
    ['capital efficiency', (m) => `${(m.capital.efficiencyBps / 100).toFixed(1)} %`],
  ];
  out(`${r.scenario.name}: ${r.scenario.title}`);
  out(`${''.padEnd(20)}${'shared'.padStart(28)}${'segmented'.padStart(28)}`);
  for (const [label, f] of rows) out(`${label.padEnd(20)}${f(r.shared).padStart(28)}${f(r.segmented).padStart(28)}`);
  if (r.alert.firstStep !== null)
    out(`correlation alert from step ${r.alert.firstStep} (${r.alert.pair?.a} ~ ${r.alert.pair?.b})`);
}

function printAgreement(run: DevnetRun): void {
  out(`${run.variant.scenario.name} on ${run.chain}: ${run.transactions} transactions`);
  out(`liquidations: simulator ${run.liquidations.simulator}, chain ${run.liquidations.chain}`);
  out(`${'segment'.padEnd(10)}${'metric'.padEnd(20)}${'simulator'.padStart(16)}${'chain'.padStart(16)}  agrees`);
  for (const r of run.rows) {
    out(
      `${r.segment.padEnd(10)}${r.metric.padEnd(20)}${formatUsd(r.simulatorUsd).padStart(16)}${formatUsd(r.chainUsd).padStart(16)}  ${r.agrees ? 'yes' : 'NO'}`,
    );
  }
  out(run.agrees ? 'simulator and chain agree (within max($1, 0.1 %))' : 'simulator and chain DISAGREE');
}

function showFeedScenario(name: string): void {
  const s = scenarioByName(name);
  out(`${s.name}: ${s.description}`);
  out(`source: ${s.source}`);
  const symbols = Object.keys(s.paths);
  out(`step  ${symbols.map((x) => x.padStart(14)).join('')}`);
  const length = s.paths[symbols[0] ?? '']?.length ?? 0;
  for (let k = 0; k < length; k++)
    out(
      `${String(k + 1).padStart(4)}${k < s.historySteps ? 'h' : ' '} ${symbols.map((x) => formatAnswer(s.paths[x]?.[k] ?? 0n).padStart(14)).join('')}`,
    );
  out(`(h: back-dated history, ${s.historySteps} steps)`);
}

async function playFeedScenario(
  name: string,
  opts: { manifest: string; period: number; history: boolean },
): Promise<void> {
  const s = scenarioByName(name);
  const manifest = readManifest(opts.manifest);
  if (!manifest)
    throw new Error(`no devnet manifest at ${opts.manifest}: start one with \`segctl up\` or \`segctl devnet up\``);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const result = await playScenario(manifest, s, {
      periodSeconds: opts.period,
      history: opts.history,
      log: out,
      signal: controller.signal,
    });
    out(
      controller.signal.aborted
        ? `${s.name}: stopped after step ${result.steps} (${result.transactions} transactions)`
        : `${s.name}: played ${result.steps} steps on ${manifest.chains.length} chains (${result.transactions} transactions)`,
    );
  } finally {
    process.off('SIGINT', onSignal);
  }
}
