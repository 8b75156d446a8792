import type { Hex } from 'viem';
import type { PacketRecord, PacketStage, PacketStore, StageChange } from './packet-store.js';

/** The stages a packet is handed over in: confirmed (to be verified), verified (to be delivered). */
export type HandoffStage = 'confirmed' | 'verified';

/**
 * A handed-over packet. `unrecorded`: this replica's DVN verified it, and its row still says
 * `from` (confirmed, or failed for a retry) — the deliverer records the verification with the
 * delivery, in one write, or on its own before anything else happens to the packet.
 */
export type HandedPacket = PacketRecord & {
  unrecorded?: { from: PacketStage; verifiedAt: Date };
  /** When its lease was last set (ms), as a `take` from the handoff knows it. */
  leasedAt?: number;
};

/**
 * Packets this replica has just moved into a stage and kept leased, waiting for its own next stage
 * on their destination chain: the confirmer hands them to the verifier, the verifier to the
 * deliverer. The next stage takes them from here instead of claiming them again from the
 * database (a claim is an UPDATE of every row it takes). The database stays the truth: a packet
 * is only ever moved with a compare-and-set on its stage and lease, a replica that dies loses its
 * queue and its leases expire, and a packet whose lease was set more than `maxAgeMs` ago (when it
 * was moved in, or for an unrecorded verification when it was leased before that) is dropped and
 * claimed again the usual way.
 */
export class Handoff {
  private readonly queues = new Map<string, { packet: HandedPacket; at: number }[]>();
  /** Guids of packets handed over `unrecorded` whose verification no row tells yet (see `recorded`). */
  private readonly unrecordedGuids = new Set<Hex>();

  constructor(
    private readonly maxAgeMs: number,
    /** Called after packets were put in for a destination (to wake the loop that takes them). */
    private readonly onPut: (stage: HandoffStage, dstEid: number) => void = () => undefined,
  ) {}

  put(stage: HandoffStage, packets: readonly HandedPacket[]): void {
    const now = Date.now();
    const destinations = new Set<number>();
    for (const packet of packets) {
      if (packet.unrecorded) this.unrecordedGuids.add(packet.guid);
      const key = `${stage}:${packet.dstEid}`;
      const queue = this.queues.get(key) ?? [];
      // as the move into `stage` left the row: that stage, no error; a move renews the lease,
      // an unrecorded verification does not (its lease runs from when it was last set)
      const at = packet.unrecorded ? (packet.leasedAt ?? now) : now;
      queue.push({ packet: { ...packet, stage, lastError: null }, at });
      this.queues.set(key, queue);
      destinations.add(packet.dstEid);
    }
    for (const dstEid of destinations) this.onPut(stage, dstEid);
  }

  /** Up to `limit` packets handed over for `dstEid`, oldest first. */
  take(stage: HandoffStage, dstEid: number, limit: number): HandedPacket[] {
    const queue = this.queues.get(`${stage}:${dstEid}`);
    if (!queue) return [];
    const fresh = Date.now() - this.maxAgeMs;
    const taken: HandedPacket[] = [];
    while (queue.length > 0 && taken.length < limit) {
      const entry = queue.shift();
      if (!entry) break;
      // its lease may be running out: it is claimed again (an unrecorded verification is found
      // on chain again)
      if (entry.at < fresh) this.unrecordedGuids.delete(entry.packet.guid);
      else taken.push({ ...entry.packet, leasedAt: entry.at });
    }
    return taken;
  }

  /** Whether this replica verified the packet and no row says so yet (a claim must leave it to the deliverer). */
  unrecorded(guid: Hex): boolean {
    return this.unrecordedGuids.has(guid);
  }

  /** The verification of these packets is written (or they were let go): claims may take them again. */
  recorded(guids: Iterable<Hex>): void {
    for (const guid of guids) this.unrecordedGuids.delete(guid);
  }

  /** Forgets packets the stage claimed from the database itself (its claim covers its own leases). */
  forget(stage: HandoffStage, dstEid: number, guids: readonly Hex[]): void {
    const queue = this.queues.get(`${stage}:${dstEid}`);
    if (!queue || guids.length === 0) return;
    const claimed = new Set(guids);
    this.queues.set(
      `${stage}:${dstEid}`,
      queue.filter((e) => !claimed.has(e.packet.guid)),
    );
  }

  /** Takes every packet still waiting here with an unrecorded verification (to write it on a clean stop). */
  takeUnrecorded(): HandedPacket[] {
    const taken: HandedPacket[] = [];
    for (const [key, queue] of this.queues) {
      taken.push(...queue.filter((e) => e.packet.unrecorded).map((e) => e.packet));
      this.queues.set(
        key,
        queue.filter((e) => !e.packet.unrecorded),
      );
    }
    return taken;
  }
}

/**
 * Where confirmed packets go: to this replica's verifier of their destination, leased, when it
 * holds that destination's sender (`verifies`); the others are left for whoever does.
 */
export interface ConfirmedHandover {
  handoff: Handoff;
  verifies: (dstEid: number) => boolean;
}

/**
 * Moves packets from `from` into `to` (compare-and-set on stage and lease): `kept` keep their
 * lease for `leaseMs` and those moved are handed to this replica's next stage; `given` are let go
 * for whoever works on them. Returns how many moved.
 */
