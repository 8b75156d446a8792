import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The relayer's packets, their history and the per-chain cursors. */
export class Relayer1764000000000 implements MigrationInterface {
  name = 'Relayer1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE relayer_packet (
      guid char(66) PRIMARY KEY,
      src_eid integer NOT NULL,
      dst_eid integer NOT NULL,
      nonce numeric(20,0) NOT NULL,
      sender char(66) NOT NULL,
      receiver char(66) NOT NULL,
      header text NOT NULL,
      payload_hash char(66) NOT NULL,
      message text NOT NULL,
      options text NOT NULL,
      src_block_number numeric(20,0) NOT NULL,
      src_block_hash char(66) NOT NULL,
      src_tx_hash char(66) NOT NULL,
      our_dvn boolean NOT NULL,
      our_executor boolean NOT NULL,
      stage varchar(16) NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      lease_owner text,
      lease_expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      confirmed_at timestamptz,
      verified_at timestamptz,
      delivered_at timestamptz
    )`);
    await q.query(`CREATE INDEX relayer_packet_work ON relayer_packet (stage, dst_eid, next_attempt_at)`);
    await q.query(`CREATE INDEX relayer_packet_source ON relayer_packet (src_eid, stage, src_block_number)`);
    await q.query(`CREATE TABLE relayer_packet_event (
      id bigserial PRIMARY KEY,
      guid char(66) NOT NULL,
      stage varchar(16) NOT NULL,
      reason text,
      detail jsonb,
      at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX relayer_packet_event_guid ON relayer_packet_event (guid, id)`);
    await q.query(`CREATE TABLE relayer_cursor (
      eid integer PRIMARY KEY,
      block numeric(20,0) NOT NULL,
      block_hash char(66) NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE relayer_cursor`);
    await q.query(`DROP TABLE relayer_packet_event`);
    await q.query(`DROP TABLE relayer_packet`);
  }
}
