/**
 * `npm run fuzz -- --ops 20000 [--seed N]`: the long isolation campaign against the segment
 * contracts on a fresh one-chain devnet. Prints the seed first, so any failure can be replayed
 * with `--seed` (or `FUZZ_SEED=<seed> npm test` for the short campaign).
 */
import { parseArgs } from 'node:util';
import { InvariantViolation, runIsolationCampaign } from '../property/isolation.js';
import { SegmentWorld } from '../support/segments.js';

const HELP = `usage: npm run fuzz -- [--ops N] [--seed N]

  --ops N    operations to run (default 20000, at least 1)
  --seed N   fast-check seed (default: random, printed)
  --help     this text`;

function parse(): { ops: number; seed: number } {
  try {
    const { values } = parseArgs({
      options: { ops: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    }
    const ops = Number(values.ops ?? 20_000);
    const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
    if (!Number.isSafeInteger(ops) || ops < 1) throw new Error(`--ops must be a whole number ≥ 1, not "${values.ops}"`);
    if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be a whole number, not "${values.seed}"`);
    return { ops, seed };
  } catch (error) {
    process.stderr.write(`fuzz: ${error instanceof Error ? error.message : String(error)}\n${HELP}\n`);
    process.exit(2);
  }
}

const { ops, seed } = parse();
process.stdout.write(`fuzz: seed ${seed}, ${ops} operations (replay with --seed ${seed})\n`);
const world = await SegmentWorld.start({ chains: 2 });
const stop = async (code: number) => {
  await world.stop();
  process.exit(code);
};
process.once('SIGINT', () => void stop(130));
try {
  const result = await runIsolationCampaign(world, {
    ops,
    seed,
    progressEvery: 1_000,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `fuzz: ok — seed ${seed}, ${result.ops} steps, ${result.succeeded} succeeded, ${(result.ops / result.seconds).toFixed(0)} steps/s; done: ${JSON.stringify(result.succeededByKind)}; bad debt realised ${result.badDebtEvents}×; refused: ${JSON.stringify(result.reverted)}\n`,
  );
  await stop(0);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`fuzz: FAILED (seed ${seed}): ${message}\n`);
  if (
    !(error instanceof InvariantViolation) &&
    !/InvariantViolation|Property failed/.test(message) &&
    error instanceof Error
  )
    process.stderr.write(`${error.stack ?? ''}\n`);
  await stop(1);
}
