import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_MANIFEST_PATH,
  DEVNET_PRICE_PERIOD_SECONDS,
  formatAnswer,
  playScenario,
  readManifest,
  scenarioByName,
  SCENARIOS,
} from '#app/devnet';
import { out } from '../io.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

/** `segctl scenario list | show <name> | play <name>`: drive the devnet's price feeds from a price path. */
export function scenarioCommand(): Command {
  const scenario = new Command('scenario').description(
    'Price scenarios for the devnet feeds (what the risk oracle reacts to).',
  );
  scenario
    .command('list')
    .description('List the scenarios.')
    .action(() => {
      for (const s of SCENARIOS) out(`${s.name.padEnd(18)} ${s.description}`);
    });
  scenario
    .command('show <name>')
    .description('Print a scenario’s price path, step by step.')
    .action((name: string) => {
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
    });
  scenario
    .command('play <name>')
    .description(
      'Play a scenario on every chain’s feeds: its history back-dated at once, then one live step per period. ' +
        'The period must match the risk oracle’s RISK_PERIOD_SECONDS.',
    )
    .addOption(new Option('--manifest <path>', 'the devnet manifest').default(DEFAULT_MANIFEST_PATH))
    .addOption(
      new Option('--period <seconds>', 'seconds per step').default(DEVNET_PRICE_PERIOD_SECONDS).argParser(positiveInt),
    )
    .option('--no-history', 'play only the live steps (the devnet already has a history)')
    .action(async (name: string, opts: { manifest: string; period: number; history: boolean }) => {
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
    });
  return scenario;
}
