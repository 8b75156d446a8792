import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The governance API's tables: proposals as the API built them (the controller holds the truth
 * once queued), the governors' signatures, and an append-only audit log of every state change
 * (a trigger refuses UPDATE and DELETE on it).
 */
export class Governance1764000000003 implements MigrationInterface {
  name = 'Governance1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE gov_proposal (
      id char(66) PRIMARY KEY,
      kind varchar(32) NOT NULL,
      action smallint NOT NULL,
      segment varchar(32),
      data text NOT NULL,
      nonce numeric(78,0) NOT NULL UNIQUE,
      deadline bigint NOT NULL,
      request jsonb NOT NULL,
      status varchar(12) NOT NULL,
      eta bigint,
      queue_tx char(66),
      execute_tx char(66),
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX gov_proposal_status ON gov_proposal (status, created_at)`);
    await q.query(`CREATE TABLE gov_signature (
      proposal_id char(66) NOT NULL REFERENCES gov_proposal (id),
      signer char(42) NOT NULL,
      signature text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (proposal_id, signer)
    )`);
    await q.query(`CREATE TABLE gov_audit (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      event varchar(40) NOT NULL,
      proposal_id char(66),
      actor char(42),
      details jsonb NOT NULL
    )`);
    await q.query(`CREATE FUNCTION gov_audit_append_only() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'gov_audit is append-only'; END;
    $$ LANGUAGE plpgsql`);
    await q.query(`CREATE TRIGGER gov_audit_no_change BEFORE UPDATE OR DELETE ON gov_audit
      FOR EACH ROW EXECUTE FUNCTION gov_audit_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gov_audit`);
    await q.query(`DROP FUNCTION gov_audit_append_only`);
    await q.query(`DROP TABLE gov_signature`);
    await q.query(`DROP TABLE gov_proposal`);
  }
}
