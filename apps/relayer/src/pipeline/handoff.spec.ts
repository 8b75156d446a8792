import { describe, expect, it, jest } from '@jest/globals';
import { keccak256, toHex } from 'viem';
import { BatchSource, Handoff } from './handoff.js';
import type { ClaimFilter, PacketRecord, PacketStore } from './packet-store.js';

function record(n: number, dstEid = 40102): PacketRecord {
  return {
    guid: keccak256(toHex(`packet ${n}`)),
    srcEid: 40101,
    dstEid,
    nonce: BigInt(n),
    sender: `0x${'aa'.repeat(32)}`,
    receiver: `0x${'bb'.repeat(32)}`,
    header: '0x01',
    payloadHash: keccak256('0x01'),
    message: '0x02',
    options: '0x03',
    srcBlockNumber: 1n,
    srcBlockHash: keccak256('0x04'),
    srcTxHash: keccak256('0x05'),
    assignedToOurDvn: true,
    assignedToOurExecutor: true,
    stage: 'sent',
    attempts: 0,
    nextAttemptAt: new Date(0),
    lastError: null,
  };
}

/** A store whose claims hand out `rows` (and say what they were asked for). */
function storeWith(rows: PacketRecord[]): { store: PacketStore; claims: ClaimFilter[] } {
  const claims: ClaimFilter[] = [];
  const store = {
    claim: jest.fn((filter: ClaimFilter) => {
      claims.push(filter);
      return Promise.resolve(rows.splice(0, filter.limit));
    }),
  } as unknown as PacketStore; // BatchSource only claims
  return { store, claims };
}

describe('Handoff', () => {
  it('gives each destination its own packets, oldest first, in the stage they were handed over in', () => {
    const woken: string[] = [];
    const handoff = new Handoff(60_000, (stage, dstEid) => woken.push(`${stage}:${dstEid}`));
    const deferred = { ...record(1), lastError: 'source block 1 is not available from the node; checking again' };
    handoff.put('confirmed', [deferred, record(2, 40103), record(3)]);
    expect(woken.sort()).toEqual(['confirmed:40102', 'confirmed:40103']);
    const taken = handoff.take('confirmed', 40102, 10);
    expect(taken.map((p) => p.nonce)).toEqual([1n, 3n]);
    // as the move left the rows: in the new stage, with no error
    expect(taken.every((p) => p.stage === 'confirmed' && p.lastError === null)).toBe(true);
    expect(handoff.take('verified', 40103, 10)).toEqual([]);
    expect(handoff.take('confirmed', 40102, 10)).toEqual([]);
  });

  it('drops packets that waited longer than their lease allows (they are claimed again instead)', async () => {
    const handoff = new Handoff(50);
    handoff.put('verified', [record(1)]);
    await new Promise((r) => setTimeout(r, 80));
    handoff.put('verified', [record(2)]);
    expect(handoff.take('verified', 40102, 10).map((p) => p.nonce)).toEqual([2n]);
  });
});

describe('Handoff of unrecorded verifications', () => {
  it('holds a packet verified without a write as the deliverer’s until its verification is recorded', () => {
    const handoff = new Handoff(60_000);
    const p = record(1);
    handoff.put('verified', [{ ...p, unrecorded: { from: 'confirmed', verifiedAt: new Date() } }]);
    expect(handoff.unrecorded(p.guid)).toBe(true);
    const [taken] = handoff.take('verified', 40102, 10);
    expect(taken?.unrecorded?.from).toBe('confirmed');
    expect(handoff.unrecorded(p.guid)).toBe(true); // taken, but no row says it is verified yet
    handoff.recorded([p.guid]);
    expect(handoff.unrecorded(p.guid)).toBe(false);
  });

  it('gives up every packet still waiting with an unrecorded verification, and keeps the others', () => {
    const handoff = new Handoff(60_000);
    const verifiedAt = new Date();
    handoff.put('verified', [
      { ...record(1), unrecorded: { from: 'confirmed', verifiedAt } },
      record(2),
      { ...record(3, 40103), unrecorded: { from: 'failed', verifiedAt } },
    ]);
    handoff.put('confirmed', [record(4)]);
    const taken = handoff.takeUnrecorded();
    expect(taken.map((p) => [p.nonce, p.unrecorded?.from])).toEqual([
      [1n, 'confirmed'],
      [3n, 'failed'],
    ]);
    expect(handoff.take('verified', 40102, 10).map((p) => p.nonce)).toEqual([2n]);
    expect(handoff.take('verified', 40103, 10)).toEqual([]);
    expect(handoff.take('confirmed', 40102, 10).map((p) => p.nonce)).toEqual([4n]);
  });

  it('counts an unrecorded packet’s age from its lease, not from its hand-over, and lets it go when that runs out', () => {
    const handoff = new Handoff(1_000);
    const now = Date.now();
    const [old, fresh] = [record(1), record(2)];
    handoff.put('verified', [
      { ...old, leasedAt: now - 1_500, unrecorded: { from: 'confirmed', verifiedAt: new Date(now) } },
      { ...fresh, leasedAt: now - 1_500 }, // moved: its lease was renewed by the move
    ]);
    expect(handoff.take('verified', 40102, 10).map((p) => p.nonce)).toEqual([2n]);
    expect(handoff.unrecorded(old.guid)).toBe(false); // a claim may take it again
  });
});

