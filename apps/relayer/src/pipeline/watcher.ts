import type { Hex } from 'viem';
import { bloomMayContain, LogRangeSizer } from '#app/chains';
import { blockHashes, type RelayerChain } from '../chains/relayer-chain.js';
import { byVerifier, type ConfirmedHandover } from './handoff.js';
import { scanBlock, scanPackets, type ObservedPacket } from './packet-scan.js';
import type { ObservedPacketRecord, PacketStore } from './packet-store.js';

/** A range holding more packets than this is read in halves from then on (`LogRangeSizer`). */
const PACKETS_PER_SCAN = 2_000;
/**
 * A cursor moved over blocks with no packets of ours is written at most this often; one moved over
 * packets is written at once. A restart rescans at most this much of a chain's empty blocks.
 */
const EMPTY_CURSOR_WRITE_MS = 1_000;

export interface WatcherOptions {
  /** First block to scan on a chain with no cursor yet. */
  startBlock: (eid: number) => bigint;
  /** Largest `eth_getLogs` range per call. */
  maxRange: bigint;
  /** How far back to rescan when the cursor's block was reorged away. */
  reorgRewind: bigint;
  /** This replica's name, for the leases of packets it confirms and works on itself. */
  owner: string;
  leaseMs: number;
  /** Where packets confirmed at once go next (see `record`). */
  handTo?: ConfirmedHandover;
}

/**
 * Follows `PacketSent` on one chain from a persisted cursor. Recording packets is idempotent,
 * so a crash between recording and moving the cursor only causes a rescan. Packets whose blocks
 * are deep enough when first read (a replica catching up, or a chain configured with one
 * confirmation) are confirmed right here, as the confirmer would; the others wait for it.
 */
export class Watcher {
  constructor(
    private readonly store: PacketStore,
    private readonly options: WatcherOptions,
  ) {
    this.ranges = new LogRangeSizer(options.maxRange);
  }

  /**
   * The cursor per chain as this watcher last read or moved it (`null`: the database had none).
   * The database holds it too, written as `EMPTY_CURSOR_WRITE_MS` says.
   */
  private readonly cursors = new Map<number, { block: bigint; hash: Hex } | null>();
  /** When each chain's cursor was last written to the database. */
  private readonly cursorWrittenAt = new Map<number, number>();
  /** Cursors moved on in memory only, since their last write. */
  private readonly unwritten = new Set<number>();
  /** Blocks per `eth_getLogs` on each chain. */
  private readonly ranges: LogRangeSizer;

  async tick(chain: RelayerChain): Promise<{ scanned: bigint; found: number; confirmed: number; head: bigint }> {
    const head = await chain.client.getBlockNumber();
    const cursor = await this.cursor(chain.eid);
    const target = {
      endpoint: chain.workers.endpoint,
      sendLibrary: chain.workers.sendUln302,
      dvn: chain.workers.dvn,
      executor: chain.workers.executor,
    };
    if (cursor && head === cursor.block + 1n) {
      // One new block, the usual case when keeping up: its parent hash says whether the cursor
      // is still canonical, and its logs are read by its hash, so they are that block's.
      const block = await chain.client.getBlock({ blockNumber: head });
      if (block.parentHash === cursor.hash) {
        // a block whose logs bloom rules out the endpoint has no PacketSent: its logs are not read
        const packets = bloomMayContain(block.logsBloom, target.endpoint)
          ? await scanBlock(chain.client, target, block.hash)
          : [];
        const confirmed = await this.record(chain, head, packets.map(toRecord), { number: head, hash: block.hash });
        await this.setCursor(chain.eid, head, block.hash, packets.length);
        return { scanned: 1n, found: packets.length, confirmed, head };
      }
    }
    const from = await this.nextBlock(chain, cursor);
    if (from > head) return { scanned: 0n, found: 0, confirmed: 0, head };
    const span = this.ranges.size(chain.eid);
    const to = from + span - 1n < head ? from + span - 1n : head;
    // The cursor may only move past logs read from the chain it names: a reorg during the scan
    // would otherwise leave the cursor on the new chain and the packets of the new blocks unread
    // (their guids reuse the orphans' nonces, so the gap would block the pathway for good).
    const before = await chain.client.getBlock({ blockNumber: to });
    // a refused range, or one with more than PACKETS_PER_SCAN packets, is read in halves from then on
    const packets = await this.ranges.scan(
      chain.eid,
      from,
      to,
      () => scanPackets(chain.client, target, from, to),
      (found) => found.length > PACKETS_PER_SCAN,
    );
    const after = await chain.client.getBlock({ blockNumber: to });
    if (after.hash !== before.hash) return { scanned: 0n, found: 0, confirmed: 0, head }; // read again next round
    const confirmed = await this.record(chain, head, packets.map(toRecord), { number: to, hash: after.hash });
    await this.setCursor(chain.eid, to, after.hash, packets.length);
    return { scanned: to - from + 1n, found: packets.length, confirmed, head };
  }