export async function moveAndHandOver(
  store: PacketStore,
  handoff: Handoff | undefined,
  move: { from: PacketStage; owner: string; leaseMs: number; change: StageChange & { to: HandoffStage } },
  kept: readonly PacketRecord[],
  given: readonly PacketRecord[],
): Promise<number> {
  const { from, owner, leaseMs, change } = move;
  const leased = await store.moveAll(
    kept.map((p) => p.guid),
    from,
    owner,
    { ...change, keepLeaseMs: leaseMs },
  );
  handoff?.put(
    change.to,
    kept.filter((p) => leased.has(p.guid)),
  );
  const released = await store.moveAll(
    given.map((p) => p.guid),
    from,
    owner,
    change,
  );
  return leased.size + released.size;
}

/** Confirmed packets split by who verifies them next: this replica (`kept`, leased) or another (`given`). */
export function byVerifier<T extends { dstEid: number }>(
  handTo: ConfirmedHandover | undefined,
  packets: readonly T[],
): { kept: T[]; given: T[] } {
  const ours = (p: T) => handTo?.verifies(p.dstEid) ?? false;
  return { kept: packets.filter(ours), given: packets.filter((p) => !ours(p)) };
}

/** Even with packets handed over, a stage claims from the database this often (retries, other replicas' packets). */
const CLAIM_AT_LEAST_EVERY_MS = 1_000;
/** With nothing handed over and its last claim empty, a stage claims again after this long (not every round). */
const IDLE_CLAIM_EVERY_MS = 250;
export interface BatchSourceOptions {
  owner: string;
  leaseMs: number;
  batchSize: number;
  /**
   * The longest an idle stage waits between claims (default 250 ms). The first empty claim waits
   * 250 ms, each further empty one twice as long, up to this. Longer suits a database no other
   * replica writes (the embedded one): there every packet this process moves on is handed over,
   * and a claim can only find a retry falling due, a packet the handoff let go or one an operator
   * re-queued.
   */
  longestIdleClaimMs?: number;
}

/**
 * Where a destination stage gets its next batch: the packets handed over to it, and a claim from
 * the database when its last claim is more than a second old, or when nothing was handed over and
 * its last claim found packets or is more than 250 ms old (an idle stage does not claim every
 * round). Empty claims in a row may space out further (`longestIdleClaimMs`).
 */
export class BatchSource {
  private readonly lastClaim = new Map<number, { at: number; found: boolean; idleMs: number }>();

  constructor(
    private readonly store: PacketStore,
    private readonly handoff: Handoff | undefined,
    private readonly stage: HandoffStage,
    private readonly claimStages: readonly PacketStage[],
    private readonly options: BatchSourceOptions,
  ) {}

  async next(dstEid: number): Promise<HandedPacket[]> {
    const { owner, leaseMs, batchSize } = this.options;
    const longest = Math.max(this.options.longestIdleClaimMs ?? IDLE_CLAIM_EVERY_MS, IDLE_CLAIM_EVERY_MS);
    const last = this.lastClaim.get(dstEid) ?? { at: 0, found: true, idleMs: IDLE_CLAIM_EVERY_MS };
    const since = Date.now() - last.at;
    const due = since >= Math.max(last.idleMs, CLAIM_AT_LEAST_EVERY_MS);
    const handed = this.handoff?.take(this.stage, dstEid, due ? Math.ceil(batchSize / 2) : batchSize) ?? [];
    if (!due && (handed.length > 0 || (!last.found && since < last.idleMs))) return handed;
    // with packets in hand, the claim leaves this replica's own leases (those packets, and the
    // ones waiting behind them here); with none, it takes them back too (any the queue let go)
    const claimed = await this.store.claim(
      { stages: this.claimStages, dstEid, limit: batchSize - handed.length, skipOwnLeases: handed.length > 0 },
      owner,
      leaseMs,
    );
    // a claim may return this replica's own leases: packets still waiting here among them
    this.handoff?.forget(
      this.stage,
      dstEid,
      claimed.map((p) => p.guid),
    );
    const taken = new Set(handed.map((p) => p.guid));
    // a packet this replica verified is the deliverer's, whatever its row says
    const found = claimed.filter((p) => !taken.has(p.guid) && !this.handoff?.unrecorded(p.guid));
    // a claim that found packets this stage did not have is repeated on the next round; after an
    // empty one the stage waits 250 ms, after each further empty one twice as long, up to `longest`
    const idleMs = found.length > 0 || last.found ? IDLE_CLAIM_EVERY_MS : Math.min(last.idleMs * 2, longest);
    this.lastClaim.set(dstEid, { at: Date.now(), found: found.length > 0, idleMs });
    // a claim that found less than it left room for: the batch is filled from the handoff (a due
    // claim that finds nothing does not halve the batch)
    const room = batchSize - handed.length - found.length;
    const more = due && room > 0 ? (this.handoff?.take(this.stage, dstEid, room) ?? []) : [];
    return [...handed, ...found, ...more];
  }

  /** The next round for `dstEid` claims, whatever the idle wait (an operator re-queued a packet there). */
  claimSoon(dstEid: number): void {
    this.lastClaim.delete(dstEid);
  }
}
