import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The relayer's tables. Amounts and block numbers are numeric in SQL and bigint in TypeScript
 * (repositories convert); hex values are stored lower-case with their 0x prefix.
 */
@Entity({ name: 'relayer_packet' })
@Index('relayer_packet_queue', ['stage', 'dstEid', 'srcEid', 'nonce'])
@Index('relayer_packet_source', ['srcEid', 'stage', 'srcBlockNumber'])
export class PacketEntity {
  @PrimaryColumn({ type: 'char', length: 66 }) guid!: string;
  @Column({ name: 'src_eid', type: 'integer' }) srcEid!: number;
  @Column({ name: 'dst_eid', type: 'integer' }) dstEid!: number;
  @Column({ type: 'numeric', precision: 20, scale: 0 }) nonce!: string;
  @Column({ type: 'char', length: 66 }) sender!: string;
  @Column({ type: 'char', length: 66 }) receiver!: string;
  @Column({ type: 'text' }) header!: string;
  @Column({ name: 'payload_hash', type: 'char', length: 66 }) payloadHash!: string;
  @Column({ type: 'text' }) message!: string;
  @Column({ type: 'text' }) options!: string;
  @Column({ name: 'src_block_number', type: 'numeric', precision: 20, scale: 0 }) srcBlockNumber!: string;
  @Column({ name: 'src_block_hash', type: 'char', length: 66 }) srcBlockHash!: string;
  @Column({ name: 'src_tx_hash', type: 'char', length: 66 }) srcTxHash!: string;
  @Column({ name: 'our_dvn', type: 'boolean' }) ourDvn!: boolean;
  @Column({ name: 'our_executor', type: 'boolean' }) ourExecutor!: boolean;
  @Column({ type: 'varchar', length: 16 }) stage!: string;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz' }) nextAttemptAt!: Date;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'lease_owner', type: 'text', nullable: true }) leaseOwner!: string | null;
  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true }) leaseExpiresAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true }) confirmedAt!: Date | null;
  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true }) verifiedAt!: Date | null;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt!: Date | null;
  @Column({ name: 'delivered_tx_hash', type: 'char', length: 66, nullable: true }) deliveredTxHash!: string | null;
}

/** Append-only history of what a packet row's stage stamps cannot tell: reasons, failures, earlier arrivals. */
@Entity({ name: 'relayer_packet_event' })
@Index('relayer_packet_event_guid', ['guid', 'id'])
export class PacketEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'char', length: 66 }) guid!: string;
  @Column({ type: 'varchar', length: 16 }) stage!: string;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ type: 'jsonb', nullable: true }) detail!: Record<string, unknown> | null;
  @Column({ type: 'timestamptz' }) at!: Date;
}

/** How far the watcher has read each chain. */
@Entity({ name: 'relayer_cursor' })
export class ChainCursorEntity {
  @PrimaryColumn({ type: 'integer' }) eid!: number;
  @Column({ type: 'numeric', precision: 20, scale: 0 }) block!: string;
  @Column({ name: 'block_hash', type: 'char', length: 66 }) blockHash!: string;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

export const ENTITIES = [PacketEntity, PacketEventEntity, ChainCursorEntity];
