import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per transaction the relayer broadcast: replacements share a nonce. */
export class TxAttempts1764000000001 implements MigrationInterface {
  name = 'TxAttempts1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE relayer_tx_attempt (
      hash char(66) PRIMARY KEY,
      eid integer NOT NULL,
      sender char(42) NOT NULL,
      nonce integer NOT NULL,
      label text NOT NULL,
      max_fee_per_gas numeric(78,0) NOT NULL,
      max_priority_fee_per_gas numeric(78,0) NOT NULL,
      status varchar(12) NOT NULL,
      mined_block numeric(20,0),
      error text,
      sent_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX relayer_tx_attempt_nonce ON relayer_tx_attempt (eid, sender, nonce)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE relayer_tx_attempt`);
  }
}
