import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Address, Hex } from 'viem';
import { openDatabase } from './database.js';
import { DuplicateSignatureError, GovernanceRepository } from './governance.repository.js';
import { dropSchema, openTestDatabase, testDatabaseBackends, type TestDatabase } from './testing.js';

const id = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const signer = (n: number): Address => `0x${n.toString(16).padStart(40, '0')}`;

describe.each(testDatabaseBackends())('GovernanceRepository on $kind', (backend) => {
  let db: TestDatabase;
  let repo: GovernanceRepository;

  beforeAll(async () => {
    db = await openTestDatabase(backend);
    repo = new GovernanceRepository(db.dataSource);
  });
  afterAll(async () => db?.dispose());

  const proposal = (n: number) => ({
    id: id(n),
    kind: 'setGlobalCap',
    action: 6,
    segment: 'weth',
    data: '0x1234' as Hex,
    nonce: BigInt(n) * 10n ** 70n, // beyond 64 bits: numeric(78,0)
    deadline: 1_800_000_000,
    request: { action: 'setGlobalCap', segment: 'weth', globalCapUsd: '1' },
  });

  it('keeps a proposal, its signatures (one per signer) and its transitions, each with an audit entry', async () => {
    await repo.insertProposal(proposal(1));
    await repo.addSignature(id(1), signer(2), '0xaa');
    await repo.addSignature(id(1), signer(1), '0xbb');
    await expect(repo.addSignature(id(1), signer(2), '0xcc')).rejects.toBeInstanceOf(DuplicateSignatureError);
    expect((await repo.signatures(id(1))).map((s) => s.signer)).toEqual([signer(1), signer(2)]); // sorted, as queue wants
    await repo.transition(id(1), 'queued', { eta: 1_800_000_100, queueTx: id(9) }, null);
    const p = await repo.proposal(id(1));
    expect(p).toMatchObject({ status: 'queued', eta: 1_800_000_100, queueTx: id(9), nonce: 10n ** 70n });
    const audit = (await repo.auditLog({ proposalId: id(1) })).map((a) => a.event);
    // the refused duplicate left no trace
    expect(audit).toEqual(['proposal.queued', 'signature.added', 'signature.added', 'proposal.created']);
  });

  it('refuses to change or delete the audit log', async () => {
    await repo.record('segment.frozen', signer(7), { segment: 'wbtc' });
    await expect(db.dataSource.query(`UPDATE gov_audit SET event = 'nothing'`)).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`DELETE FROM gov_audit`)).rejects.toThrow(/append-only/);
    expect((await repo.auditLog()).some((a) => a.event === 'segment.frozen')).toBe(true);
  });

  it('migrates once when several services open the database together', async () => {
    if (backend.kind === 'pglite') {
      // one process per embedded database: reopening finds every migration applied
      const again = await openDatabase({ memory: true });
      const applied: unknown[] = await again.dataSource.query('SELECT * FROM segment_migrations');
      expect(applied.length).toBeGreaterThanOrEqual(4);
      await again.close();
      return;
    }
    const url = backend.url ?? '';
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const opened = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ databaseUrl: url, schema })));
    try {
      const applied: { name: string }[] = await opened[0].dataSource.query(
        `SELECT name FROM ${schema}.segment_migrations`,
      );
      expect(new Set(applied.map((m) => m.name)).size).toBe(applied.length);
      expect(applied.length).toBeGreaterThanOrEqual(4);
    } finally {
      await Promise.all(opened.map((d) => d.close()));
      await dropSchema(url, schema);
    }
  });
});