  /**
   * The chain's cursor: from memory once read or written. Another replica may move the shared
   * row on meanwhile; following our own keeps us scanning what we have not (a block scanned by
   * both is recorded once).
   */
  private async cursor(eid: number): Promise<{ block: bigint; hash: Hex } | undefined> {
    const known = this.cursors.get(eid);
    if (known !== undefined) return known ?? undefined;
    const stored = await this.store.cursor(eid);
    this.cursors.set(eid, stored ?? null);
    return stored;
  }

  /** Moves the cursor past blocks that held `packets` of ours (see `EMPTY_CURSOR_WRITE_MS`). */
  private async setCursor(eid: number, block: bigint, hash: Hex, packets: number): Promise<void> {
    const now = Date.now();
    this.cursors.set(eid, { block, hash });
    this.unwritten.add(eid);
    if (packets === 0 && now - (this.cursorWrittenAt.get(eid) ?? 0) < EMPTY_CURSOR_WRITE_MS) return;
    await this.store.setCursor(eid, block, hash);
    this.cursorWrittenAt.set(eid, now);
    this.unwritten.delete(eid);
  }

  /** Forgets the chain's cursor: read from the database again when this watcher resumes on it. */
  forget(eid: number): void {
    this.cursors.delete(eid);
    this.unwritten.delete(eid);
  }

  /** Writes the cursors moved on in memory only (on a clean stop, so a restart rescans nothing). */
  async flush(): Promise<void> {
    for (const eid of [...this.unwritten]) {
      const cursor = this.cursors.get(eid);
      if (cursor) await this.store.setCursor(eid, cursor.block, cursor.hash);
      this.unwritten.delete(eid);
    }
  }

  /**
   * Records the packets of a scan. Those whose blocks are at least the chain's confirmations deep
   * at `head` are confirmed as the confirmer would: each of their blocks is re-read by number (the
   * scan's last block, `last`, was just read after the scan) and a packet whose block still has
   * its hash is recorded `confirmed`; it goes to this replica's verifier, leased, when that
   * verifier works on its destination. The rest are recorded `sent`, for the confirmer (which
   * drops a reorged packet and waits for a block the node cannot serve now). Returns how many
   * were recorded confirmed.
   */
  private async record(
    chain: RelayerChain,
    head: bigint,
    packets: readonly ObservedPacketRecord[],
    last: { number: bigint; hash: Hex },
  ): Promise<number> {
    const depth = Math.max(chain.confirmations, 1);
    const deepest = head + 1n - BigInt(depth);
    const canonical = await blockHashes(
      chain,
      packets.filter((p) => p.srcBlockNumber <= deepest).map((p) => p.srcBlockNumber),
      new Map([[last.number, last.hash]]),
    );
    const confirmedNow = (p: ObservedPacketRecord) => canonical.get(p.srcBlockNumber)?.toLowerCase() === p.srcBlockHash;
    await this.store.recordObserved(packets.filter((p) => !confirmedNow(p)));
    const { owner, leaseMs, handTo } = this.options;
    const { kept, given } = byVerifier(handTo, packets.filter(confirmedNow));
    const unleased = await this.store.recordObserved(given, { depth });
    const leased = await this.store.recordObserved(kept, { depth, lease: { owner, ms: leaseMs } });
    handTo?.handoff.put(
      'confirmed',
      kept
        .filter((p) => leased.has(p.guid))
        .map((p) => ({ ...p, stage: 'confirmed', attempts: 0, nextAttemptAt: new Date(), lastError: null })),
    );
    return unleased.size + leased.size;
  }

  /** The block after the cursor, or an earlier one when the cursor's block is no longer canonical. */
  private async nextBlock(chain: RelayerChain, cursor: { block: bigint; hash: Hex } | undefined): Promise<bigint> {
    if (!cursor) return this.options.startBlock(chain.eid);
    const canonical = await chain.client.getBlock({ blockNumber: cursor.block }).catch(() => undefined);
    if (canonical?.hash === cursor.hash) return cursor.block + 1n;
    const rewound = cursor.block > this.options.reorgRewind ? cursor.block - this.options.reorgRewind : 0n;
    const floor = this.options.startBlock(chain.eid);
    return rewound < floor ? floor : rewound;
  }
}

/** A packet as its row stores it (hex in lower case), so a record handed over equals one claimed. */
function toRecord(p: ObservedPacket): ObservedPacketRecord {
  const hex = (value: Hex) => value.toLowerCase() as Hex;
  return {
    guid: hex(p.guid),
    srcEid: p.srcEid,
    dstEid: p.dstEid,
    nonce: p.nonce,
    sender: hex(p.sender),
    receiver: hex(p.receiver),
    header: hex(p.header),
    payloadHash: hex(p.payloadHash),
    message: hex(p.message),
    options: hex(p.options),
    srcBlockNumber: p.blockNumber,
    srcBlockHash: hex(p.blockHash),
    srcTxHash: hex(p.txHash),
    assignedToOurDvn: p.assignedToOurDvn,
    assignedToOurExecutor: p.assignedToOurExecutor,
  };
}
