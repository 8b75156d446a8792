import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Claims walk a stage's packets for one destination in pathway and nonce order and stop at the
 * batch size: an index in that order (replacing `relayer_packet_work`, whose last column,
 * `next_attempt_at`, could not give it) keeps a claim as cheap with a backlog of millions as with
 * none. Before, each claim sorted every packet of its stage and destination.
 */
export class PacketQueue1764000000006 implements MigrationInterface {
  name = 'PacketQueue1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX relayer_packet_queue ON relayer_packet (stage, dst_eid, src_eid, nonce)`);
    await q.query(`DROP INDEX relayer_packet_work`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX relayer_packet_work ON relayer_packet (stage, dst_eid, next_attempt_at)`);
    await q.query(`DROP INDEX relayer_packet_queue`);
  }
}
