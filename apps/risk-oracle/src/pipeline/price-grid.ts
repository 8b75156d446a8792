import type { PriceRound } from '#app/persistence';
import { RiskError } from '#app/risk';

/**
 * Feed rounds → one price per period: the answer of the latest round (by `updatedAt`, then round
 * id) published at or before each period's end, brought to 18 decimals. Periods are
 * `[k·period, (k+1)·period)` in unix seconds; the grid's last period is the one holding `now`.
 * A window reaching back before the feed's first round is refused (`INSUFFICIENT_HISTORY`): the
 * oracle does not invent a calm past for a young feed.
 */
export interface PriceGrid {
  /** unix seconds of the first period's start */
  start: number;
  period: number;
  /** USD 1e18 per whole token, one per period, oldest first */
  prices: bigint[];
}

export function priceGrid(
  rounds: readonly PriceRound[],
  options: { now: number; period: number; length: number; feedDecimals: number },
): PriceGrid {
  const { period, length } = options;
  const last = Math.floor(options.now / period);
  const first = last - length + 1;
  const sorted = [...rounds].sort((a, b) =>
    a.updatedAt !== b.updatedAt
      ? a.updatedAt - b.updatedAt
      : a.roundId < b.roundId
        ? -1
        : a.roundId > b.roundId
          ? 1
          : 0,
  );
  const scale = 10n ** BigInt(18 - options.feedDecimals);
  const prices: bigint[] = [];
  let r = 0;
  let current: PriceRound | undefined;
  for (let k = first; k <= last; k++) {
    const end = (k + 1) * period - 1;
    for (; r < sorted.length && sorted[r].updatedAt <= end; r++) current = sorted[r];
    if (current === undefined) {
      throw new RiskError(
        'INSUFFICIENT_HISTORY',
        `the window needs prices from ${new Date(first * period * 1000).toISOString()} but the feed's first round is later`,
      );
    }
    if (current.answer <= 0n)
      throw new RiskError('INVALID_INPUT', `round ${current.roundId} answered ${current.answer}`);
    prices.push(current.answer * scale);
  }
  return { start: first * period, period, prices };
}
