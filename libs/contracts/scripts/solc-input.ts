import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/** Compiler settings shared by every build: changing any of them changes the cache key. */
export const COMPILER_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  viaIR: true,
  metadata: { bytecodeHash: 'none' },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
} as const;

export interface StandardJsonInput {
  language: 'Solidity';
  sources: Record<string, { content: string }>;
  settings: typeof COMPILER_SETTINGS;
}

const IMPORT_RE = /^\s*import\s+(?:[^'";]*?\bfrom\s+)?["']([^"']+)["']/gm;

/** Every `.sol` file under `dir` (relative to `root`, posix separators), skipping forge tests. */
export function listSources(root: string, dirs: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const path = join(abs, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.sol') && !name.endsWith('.t.sol')) found.push(relative(root, path).split('\\').join('/'));
    }
  };
  for (const dir of dirs) if (existsSync(join(root, dir))) walk(join(root, dir));
  return found;
}

/**
 * Resolves the whole import graph ahead of compilation, so the standard-JSON input is complete
 * (no import callback) and its hash identifies the build exactly.
 * Our own sources keep their repo-relative names; package imports resolve from node_modules.
 */
export function buildInput(root: string, entries: readonly string[]): StandardJsonInput {
  const sources: Record<string, { content: string }> = {};
  const pending = [...entries];
  while (pending.length > 0) {
    const unit = pending.pop() as string; // length checked above
    if (sources[unit]) continue;
    const content = readFileSync(locate(root, unit), 'utf8');
    sources[unit] = { content };
    for (const match of content.matchAll(IMPORT_RE)) {
      const target = match[1]; // the regex has exactly one capture group
      pending.push(target.startsWith('.') ? posix.normalize(posix.join(posix.dirname(unit), target)) : target);
    }
  }
  const ordered = Object.fromEntries(Object.keys(sources).sort().map((k) => [k, sources[k]]));
  return { language: 'Solidity', sources: ordered, settings: COMPILER_SETTINGS };
}

function locate(root: string, unit: string): string {
  const own = join(root, unit);
  if (existsSync(own)) return own;
  const pkg = join(root, 'node_modules', unit);
  if (existsSync(pkg)) return pkg;
  throw new Error(`Solidity import not found: ${unit} (looked in ${dirname(own)} and node_modules)`);
}

export function inputHash(input: StandardJsonInput, compilerVersion: string): string {
  return createHash('sha256').update(compilerVersion).update(JSON.stringify(input)).digest('hex');
}
