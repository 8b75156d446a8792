import type { DataSource, EntityManager } from 'typeorm';
import type { Address, Hex } from 'viem';

/** One feed round as the chain reported it: the answer in the feed's decimals, at `updatedAt` (unix s). */
export interface PriceRound {
  eid: number;
  feed: Address;
  roundId: bigint;
  answer: bigint;
  updatedAt: number;
  blockNumber: bigint;
}

/** An account seen in a segment's vault events on one chain. */
export interface IndexedAccount {
  eid: number;
  segment: Hex;
  owner: Address;
  sub: bigint;
  firstBlock: bigint;
}

export type ProposalStatus = 'submitted' | 'applied' | 'failed' | 'refused';

export interface ProposalRecord {
  id: number;
  segment: Hex;
  assessmentId: number;
  params: unknown;
  status: ProposalStatus;
  txHash: Hex | null;
  paramsEpoch: bigint | null;
  appliedOn: number[];
  error: string | null;
  submittedAt: Date;
  updatedAt: Date;
}

export interface AlertRecord {
  id: number;
  kind: string;
  segmentA: Hex;
  segmentB: Hex;
  rho: number;
  threshold: number;
  window: number;
  raisedAt: Date;
  clearedAt: Date | null;
}

export interface LiquidationRecord {
  txHash: Hex;
  eid: number;
  segment: Hex;
  owner: Address;
  sub: bigint;
  assetId: Hex;
  repayAmount: bigint;
  status: 'mined' | 'reverted';
  error: string | null;
}

interface ProposalRow {
  id: string;
  segment: string;
  assessment_id: string;
  params: unknown;
  status: ProposalStatus;
  tx_hash: string | null;
  params_epoch: string | null;
  applied_on: number[];
  error: string | null;
  submitted_at: Date;
  updated_at: Date;
}

interface AlertRow {
  id: string;
  kind: string;
  segment_a: string;
  segment_b: string;
  rho: number;
  threshold: number;
  window_returns: number;
  raised_at: Date;
  cleared_at: Date | null;
}

const toProposal = (r: ProposalRow): ProposalRecord => ({
  id: Number(r.id),
  segment: r.segment as Hex, // stored from a Hex
  assessmentId: Number(r.assessment_id),
  params: r.params,
  status: r.status,
  txHash: r.tx_hash as Hex | null, // stored from a Hex
  paramsEpoch: r.params_epoch === null ? null : BigInt(r.params_epoch),
  appliedOn: r.applied_on,
  error: r.error,
  submittedAt: new Date(r.submitted_at),
  updatedAt: new Date(r.updated_at),
});

const toAlert = (r: AlertRow): AlertRecord => ({
  id: Number(r.id),
  kind: r.kind,
  segmentA: r.segment_a as Hex, // stored from a Hex
  segmentB: r.segment_b as Hex, // stored from a Hex
  rho: Number(r.rho),
  threshold: Number(r.threshold),
  window: r.window_returns,
  raisedAt: new Date(r.raised_at),
  clearedAt: r.cleared_at === null ? null : new Date(r.cleared_at),
});

/** The risk oracle's storage. Hex is stored lower-case; amounts as numeric, read back as bigint. */
export class RiskRepository {
  constructor(private readonly dataSource: DataSource) {}

  async cursor(eid: number): Promise<bigint | null> {
    const rows = await this.dataSource.query<{ block: string }[]>(`SELECT block FROM risk_cursor WHERE eid = $1`, [
      eid,
    ]);
    return rows[0] ? BigInt(rows[0].block) : null;
  }

  /** Stores what one block range held and moves the chain's cursor to `toBlock`, all or nothing. */
  async recordRange(eid: number, toBlock: bigint, prices: PriceRound[], accounts: IndexedAccount[]): Promise<void> {
    await this.dataSource.transaction(async (m: EntityManager) => {
      for (const p of prices) {
        await m.query(
          `INSERT INTO risk_price (eid, feed, round_id, answer, updated_at, block_number) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (eid, feed, round_id) DO NOTHING`,
          [
            p.eid,
            p.feed.toLowerCase(),
            p.roundId.toString(),
            p.answer.toString(),
            p.updatedAt,
            p.blockNumber.toString(),
          ],
        );
      }
      for (const a of accounts) {
        await m.query(
          `INSERT INTO risk_account (eid, segment, owner, sub, first_block) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (eid, segment, owner, sub) DO NOTHING`,
          [a.eid, a.segment.toLowerCase(), a.owner.toLowerCase(), a.sub.toString(), a.firstBlock.toString()],
        );
      }
      await m.query(
        `INSERT INTO risk_cursor (eid, block, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (eid) DO UPDATE SET block = EXCLUDED.block, updated_at = now()`,
        [eid, toBlock.toString()],
      );
    });
  }

