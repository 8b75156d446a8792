import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two lookups that must not scan the whole packet table, however large it grows:
 * - the relayer audits its recent deliveries against each destination (a chain rolled back past
 *   them must get them again): delivered packets by destination and time;
 * - operators look packets up by the source transaction that sent them (`GET /packets?srcTx=`).
 */
export class RelayerLookups1764000000004 implements MigrationInterface {
  name = 'RelayerLookups1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX relayer_packet_recent_delivery ON relayer_packet (dst_eid, delivered_at) WHERE stage = 'delivered'`,
    );
    await q.query(`CREATE INDEX relayer_packet_src_tx ON relayer_packet (src_tx_hash)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX relayer_packet_src_tx`);
    await q.query(`DROP INDEX relayer_packet_recent_delivery`);
  }
}
