import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { PacketHistoryEntry, PacketRecord, PacketStage } from '../pipeline/packet-store.js';

export const PACKET_STAGES: readonly PacketStage[] = [
  'sent',
  'confirmed',
  'verified',
  'delivered',
  'failed',
  'dead',
  'dropped',
];

export class ListPacketsQuery {
  @IsOptional()
  @IsIn(PACKET_STAGES)
  stage?: PacketStage;

  /** `40101-40102`: source eid, destination eid. */
  @IsOptional()
  @Matches(/^\d{1,6}-\d{1,6}$/, { message: 'pathway must look like 40101-40102 (source eid-destination eid)' })
  pathway?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  /** Only the packets sent by this source transaction. */
  @IsOptional()
  @Matches(/^0x[0-9a-fA-F]{64}$/, { message: 'srcTx must be a transaction hash (0x and 64 hex digits)' })
  srcTx?: string;
}

/** A packet as the API shows it: bigints as decimal strings, never the database row. */
export interface PacketView {
  guid: string;
  pathway: string;
  srcEid: number;
  dstEid: number;
  nonce: string;
  sender: string;
  receiver: string;
  stage: PacketStage;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  srcBlockNumber: string;
  srcTxHash: string;
  payloadHash: string;
}

export function toPacketView(p: PacketRecord): PacketView {
  return {
    guid: p.guid,
    pathway: `${p.srcEid}-${p.dstEid}`,
    srcEid: p.srcEid,
    dstEid: p.dstEid,
    nonce: p.nonce.toString(),
    sender: p.sender,
    receiver: p.receiver,
    stage: p.stage,
    attempts: p.attempts,
    nextAttemptAt: p.nextAttemptAt.toISOString(),
    lastError: p.lastError,
    srcBlockNumber: p.srcBlockNumber.toString(),
    srcTxHash: p.srcTxHash,
    payloadHash: p.payloadHash,
  };
}

export interface PacketHistoryView {
  stage: PacketStage;
  at: string;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

export function toHistoryView(h: PacketHistoryEntry): PacketHistoryView {
  return { stage: h.stage, at: h.at.toISOString(), reason: h.reason, detail: h.detail };
}
