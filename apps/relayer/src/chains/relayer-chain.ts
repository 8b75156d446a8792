import type { Address, LocalAccount, PublicClient } from 'viem';
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
export type DvnSigners = readonly LocalAccount[];
