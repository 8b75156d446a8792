import type { Address, Hex } from 'viem';
import type {
  ClaimFilter,
  ObservedPacketRecord,
  PacketHistoryEntry,
  PacketListFilter,
  PacketRecord,
  PacketStage,
  StageChange,
  StageTiming,
} from '#app/persistence';

export type {
  ClaimFilter,
  ObservedPacketRecord,
  PacketHistoryEntry,
  PacketListFilter,
  PacketRecord,
  PacketStage,
  StageChange,
  StageTiming,
};

/**
 * The relayer's view of its database. Every claim is a lease: rows claimed by one replica are not
 * handed to another until the lease expires or the owner moves them; every move is a
 * compare-and-set on (stage, lease owner), so a replica that lost its lease cannot move a packet.
 */
export interface PacketStore {
  /**
   * Inserts newly observed packets, in `sent`, or in `confirmed` when their source blocks were
   * re-read at the configured depth already (leased to `lease.owner` when given); a guid already
   * known keeps its row (and stage). Returns the guids written.
   */
  recordObserved(
    packets: readonly ObservedPacketRecord[],
    confirmed?: { depth: number; lease?: { owner: string; ms: number } },
  ): Promise<Set<Hex>>;
  claim(filter: ClaimFilter, owner: string, leaseMs: number): Promise<PacketRecord[]>;
  move(guid: Hex, from: PacketStage, owner: string, change: StageChange): Promise<boolean>;
  /** The same change for several packets in one transaction; returns the guids that moved. */
  moveAll(guids: readonly Hex[], from: PacketStage, owner: string, change: StageChange): Promise<Set<Hex>>;
  /** Hands packets back unchanged, attempts untouched, until `until`, with `reason` as what they wait for. */
  defer(guids: readonly Hex[], from: PacketStage, owner: string, reason: string, until: Date): Promise<Set<Hex>>;
  /**
   * Packets recorded delivered on a pathway from `nonce` on, whose deliveries the destination no
   * longer holds, go back to `confirmed`; returns their guids.
   */
  reopenDelivered(
    from: { srcEid: number; dstEid: number; sender: Hex; receiver: Hex; nonce: bigint },
    reason: string,
  ): Promise<Hex[]>;
  /** Pathways into `dstEid` with deliveries recorded since `since`, each with its highest delivered nonce. */
  recentDeliveries(
    dstEid: number,
    since: Date,
  ): Promise<{ srcEid: number; sender: Hex; receiver: Hex; nonce: bigint }[]>;
  /** Calls `listener` after each committed move into a timed stage (for the stage latency histograms). */
  onStageTimings?(listener: (timings: readonly StageTiming[]) => void): void;
  /** Gives back leases this owner still holds (on shutdown). */
  release(owner: string): Promise<void>;
  cursor(eid: number): Promise<{ block: bigint; hash: Hex } | undefined>;
  setCursor(eid: number, block: bigint, hash: Hex): Promise<void>;
}

/** The chain-side addresses the relayer works with on one chain. */
export interface WorkerAddresses {
  endpoint: Address;
  endpointView: Address;
  sendUln302: Address;
  receiveUln302: Address;
  dvn: Address;
  executor: Address;
  batchExecutor: Address;
}

/** What operators ask of the database (CLI and HTTP). */
export interface PacketQueries {
  list(filter: PacketListFilter): Promise<PacketRecord[]>;
  get(guid: Hex): Promise<PacketRecord | undefined>;
  history(guid: Hex): Promise<PacketHistoryEntry[]>;
  /** A `dead` or `failed` packet goes back to `confirmed` with its attempts reset. */
  requeue(guid: Hex, by: string): Promise<boolean>;
  countByStage(): Promise<{ stage: PacketStage; srcEid: number; dstEid: number; count: number }[]>;
}
