import type { DataSource, QueryRunner } from 'typeorm';
import type { DatabaseKind } from './database.js';

/** How often a held lock's connection is asked whether it is still alive. */
const LIVENESS_CHECK_MS = 250;

/**
 * "Exactly one sender per (chain, key) at a time" across replicas. On Postgres each lock is a
 * session advisory lock held on one dedicated connection: if the process dies, its connection
 * closes and Postgres frees the lock for another replica. On PGlite the database belongs to one
 * process (its directory is locked), so that process is the only possible sender.
 */
export class SignerLocks {
  private runner: QueryRunner | undefined;
  private readonly held = new Set<string>();
  /** When the dedicated connection last answered (ms). */
  private checkedAt = 0;
  /** Held locks that do not count towards `maxHeld` (roles every replica may take any number of). */
  private readonly uncounted = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly kind: DatabaseKind,
    /** Hold at most this many locks, so replicas spread the senders among themselves. */
    private readonly maxHeld = Number.POSITIVE_INFINITY,
  ) {}

  /** One query at a time on the dedicated connection, and one connection even when callers race. */
  private queue: Promise<unknown> = Promise.resolve();

  /** Whether this process holds the lock for `key`, as far as it knows (no round trip: its connection may have died since). */
  holds(key: string): boolean {
    return this.kind === 'pglite' || this.held.has(key);
  }

  /**
   * True when this process holds (or has just taken) the lock for `key`. An `uncounted` lock does
   * not count towards `maxHeld`, and is not refused for it.
   */
  tryAcquire(key: string, options: { uncounted?: boolean } = {}): Promise<boolean> {
    if (this.kind === 'pglite') return Promise.resolve(true);
    if (options.uncounted) this.uncounted.add(key);
    const run = this.queue.then(() => this.acquire(key));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async acquire(key: string): Promise<boolean> {
    if (this.held.has(key)) return this.stillConnected();
    const counted = [...this.held].filter((k) => !this.uncounted.has(k)).length;
    if (!this.uncounted.has(key) && counted >= this.maxHeld) return false;
    try {
      this.runner ??= await this.connect();
      const rows: unknown = await this.runner.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`, [
        key,
      ]);
      const ok = Array.isArray(rows) && (rows[0] as { ok?: unknown } | undefined)?.ok === true;
      if (ok) this.held.add(key);
      return ok;
    } catch (error) {
      // the dedicated connection is gone (a restart, a partition): so is every lock it held, and
      // the next call must open a new one rather than fail on the dead one for good
      this.forget(error);
      throw error;
    }
  }

  /** Frees every lock (on shutdown) by closing the dedicated connection. */
  async releaseAll(): Promise<void> {
    await this.queue;
    this.held.clear();
    const runner = this.runner;
    this.runner = undefined;
    if (runner && !runner.isReleased) {
      await runner.query('SELECT pg_advisory_unlock_all()').catch(() => undefined); // the connection may be gone already
      await runner.release();
    }
  }

  private async connect(): Promise<QueryRunner> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    return runner;
  }

  /**
   * A lock is only as alive as its connection: if that died, every lock it held is gone. The
   * connection is asked at most every `LIVENESS_CHECK_MS` (every stage of every chain asks for its
   * lock each round).
   */
  private async stillConnected(): Promise<boolean> {
    const now = Date.now();
    if (this.runner !== undefined && now - this.checkedAt < LIVENESS_CHECK_MS) return true;
    try {
      await this.runner?.query('SELECT 1');
      this.checkedAt = now;
      return this.runner !== undefined;
    } catch (error) {
      this.forget(error);
      return false;
    }
  }

  /**
   * Drops the dead connection. It goes back to the pool with its error, so the pool destroys it:
   * released plainly, the pool could hand the same dead connection to the next `connect`.
   */
  private forget(error: unknown): void {
    this.held.clear();
    const runner = this.runner;
    this.runner = undefined;
    if (!runner || runner.isReleased) return;
    const cause = error instanceof Error ? error : new Error(String(error));
    const released = releasesWithError(runner) ? runner.releasePostgresConnection(cause) : runner.release();
    void released.catch(() => undefined); // it is broken already
  }
}

/** TypeORM's Postgres query runner: released with an error, pg's pool destroys the connection. */
function releasesWithError(
  runner: QueryRunner,
): runner is QueryRunner & { releasePostgresConnection(err?: Error): Promise<void> } {
  return typeof (runner as { releasePostgresConnection?: unknown }).releasePostgresConnection === 'function';
}
