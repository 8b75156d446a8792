import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimulationError } from './errors.js';
import { compileScenario, type Scenario, type ScenarioFile } from './scenario.js';

/**
 * The scenario files shipped with the project (libs/simulation/scenarios), found from this module
 * whether it runs from source or from dist/.
 */
export function bundledScenarioDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'libs', 'simulation', 'scenarios');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new SimulationError('UNKNOWN_SCENARIO', 'libs/simulation/scenarios not found above the installed module');
}

/** Reads and checks one scenario file; errors name the file and the field. */
export function readScenarioFile(path: string): Scenario {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new SimulationError('INVALID_SCENARIO', `${path}: not readable JSON (${(cause as Error).message})`, {
      cause,
    });
  }
  try {
    return compileScenario(parsed as ScenarioFile);
  } catch (error) {
    if (error instanceof SimulationError)
      throw new SimulationError(error.code, `${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Every `*.json` scenario in `dir`, by name. */
export function readScenarioDir(dir: string = bundledScenarioDir()): Scenario[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readScenarioFile(resolve(dir, f)));
}

/** A scenario by name from `dir`, or a path to a file of the user's own. */
export function findScenario(nameOrPath: string, dir: string = bundledScenarioDir()): Scenario {
  if (nameOrPath.endsWith('.json')) return readScenarioFile(resolve(nameOrPath));
  const all = readScenarioDir(dir);
  const found = all.find((s) => s.name === nameOrPath);
  if (!found) {
    throw new SimulationError(
      'UNKNOWN_SCENARIO',
      `no scenario "${nameOrPath}" (known: ${all.map((s) => s.name).join(', ')}; or pass a path to a .json file)`,
    );
  }
  return found;
}
