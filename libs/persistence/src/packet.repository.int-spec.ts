import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak256, toHex } from 'viem';
import { waitFor } from '../../../test/support/wait.js';
import {
  MIGRATIONS,
  openDatabase,
  openTestDatabase,
  PacketRepository,
  PersistenceError,
  testDatabaseBackends,
  type ObservedPacketRecord,
  type StageTiming,
  type TestDatabase,
} from '#app/persistence';

const backends = testDatabaseBackends();
if (backends.length === 1)
  process.stdout.write(
    'PacketRepository: DATABASE_URL is not set, so the Postgres leg does not run here (CI sets it)\n',
  );

function packet(n: number, overrides: Partial<ObservedPacketRecord> = {}): ObservedPacketRecord {
  const guid = keccak256(toHex(`packet ${n}`));
  return {
    guid,
    srcEid: 40101,
    dstEid: 40102,
    nonce: BigInt(n),
    sender: `0x${'00'.repeat(12)}${'aa'.repeat(20)}`,
    receiver: `0x${'00'.repeat(12)}${'bb'.repeat(20)}`,
    header: toHex(`header ${n}`),
    payloadHash: keccak256(toHex(`payload ${n}`)),
    message: toHex(`message ${n}`),
    options: '0x00030100110100000000000000000000000000030d40',
    srcBlockNumber: 10n + BigInt(n),
    srcBlockHash: keccak256(toHex(`block ${n}`)),
    srcTxHash: keccak256(toHex(`tx ${n}`)),
    assignedToOurDvn: true,
    assignedToOurExecutor: true,
    ...overrides,
  };
}

