import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities.js';
import { PersistenceError, PersistenceErrorCode } from './errors.js';
import { MIGRATIONS } from './migrations/index.js';
import { pgliteDriver } from './pglite-driver.js';
import { openPgliteThread, type PGliteThread } from './pglite-thread.js';

/**
 * The embedded database's settings: a 16 MB buffer pool (PGlite's default is 128 MB, far more
 * than our tables need, and it stays resident for the life of the process).
 */
const PGLITE_OPTIONS = { postgresqlconf: 'shared_buffers = 16MB' };

/**
 * How often the embedded database is vacuumed and analyzed. PGlite runs Postgres as a single
 * process, with no autovacuum: without this, the space of every row a move replaced stays taken,
 * the planner's statistics are never gathered and transaction ids are never frozen.
 */
const PGLITE_MAINTENANCE_MS = 10 * 60_000;

export interface DatabaseOptions {
  /** `postgres://…`: use that Postgres. Otherwise the embedded PGlite database. */
  databaseUrl?: string;
  /** PGlite's directory (default `.data/pglite`); ignored with `memory` or a databaseUrl. */
  dataDir?: string;
  /** PGlite in memory (tests). */
  memory?: boolean;
  /** Postgres schema to work in (created if missing); tests use one per suite. */
  schema?: string;
  /** PGlite: run `maintain()` this often (default 10 minutes; 0: never). Postgres vacuums itself. */
  maintenanceMs?: number;
  logging?: boolean;
}

export type DatabaseKind = 'pglite' | 'postgres';

/** An open, migrated database. */
export interface Database {
  kind: DatabaseKind;
  dataSource: DataSource;
  /**
   * Vacuums and analyzes the embedded database (PGlite has no autovacuum; the open database does
   * it every `maintenanceMs`). Absent on Postgres, whose autovacuum does it.
   */
  maintain?(): Promise<void>;
  /**
   * The embedded database only: settles, with the reason, if it stops for good while open (a
   * PANIC, or its thread died). Every later statement fails until it is opened again, so a service
   * should exit and let its supervisor restart it. Absent on Postgres, whose
   * server restarts its own backends and whose pool reconnects.
   */
  lost?: Promise<Error>;
  close(): Promise<void>;
}

const MIGRATIONS_TABLE = 'segment_migrations';
/** The advisory lock key migrations run under (any constant; ours alone on this database). */
const MIGRATION_LOCK_KEY = 7_412_003_001;

/** Opens the database and applies pending migrations (never `synchronize`). */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new PersistenceError(PersistenceErrorCode.OpenFailed, `invalid schema name ${schema}`);
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    logging: options.logging ?? false,
    ...(schema ? { schema, extra: { options: `-c search_path=${schema}` } } : {}),
  });
  await initialize(dataSource, `Postgres at ${redactUrl(url)}`, true, async () => {
    if (schema) {
      // the schema must exist before migrations run in it
      const bootstrap = new DataSource({ type: 'postgres', url });
      await bootstrap.initialize();
      try {
        // IF NOT EXISTS is not safe against a concurrent creator: services opening a new schema
        // together can see a unique violation from the catalog, which means it exists now
        await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((error: unknown) => {
          const code = (error as { driverError?: { code?: string } }).driverError?.code;
          if (code !== '23505' && code !== '42P06') throw error;
        });
      } finally {
        await bootstrap.destroy();
      }
    }
  });
  return { kind: 'postgres', dataSource, close: () => dataSource.destroy() };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const dir = options.memory ? undefined : (options.dataDir ?? '.data/pglite');
  const releaseLock = dir ? lockDirectory(dir) : () => undefined;
  let db: PGliteThread;
  try {
    if (dir && !existsSync(join(dir, 'PG_VERSION'))) await createPgliteDirectory(dir);
    db = await openPgliteThread(dir, PGLITE_OPTIONS);
  } catch (cause) {
    releaseLock();
    throw new PersistenceError(
      PersistenceErrorCode.OpenFailed,
      `cannot open the embedded database${dir ? ` in ${dir}` : ''}`,
      { cause },
    );
  }
  const dataSource = new DataSource({
    type: 'postgres',
    driver: pgliteDriver(db),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    logging: options.logging ?? false,
  });
  try {
    await initialize(dataSource, dir ? `PGlite in ${dir}` : 'PGlite in memory', false);
  } catch (error) {
    await db.close();
    releaseLock();
    throw error;
  }
  const maintain = () => dataSource.query('VACUUM (ANALYZE)').then(() => undefined);
  const every = options.maintenanceMs ?? PGLITE_MAINTENANCE_MS;
  const timer =
    every > 0
      ? setInterval(() => {
          maintain().catch((error: unknown) =>
            process.emitWarning(
              `embedded database maintenance (VACUUM) failed: ${error instanceof Error ? error.message : String(error)}`,
            ),
          );
        }, every).unref()
      : undefined;
  return {
    kind: 'pglite',
    dataSource,
    maintain,
    lost: db.lost,
    close: async () => {
      clearInterval(timer);
      await dataSource.destroy();
      await db.close();
      releaseLock();
    },
  };
}

async function initialize(
  dataSource: DataSource,
  what: string,
  shared: boolean,
  before?: () => Promise<void>,
): Promise<void> {
  try {
    await before?.();
    await dataSource.initialize();
  } catch (cause) {
    throw new PersistenceError(
      PersistenceErrorCode.OpenFailed,
      `cannot open ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  // services and replicas that start together share one Postgres: one migrates at a time, the
  // others wait on the lock and then find nothing pending (PGlite is one process's database, held
  // by its directory lock, and serves one connection: no advisory lock there)
  const lock = shared ? dataSource.createQueryRunner() : null;
  try {
    await lock?.connect();
    await lock?.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lock?.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (cause) {
    await lock?.release();
    await dataSource.destroy();
    throw new PersistenceError(
      PersistenceErrorCode.MigrationFailed,
      `migrations failed on ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  await lock?.release();
}

/**
 * Creates a new embedded database directory in a short-lived process of its own. Creating one
 * (initdb) takes PGlite about 800 MB of memory that a process never gives back; done here, the
 * long-running service that opens the directory afterwards stays at its working size.
 */
async function createPgliteDirectory(dir: string): Promise<void> {
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `require(${JSON.stringify(pglite)}).PGlite.create(process.argv[1], ${JSON.stringify(PGLITE_OPTIONS)}).then((db) => db.close())`;
  await promisify(execFile)(process.execPath, ['-e', script, dir]);
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt
 * it. A lock file with the owner's pid turns that into a clear error.
 */
function lockDirectory(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'segment-bridge.lock');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) {
      throw new PersistenceError(
        PersistenceErrorCode.InUse,
        `the embedded database in ${dir} is in use by process ${pid}; stop it, or set DATABASE_URL to share a Postgres`,
      );
    }
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A database URL safe to print: the password masked wherever it is (in the user info, with or
 * without a user name, with `/` or `@` in it, or as a `password` query parameter).
 */
export function redactUrl(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/i.exec(url);
  if (!scheme) return url.includes('@') ? '***' : url; // not a URL we can read: print nothing of what it may carry
  const [, prefix, rest] = scheme as unknown as [string, string, string];
  const at = rest.lastIndexOf('@');
  const hostAndPath = at >= 0 ? rest.slice(at + 1) : rest;
  const user = at >= 0 ? rest.slice(0, at).split(':')[0] : undefined;
  const masked = hostAndPath.replace(/([?&]password=)[^&#]*/gi, '$1***');
  return `${prefix}${user !== undefined ? `${user}:***@` : ''}${masked}`;
}
