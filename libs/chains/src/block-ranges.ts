/**
 * Reads `[from, to]` in consecutive ranges of at most `maxRange` blocks, in order, and concatenates
 * what each read returns. RPC providers refuse an `eth_getLogs` over a wide range (often more than
 * a few thousand blocks), so a search over a chain's history goes range by range.
 */
export async function readInBlockRanges<T>(
  from: bigint,
  to: bigint,
  maxRange: bigint,
  read: (fromBlock: bigint, toBlock: bigint) => Promise<readonly T[]>,
): Promise<T[]> {
  if (maxRange < 1n) throw new RangeError(`maxRange must be at least 1 block, got ${maxRange}`);
  const out: T[] = [];
  for (let start = from; start <= to; start += maxRange) {
    const end = start + maxRange - 1n < to ? start + maxRange - 1n : to;
    out.push(...(await read(start, end)));
  }
  return out;
}
