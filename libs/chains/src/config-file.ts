import { readFileSync } from 'node:fs';
import { isAddress, type Address } from 'viem';
import { ChainRegistry, ChainRegistryError, type ChainConfig } from './registry.js';

/**
 * Reads a chain registry from a JSON file: `{ "chains": [{ "name", "chainId", "eid", "rpcUrls",
 * "confirmations", "contracts": { "endpoint": "0x…", … } }] }`. Every field is checked and every
 * problem is reported at once, naming the chain and the field.
 */
export function loadChainRegistry(path: string): ChainRegistry {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ChainRegistryError(
      `cannot read chain config ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
  return new ChainRegistry(parseChainConfigs(raw, path));
}

export function parseChainConfigs(raw: unknown, source = 'chain config'): ChainConfig[] {
  const problems: string[] = [];
  const list = (raw as { chains?: unknown } | null)?.chains;
  if (!Array.isArray(list) || list.length === 0)
    throw new ChainRegistryError(`${source}: expected { "chains": [ … ] } with at least one chain`);
  const chains = list.map((item: unknown, i): ChainConfig => {
    const c = (item ?? {}) as Record<string, unknown>;
    const at = `${source}: chains[${i}]${typeof c.name === 'string' ? ` (${c.name})` : ''}`;
    const int = (k: string, min: number) => {
      const v = c[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
        problems.push(`${at}.${k} must be a whole number ≥ ${min}`);
      return Number(v);
    };
    if (typeof c.name !== 'string' || c.name === '') problems.push(`${at}.name is required`);
    const rpcUrls = Array.isArray(c.rpcUrls) ? c.rpcUrls.filter((u): u is string => typeof u === 'string') : [];
    if (rpcUrls.length === 0 || rpcUrls.some((u) => !/^(https?|wss?):\/\//.test(u)))
      problems.push(`${at}.rpcUrls must list http(s) or ws(s) URLs`);
    const contracts: Record<string, Address> = {};
    for (const [name, address] of Object.entries((c.contracts ?? {}) as Record<string, unknown>)) {
      if (typeof address === 'string' && isAddress(address)) contracts[name] = address;
      else problems.push(`${at}.contracts.${name} is not an address`);
    }
    return {
      name: String(c.name),
      chainId: int('chainId', 1),
      eid: int('eid', 1),
      rpcUrls,
      confirmations: int('confirmations', 1),
      contracts,
    };
  });
  if (problems.length > 0) throw new ChainRegistryError(`invalid chain config:\n- ${problems.join('\n- ')}`);
  return chains;
}
