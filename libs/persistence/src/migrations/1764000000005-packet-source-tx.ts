import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Operators look packets up by the source transaction that sent them (`GET /packets?srcTx=`). */
export class PacketSourceTx1764000000005 implements MigrationInterface {
  name = 'PacketSourceTx1764000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX relayer_packet_src_tx ON relayer_packet (src_tx_hash)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX relayer_packet_src_tx`);
  }
}