  /**
   * A feed's rounds with `from ≤ updatedAt ≤ to`, oldest first, plus the last round before `from`
   * (the price in force when the window opens), when there is one.
   */
  async rounds(eid: number, feed: Address, from: number, to: number): Promise<PriceRound[]> {
    type Row = { round_id: string; answer: string; updated_at: string; block_number: string };
    const f = feed.toLowerCase();
    const before = await this.dataSource.query<Row[]>(
      `SELECT round_id, answer, updated_at, block_number FROM risk_price
       WHERE eid = $1 AND feed = $2 AND updated_at < $3 ORDER BY updated_at DESC, round_id DESC LIMIT 1`,
      [eid, f, from],
    );
    const inside = await this.dataSource.query<Row[]>(
      `SELECT round_id, answer, updated_at, block_number FROM risk_price
       WHERE eid = $1 AND feed = $2 AND updated_at >= $3 AND updated_at <= $4 ORDER BY updated_at, round_id`,
      [eid, f, from, to],
    );
    return [...before, ...inside].map((r) => ({
      eid,
      feed,
      roundId: BigInt(r.round_id),
      answer: BigInt(r.answer),
      updatedAt: Number(r.updated_at),
      blockNumber: BigInt(r.block_number),
    }));
  }

  async accounts(segment: Hex): Promise<IndexedAccount[]> {
    const rows = await this.dataSource.query<{ eid: number; owner: string; sub: string; first_block: string }[]>(
      `SELECT eid, owner, sub, first_block FROM risk_account WHERE segment = $1 ORDER BY eid, first_block, owner, sub`,
      [segment.toLowerCase()],
    );
    return rows.map((r) => ({
      eid: r.eid,
      segment,
      owner: r.owner as Address, // stored from an Address
      sub: BigInt(r.sub),
      firstBlock: BigInt(r.first_block),
    }));
  }