describe.each(backends)('PacketRepository on $kind', (backend) => {
  let db: TestDatabase;
  let repo: PacketRepository;
  beforeAll(async () => {
    db = await openTestDatabase(backend);
    repo = new PacketRepository(db.dataSource);
  });
  afterAll(async () => {
    await db?.dispose();
  });
  /** How many history rows a packet has (beside the stage stamps on its row). */
  const eventRows = async (guid: string) =>
    (
      await db.dataSource.query<{ count: number }[]>(
        `SELECT count(*)::integer AS count FROM relayer_packet_event WHERE guid = $1`,
        [guid.toLowerCase()],
      )
    )[0]?.count;

  it('records a packet once, however often it is observed, and keeps its stage', async () => {
    const p = packet(1);
    expect(await repo.recordObserved([p])).toEqual(new Set([p.guid]));
    const [claimed] = await repo.claim({ stages: ['sent'], limit: 10 }, 'a', 60_000);
    expect(claimed?.guid).toBe(p.guid);
    expect(await repo.move(p.guid, 'sent', 'a', { to: 'confirmed' })).toBe(true);
    expect((await repo.recordObserved([p])).size).toBe(0);
    expect((await repo.get(p.guid))?.stage).toBe('confirmed');
  });

  it('records packets already deep enough straight in confirmed, leased to the replica that works on them', async () => {
    const timings: StageTiming[] = [];
    const timed = new PacketRepository(db.dataSource);
    timed.onStageTimings((t) => timings.push(...t));
    const [leased, free] = [packet(50, { dstEid: 40187 }), packet(51, { dstEid: 40186 })];
    expect(await timed.recordObserved([leased], { depth: 3, lease: { owner: 'replica-a', ms: 300 } })).toEqual(
      new Set([leased.guid]),
    );
    expect(await timed.recordObserved([free], { depth: 3 })).toEqual(new Set([free.guid]));
    expect(timings.map((t) => [t.stage, t.dstEid])).toEqual([
      ['confirmed', 40187],
      ['confirmed', 40186],
    ]);
    const claimB = (dstEid: number) => repo.claim({ stages: ['confirmed'], dstEid, limit: 1 }, 'replica-b', 60_000);
    expect((await claimB(40186)).map((r) => r.guid)).toEqual([free.guid]);
    expect(await claimB(40187)).toEqual([]); // leased to replica-a, which moves it without a claim
    expect(await repo.move(leased.guid, 'confirmed', 'replica-a', { to: 'verified' })).toBe(true);
    const history = await repo.history(leased.guid);
    expect(history.map((h) => h.stage)).toEqual(['sent', 'confirmed', 'verified']);
    expect(await eventRows(leased.guid)).toBe(0); // the row's stage stamps tell the happy path
    // observed again (a rescan), it keeps its row and stage
    expect((await repo.recordObserved([leased], { depth: 3 })).size).toBe(0);
    expect((await repo.get(leased.guid))?.stage).toBe('verified');
  });

  it('round-trips values above 2^53 exactly', async () => {
    const big = packet(2, { nonce: 2n ** 63n + 7n, srcBlockNumber: 2n ** 60n + 1n });
    await repo.recordObserved([big]);
    const got = await repo.get(big.guid);
    expect(got?.nonce).toBe(2n ** 63n + 7n);
    expect(got?.srcBlockNumber).toBe(2n ** 60n + 1n);
  });

  it('does not hand a leased packet to another owner until the lease expires', async () => {
    const p = packet(3, { dstEid: 40199 });
    await repo.recordObserved([p]);
    const first = await repo.claim({ stages: ['sent'], dstEid: 40199, limit: 10 }, 'replica-a', 200);
    expect(first.map((r) => r.guid)).toEqual([p.guid]);
    expect(await repo.claim({ stages: ['sent'], dstEid: 40199, limit: 10 }, 'replica-b', 200)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const second = await repo.claim({ stages: ['sent'], dstEid: 40199, limit: 10 }, 'replica-b', 60_000);
    expect(second.map((r) => r.guid)).toEqual([p.guid]);
    expect(await repo.move(p.guid, 'sent', 'replica-a', { to: 'confirmed' })).toBe(false);
    expect(await repo.move(p.guid, 'sent', 'replica-b', { to: 'confirmed' })).toBe(true);
  });

  it('leaves the claimant’s own live leases when asked, and takes free packets and expired leases', async () => {
    const dstEid = 40183;
    const [held, expiring, free] = [packet(60, { dstEid }), packet(61, { dstEid }), packet(62, { dstEid })];
    await repo.recordObserved([held], { depth: 1, lease: { owner: 'a', ms: 60_000 } });
    await repo.recordObserved([expiring], { depth: 1, lease: { owner: 'a', ms: 100 } });
    await repo.recordObserved([free], { depth: 1 });
    await new Promise((r) => setTimeout(r, 200));
    const claim = (skipOwnLeases: boolean) =>
      repo.claim({ stages: ['confirmed'], dstEid, limit: 10, skipOwnLeases }, 'a', 60_000);
    expect((await claim(true)).map((p) => p.guid).sort()).toEqual([expiring.guid, free.guid].sort());
    // all three are a's now; without the flag a claim takes them back
    expect((await claim(true)).map((p) => p.guid)).toEqual([]);
    expect((await claim(false)).map((p) => p.guid).sort()).toEqual([held.guid, expiring.guid, free.guid].sort());
  });

  it('keeps the mover’s lease for its next stage when asked, and gives it back otherwise', async () => {
    const kept = packet(40, { dstEid: 40189 });
    const given = packet(41, { dstEid: 40188 });
    await repo.recordObserved([kept, given]);
    for (const p of [kept, given])
      await repo.claim({ stages: ['sent'], dstEid: p.dstEid, limit: 1 }, 'replica-a', 60_000);
    expect(await repo.move(kept.guid, 'sent', 'replica-a', { to: 'confirmed', keepLeaseMs: 300 })).toBe(true);
    expect(await repo.move(given.guid, 'sent', 'replica-a', { to: 'confirmed' })).toBe(true);
    // another replica gets the released packet at once, the kept one only when its lease runs out
    const claimB = (p: ObservedPacketRecord) =>
      repo.claim({ stages: ['confirmed'], dstEid: p.dstEid, limit: 1 }, 'replica-b', 60_000);
    expect((await claimB(given)).map((r) => r.guid)).toEqual([given.guid]);
    expect(await claimB(kept)).toEqual([]);
    // the holder moves it on without claiming it again
    expect(await repo.move(kept.guid, 'confirmed', 'replica-a', { to: 'verified', keepLeaseMs: 300 })).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    const later = await repo.claim({ stages: ['verified'], dstEid: kept.dstEid, limit: 1 }, 'replica-b', 60_000);
    expect(later.map((r) => r.guid)).toEqual([kept.guid]);
    expect((await repo.history(kept.guid)).map((h) => h.stage)).toEqual(['sent', 'confirmed', 'verified']);
  });

  it('records failures with their reason and retry time, and history in order', async () => {
    const p = packet(4, { dstEid: 40198 });
    await repo.recordObserved([p]);
    await repo.claim({ stages: ['sent'], dstEid: 40198, limit: 1 }, 'a', 60_000);
    const later = new Date(Date.now() + 60_000);
    await repo.move(p.guid, 'sent', 'a', {
      to: 'failed',
      reason: 'lzReceive reverted: SmokeRejected(0x)',
      attempts: 1,
      nextAttemptAt: later,
      detail: { txHash: '0x01' },
    });
    const got = await repo.get(p.guid);
    expect(got).toMatchObject({ stage: 'failed', attempts: 1, lastError: 'lzReceive reverted: SmokeRejected(0x)' });
    expect(got?.nextAttemptAt.getTime()).toBe(later.getTime());
    expect(await repo.claim({ stages: ['failed'], dstEid: 40198, limit: 1 }, 'a', 60_000)).toEqual([]);
    expect(await repo.requeue(p.guid, 'operator')).toBe(true);
    expect((await repo.get(p.guid))?.stage).toBe('confirmed');
    const history = await repo.history(p.guid);
    expect(history.map((h) => h.stage)).toEqual(['sent', 'failed', 'confirmed']);
    expect(history[1]?.detail).toEqual({ txHash: '0x01' });
    expect(history[2]?.reason).toBe('re-queued by operator');
  });

  it('defers a packet without using an attempt or changing its stage, only for its lease owner', async () => {
    const p = packet(9, { dstEid: 40197 });
    await repo.recordObserved([p]);
    await repo.claim({ stages: ['sent'], dstEid: 40197, limit: 1 }, 'a', 60_000);
    const until = new Date(Date.now() + 60_000);
    const reason = 'waiting for nonce 8 of pathway 40101-40197 to be verified';
    expect(await repo.defer([p.guid], 'sent', 'b', reason, until)).toEqual(new Set()); // not b's lease
    expect(await repo.defer([p.guid], 'sent', 'a', reason, until)).toEqual(new Set([p.guid]));
    const got = await repo.get(p.guid);
    expect(got).toMatchObject({ stage: 'sent', attempts: 0, lastError: reason });
    expect(got?.nextAttemptAt.getTime()).toBe(until.getTime());
    expect(await repo.claim({ stages: ['sent'], dstEid: 40197, limit: 1 }, 'b', 60_000)).toEqual([]); // not due yet
    await repo.defer([p.guid], 'sent', 'a', reason, new Date()); // a's lease went with the first defer
    expect(await repo.claim({ stages: ['sent'], dstEid: 40197, limit: 1 }, 'b', 60_000)).toEqual([]);
    expect((await repo.history(p.guid)).map((h) => h.stage)).toEqual(['sent']); // no history row per wait
  });

  it('reopens a delivered packet by its pathway and nonce when the destination lost the delivery', async () => {
    const p = packet(11, { dstEid: 40196 });
    await repo.recordObserved([p]);
    await repo.claim({ stages: ['sent'], dstEid: 40196, limit: 1 }, 'a', 60_000);
    await repo.move(p.guid, 'sent', 'a', { to: 'delivered' });
    const at = { srcEid: p.srcEid, dstEid: 40196, sender: p.sender, receiver: p.receiver, nonce: p.nonce };
    const reason = 'the destination no longer holds this delivery';
    expect(await repo.reopenDelivered({ ...at, nonce: p.nonce + 1n }, reason)).toEqual([]); // none from there on
    expect(await repo.reopenDelivered(at, reason)).toEqual([p.guid]);
    expect(await repo.reopenDelivered(at, reason)).toEqual([]); // it is not delivered any more
    expect(await repo.get(p.guid)).toMatchObject({ stage: 'confirmed', attempts: 0, lastError: null });
    const history = await repo.history(p.guid);
    expect(history.map((h) => [h.stage, h.reason])).toEqual([
      ['sent', null],
      ['delivered', null],
      ['confirmed', reason],
    ]);
  });

  it('records a verification with its delivery in one write, stamped with when it was verified', async () => {
    const timings: StageTiming[] = [];
    const timed = new PacketRepository(db.dataSource);
    timed.onStageTimings((t) => timings.push(...t));
    const p = packet(13, { dstEid: 40193 });
    const late = packet(14, { dstEid: 40193 });
    const txHash = `0x${'b1'.repeat(32)}` as const;
    await timed.recordObserved([p, late], { depth: 1, lease: { owner: 'a', ms: 60_000 } });
    await new Promise((r) => setTimeout(r, 50));
    const verifiedAt = new Date();
    await new Promise((r) => setTimeout(r, 50));
    // the row still says confirmed: a move from there straight into delivered
    expect(await timed.moveAll([p.guid], 'confirmed', 'a', { to: 'delivered', txHash, verifiedAt })).toEqual(
      new Set([p.guid]),
    );
    const history = await timed.history(p.guid);
    expect(history.map((h) => [h.stage, h.detail])).toEqual([
      ['sent', null],
      ['confirmed', null],
      ['verified', null],
      ['delivered', { txHash }],
    ]);
    expect(history[2]?.at.getTime()).toBe(verifiedAt.getTime());
    expect(await eventRows(p.guid)).toBe(0);
    // both stages' latencies are reported, split at the verification
    const [verified, delivered] = [
      timings.find((t) => t.stage === 'verified'),
      timings.find((t) => t.stage === 'delivered'),
    ];
    expect(verified?.seconds).toBeGreaterThanOrEqual(0.04);
    expect(delivered?.seconds).toBeGreaterThanOrEqual(0.04);
    expect(delivered?.sinceSeenSeconds).toBeGreaterThanOrEqual(
      (verified?.seconds ?? 0) + (delivered?.seconds ?? 0) - 0.01,
    );
    // a verification written on its own, late, is stamped with when it happened too
    await timed.moveAll([late.guid], 'confirmed', 'a', { to: 'verified', verifiedAt, keepLeaseMs: 60_000 });
    expect((await timed.history(late.guid))[2]).toMatchObject({ stage: 'verified', at: verifiedAt });
  });

  it('tells a packet delivered twice whole: each arrival once, with its transaction, the reasons from history rows', async () => {
    const p = packet(12, { dstEid: 40194 });
    const [tx1, tx2] = [`0x${'a1'.repeat(32)}`, `0x${'a2'.repeat(32)}`] as const;
    await repo.recordObserved([p], { depth: 1, lease: { owner: 'a', ms: 60_000 } });
    await repo.move(p.guid, 'confirmed', 'a', { to: 'verified', keepLeaseMs: 60_000 });
    await repo.move(p.guid, 'verified', 'a', { to: 'delivered', txHash: tx1 });
    expect(await eventRows(p.guid)).toBe(0);
    const at = { srcEid: p.srcEid, dstEid: 40194, sender: p.sender, receiver: p.receiver, nonce: p.nonce };
    const reason = 'the destination no longer holds this delivery';
    expect(await repo.reopenDelivered(at, reason)).toEqual([p.guid]);
    await repo.claim({ stages: ['confirmed'], dstEid: 40194, limit: 1 }, 'a', 60_000);
    await repo.move(p.guid, 'confirmed', 'a', { to: 'verified', reason: 'verified on chain', keepLeaseMs: 60_000 });
    await repo.move(p.guid, 'verified', 'a', { to: 'delivered', txHash: tx2 });
    const history = await repo.history(p.guid);
    expect(history.map((h) => [h.stage, h.reason, h.detail])).toEqual([
      ['sent', null, null],
      ['confirmed', null, null],
      ['verified', null, null],
      ['delivered', null, { txHash: tx1 }],
      ['confirmed', reason, null],
      ['verified', 'verified on chain', null],
      ['delivered', null, { txHash: tx2 }],
    ]);
    const times = history.map((h) => h.at.getTime());
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // the reopen, the second verification's reason, and the first verification and delivery,
    // whose stamps the second ones replaced
    expect(await eventRows(p.guid)).toBe(4);
  });

  it('names each pathway with recent deliveries and its highest delivered nonce, and reopens it from a nonce on', async () => {
    const dstEid = 40195;
    const other = `0x${'00'.repeat(12)}${'cc'.repeat(20)}` as const;
    const packets = [
      packet(21, { dstEid }),
      packet(22, { dstEid }),
      packet(23, { dstEid }),
      packet(24, { dstEid, sender: other, nonce: 7n }),
      packet(25, { dstEid }), // not delivered: not counted
    ];
    await repo.recordObserved(packets);
    const claimed = await repo.claim({ stages: ['sent'], dstEid, limit: 10 }, 'a', 60_000);
    expect(claimed).toHaveLength(5);
    await repo.moveAll(
      packets.slice(0, 4).map((p) => p.guid),
      'sent',
      'a',
      { to: 'delivered' },
    );
    const recent = await repo.recentDeliveries(dstEid, new Date(Date.now() - 60_000));
    const byKey = (r: { sender: string; nonce: bigint }) => [r.sender, r.nonce] as const;
    expect(recent.map(byKey).sort()).toEqual(
      [
        [packets[0].sender, 23n],
        [other, 7n],
      ].sort(),
    );
    expect(await repo.recentDeliveries(dstEid, new Date(Date.now() + 60_000))).toEqual([]); // none that recent
    // the destination holds nonces up to 21: 22 and 23 are reopened together, the other pathway is left alone
    const reopened = await repo.reopenDelivered(
      { srcEid: packets[0].srcEid, dstEid, sender: packets[0].sender, receiver: packets[0].receiver, nonce: 22n },
      'rolled back',
    );
    expect(reopened.sort()).toEqual([packets[1].guid, packets[2].guid].sort());
    expect((await repo.get(packets[0].guid))?.stage).toBe('delivered');
    expect((await repo.get(packets[3].guid))?.stage).toBe('delivered');
  });

  it('reports how long each packet took to reach each timed stage, only for the moves that happened', async () => {
    const timings: StageTiming[] = [];
    const timed = new PacketRepository(db.dataSource);
    timed.onStageTimings((t) => timings.push(...t));
    const dstEid = 40194;
    const [a, b] = [packet(31, { dstEid }), packet(32, { dstEid })];
    await timed.recordObserved([a, b]);
    await timed.claim({ stages: ['sent'], dstEid, limit: 2 }, 'a', 60_000);
    await timed.moveAll([a.guid, b.guid], 'sent', 'a', { to: 'confirmed' });
    await timed.claim({ stages: ['confirmed'], dstEid, limit: 2 }, 'a', 60_000);
    await timed.moveAll([a.guid], 'confirmed', 'a', { to: 'verified' });
    await timed.move(b.guid, 'confirmed', 'a', { to: 'failed', reason: 'no' }); // not a timed stage
    await timed.move(b.guid, 'confirmed', 'a', { to: 'verified' }); // no longer confirmed: nothing moves
    await timed.claim({ stages: ['verified'], dstEid, limit: 1 }, 'a', 60_000);
    await new Promise((r) => setTimeout(r, 20));
    await timed.moveAll([a.guid], 'verified', 'a', { to: 'delivered' });
    expect(timings.map((t) => [t.stage, t.srcEid, t.dstEid])).toEqual([
      ['confirmed', a.srcEid, dstEid],
      ['confirmed', b.srcEid, dstEid],
      ['verified', a.srcEid, dstEid],
      ['delivered', a.srcEid, dstEid],
    ]);
    const delivered = timings[3];
    expect(delivered?.seconds).toBeGreaterThanOrEqual(0.015); // verified → delivered took the 20 ms wait
    expect(delivered?.sinceSeenSeconds).toBeGreaterThanOrEqual(delivered?.seconds ?? Infinity);
    expect(timings.every((t) => Number.isFinite(t.seconds) && t.seconds >= 0)).toBe(true);
  });

  it('replaces an unconfirmed packet that a reorg moved to another block', async () => {
    const p = packet(5, { dstEid: 40197 });
    await repo.recordObserved([p]);
    const moved: ObservedPacketRecord = { ...p, srcBlockHash: keccak256(toHex('other block')), srcBlockNumber: 99n };
    expect(await repo.recordObserved([moved])).toEqual(new Set([p.guid]));
    expect(await repo.get(p.guid)).toMatchObject({
      stage: 'sent',
      srcBlockNumber: 99n,
      srcBlockHash: moved.srcBlockHash,
    });
  });

  it('gives two replicas claiming at the same time disjoint packets, and together all of them', async () => {
    const replica = await db.openReplica();
    try {
      const other = new PacketRepository(replica.dataSource);
      await repo.recordObserved(Array.from({ length: 60 }, (_, i) => packet(1000 + i, { dstEid: 40190 })));
      const take = (r: PacketRepository, owner: string) =>
        r.claim({ stages: ['sent'], dstEid: 40190, limit: 7 }, owner, 60_000);
      const rounds = await Promise.all(Array.from({ length: 6 }, (_, i) => take(i % 2 ? other : repo, `worker-${i}`)));
      const rest = await take(repo, 'worker-6');
      const seen = [...rounds.flat(), ...rest].map((p) => p.guid);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(Math.min(60, 7 * 7));
    } finally {
      await replica.close();
    }
  });

  it('claims new packets before retried ones, the first of each stage in pathway and nonce order, up to the limit', async () => {
    const dstEid = 40185;
    const fresh = [5, 3, 4].map((n) => packet(2000 + n, { dstEid, nonce: BigInt(n) }));
    const otherPathway = packet(2010, { dstEid, srcEid: 40199, nonce: 9n });
    const retried = [1, 2].map((n) => packet(2000 + n, { dstEid, nonce: BigInt(n) }));
    await repo.recordObserved([...fresh, otherPathway, ...retried], { depth: 1 });
    await repo.claim({ stages: ['confirmed'], dstEid, limit: 2 }, 'a', 60_000); // the two lowest: the retried ones
    for (const p of retried)
      expect(await repo.move(p.guid, 'confirmed', 'a', { to: 'failed', attempts: 1, nextAttemptAt: new Date() })).toBe(
        true,
      );
    const claim = (limit: number, owner: string) =>
      repo.claim({ stages: ['confirmed', 'failed'], dstEid, limit }, owner, 60_000);
    // (within a stage the order of the returned records is not promised: the callers sort)
    const nonces = (records: { srcEid: number; nonce: bigint }[]) =>
      records.map((r) => `${r.srcEid}:${r.nonce}`).sort();
    expect(nonces(await claim(3, 'b'))).toEqual(['40101:3', '40101:4', '40101:5']);
    const rest = await claim(10, 'c');
    expect(nonces(rest.slice(0, 1))).toEqual(['40199:9']); // the new packet left, then the retried ones
    expect(nonces(rest.slice(1))).toEqual(['40101:1', '40101:2']);
    expect(await claim(10, 'd')).toEqual([]);
  });

  it('moves a batch by its guids among many packets of the same stage, leaving the others alone', async () => {
    const dstEid = 40184;
    const backlog = Array.from({ length: 1500 }, (_, i) => packet(3000 + i, { dstEid, nonce: BigInt(i + 1) }));
    await repo.recordObserved(backlog, { depth: 1, lease: { owner: 'a', ms: 60_000 } });
    const batch = backlog.slice(700, 750).map((p) => p.guid);
    expect(await repo.moveAll(batch, 'confirmed', 'a', { to: 'verified' })).toEqual(new Set(batch));
    const counts = await repo.countByStage();
    const of = (stage: string) => counts.find((c) => c.dstEid === dstEid && c.stage === stage)?.count;
    expect([of('confirmed'), of('verified')]).toEqual([1450, 50]);
    const claimed = await repo.claim({ stages: ['verified'], dstEid, limit: 100 }, 'b', 60_000);
    expect(claimed.map((r) => r.guid).sort()).toEqual([...batch].sort());
  });

  it('keeps a cursor per chain', async () => {
    expect(await repo.cursor(40101)).toBeUndefined();
    await repo.setCursor(40101, 5n, keccak256('0x01'));
    await repo.setCursor(40101, 2n ** 62n, keccak256('0x02'));
    expect(await repo.cursor(40101)).toEqual({ block: 2n ** 62n, hash: keccak256('0x02') });
  });

  it('filters claims by source block depth and counts packets by stage', async () => {
    await repo.recordObserved([
      packet(6, { srcEid: 40150, srcBlockNumber: 100n }),
      packet(7, { srcEid: 40150, srcBlockNumber: 200n }),
    ]);
    const deep = await repo.claim({ stages: ['sent'], srcEid: 40150, maxSrcBlock: 150n, limit: 10 }, 'a', 60_000);
    expect(deep.map((r) => r.srcBlockNumber)).toEqual([100n]);
    const counts = await repo.countByStage();
    expect(counts.find((c) => c.srcEid === 40150 && c.stage === 'sent')?.count).toBe(2);
  });
});

describe('Database.open (embedded, on disk)', () => {
  it('keeps data across close and reopen, and refuses a second process on the same directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-pglite-'));
    try {
      const first = await openDatabase({ dataDir: dir });
      await new PacketRepository(first.dataSource).recordObserved([packet(1)]);
      await first.close();
      const again = await openDatabase({ dataDir: dir });
      const migrations = await again.dataSource.query<{ n: number }[]>(
        'SELECT count(*)::integer AS n FROM segment_migrations',
      );
      expect(migrations[0]?.n).toBe(MIGRATIONS.length);
      expect((await new PacketRepository(again.dataSource).get(packet(1).guid))?.nonce).toBe(1n);
      await again.close();

      const other = spawn('sleep', ['30']);
      try {
        writeFileSync(join(dir, 'segment-bridge.lock'), String(other.pid));
        await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/in use by process \d+/);
      } finally {
        other.kill();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('after a PANIC reports itself lost and refuses every statement; reopened, it has its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-pglite-'));
    const control = join(dir, 'global', 'pg_control');
    try {
      const database = await openDatabase({ dataDir: dir });
      await new PacketRepository(database.dataSource).recordObserved([packet(1)]);
      let lost: Error | undefined;
      void database.lost?.then((error) => (lost = error));
      // a control file gone from under the database: the next checkpoint cannot write it
      const saved = readFileSync(control);
      rmSync(control);
      await expect(database.dataSource.query('CHECKPOINT')).rejects.toMatchObject({ severity: 'PANIC' });
      await waitFor('the database to report itself lost', () => Promise.resolve(lost));
      expect(lost?.message).toMatch(
        /the embedded database stopped after a PANIC \(could not open file .*pg_control.*\): restart the service/,
      );
      // PGlite would answer every later statement with another PANIC; the reason is given instead
      await expect(new PacketRepository(database.dataSource).get(packet(1).guid)).rejects.toThrow(
        'the embedded database stopped after a PANIC',
      );
      await database.close(); // closes, and gives back the directory

      writeFileSync(control, saved); // what a restored disk gives the restarted service
      const again = await openDatabase({ dataDir: dir });
      expect((await new PacketRepository(again.dataSource).get(packet(1).guid))?.nonce).toBe(1n);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('vacuums and analyzes itself on its schedule (PGlite has no autovacuum)', async () => {
    const database = await openDatabase({ memory: true, maintenanceMs: 200 });
    try {
      const repo = new PacketRepository(database.dataSource);
      const packets = Array.from({ length: 300 }, (_, i) => packet(5000 + i, { dstEid: 40180 }));
      await repo.recordObserved(packets, { depth: 1, lease: { owner: 'a', ms: 60_000 } });
      await repo.moveAll(
        packets.map((p) => p.guid),
        'confirmed',
        'a',
        { to: 'verified' }, // every row replaced once: 300 dead versions
      );
      const stats = () =>
        database.dataSource.query<{ vacuumed: boolean; dead: number; tuples: number }[]>(
          `SELECT s.last_vacuum IS NOT NULL AS vacuumed, s.n_dead_tup::integer AS dead, c.reltuples::integer AS tuples
           FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = 'relayer_packet'`,
        );
      const after = await waitFor('the scheduled VACUUM', async () => {
        const [row] = await stats();
        return row?.vacuumed ? row : undefined;
      });
      expect(after).toEqual({ vacuumed: true, dead: 0, tuples: 300 }); // dead versions gone, statistics gathered
    } finally {
      await database.close();
    }
  });

  it('names the backend when it cannot open', async () => {
    await expect(openDatabase({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toThrow(PersistenceError);
    await expect(openDatabase({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toThrow(
      /cannot open Postgres at postgres:\/\/nobody/,
    );
  });
});
