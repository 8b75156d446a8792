import { erc20Abi, zeroAddress, type Address, type Hex, type PublicClient, type WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainPublicClient, createChainWalletClient, readInBlockRanges, type ChainRegistry } from '#app/chains';
import { SegmentController, SegmentVault } from '#app/contracts';
import { GovernanceError } from './errors.js';

/** One chain as governance sees it: its vault, and on the hub the controller and the executor's wallet. */
export interface GovernanceChain {
  name: string;
  eid: number;
  chainId: number;
  role: 'hub' | 'spoke';
  client: PublicClient;
  vault: Address;
  /** The chain's SegmentRouter (liquidity routes); absent on deployments that predate routing. */
  router: Address | undefined;
}

export interface Hub extends GovernanceChain {
  controller: Address;
  executor: WalletClient;
}

export function buildGovernanceChains(
  registry: ChainRegistry,
  executorKey: Hex,
): { hub: Hub; chains: GovernanceChain[] } {
  const executor = privateKeyToAccount(executorKey);
  let hub: Hub | null = null;
  const chains: GovernanceChain[] = [];
  for (const config of registry.chains) {
    const vault = config.contracts.segmentVault;
    if (!vault) continue;
    const chain: GovernanceChain = {
      name: config.name,
      eid: config.eid,
      chainId: config.chainId,
      role: config.contracts.segmentController ? 'hub' : 'spoke',
      client: createChainPublicClient(config),
      vault,
      router: config.contracts.segmentRouter,
    };
    chains.push(chain);
    const controller = config.contracts.segmentController;
    if (controller) {
      if (hub) throw new GovernanceError('CHAIN', 'more than one chain has a segmentController');
      hub = { ...chain, controller, executor: createChainWalletClient(config, executor) };
    }
  }
  if (!hub) throw new GovernanceError('CHAIN', 'no chain has a segmentController: deploy the segment stack first');
  return { hub, chains };
}

const ctrl = (hub: Hub) => ({ address: hub.controller, abi: SegmentController.abi }) as const;

export interface Roles {
  governors: Address[];
  threshold: number;
  delay: number;
  guardian: Address;
}

/** The controller's governor set, threshold, timelock and guardian, as the chain has them now. */
export async function readRoles(hub: Hub): Promise<Roles> {
  const [governors, threshold, delay, guardian] = await Promise.all([
    hub.client.readContract({ ...ctrl(hub), functionName: 'governors' }),
    hub.client.readContract({ ...ctrl(hub), functionName: 'threshold' }),
    hub.client.readContract({ ...ctrl(hub), functionName: 'delay' }),
    hub.client.readContract({ ...ctrl(hub), functionName: 'guardian' }),
  ]);
  return { governors: [...governors], threshold: Number(threshold), delay: Number(delay), guardian };
}

export async function segmentIds(hub: Hub): Promise<Hex[]> {
  const count = await hub.client.readContract({ ...ctrl(hub), functionName: 'segmentCount' });
  return Promise.all(
    Array.from({ length: Number(count) }, (_, i) =>
      hub.client.readContract({ ...ctrl(hub), functionName: 'segmentIds', args: [BigInt(i)] }),
    ),
  );
}

export async function controllerSegment(hub: Hub, id: Hex) {
  return hub.client.readContract({ ...ctrl(hub), functionName: 'getSegment', args: [id] });
}

/** An asset registered on the controller for the hub chain, with its token's decimals; null when unknown. */
export async function hubAsset(hub: Hub, assetId: Hex): Promise<{ token: Address; decimals: number } | null> {
  const a = await hub.client.readContract({ ...ctrl(hub), functionName: 'localAsset', args: [assetId, hub.eid] });
  if (a.token === zeroAddress) return null;
  const decimals = await hub.client.readContract({ address: a.token, abi: erc20Abi, functionName: 'decimals' });
  return { token: a.token, decimals };
}

/** The asset id a segment lends on this chain's vault, or null when the vault has not heard of the segment. */
export async function vaultBorrowAsset(chain: GovernanceChain, id: Hex): Promise<Hex | null> {
  // `config` of a segment the vault never heard of is all zeros (it does not revert)
  const config = await chain.client.readContract({
    address: chain.vault,
    abi: SegmentVault.abi,
    functionName: 'config',
    args: [id],
  });
  return config.borrowAsset.token === zeroAddress ? null : config.borrowAsset.assetId;
}

/** A vault's view of a segment, or null when the vault has not heard of it. */
export async function vaultSegment(chain: GovernanceChain, id: Hex) {
  const read = { address: chain.vault, abi: SegmentVault.abi } as const;
  try {
    const [config, ledger] = await Promise.all([
      chain.client.readContract({ ...read, functionName: 'config', args: [id] }),
      chain.client.readContract({ ...read, functionName: 'ledger', args: [id] }),
    ]);
    if (config.borrowAsset.token === zeroAddress) return null;
    const borrowed = await chain.client.readContract({ ...read, functionName: 'totalBorrowed', args: [id] });
    return { config, ledger, borrowed };
  } catch {
    // SegmentNotFound: the boundary has not reached this chain yet
    return null;
  }
}

/**
 * What `read` finds on the hub from the configured start block (the controller's deployment) to
 * the head, `maxLogRange` blocks at a time: an `eth_getLogs` from block 0 of a long chain in one
 * call is refused by RPC providers.
 */
export async function hubEvents<T>(
  hub: Hub,
  settings: { startBlock: bigint; maxLogRange: bigint },
  read: (fromBlock: bigint, toBlock: bigint) => Promise<readonly T[]>,
  /** A later block to start from, when the events cannot be older (default: the start block). */
  from?: bigint,
): Promise<T[]> {
  const head = await hub.client.getBlockNumber();
  const start = from !== undefined && from > settings.startBlock ? from : settings.startBlock;
  return readInBlockRanges(start, head, settings.maxLogRange, read);
}
