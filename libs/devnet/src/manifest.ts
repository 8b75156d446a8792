import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAddress, type Address } from 'viem';
import type { DevnetRole } from './accounts.js';
import { DevnetError, DevnetErrorCode } from './errors.js';

export const MANIFEST_VERSION = 1;
export const DEFAULT_MANIFEST_PATH = '.data/devnet/manifest.json';

/** Addresses of the LayerZero v2 stack deployed on one chain (npm artifacts) and our workers. */
// A type alias (not an interface) so Object.values/entries see Address values.
export type LayerZeroAddresses = {
  endpoint: Address;
  endpointView: Address;
  sendUln302: Address;
  receiveUln302: Address;
  receiveUln302View: Address;
  priceFeed: Address;
  dvn: Address;
  dvnFeeLib: Address;
  executor: Address;
  executorFeeLib: Address;
  batchExecutor: Address;
};

export type ChainRole = 'hub' | 'spoke';

export interface ManifestChain {
  name: string;
  role: ChainRole;
  chainId: number;
  eid: number;
  rpcUrl: string;
  /** The anvil process, when this devnet started it. */
  pid?: number;
  /** Where anvil dumps its state on exit (used to restart a chain with its history). */
  stateFile?: string;
  /** Confirmations the ULNs require on packets from this chain. */
  confirmations: number;
  layerZero: LayerZeroAddresses;
  /** Contracts deployed by later modules (segment vaults, tokens, feeds…), by name. */
  contracts: Record<string, Address>;
}

export interface DevnetManifest {
  version: typeof MANIFEST_VERSION;
  createdAt: string;
  /** True when the anvil processes were started detached and outlive the command. */
  detached: boolean;
  accounts: Record<DevnetRole, Address>;
  dvn: { signers: Address[]; quorum: number };
  chains: ManifestChain[];
}

export function writeManifest(path: string, manifest: DevnetManifest): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, path); // atomic: a reader never sees half a manifest
}

export function readManifest(path: string): DevnetManifest | undefined {
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new DevnetError(DevnetErrorCode.ManifestInvalid, `${path} is not valid JSON`, { cause });
  }
  return parseManifest(raw, path);
}

export function parseManifest(raw: unknown, source = 'manifest'): DevnetManifest {
  const fail = (what: string): never => {
    throw new DevnetError(DevnetErrorCode.ManifestInvalid, `${source}: ${what}`);
  };
  if (!raw || typeof raw !== 'object') return fail('not an object');
  const m = raw as Partial<DevnetManifest>; // fields are checked one by one below
  if (m.version !== MANIFEST_VERSION) fail(`unsupported version ${String(m.version)} (expected ${MANIFEST_VERSION})`);
  if (!Array.isArray(m.chains) || m.chains.length === 0) fail('no chains');
  for (const [i, c] of (m.chains ?? []).entries()) {
    if (typeof c.eid !== 'number' || typeof c.chainId !== 'number')
      fail(`chains[${i}]: eid and chainId must be numbers`);
    if (typeof c.rpcUrl !== 'string') fail(`chains[${i}]: rpcUrl missing`);
    for (const [k, v] of Object.entries({ ...c.layerZero, ...c.contracts })) {
      if (!isAddress(v)) fail(`chains[${i}].${k}: not an address: ${String(v)}`);
    }
  }
  return m as DevnetManifest; // validated above
}
