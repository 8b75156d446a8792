import { blockHashes, type RelayerChain } from '../chains/relayer-chain.js';
import { byVerifier, moveAndHandOver, type ConfirmedHandover } from './handoff.js';
import type { PacketStore } from './packet-store.js';

/** How soon a packet whose source block the node could not serve is looked at again. */
const UNAVAILABLE_RECHECK_MS = 1_000;
/** With nothing recorded lately, the confirmer still claims this often (deferred packets, other replicas' records). */
const CLAIM_AT_LEAST_EVERY_MS = 1_000;

/**
 * Moves packets of a source chain from `sent` to `confirmed` once their block is deep enough,
 * after re-reading that block: a different hash means the packet was reorged away (`dropped`,
 * never verified); a block the node cannot serve right now leaves the packet waiting. A re-sent
 * packet with the same guid is recorded again by the watcher.
 */
export class Confirmer {
  constructor(
    private readonly store: PacketStore,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly batchSize: number,
    private readonly handTo?: ConfirmedHandover,
  ) {}

  /** Per source chain: until which head packets recorded lately may still become deep enough, and the last claim. */
  private readonly lately = new Map<number, { untilHead: bigint; claimedAt: number; found: boolean }>();

  /**
   * Confirms what is deep enough at `head`. `recordedAt` is the head at which this replica just
   * recorded new packets: a claim is made while those may become deep enough, after a claim that
   * found packets, and otherwise once a second (an idle chain costs no query per round).
   */
  async tick(chain: RelayerChain, head: bigint, recordedAt?: bigint): Promise<{ confirmed: number; dropped: number }> {
    const depth = BigInt(Math.max(chain.confirmations, 1));
    const state = this.lately.get(chain.eid) ?? { untilHead: -1n, claimedAt: 0, found: true };
    if (recordedAt !== undefined && recordedAt + depth > state.untilHead) state.untilHead = recordedAt + depth;
    this.lately.set(chain.eid, state);
    const due = state.found || head <= state.untilHead || Date.now() - state.claimedAt >= CLAIM_AT_LEAST_EVERY_MS;
    if (!due || head + 1n < depth) return { confirmed: 0, dropped: 0 };
    const packets = await this.store.claim(
      { stages: ['sent'], srcEid: chain.eid, maxSrcBlock: head + 1n - depth, limit: this.batchSize },
      this.owner,
      this.leaseMs,
    );
    state.claimedAt = Date.now();
    state.found = packets.length > 0;
    const blocks = [...new Set(packets.map((p) => p.srcBlockNumber))];
    const canonical = await blockHashes(chain, blocks);
    const { kept, given } = byVerifier(
      this.handTo,
      packets.filter((p) => canonical.get(p.srcBlockNumber) === p.srcBlockHash),
    );
    const confirmed = await moveAndHandOver(
      this.store,
      this.handTo?.handoff,
      {
        from: 'sent',
        owner: this.owner,
        leaseMs: this.leaseMs,
        change: { to: 'confirmed' },
      },
      kept,
      given,
    );
    // a node that cannot serve the block now (restarting, behind, or a load balancer's lagging
    // backend) says nothing about a reorg: only another hash at that height does
    for (const n of blocks.filter((b) => canonical.get(b) === undefined)) {
      await this.store.defer(
        packets.filter((p) => p.srcBlockNumber === n).map((p) => p.guid),
        'sent',
        this.owner,
        `source block ${n} is not available from the node; checking again`,
        new Date(Date.now() + UNAVAILABLE_RECHECK_MS),
      );
    }
    let dropped = 0;
    for (const p of packets.filter((x) => {
      const hash = canonical.get(x.srcBlockNumber);
      return hash !== undefined && hash !== x.srcBlockHash;
    })) {
      const reason = `reorg: block ${p.srcBlockNumber} is now ${canonical.get(p.srcBlockNumber)}, packet was in ${p.srcBlockHash}`;
      if (await this.store.move(p.guid, 'sent', this.owner, { to: 'dropped', reason })) dropped++;
    }
    return { confirmed, dropped };
  }
}
