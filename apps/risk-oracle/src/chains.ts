import type { Address, Hex, PublicClient, WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainPublicClient, createChainWalletClient, type ChainRegistry } from '#app/chains';

/** One chain as the oracle sees it: its vault, the controller on the hub, and the wallets it sends from. */
export interface OracleChain {
  name: string;
  eid: number;
  confirmations: number;
  client: PublicClient;
  vault: Address;
  /** Set on the hub only. */
  controller?: Address;
  /** The liquidation keeper's wallet on this chain. */
  keeper: WalletClient;
  /** The risk steward's wallet (the hub only). */
  steward?: WalletClient;
}

export class OracleChainsError extends Error {
  override name = 'OracleChainsError';
}

/** Every chain with a segment vault; exactly one of them (the hub) has the controller. */
export function buildOracleChains(registry: ChainRegistry, keys: { steward: Hex; keeper: Hex }): OracleChain[] {
  const keeper = privateKeyToAccount(keys.keeper);
  const steward = privateKeyToAccount(keys.steward);
  const chains = registry.chains.flatMap((config): OracleChain[] => {
    const vault = config.contracts.segmentVault;
    if (!vault) return [];
    const controller = config.contracts.segmentController;
    return [
      {
        name: config.name,
        eid: config.eid,
        confirmations: config.confirmations,
        client: createChainPublicClient(config),
        vault,
        keeper: createChainWalletClient(config, keeper),
        ...(controller ? { controller, steward: createChainWalletClient(config, steward) } : {}),
      },
    ];
  });
  const hubs = chains.filter((c) => c.controller);
  if (hubs.length !== 1)
    throw new OracleChainsError(
      `the risk oracle needs exactly one chain with a segmentController and a segmentVault, found ${hubs.length} (deploy the segment stack first)`,
    );
  return chains;
}

export function hubChain(chains: readonly OracleChain[]): OracleChain & { controller: Address; steward: WalletClient } {
  const hub = chains.find((c) => c.controller && c.steward);
  if (!hub?.controller || !hub.steward) throw new OracleChainsError('no hub chain');
  return { ...hub, controller: hub.controller, steward: hub.steward };
}
