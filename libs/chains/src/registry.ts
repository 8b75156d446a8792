import { defineChain, type Address, type Chain } from 'viem';

/** One chain Segment Bridge talks to: where to reach it and what is deployed there. */
export interface ChainConfig {
  name: string;
  chainId: number;
  /** LayerZero v2 endpoint id. */
  eid: number;
  /** First is primary; the rest are fallbacks, tried in order when one fails. */
  rpcUrls: readonly string[];
  /** Confirmations to wait for before acting on an event of this chain. */
  confirmations: number;
  /** Deployed contracts by name (`endpoint`, `dvn`, `segmentVault`, …). */
  contracts: Readonly<Record<string, Address>>;
}

export class ChainRegistryError extends Error {
  override name = 'ChainRegistryError';
}

/** The set of chains a process works with, looked up by name, chain id or eid. */
export class ChainRegistry {
  private readonly byEid = new Map<number, ChainConfig>();

  constructor(readonly chains: readonly ChainConfig[]) {
    for (const chain of chains) {
      if (chain.rpcUrls.length === 0) throw new ChainRegistryError(`chain ${chain.name} has no RPC URL`);
      if (this.byEid.has(chain.eid)) throw new ChainRegistryError(`two chains share eid ${chain.eid}`);
      if (chains.filter((c) => c.chainId === chain.chainId).length > 1)
        throw new ChainRegistryError(`two chains share chain id ${chain.chainId}`);
      this.byEid.set(chain.eid, chain);
    }
  }

  get eids(): number[] {
    return this.chains.map((c) => c.eid);
  }

  byEidOrThrow(eid: number): ChainConfig {
    const chain = this.byEid.get(eid);
    if (!chain) throw new ChainRegistryError(`unknown eid ${eid} (known: ${this.eids.join(', ')})`);
    return chain;
  }

  byName(name: string): ChainConfig {
    const chain = this.chains.find((c) => c.name === name);
    if (!chain)
      throw new ChainRegistryError(`unknown chain ${name} (known: ${this.chains.map((c) => c.name).join(', ')})`);
    return chain;
  }

  contract(eid: number, name: string): Address {
    const address = this.byEidOrThrow(eid).contracts[name];
    if (!address) throw new ChainRegistryError(`no ${name} deployed on eid ${eid}`);
    return address;
  }
}

/** A viem chain definition for a configured chain. */
export function toViemChain(chain: ChainConfig): Chain {
  return defineChain({
    id: chain.chainId,
    name: chain.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [...chain.rpcUrls] } },
  });
}
