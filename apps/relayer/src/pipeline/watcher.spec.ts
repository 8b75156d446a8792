import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { keccak256, toHex, type Hex } from 'viem';
import type { RelayerChain } from '../chains/relayer-chain.js';
import type { PacketStore } from './packet-store.js';
import { Watcher } from './watcher.js';

const hashOf = (n: bigint): Hex => keccak256(toHex(`block ${n}`));

/**
 * A chain that mines a block with no packets whenever `head` is raised, and a store that counts
 * its cursor reads and writes (the watcher records nothing from empty blocks).
 */
function quietChain(stored?: { block: bigint; hash: Hex }) {
  const chain = { eid: 40101, confirmations: 1, head: 100n };
  const reads: number[] = [];
  const writes: bigint[] = [];
  const store = {
    cursor: () => {
      reads.push(1);
      return Promise.resolve(stored);
    },
    setCursor: (_eid: number, block: bigint) => {
      writes.push(block);
      return Promise.resolve();
    },
    recordObserved: () => Promise.resolve(new Set()),
  } as unknown as PacketStore; // the watcher reads and writes cursors, and records nothing here
  const client = {
    getBlockNumber: () => Promise.resolve(chain.head),
    getBlock: ({ blockNumber }: { blockNumber: bigint }) =>
      Promise.resolve({
        number: blockNumber,
        hash: hashOf(blockNumber),
        parentHash: hashOf(blockNumber - 1n),
        logsBloom: `0x${'00'.repeat(256)}`, // no logs
      }),
    getLogs: () => Promise.resolve([]),
  };
  const relayerChain = {
    eid: chain.eid,
    confirmations: 1,
    client,
    workers: { endpoint: '0x01', sendUln302: '0x02', dvn: '0x03', executor: '0x04' },
  } as unknown as RelayerChain; // the watcher reads blocks and logs only
  const watcher = new Watcher(store, {
    startBlock: () => 101n,
    maxRange: 1_000n,
    reorgRewind: 64n,
    owner: 'a',
    leaseMs: 60_000,
  });
  return { chain, relayerChain, watcher, reads, writes };
}

describe('Watcher on a quiet chain', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('reads the stored cursor once, even while the chain has none yet', async () => {
    const { relayerChain, watcher, reads, writes } = quietChain();
    for (let i = 0; i < 5; i++) await watcher.tick(relayerChain); // head 100, start block 101: nothing to read
    expect(reads).toHaveLength(1);
    expect(writes).toEqual([]);
  });

  it('writes a cursor moved over empty blocks at most once a second, and the last one when stopped', async () => {
    const { chain, relayerChain, watcher, writes } = quietChain({ block: 100n, hash: hashOf(100n) });
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now);
    for (chain.head = 101n; chain.head <= 105n; chain.head++) await watcher.tick(relayerChain);
    expect(writes).toEqual([101n]); // the first move is written, the next ones within the second are not
    jest.spyOn(Date, 'now').mockReturnValue(now + 1_000);
    await watcher.tick(relayerChain); // block 106
    expect(writes).toEqual([101n, 106n]);
    chain.head = 107n;
    await watcher.tick(relayerChain);
    await watcher.flush();
    expect(writes).toEqual([101n, 106n, 107n]);
    await watcher.flush(); // nothing moved since
    expect(writes).toHaveLength(3);
  });
});
