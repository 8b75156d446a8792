import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openTestDatabase, SignerLocks, type Database, type TestDatabase } from '#app/persistence';

const DATABASE_URL = process.env.DATABASE_URL;
// On PGlite the database belongs to one process, so it is always the one sender: nothing to lose.
if (!DATABASE_URL)
  process.stdout.write(
    'SignerLocks: not run here because DATABASE_URL is not set (the locks are Postgres locks; CI sets it)\n',
  );
const describeOnPostgres = DATABASE_URL ? describe : describe.skip;

describeOnPostgres('SignerLocks on Postgres', () => {
  let db: TestDatabase;
  let other: Database;

  beforeAll(async () => {
    db = await openTestDatabase({ kind: 'postgres', url: DATABASE_URL });
    other = await db.openReplica();
  });
  afterAll(async () => {
    await other?.close();
    await db?.dispose();
  });

  /** Every backend holding an advisory lock on `key`, as the server sees them. */
  const holders = async (key: string): Promise<number[]> => {
    const rows = await db.dataSource.query<{ pid: number }[]>(
      `SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
      [key],
    );
    return rows.map((r) => r.pid);
  };

  /** Calls until it says true, as the relayer's rounds do; an error is one failed round. */
  const eventually = async (locks: SignerLocks, key: string, rounds = 5): Promise<boolean> => {
    for (let i = 0; i < rounds; i++) {
      if (await locks.tryAcquire(key).catch(() => false)) return true;
    }
    return false;
  };

  it('gives each key to one replica, and after its connection is killed to another, and takes new ones again', async () => {
    const a = new SignerLocks(db.dataSource, 'postgres');
    const b = new SignerLocks(other.dataSource, 'postgres');
    const key = `relayer-sender:40102:0x${'ab'.repeat(20)}`;
    expect(await a.tryAcquire(key)).toBe(true);
    expect(await b.tryAcquire(key)).toBe(false);
    const [pid] = await holders(key);
    expect(pid).toBeDefined();

    // the server ends a's dedicated connection (a restart or a partition does the same)
    await other.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await a.tryAcquire(key)).toBe(false); // it knows it lost the lock with the connection
    expect(await eventually(b, key)).toBe(true);
    expect(await a.tryAcquire(key)).toBe(false);

    // a replica that lost its connection must still take keys nobody holds, on a new connection
    const fresh = `relayer-sender:40103:0x${'cd'.repeat(20)}`;
    expect(await eventually(a, fresh)).toBe(true);
    expect(await holders(fresh)).toHaveLength(1);

    await a.releaseAll();
    await b.releaseAll();
    expect(await holders(key)).toEqual([]);
    expect(await holders(fresh)).toEqual([]);
  });

  it('holds no more senders than its limit, and any number of uncounted roles besides', async () => {
    const a = new SignerLocks(db.dataSource, 'postgres', 1);
    const [sender, otherSender] = [40101, 40102].map((eid) => `relayer-sender:${eid}:0x${'cd'.repeat(20)}`);
    const watchers = [40101, 40102, 40103].map((eid) => `relayer-watcher:${eid}:limit-test`);
    for (const w of watchers) expect(await a.tryAcquire(w, { uncounted: true })).toBe(true);
    expect(await a.tryAcquire(sender ?? '')).toBe(true); // the three roles did not use up its one sender
    expect(await a.tryAcquire(otherSender ?? '')).toBe(false);
    expect(await holders(watchers[2] ?? '')).toHaveLength(1);
    await a.releaseAll();
  });

  it('recovers when the connection dies while it holds nothing', async () => {
    const a = new SignerLocks(db.dataSource, 'postgres');
    const b = new SignerLocks(other.dataSource, 'postgres');
    const key = `relayer-sender:40101:0x${'ef'.repeat(20)}`;
    expect(await b.tryAcquire(key)).toBe(true);
    expect(await a.tryAcquire(key)).toBe(false); // a opened its connection and holds nothing
    // a's dedicated connection: the other backend whose last statement was the lock attempt
    const [{ pid }] = await db.dataSource.query<{ pid: number }[]>(
      `SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_try_advisory_lock%' AND pid <> ALL($1::integer[])`,
      [await holders(key)],
    );
    await other.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
    await b.releaseAll();
    expect(await eventually(a, key)).toBe(true);
    await a.releaseAll();
  });
});
