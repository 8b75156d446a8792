/**
 * Where the pipeline's loops sleep between idle rounds, and how work wakes them. A loop sleeps
 * under a key (`verify:<eid>`, `deliver:<eid>`); `wake(key)` ends that sleep at once. A wake that
 * comes while the loop is busy in a round is kept, and its next sleep ends at once: work handed
 * over mid-round is not left waiting out a whole poll interval.
 */
export class Wakeups {
  private readonly sleepers = new Map<string | undefined, Set<() => void>>();
  private readonly kept = new Set<string>();

  /** Resolves after `ms`, or as soon as `key` is woken (at once if it was woken since the last sleep). */
  sleep(ms: number, key?: string): Promise<void> {
    if (key !== undefined && this.kept.delete(key)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleepers = this.sleepers.get(key) ?? new Set<() => void>();
      this.sleepers.set(key, sleepers);
      const end = () => {
        clearTimeout(timer);
        sleepers.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      sleepers.add(end);
    });
  }

  /** Ends the sleep of the loop under `key`; if it is not asleep, its next sleep ends at once. */
  wake(key: string): void {
    const sleepers = this.sleepers.get(key);
    if (sleepers && sleepers.size > 0) for (const end of [...sleepers]) end();
    else this.kept.add(key);
  }

  /** Ends every sleep (the pipeline is stopping). */
  wakeAll(): void {
    for (const sleepers of this.sleepers.values()) for (const end of [...sleepers]) end();
    this.kept.clear();
  }
}
