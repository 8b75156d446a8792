import type { DataSource, EntityManager } from 'typeorm';
import type { Address, Hex } from 'viem';

export type GovernanceProposalStatus = 'pending' | 'queued' | 'executed' | 'failed' | 'expired';

export interface GovernanceProposal {
  id: Hex;
  kind: string;
  action: number;
  segment: string | null;
  data: Hex;
  nonce: bigint;
  deadline: number;
  request: unknown;
  status: GovernanceProposalStatus;
  eta: number | null;
  queueTx: Hex | null;
  executeTx: Hex | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface GovernanceSignature {
  signer: Address;
  signature: Hex;
  createdAt: Date;
}

export interface AuditEntry {
  id: number;
  at: Date;
  event: string;
  proposalId: Hex | null;
  actor: Address | null;
  details: unknown;
}

interface ProposalRow {
  id: string;
  kind: string;
  action: number;
  segment: string | null;
  data: string;
  nonce: string;
  deadline: string;
  request: unknown;
  status: GovernanceProposalStatus;
  eta: string | null;
  queue_tx: string | null;
  execute_tx: string | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
}

const toProposal = (r: ProposalRow): GovernanceProposal => ({
  id: r.id as Hex,
  kind: r.kind,
  action: Number(r.action),
  segment: r.segment,
  data: r.data as Hex,
  nonce: BigInt(r.nonce),
  deadline: Number(r.deadline),
  request: r.request,
  status: r.status,
  eta: r.eta === null ? null : Number(r.eta),
  queueTx: r.queue_tx as Hex | null,
  executeTx: r.execute_tx as Hex | null,
  error: r.error,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/** Thrown when a governor's signature for a proposal is already stored. */
export class DuplicateSignatureError extends Error {
  override name = 'DuplicateSignatureError';
}

/**
 * Proposals, signatures and the audit log. Every change writes its audit entry in the same
 * transaction, so the log never misses a change and never records one that did not happen.
 */
export class GovernanceRepository {
  constructor(private readonly dataSource: DataSource) {}

  private audit(m: EntityManager, event: string, proposalId: Hex | null, actor: Address | null, details: unknown) {
    return m.query(`INSERT INTO gov_audit (event, proposal_id, actor, details) VALUES ($1, $2, $3, $4)`, [
      event,
      proposalId,
      actor?.toLowerCase() ?? null,
      JSON.stringify(details, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    ]);
  }

  async insertProposal(
    p: Omit<GovernanceProposal, 'status' | 'eta' | 'queueTx' | 'executeTx' | 'error' | 'createdAt' | 'updatedAt'>,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO gov_proposal (id, kind, action, segment, data, nonce, deadline, request, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')`,
        [p.id, p.kind, p.action, p.segment, p.data, p.nonce.toString(), p.deadline, JSON.stringify(p.request)],
      );
      await this.audit(m, 'proposal.created', p.id, null, { kind: p.kind, request: p.request, deadline: p.deadline });
    });
  }

  async proposal(id: Hex): Promise<GovernanceProposal | null> {
    const rows: ProposalRow[] = await this.dataSource.query(`SELECT * FROM gov_proposal WHERE id = $1`, [
      id.toLowerCase(),
    ]);
    return rows[0] ? toProposal(rows[0]) : null;
  }

  async proposals(filter: { status?: GovernanceProposalStatus; limit?: number } = {}): Promise<GovernanceProposal[]> {
    const rows: ProposalRow[] = await this.dataSource.query(
      `SELECT * FROM gov_proposal WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC, id LIMIT $2`,
      [filter.status ?? null, filter.limit ?? 200],
    );
    return rows.map(toProposal);
  }

  /** Stores a checked signature; a second one from the same signer is refused (DuplicateSignatureError). */
  async addSignature(id: Hex, signer: Address, signature: Hex): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const rows: unknown[] = await m.query(
        `INSERT INTO gov_signature (proposal_id, signer, signature) VALUES ($1, $2, $3)
         ON CONFLICT (proposal_id, signer) DO NOTHING RETURNING signer`,
        [id.toLowerCase(), signer.toLowerCase(), signature],
      );
      if (rows.length === 0) throw new DuplicateSignatureError(`${signer} already signed ${id}`);
      await this.audit(m, 'signature.added', id, signer, {});
    });
  }

  async signatures(id: Hex): Promise<GovernanceSignature[]> {
    const rows: { signer: string; signature: string; created_at: Date }[] = await this.dataSource.query(
      `SELECT signer, signature, created_at FROM gov_signature WHERE proposal_id = $1 ORDER BY signer`,
      [id.toLowerCase()],
    );
    return rows.map((r) => ({
      signer: r.signer as Address,
      signature: r.signature as Hex,
      createdAt: new Date(r.created_at),
    }));
  }

  /** Moves a proposal on (queued with its eta and tx, executed, failed, expired) and logs why. */
  async transition(
    id: Hex,
    status: GovernanceProposalStatus,
    change: { eta?: number; queueTx?: Hex; executeTx?: Hex; error?: string | null },
    actor: Address | null,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE gov_proposal SET status = $2, eta = COALESCE($3, eta), queue_tx = COALESCE($4, queue_tx),
           execute_tx = COALESCE($5, execute_tx), error = $6, updated_at = now() WHERE id = $1`,
        [
          id.toLowerCase(),
          status,
          change.eta ?? null,
          change.queueTx ?? null,
          change.executeTx ?? null,
          change.error ?? null,
        ],
      );
      await this.audit(m, `proposal.${status}`, id, actor, change);
    });
  }

  /** An audit entry for a change made outside a proposal (a guardian freeze). */
  async record(event: string, actor: Address | null, details: unknown): Promise<void> {
    await this.dataSource.transaction((m) => this.audit(m, event, null, actor, details));
  }

  async auditLog(filter: { proposalId?: Hex; limit?: number } = {}): Promise<AuditEntry[]> {
    const rows: {
      id: string;
      at: Date;
      event: string;
      proposal_id: string | null;
      actor: string | null;
      details: unknown;
    }[] = await this.dataSource.query(
      `SELECT * FROM gov_audit WHERE ($1::text IS NULL OR proposal_id = $1) ORDER BY id DESC LIMIT $2`,
      [filter.proposalId?.toLowerCase() ?? null, filter.limit ?? 500],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: new Date(r.at),
      event: r.event,
      proposalId: r.proposal_id as Hex | null,
      actor: r.actor as Address | null,
      details: r.details,
    }));
  }
}
