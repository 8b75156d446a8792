import type { Address, PublicClient } from 'viem';
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
 * `multicall` options that read many view functions in one `eth_call`: viem's deployless
 * multicall needs no Multicall3 on the chain (its aggregator runs as creation code), so it works
 * on any chain. A read that reverts fails the whole call.
 */
export const ONE_CALL = { allowFailure: false, deployless: true, batchSize: 0 } as const;
