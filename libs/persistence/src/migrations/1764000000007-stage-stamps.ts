import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A packet's path through its stages is told by the stamps on its row (`created_at`,
 * `confirmed_at`, `verified_at`, `delivered_at` and now the delivery's transaction,
 * `delivered_tx_hash`); `relayer_packet_event` keeps what they cannot: failures, reasons,
 * re-queues, and an earlier arrival in a stage a packet entered again. A packet on the happy path
 * writes no history rows, where it wrote four.
 */
export class StageStamps1764000000007 implements MigrationInterface {
  name = 'StageStamps1764000000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE relayer_packet ADD COLUMN delivered_tx_hash char(66)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE relayer_packet DROP COLUMN delivered_tx_hash`);
  }
}
