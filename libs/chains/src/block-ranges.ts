import { BaseError, HttpRequestError, RpcRequestError } from 'viem';

/**
 * The node answered a request with an error, as providers answer one past their limits (too many
 * blocks or too many logs in an `eth_getLogs`, each provider with its own limit and message), as
 * opposed to not answering at all (a failed connection, a timeout).
 */
export function refusedByNode(error: unknown): boolean {
  return (
    error instanceof BaseError &&
    error.walk((e) => e instanceof RpcRequestError || (e instanceof HttpRequestError && e.status === 413)) !== null
  );
}

/** The node's own words for an error (viem's first line names only the error's class). */
export function nodeReason(error: unknown): string {
  if (error instanceof BaseError) return error.details || error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Blocks per `eth_getLogs`, per chain, up to `maxRange`. A range the node refuses halves the
 * chain's range (down to one block), so a reader behind a provider's limit goes on instead of
 * asking for the same range forever; so does a read the caller found heavy (too much to hold at
 * once). After `growAfter` light reads in a row the range doubles again, up to `maxRange`.
 */
export class LogRangeSizer {
  private readonly spans = new Map<number, bigint>();
  private readonly lightReads = new Map<number, number>();

  constructor(
    private readonly maxRange: bigint,
    private readonly growAfter = 8,
  ) {
    if (maxRange < 1n) throw new RangeError(`maxRange must be at least 1 block, got ${maxRange}`);
  }

  /** How many blocks the next read on `eid` may cover. */
  size(eid: number): bigint {
    return this.spans.get(eid) ?? this.maxRange;
  }

  /**
   * A read of `span` blocks on `eid` failed with `error`. Returns the range halved when the node
   * refused it (read that part again, smaller); undefined when it was not a refusal or the range
   * is one block already (the error is the caller's to throw).
   */
  refused(eid: number, span: bigint, error: unknown): bigint | undefined {
    if (span <= 1n || !refusedByNode(error)) return undefined;
    return this.halve(eid, span);
  }

  /**
   * Reads blocks `from`–`to` of `eid` with `read`, and sizes the next range from how it went. A
   * refusal halves the range and is thrown again, naming the range and the node's reason (the next
   * read is smaller); a result `heavy` finds too much to hold at once halves the range too.
   */
  async scan<T>(
    eid: number,
    from: bigint,
    to: bigint,
    read: () => Promise<T>,
    heavy: (result: T) => boolean = () => false,
  ): Promise<T> {
    const span = to - from + 1n;
    let result: T;
    try {
      result = await read();
    } catch (error) {
      const smaller = this.refused(eid, span, error);
      if (smaller === undefined) throw error;
      throw new Error(
        `eth_getLogs over ${span} blocks from ${from} was refused (${nodeReason(error)}); reading ${smaller} at a time now`,
        { cause: error },
      );
    }
    this.returned(eid, span, heavy(result));
    return result;
  }

  /** A read of `span` blocks on `eid` returned; a `heavy` one halves the range. */
  returned(eid: number, span: bigint, heavy: boolean): void {
    if (heavy) {
      if (span > 1n) this.halve(eid, span);
      return;
    }
    const current = this.spans.get(eid);
    if (current === undefined) return;
    const light = (this.lightReads.get(eid) ?? 0) + 1;
    if (light < this.growAfter) {
      this.lightReads.set(eid, light);
      return;
    }
    this.lightReads.set(eid, 0);
    if (current * 2n >= this.maxRange) this.spans.delete(eid);
    else this.spans.set(eid, current * 2n);
  }

  private halve(eid: number, span: bigint): bigint {
    const half = span > 1n ? span / 2n : 1n;
    this.spans.set(eid, half);
    this.lightReads.set(eid, 0);
    return half;
  }
}

/**
 * Reads `[from, to]` in consecutive ranges of at most `maxRange` blocks, in order, and concatenates
 * what each read returns. RPC providers refuse an `eth_getLogs` over a wide range (often more than
 * a few thousand blocks, or with more than some thousands of logs), so a search over a chain's
 * history goes range by range; a range the node refuses is read again in halves (down to one
 * block), and the rest of the search keeps the smaller size.
 */
export async function readInBlockRanges<T>(
  from: bigint,
  to: bigint,
  maxRange: bigint,
  read: (fromBlock: bigint, toBlock: bigint) => Promise<readonly T[]>,
): Promise<T[]> {
  const sizer = new LogRangeSizer(maxRange, Number.POSITIVE_INFINITY);
  const out: T[] = [];
  for (let start = from; start <= to;) {
    const end = start + sizer.size(0) - 1n < to ? start + sizer.size(0) - 1n : to;
    try {
      out.push(...(await read(start, end)));
    } catch (error) {
      if (sizer.refused(0, end - start + 1n, error) === undefined) throw error;
      continue; // the same start, a smaller range
    }
    start = end + 1n;
  }
  return out;
}
