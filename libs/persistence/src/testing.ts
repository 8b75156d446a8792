import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { openDatabase, type Database, type DatabaseKind } from './database.js';

export interface TestDatabase extends Database {
  /** A second connection pool on the same data, as another replica would have (PGlite: the same one). */
  openReplica(): Promise<Database>;
  /** Drops what the test created (the Postgres schema) and closes. */
  dispose(): Promise<void>;
}

/**
 * The backends a database suite should run on: always PGlite in memory, plus Postgres when
 * `DATABASE_URL` is set (CI sets it).
 */
export function testDatabaseBackends(
  env: Record<string, string | undefined> = process.env,
): { kind: DatabaseKind; url?: string }[] {
  const url = env.DATABASE_URL;
  return url ? [{ kind: 'pglite' }, { kind: 'postgres', url }] : [{ kind: 'pglite' }];
}

/** A clean, migrated database for one suite: PGlite in memory, or a fresh schema on Postgres. */
export async function openTestDatabase(backend: { kind: DatabaseKind; url?: string }): Promise<TestDatabase> {
  if (backend.kind === 'pglite' || !backend.url) {
    const db = await openDatabase({ memory: true });
    return {
      ...db,
      openReplica: () => Promise.resolve({ ...db, close: () => Promise.resolve() }),
      dispose: () => db.close(),
    };
  }
  const url = backend.url;
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ databaseUrl: url, schema });
  return {
    ...db,
    openReplica: () => openDatabase({ databaseUrl: url, schema }),
    dispose: async () => {
      await db.close();
      await dropSchema(url, schema);
    },
  };
}

/** Drops a schema a test created on Postgres, with everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const admin = new DataSource({ type: 'postgres', url });
  await admin.initialize();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.destroy();
  }
}
