/**
 * `npm run build:contracts [-- --check]`: compiles the contracts and writes typed artifacts to
 * libs/contracts/src/generated. With `--check` nothing is written and the command fails if a
 * generated file would change (CI runs it, so committed artifacts cannot drift from sources).
 */
import { buildContracts } from './pipeline.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
try {
  buildContracts({ check: process.argv.includes('--check'), log });
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
