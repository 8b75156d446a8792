import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The risk oracle's tables: feed rounds and indexed accounts per chain (with a cursor each), every
 * assessment with its inputs, steward proposals followed to every chain, correlation alerts and
 * the keeper's liquidations.
 */
export class RiskOracle1764000000002 implements MigrationInterface {
  name = 'RiskOracle1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE risk_cursor (
      eid integer PRIMARY KEY,
      block numeric(20,0) NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE risk_price (
      eid integer NOT NULL,
      feed char(42) NOT NULL,
      round_id numeric(30,0) NOT NULL,
      answer numeric(78,0) NOT NULL,
      updated_at bigint NOT NULL,
      block_number numeric(20,0) NOT NULL,
      PRIMARY KEY (eid, feed, round_id)
    )`);
    await q.query(`CREATE INDEX risk_price_time ON risk_price (eid, feed, updated_at)`);
    await q.query(`CREATE TABLE risk_account (
      eid integer NOT NULL,
      segment char(66) NOT NULL,
      owner char(42) NOT NULL,
      sub numeric(30,0) NOT NULL,
      first_block numeric(20,0) NOT NULL,
      PRIMARY KEY (eid, segment, owner, sub)
    )`);
    await q.query(`CREATE TABLE risk_assessment (
      id bigserial PRIMARY KEY,
      segment char(66) NOT NULL,
      reason text NOT NULL,
      changed boolean NOT NULL,
      assessment jsonb NOT NULL,
      computed_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX risk_assessment_segment ON risk_assessment (segment, id)`);
    await q.query(`CREATE TABLE risk_proposal (
      id bigserial PRIMARY KEY,
      segment char(66) NOT NULL,
      assessment_id bigint NOT NULL REFERENCES risk_assessment (id),
      params jsonb NOT NULL,
      status varchar(12) NOT NULL,
      tx_hash char(66),
      params_epoch numeric(20,0),
      applied_on jsonb NOT NULL DEFAULT '[]',
      error text,
      submitted_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX risk_proposal_open ON risk_proposal (status, id)`);
    await q.query(`CREATE TABLE risk_alert (
      id bigserial PRIMARY KEY,
      kind varchar(16) NOT NULL,
      segment_a char(66) NOT NULL,
      segment_b char(66) NOT NULL,
      rho double precision NOT NULL,
      threshold double precision NOT NULL,
      window_returns integer NOT NULL,
      raised_at timestamptz NOT NULL DEFAULT now(),
      cleared_at timestamptz
    )`);
    await q.query(
      `CREATE UNIQUE INDEX risk_alert_active ON risk_alert (kind, segment_a, segment_b) WHERE cleared_at IS NULL`,
    );
    await q.query(`CREATE TABLE risk_liquidation (
      tx_hash char(66) PRIMARY KEY,
      eid integer NOT NULL,
      segment char(66) NOT NULL,
      owner char(42) NOT NULL,
      sub numeric(30,0) NOT NULL,
      asset_id char(66) NOT NULL,
      repay_amount numeric(78,0) NOT NULL,
      status varchar(12) NOT NULL,
      error text,
      at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'risk_liquidation',
      'risk_alert',
      'risk_proposal',
      'risk_assessment',
      'risk_account',
      'risk_price',
      'risk_cursor',
    ])
      await q.query(`DROP TABLE ${t}`);
  }
}
