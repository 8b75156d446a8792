import type { Address, Hex, PublicClient } from 'viem';
import type { DvnSigner } from '#app/messaging';
import type { WorkerAddresses } from '../pipeline/packet-store.js';
import type { TxSender } from './tx-sender.js';

/** Everything the pipeline needs to work on one chain. */
export interface RelayerChain {
  name: string;
  eid: number;
  confirmations: number;
  client: PublicClient;
  workers: WorkerAddresses;
  sender: TxSender;
  /** The chain's SegmentVault, when the segment contracts are deployed there (attestation keeper). */
  segmentVault?: Address;
  /** The hub's SegmentController (the keeper flushes its pending status broadcasts). */
  segmentController?: Address;
}

/** Signer keys of our DVN held by this process (on the devnet: the quorum; in production: one). */
export type DvnSigners = readonly DvnSigner[];

/**
 * The hash of each block by number as the chain has it now, read once each; a block the node
 * cannot serve now is missing from the map (that says nothing about a reorg). `known` hashes (a
 * block just read) are taken as they are.
 */
export async function blockHashes(
  chain: Pick<RelayerChain, 'client'>,
  numbers: Iterable<bigint>,
  known: ReadonlyMap<bigint, Hex> = new Map(),
): Promise<Map<bigint, Hex>> {
  const read = await Promise.all(
    [...new Set(numbers)].map(
      async (n) =>
        [n, known.get(n) ?? (await chain.client.getBlock({ blockNumber: n }).catch(() => undefined))?.hash] as const,
    ),
  );
  return new Map(read.filter((e): e is readonly [bigint, Hex] => e[1] !== undefined));
}

/**
 * `multicall` options that read many view functions in one `eth_call`: viem's deployless
 * multicall needs no Multicall3 on the chain (its aggregator runs as creation code), so it works
 * on any chain. A read that reverts fails the whole call.
 */
export const ONE_CALL = { allowFailure: false, deployless: true, batchSize: 0 } as const;
