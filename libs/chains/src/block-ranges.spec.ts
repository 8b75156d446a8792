import { describe, expect, it } from '@jest/globals';
import { readInBlockRanges } from './block-ranges.js';

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
});
