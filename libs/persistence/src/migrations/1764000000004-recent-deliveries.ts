import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relayer audits its recent deliveries against each destination (a chain rolled back past
 * them must get them again): an index on the delivered packets by destination and time, so the
 * audit reads the last minutes whatever the size of the table.
 */
export class RecentDeliveries1764000000004 implements MigrationInterface {
  name = 'RecentDeliveries1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX relayer_packet_recent_delivery ON relayer_packet (dst_eid, delivered_at) WHERE stage = 'delivered'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX relayer_packet_recent_delivery`);
  }
}
