import type { Hex } from 'viem';

/** Pipeline stages of a packet. `failed` waits for its retry time; `dead` waits for an operator. */
export type PacketStage = 'sent' | 'confirmed' | 'verified' | 'delivered' | 'failed' | 'dead' | 'dropped';

/** What the relayer keeps about one packet (one row per guid). */
export interface PacketRecord {
  guid: Hex;
  srcEid: number;
  dstEid: number;
  nonce: bigint;
  sender: Hex;
  receiver: Hex;
  header: Hex;
  payloadHash: Hex;
  message: Hex;
  options: Hex;
  srcBlockNumber: bigint;
  srcBlockHash: Hex;
  srcTxHash: Hex;
  assignedToOurDvn: boolean;
  assignedToOurExecutor: boolean;
  stage: PacketStage;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
}

export interface StageChange {
  to: PacketStage;
  /** Recorded in the packet's history and, for failures, as its visible reason. */
  reason?: string;
  attempts?: number;
  nextAttemptAt?: Date;
  /** Extra facts for the history (tx hash, outcome, …). */
  detail?: Record<string, unknown>;
  /** A move into `delivered`: the transaction that delivered the packet (kept on its row). */
  txHash?: Hex;
  /**
   * The packet was verified at this time, and the move is recorded only now: a move into
   * `verified` stamps it with this time; a move into `delivered` from before `verified` (one write
   * for both) stamps `verified_at` with it and reports the verified stage's latency too.
   */
  verifiedAt?: Date;
  /**
   * The mover keeps its lease for this long (it works on the packets' next stage itself, without
   * claiming them again); without it, the lease is given back.
   */
  keepLeaseMs?: number;
}

export interface ClaimFilter {
  stages: readonly PacketStage[];
  srcEid?: number;
  dstEid?: number;
  /** Only packets whose source block is at or below this number (confirmation depth). */
  maxSrcBlock?: bigint;
  limit: number;
  /**
   * Leave the packets the claimant holds a live lease on (those it has in hand already). Without
   * it, a claim takes them too: how a claimant gets back packets it leased and lost track of.
   */
  skipOwnLeases?: boolean;
}

/** A packet as first seen by the watcher, before any stage bookkeeping. */
export type ObservedPacketRecord = Omit<PacketRecord, 'stage' | 'attempts' | 'nextAttemptAt' | 'lastError'>;

/** One entry of a packet's history. */
export interface PacketHistoryEntry {
  stage: PacketStage;
  at: Date;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

export interface PacketListFilter {
  stage?: PacketStage;
  srcEid?: number;
  dstEid?: number;
  /** The source transaction that sent the packets (a governance execute, say). */
  srcTxHash?: Hex;
  limit: number;
}

/** A packet's move into a timed stage: how long it took since the stage before, and since first seen. */
export interface StageTiming {
  stage: 'confirmed' | 'verified' | 'delivered';
  srcEid: number;
  dstEid: number;
  /** Since the previous stage: first seen → confirmed → verified → delivered. */
  seconds: number;
  /** Since the watcher first recorded the packet. */
  sinceSeenSeconds: number;
}
