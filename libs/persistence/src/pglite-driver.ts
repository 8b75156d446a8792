import { EventEmitter } from 'node:events';
import type { Results } from '@electric-sql/pglite';
import type { PGliteThread } from './pglite-thread.js';

/**
 * A `pg`-compatible driver over one PGlite instance (on its thread), for TypeORM's postgres dialect.
 *
 * PGlite is a single connection. Handing it to several TypeORM query runners at once would let
 * one runner's statements land inside another's transaction, so `connect()` hands the connection
 * to one runner at a time (a pool of size one): transactions stay isolated by serialisation.
 * Unlike a process-wide singleton, every DataSource gets its own instance.
 */
export function pgliteDriver(db: PGliteThread): { Pool: new () => PGlitePool } {
  return {
    Pool: class extends PGlitePool {
      constructor() {
        super(db);
      }
    },
  };
}

type Callback = (error: Error | null, result?: unknown) => void;

interface PgResult {
  rows: unknown[];
  rowCount: number;
  command: string;
  fields: Results<unknown>['fields'];
}

class PGliteConnection extends EventEmitter {
  constructor(private readonly db: PGliteThread) {
    super();
  }

  query(text: string, params?: unknown[] | Callback, callback?: Callback): Promise<PgResult> {
    const cb = typeof params === 'function' ? params : callback;
    const values = Array.isArray(params) ? params : undefined;
    const run = values && values.length > 0 ? this.db.query(text, values) : this.db.exec(text);
    const done = run.then((r: Results<unknown>) => toPgResult(text, r));
    if (cb) {
      done.then(
        (r) => cb(null, r),
        (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))),
      );
    }
    return done;
  }
}

/** TypeORM reads `rowCount` and `command` (pg's names) for affected rows. */
function toPgResult(text: string, r: Results<unknown>): PgResult {
  const command = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '';
  return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length, command, fields: r.fields };
}

class PGlitePool extends EventEmitter {
  private readonly connection: PGliteConnection;
  private tail: Promise<void> = Promise.resolve();

  constructor(db: PGliteThread) {
    super();
    this.connection = new PGliteConnection(db);
  }

  connect(
    callback: (error: Error | null, connection: PGliteConnection, release: (err?: unknown) => void) => void,
  ): void {
    let release!: () => void; // assigned synchronously by the Promise executor below
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => turn);
    void previous.then(() => callback(null, this.connection, () => release()));
  }

  query(text: string, params?: unknown[] | Callback, callback?: Callback): Promise<PgResult> {
    return new Promise((resolve, reject) => {
      this.connect((_, connection, release) => {
        connection.query(text, Array.isArray(params) ? params : undefined).then(
          (r) => {
            release();
            if (typeof params === 'function') params(null, r);
            else callback?.(null, r);
            resolve(r);
          },
          (e: unknown) => {
            release();
            reject(e instanceof Error ? e : new Error(String(e)));
          },
        );
      });
    });
  }

  end(callback?: (error: Error | null) => void): void {
    callback?.(null);
  }
}
