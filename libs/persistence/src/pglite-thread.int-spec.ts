import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openPgliteThread, type PGliteThread } from './pglite-thread.js';

describe('the embedded database on its thread', () => {
  let db: PGliteThread;

  beforeAll(async () => {
    db = await openPgliteThread(undefined, {});
    await db.exec('CREATE TABLE item (id integer PRIMARY KEY, name text NOT NULL, data bytea, at timestamptz)');
  });
  afterAll(async () => db?.close());

  it('returns rows with their types as PGlite gives them (bytes, times, big numbers)', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    await db.query('INSERT INTO item VALUES ($1, $2, $3, $4)', [1, 'one', new Uint8Array([0, 255, 7]), at]);
    const { rows } = await db.query('SELECT id, name, data, at, 2::bigint ^ 70 AS big FROM item WHERE id = $1', [1]);
    expect(rows).toEqual([{ id: 1, name: 'one', data: new Uint8Array([0, 255, 7]), at, big: 2 ** 70 }]);
  });

  it("rejects a failed statement with Postgres's error fields, which callers read", async () => {
    await db.query('INSERT INTO item (id, name) VALUES ($1, $2)', [2, 'two']);
    const failed = await db.query('INSERT INTO item (id, name) VALUES ($1, $2)', [2, 'again']).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(failed).toMatchObject({ code: '23505', constraint: 'item_pkey', table: 'item' });
    expect((failed as Error).message).toContain('duplicate key');
    // the thread goes on serving after an error
    expect((await db.query('SELECT count(*)::int AS n FROM item', [])).rows).toEqual([{ n: 2 }]);
  });

  it('runs statements in the order they were sent (a transaction sees only its own)', async () => {
    const sent = [
      db.exec('BEGIN'),
      db.query('INSERT INTO item (id, name) VALUES ($1, $2)', [3, 'three']),
      db.exec('ROLLBACK'),
      db.query('SELECT id FROM item WHERE id = $1', [3]),
    ];
    const results = await Promise.all(sent);
    expect(results[3]?.rows).toEqual([]);
  });

  it('refuses statements once closed, with a clear error, and is not lost by closing', async () => {
    const other = await openPgliteThread(undefined, {});
    await other.close();
    await expect(other.query('SELECT 1', [])).rejects.toThrow('the embedded database is closed');
    await other.close(); // closing twice is harmless
    // a thread that ends because it was closed is not a database lost
    const settled = await Promise.race([
      other.lost.then(() => 'lost'),
      new Promise<string>((resolve) => setTimeout(() => resolve('not lost'), 200)),
    ]);
    expect(settled).toBe('not lost');
  });

  it("rejects an open that fails with PGlite's error", async () => {
    await expect(openPgliteThread(undefined, { postgresqlconf: 'shared_buffers = nonsense' })).rejects.toThrow(
      'PGlite failed to initialize',
    );
  });

  it('does not keep a finished program alive, and does not cut one short that awaits a statement', async () => {
    // the build (npm test builds first) is what a program runs
    const built = join(process.cwd(), 'dist/libs/persistence/src/pglite-thread.js');
    expect(existsSync(built)).toBe(true);
    const script = `
      const { openPgliteThread } = await import(${JSON.stringify(built)});
      const db = await openPgliteThread(undefined, {});
      await new Promise((r) => setTimeout(r, 50));
      const { rows } = await db.query("SELECT 'answered' AS answer, pg_sleep(0.3)", []);
      console.log(rows[0].answer);
      // no close: the program ends here and must exit`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 60_000,
    });
    expect(stdout.trim()).toBe('answered');
  });
});