describe('BatchSource', () => {
  const options = { owner: 'a', leaseMs: 60_000, batchSize: 4 };

  it('claims from the database when nothing was handed over', async () => {
    const { store, claims } = storeWith([record(7), record(8)]);
    const source = new BatchSource(store, new Handoff(60_000), 'confirmed', ['confirmed', 'failed'], options);
    expect((await source.next(40102)).map((p) => p.nonce)).toEqual([7n, 8n]);
    // with nothing in hand, the claim takes back this replica's own leases too
    expect(claims).toEqual([{ stages: ['confirmed', 'failed'], dstEid: 40102, limit: 4, skipOwnLeases: false }]);
  });

  it('takes handed-over packets without a claim, and still claims once a second for the rest', async () => {
    const { store, claims } = storeWith([record(9)]);
    const handoff = new Handoff(60_000);
    const source = new BatchSource(store, handoff, 'verified', ['verified'], options);
    await source.next(40102); // the first round claims (nothing handed over yet)
    handoff.put(
      'verified',
      [1, 2, 3, 4, 5].map((n) => record(n)),
    );
    expect((await source.next(40102)).map((p) => p.nonce)).toEqual([1n, 2n, 3n, 4n]);
    expect(claims).toHaveLength(1);
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 1_500);
    try {
      // a claim is due: half the batch from the handoff, the rest claimed (a retry, say)
      handoff.put(
        'verified',
        [6, 7, 8].map((n) => record(n)),
      );
      const next = await source.next(40102);
      expect(claims).toHaveLength(2);
      // the rest of the batch, not the packets this replica holds already
      expect(claims[1]).toMatchObject({ limit: 2, skipOwnLeases: true });
      // the claim found nothing: the batch is filled from the handoff
      expect(next.map((p) => p.nonce)).toEqual([5n, 6n, 7n, 8n]);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('claims on every round while claims find packets, and at most every 250 ms once they come back empty', async () => {
    const rows = [1, 2, 3, 4, 5].map((n) => record(n));
    const { store, claims } = storeWith(rows);
    const source = new BatchSource(store, new Handoff(60_000), 'confirmed', ['confirmed', 'failed'], options);
    expect(await source.next(40102)).toHaveLength(4);
    expect(await source.next(40102)).toHaveLength(1); // the last claim found packets: claim again
    expect(await source.next(40102)).toEqual([]); // empty
    expect(claims).toHaveLength(3);
    rows.push(record(6)); // a retry falls due, say
    expect(await source.next(40102)).toEqual([]); // within 250 ms of an empty claim: no claim
    expect(claims).toHaveLength(3);
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 300);
    try {
      expect((await source.next(40102)).map((p) => p.nonce)).toEqual([6n]);
      expect(claims).toHaveLength(4);
    } finally {
      jest.restoreAllMocks();
    }
  });

  /**
   * A verify stage's source over a table that starts empty (`rows`), on a mocked clock: `at(t)` sets
   * the clock `t` ms past the start; `run(from, to, atRound)` makes a round every 10 ms, calling
   * `atRound` before each, and returns the times its claims were made.
   */
  function idleRounds(longestIdleClaimMs?: number) {
    const rows: PacketRecord[] = [];
    const { store, claims } = storeWith(rows);
    const source = new BatchSource(store, new Handoff(60_000), 'confirmed', ['confirmed', 'failed'], {
      ...options,
      ...(longestIdleClaimMs === undefined ? {} : { longestIdleClaimMs }),
    });
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now');
    const at = (t: number) => clock.mockReturnValue(start + t);
    const run = async (from: number, to: number, atRound?: (t: number) => void) => {
      const claimedAt: number[] = [];
      for (let t = from; t <= to; t += 10) {
        at(t);
        atRound?.(t);
        const before = claims.length;
        await source.next(40102);
        if (claims.length > before) claimedAt.push(t);
      }
      return claimedAt;
    };
    return { rows, claims, source, at, run };
  }

  it('waits longer after each empty claim in a row, 250 ms doubling up to its longest wait', async () => {
    const { rows, run } = idleRounds(2_000);
    try {
      // a retry falls due at 6 s
      const claimedAt = await run(0, 8_000, (t) => (t === 6_000 ? rows.push(record(1)) : undefined));
      const gaps = claimedAt.slice(1).map((t, i) => t - (claimedAt[i] ?? 0));
      expect(gaps.slice(0, 5)).toEqual([250, 500, 1_000, 2_000, 2_000]);
      // the retry was claimed within 2 s (not at once), and a claim that found it is followed by the next round's
      const found = claimedAt.find((t) => t >= 6_000) ?? Infinity;
      expect(found).toBeGreaterThan(6_000);
      expect(found - 6_000).toBeLessThanOrEqual(2_000);
      expect(claimedAt).toContain(found + 10);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('claims on the next round after an operator re-queue, however long it was idle', async () => {
    const { rows, claims, source, at, run } = idleRounds(2_000);
    try {
      await run(0, 5_000); // claims are 2 s apart by now
      const idle = claims.length;
      rows.push(record(1));
      at(5_010);
      expect(await source.next(40102)).toEqual([]); // waiting out its idle gap
      source.claimSoon(40102);
      at(5_020);
      expect((await source.next(40102)).map((p) => p.nonce)).toEqual([1n]);
      expect(claims).toHaveLength(idle + 1);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('by default, claims every 250 ms once claims come back empty, however long', async () => {
    const { run } = idleRounds();
    try {
      expect(await run(0, 5_000)).toHaveLength(21); // at 0, 250, …, 5000
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('counts a claim that found only packets the deliverer holds unrecorded as empty', async () => {
    const verified = record(1);
    const handoff = new Handoff(60_000);
    handoff.put('verified', [{ ...verified, unrecorded: { from: 'confirmed', verifiedAt: new Date() } }]);
    const rows = [verified];
    const { store, claims } = storeWith(rows);
    const source = new BatchSource(store, handoff, 'confirmed', ['confirmed'], options);
    expect(await source.next(40102)).toEqual([]);
    rows.push(verified); // the next claim would find the same row again
    expect(await source.next(40102)).toEqual([]); // the next round does not claim again at once
    expect(claims).toHaveLength(1);
  });

  it('leaves to the deliverer a packet this replica verified whose row does not say so yet', async () => {
    const [verified, other] = [record(1), record(2)];
    const handoff = new Handoff(60_000);
    handoff.put('verified', [{ ...verified, unrecorded: { from: 'confirmed', verifiedAt: new Date() } }]);
    // the verifier's claim finds both rows in `confirmed`, leased to this replica
    const { store } = storeWith([verified, other]);
    const source = new BatchSource(store, handoff, 'confirmed', ['confirmed'], options);
    expect((await source.next(40102)).map((p) => p.nonce)).toEqual([2n]);
  });

  it('does not return a packet twice when a claim picks up its own handed-over leases', async () => {
    const [a, b, c] = [record(1), record(2), record(3)];
    const handoff = new Handoff(60_000);
    handoff.put('confirmed', [a, b, c]);
    // the claim covers this replica's own leases: it returns `a` (taken from the handoff in this
    // same round) and `c` (still waiting there)
    const { store } = storeWith([a, c]);
    const source = new BatchSource(store, handoff, 'confirmed', ['confirmed'], options);
    const batch = await source.next(40102);
    expect(batch.map((p) => p.nonce)).toEqual([1n, 2n, 3n]);
    expect(handoff.take('confirmed', 40102, 10)).toEqual([]);
  });
});