  async insertAssessment(segment: Hex, reason: string, changed: boolean, assessment: unknown): Promise<number> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO risk_assessment (segment, reason, changed, assessment) VALUES ($1, $2, $3, $4) RETURNING id`,
      [segment.toLowerCase(), reason, changed, JSON.stringify(assessment)],
    );
    return Number(rows[0]?.id);
  }

  /** The newest assessment of every segment. */
  async latestAssessments(): Promise<
    { id: number; segment: Hex; reason: string; changed: boolean; assessment: unknown; computedAt: Date }[]
  > {
    const rows = await this.dataSource.query<
      { id: string; segment: string; reason: string; changed: boolean; assessment: unknown; computed_at: Date }[]
    >(
      `SELECT DISTINCT ON (segment) id, segment, reason, changed, assessment, computed_at FROM risk_assessment ORDER BY segment, id DESC`,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      segment: r.segment as Hex, // stored from a Hex
      reason: r.reason,
      changed: r.changed,
      assessment: r.assessment,
      computedAt: new Date(r.computed_at),
    }));
  }

  async insertProposal(p: {
    segment: Hex;
    assessmentId: number;
    params: unknown;
    status: ProposalStatus;
    txHash?: Hex;
    error?: string;
  }): Promise<number> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO risk_proposal (segment, assessment_id, params, status, tx_hash, error) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        p.segment.toLowerCase(),
        p.assessmentId,
        JSON.stringify(p.params),
        p.status,
        p.txHash?.toLowerCase() ?? null,
        p.error ?? null,
      ],
    );
    return Number(rows[0]?.id);
  }

  async updateProposal(
    id: number,
    change: {
      status?: ProposalStatus;
      txHash?: Hex;
      paramsEpoch?: bigint;
      appliedOn?: number[];
      error?: string | null;
    },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE risk_proposal SET
         status = COALESCE($2, status),
         tx_hash = COALESCE($3, tx_hash),
         params_epoch = COALESCE($4::numeric, params_epoch),
         applied_on = COALESCE($5::jsonb, applied_on),
         error = CASE WHEN $6::boolean THEN $7 ELSE error END,
         updated_at = now()
       WHERE id = $1`,
      [
        id,
        change.status ?? null,
        change.txHash?.toLowerCase() ?? null,
        change.paramsEpoch?.toString() ?? null,
        change.appliedOn ? JSON.stringify(change.appliedOn) : null,
        change.error !== undefined,
        change.error ?? null,
      ],
    );
  }

  async proposals(filter: { status?: ProposalStatus; segment?: Hex; limit?: number } = {}): Promise<ProposalRecord[]> {
    const rows = await this.dataSource.query<ProposalRow[]>(
      `SELECT * FROM risk_proposal WHERE ($1::varchar IS NULL OR status = $1) AND ($2::char(66) IS NULL OR segment = $2)
       ORDER BY id DESC LIMIT $3`,
      [filter.status ?? null, filter.segment?.toLowerCase() ?? null, filter.limit ?? 100],
    );
    return rows.map(toProposal);
  }

  /** Raises an alert unless the same one is active; returns it when it is new. */
  async raiseAlert(a: {
    kind: string;
    segmentA: Hex;
    segmentB: Hex;
    rho: number;
    threshold: number;
    window: number;
  }): Promise<AlertRecord | null> {
    const rows = await this.dataSource.query<AlertRow[]>(
      `INSERT INTO risk_alert (kind, segment_a, segment_b, rho, threshold, window_returns) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (kind, segment_a, segment_b) WHERE cleared_at IS NULL DO NOTHING RETURNING *`,
      [a.kind, a.segmentA.toLowerCase(), a.segmentB.toLowerCase(), a.rho, a.threshold, a.window],
    );
    return rows[0] ? toAlert(rows[0]) : null;
  }

  async clearAlert(id: number): Promise<void> {
    await this.dataSource.query(`UPDATE risk_alert SET cleared_at = now() WHERE id = $1 AND cleared_at IS NULL`, [id]);
  }

  async alerts(filter: { active?: boolean; limit?: number } = {}): Promise<AlertRecord[]> {
    const rows = await this.dataSource.query<AlertRow[]>(
      `SELECT * FROM risk_alert WHERE ($1::boolean IS NULL OR (cleared_at IS NULL) = $1) ORDER BY id DESC LIMIT $2`,
      [filter.active ?? null, filter.limit ?? 100],
    );
    return rows.map(toAlert);
  }

  async recordLiquidation(l: LiquidationRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO risk_liquidation (tx_hash, eid, segment, owner, sub, asset_id, repay_amount, status, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tx_hash) DO NOTHING`,
      [
        l.txHash.toLowerCase(),
        l.eid,
        l.segment.toLowerCase(),
        l.owner.toLowerCase(),
        l.sub.toString(),
        l.assetId.toLowerCase(),
        l.repayAmount.toString(),
        l.status,
        l.error,
      ],
    );
  }

  async liquidations(segment?: Hex): Promise<LiquidationRecord[]> {
    const rows = await this.dataSource.query<
      {
        tx_hash: string;
        eid: number;
        segment: string;
        owner: string;
        sub: string;
        asset_id: string;
        repay_amount: string;
        status: 'mined' | 'reverted';
        error: string | null;
      }[]
    >(`SELECT * FROM risk_liquidation WHERE ($1::char(66) IS NULL OR segment = $1) ORDER BY at, tx_hash`, [
      segment?.toLowerCase() ?? null,
    ]);
    return rows.map((r) => ({
      txHash: r.tx_hash as Hex, // stored from a Hex
      eid: r.eid,
      segment: r.segment as Hex, // stored from a Hex
      owner: r.owner as Address, // stored from an Address
      sub: BigInt(r.sub),
      assetId: r.asset_id as Hex, // stored from a Hex
      repayAmount: BigInt(r.repay_amount),
      status: r.status,
      error: r.error,
    }));
  }
}
