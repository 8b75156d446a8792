import { describe, expect, it } from '@jest/globals';
import { HttpRequestError, RpcRequestError } from 'viem';
import { LogRangeSizer, readInBlockRanges, refusedByNode } from './block-ranges.js';

/** What viem throws when the node answers a request with a JSON-RPC error (a provider's limit). */
const refusal = (message: string) =>
  new RpcRequestError({ body: { method: 'eth_getLogs' }, error: { code: -32005, message }, url: 'http://node' });
/** What viem throws when the node does not answer. */
const unreachable = () =>
  new HttpRequestError({ body: { method: 'eth_getLogs' }, details: 'connect ECONNREFUSED', url: 'http://node' });

describe('readInBlockRanges', () => {
  it('covers every block from `from` to `to` once, in order, in ranges of at most `maxRange`', async () => {
    for (const [from, to, maxRange] of [
      [0n, 9n, 3n],
      [5n, 5n, 2_000n],
      [100n, 4_099n, 2_000n],
      [7n, 20n, 1n],
    ] as const) {
      const ranges: [bigint, bigint][] = [];
      const blocks = await readInBlockRanges(from, to, maxRange, (a, b) => {
        ranges.push([a, b]);
        const inRange: bigint[] = [];
        for (let n = a; n <= b; n++) inRange.push(n);
        return Promise.resolve(inRange);
      });
      expect(blocks).toEqual(Array.from({ length: Number(to - from + 1n) }, (_, i) => from + BigInt(i)));
      expect(ranges.every(([a, b]) => b - a + 1n <= maxRange)).toBe(true);
    }
  });

  it('reads nothing when the start is past the end, and refuses an empty range size', async () => {
    let reads = 0;
    const count = () => {
      reads++;
      return Promise.resolve([1]);
    };
    expect(await readInBlockRanges(10n, 9n, 100n, count)).toEqual([]);
    expect(reads).toBe(0);
    await expect(readInBlockRanges(0n, 9n, 0n, count)).rejects.toThrow('maxRange must be at least 1 block');
  });

  it('reads a range the node refuses again in halves, and keeps the smaller size for the rest', async () => {
    const asked: [bigint, bigint][] = [];
    const blocks = await readInBlockRanges(0n, 999n, 2_000n, (a, b) => {
      asked.push([a, b]);
      if (b - a + 1n > 300n) return Promise.reject(refusal('query exceeds max block range 300'));
      return Promise.resolve([b - a + 1n]);
    });
    expect(blocks.reduce((n, b) => n + b, 0n)).toBe(1_000n); // every block once
    // 1000 and 500 refused, then 250 at a time
    expect(asked.slice(0, 3)).toEqual([
      [0n, 999n],
      [0n, 499n],
      [0n, 249n],
    ]);
    expect(asked.slice(2).every(([a, b]) => b - a + 1n <= 250n)).toBe(true);
  });

  it('passes on what is not a refusal, and a refusal of a single block', async () => {
    await expect(readInBlockRanges(0n, 99n, 50n, () => Promise.reject(unreachable()))).rejects.toThrow(
      'HTTP request failed',
    );
    await expect(
      readInBlockRanges(0n, 9n, 50n, () => Promise.reject(refusal('log response size exceeded'))),
    ).rejects.toThrow('log response size exceeded');
  });
});

describe('LogRangeSizer', () => {
  it('halves a chain’s range on a refusal or a heavy read, and doubles it after enough light reads', () => {
    const sizer = new LogRangeSizer(2_000n, 3);
    expect(sizer.size(1)).toBe(2_000n);
    expect(sizer.refused(1, 2_000n, unreachable())).toBeUndefined(); // no answer is no refusal
    expect(sizer.size(1)).toBe(2_000n);
    expect(sizer.refused(1, 2_000n, refusal('too many blocks'))).toBe(1_000n);
    expect([sizer.size(1), sizer.size(2)]).toEqual([1_000n, 2_000n]); // per chain
    sizer.returned(1, 1_000n, true);
    expect(sizer.size(1)).toBe(500n);
    for (let i = 0; i < 2; i++) sizer.returned(1, 500n, false);
    expect(sizer.size(1)).toBe(500n);
    sizer.returned(1, 500n, false);
    expect(sizer.size(1)).toBe(1_000n);
    for (let i = 0; i < 3; i++) sizer.returned(1, 1_000n, false);
    expect(sizer.size(1)).toBe(2_000n); // back to the most
    expect(sizer.refused(1, 1n, refusal('one block is too many'))).toBeUndefined(); // nothing smaller to try
  });

  it('scans a range: a refusal is thrown with the range and the node’s words, a heavy result halves too', async () => {
    const sizer = new LogRangeSizer(1_000n);
    await expect(
      sizer.scan(7, 100n, 1_099n, () => Promise.reject(refusal('query exceeds max block range 300'))),
    ).rejects.toThrow(
      'eth_getLogs over 1000 blocks from 100 was refused (query exceeds max block range 300); reading 500 at a time now',
    );
    await expect(sizer.scan(7, 100n, 599n, () => Promise.reject(unreachable()))).rejects.toThrow('HTTP request failed');
    expect(sizer.size(7)).toBe(500n); // a failed connection changes nothing
    expect(
      await sizer.scan(
        7,
        100n,
        599n,
        () => Promise.resolve([1, 2, 3]),
        (r) => r.length > 2,
      ),
    ).toEqual([1, 2, 3]);
    expect(sizer.size(7)).toBe(250n);
  });

  it('tells a refusal from a request the node never answered', () => {
    expect(refusedByNode(refusal('limit'))).toBe(true);
    expect(refusedByNode(unreachable())).toBe(false);
    expect(refusedByNode(new Error('limit'))).toBe(false);
  });
});
