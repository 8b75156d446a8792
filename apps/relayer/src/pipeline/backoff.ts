/** Retry schedule for a packet whose verification or delivery failed. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** After this many attempts the packet is `dead` until an operator re-queues it. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000, maxAttempts: 8 };

/**
 * Exponential backoff with "full jitter": a uniform delay in [base·2^(n-1) / 2, base·2^(n-1)],
 * capped. `random` is injectable so the schedule is testable.
 */
export function nextRetryDelayMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function isExhausted(attempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF): boolean {
  return attempts >= policy.maxAttempts;
}
