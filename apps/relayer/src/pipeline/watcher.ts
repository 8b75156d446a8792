import type { RelayerChain } from '../chains/relayer-chain.js';
import { scanPackets, type ObservedPacket } from './packet-scan.js';
import type { PacketRecord, PacketStore } from './packet-store.js';

export interface WatcherOptions {
  /** First block to scan on a chain with no cursor yet. */
  startBlock: (eid: number) => bigint;
  /** Largest `eth_getLogs` range per call. */
  maxRange: bigint;
  /** How far back to rescan when the cursor's block was reorged away. */
  reorgRewind: bigint;
}

/**
 * Follows `PacketSent` on one chain from a persisted cursor. Recording packets is idempotent,
 * so a crash between recording and moving the cursor only causes a rescan.
 */
export class Watcher {
  constructor(
    private readonly store: PacketStore,
    private readonly options: WatcherOptions,
  ) {}

  async tick(chain: RelayerChain): Promise<{ scanned: bigint; found: number; head: bigint }> {
    const head = await chain.client.getBlockNumber();
    const from = await this.nextBlock(chain);
    if (from > head) return { scanned: 0n, found: 0, head };
    const to = from + this.options.maxRange - 1n < head ? from + this.options.maxRange - 1n : head;
    const target = {
      endpoint: chain.workers.endpoint,
      sendLibrary: chain.workers.sendUln302,
      dvn: chain.workers.dvn,
      executor: chain.workers.executor,
    };
    // The cursor may only move past logs read from the chain it names: a reorg during the scan
    // would otherwise leave the cursor on the new chain and the packets of the new blocks unread
    // (their guids reuse the orphans' nonces, so the gap would block the pathway for good).
    const before = await chain.client.getBlock({ blockNumber: to });
    const packets = await scanPackets(chain.client, target, from, to);
    const after = await chain.client.getBlock({ blockNumber: to });
    if (after.hash !== before.hash) return { scanned: 0n, found: 0, head }; // read again next round
    await this.store.recordObserved(packets.map(toRecord));
    await this.store.setCursor(chain.eid, to, after.hash);
    return { scanned: to - from + 1n, found: packets.length, head };
  }

  /** The block after the cursor, or an earlier one when the cursor's block is no longer canonical. */
  private async nextBlock(chain: RelayerChain): Promise<bigint> {
    const cursor = await this.store.cursor(chain.eid);
    if (!cursor) return this.options.startBlock(chain.eid);
    const canonical = await chain.client.getBlock({ blockNumber: cursor.block }).catch(() => undefined);
    if (canonical?.hash === cursor.hash) return cursor.block + 1n;
    const rewound = cursor.block > this.options.reorgRewind ? cursor.block - this.options.reorgRewind : 0n;
    const floor = this.options.startBlock(chain.eid);
    return rewound < floor ? floor : rewound;
  }
}

function toRecord(p: ObservedPacket): Omit<PacketRecord, 'stage' | 'attempts' | 'nextAttemptAt' | 'lastError'> {
  return {
    guid: p.guid,
    srcEid: p.srcEid,
    dstEid: p.dstEid,
    nonce: p.nonce,
    sender: p.sender,
    receiver: p.receiver,
    header: p.header,
    payloadHash: p.payloadHash,
    message: p.message,
    options: p.options,
    srcBlockNumber: p.blockNumber,
    srcBlockHash: p.blockHash,
    srcTxHash: p.txHash,
    assignedToOurDvn: p.assignedToOurDvn,
    assignedToOurExecutor: p.assignedToOurExecutor,
  };
}
