import type { DataSource, EntityManager } from 'typeorm';
import type { Hex } from 'viem';
import type {
  ClaimFilter,
  ObservedPacketRecord,
  PacketHistoryEntry,
  PacketListFilter,
  PacketRecord,
  PacketStage,
  StageChange,
  StageTiming,
} from './packet.types.js';

interface PacketRow {
  guid: string;
  src_eid: number;
  dst_eid: number;
  nonce: string;
  sender: string;
  receiver: string;
  header: string;
  payload_hash: string;
  message: string;
  options: string;
  src_block_number: string;
  src_block_hash: string;
  src_tx_hash: string;
  our_dvn: boolean;
  our_executor: boolean;
  stage: PacketStage;
  attempts: number;
  next_attempt_at: Date | string;
  last_error: string | null;
}

const COLUMNS = [
  'guid',
  'src_eid',
  'dst_eid',
  'nonce',
  'sender',
  'receiver',
  'header',
  'payload_hash',
  'message',
  'options',
  'src_block_number',
  'src_block_hash',
  'src_tx_hash',
  'our_dvn',
  'our_executor',
] as const;

/** The columns of a PacketRecord (`p.*` would carry timestamps nobody reads, each parsed into a Date). */
const RECORD_COLUMNS = [...COLUMNS, 'stage', 'attempts', 'next_attempt_at', 'last_error']
  .map((c) => `p.${c}`)
  .join(', ');

/** Stages whose time of arrival has its own column. */
const STAGE_TIMESTAMP: Partial<Record<PacketStage, string>> = {
  confirmed: 'confirmed_at',
  verified: 'verified_at',
  delivered: 'delivered_at',
};
/** When a packet entered the stage before each timed stage (a stamp a move into it leaves alone). */
const PREVIOUS_STAMP: Partial<Record<PacketStage, string>> = {
  confirmed: 'created_at',
  verified: 'COALESCE(confirmed_at, created_at)',
  delivered: 'COALESCE(verified_at, confirmed_at, created_at)',
};
/** Entries of one instant (one statement's `now()`) in the order the stages come. */
const STAGE_ORDER = `CASE stage WHEN 'sent' THEN 0 WHEN 'confirmed' THEN 1 WHEN 'verified' THEN 2 WHEN 'delivered' THEN 3 ELSE 4 END`;
/** Stages whose reason is the packet's visible "why is it not moving". */
const PROBLEM_STAGES: readonly PacketStage[] = ['failed', 'dead', 'dropped'];
const INSERT_CHUNK = 500;
/**
 * The packets `$1` (guids) that are in stage `$2`, found by their primary key. The stage is tested
 * as `(…) IS TRUE`, which no index serves: otherwise the planner may take the stage index, whose
 * statistics always lag behind a pipeline that moves every row through every stage (PGlite never
 * analyzes; Postgres not within a burst), and read every row of the stage to find a batch of them.
 */
const BY_GUID_IN_STAGE = `guid = ANY($1::char(66)[]) AND (stage = $2::varchar) IS TRUE`;
/** A recorded row's lease expiry and confirmation time, from recordObserved's $1 (stage), $2 (owner), $3 (ms). */
const LEASE_UNTIL = `CASE WHEN $2::varchar IS NULL THEN NULL ELSE now() + make_interval(secs => $3::double precision / 1000) END`;
const CONFIRMED_AT = `CASE WHEN $1::varchar = 'confirmed' THEN now() END`;

/**
 * The relayer's packets and cursors. Claims are leases taken with `FOR UPDATE SKIP LOCKED`, so
 * several replicas on one Postgres never claim the same packet twice; moves are compare-and-set
 * on (stage, lease owner). A packet's history is its row's stage stamps plus, in the same
 * statement as the move that made them, history rows for what the stamps cannot tell: a reason,
 * a stage without a stamp (failed, dead, dropped), an earlier arrival in a stage entered again.
 */
export class PacketRepository {
  private readonly timingListeners: ((timings: readonly StageTiming[]) => void)[] = [];

  constructor(private readonly dataSource: DataSource) {}

  /** Calls `listener` after every committed move into `confirmed`, `verified` or `delivered` (stage latency metrics). */
  onStageTimings(listener: (timings: readonly StageTiming[]) => void): void {
    this.timingListeners.push(listener);
  }

  /**
   * Records packets the watcher observed, in one statement per chunk. With `confirmed`, the
   * watcher re-read their source blocks at the configured depth already: they are recorded
   * straight in `confirmed`, leased to `lease.owner` when it works on their next stage itself.
   * A packet a reorg re-sent in another block starts again, with a history row saying so.
   * Returns the guids written.
   */
  async recordObserved(
    packets: readonly ObservedPacketRecord[],
    confirmed?: { depth: number; lease?: { owner: string; ms: number } },
  ): Promise<Set<Hex>> {
    const written = new Set<Hex>();
    const stage: PacketStage = confirmed ? 'confirmed' : 'sent';
    for (let i = 0; i < packets.length; i += INSERT_CHUNK) {
      const chunk = packets.slice(i, i + INSERT_CHUNK);
      // one array per column (15 parameters, not 15 per row: a statement is parsed once, not its rows)
      const lower = (f: (p: ObservedPacketRecord) => string) => chunk.map((p) => f(p).toLowerCase());
      const params: unknown[] = [
        stage,
        confirmed?.lease?.owner ?? null,
        confirmed?.lease?.ms ?? null,
        'seen again in another block (a reorg re-sent it)',
        lower((p) => p.guid),
        chunk.map((p) => p.srcEid),
        chunk.map((p) => p.dstEid),
        chunk.map((p) => p.nonce.toString()),
        lower((p) => p.sender),
        lower((p) => p.receiver),
        lower((p) => p.header),
        lower((p) => p.payloadHash),
        lower((p) => p.message),
        lower((p) => p.options),
        chunk.map((p) => p.srcBlockNumber.toString()),
        lower((p) => p.srcBlockHash),
        lower((p) => p.srcTxHash),
        chunk.map((p) => p.assignedToOurDvn),
        chunk.map((p) => p.assignedToOurExecutor),
      ];
      // A known guid keeps its row, unless the row is still unconfirmed (or was dropped) and the
      // packet now sits in another block: a reorg re-sent it, so it starts again.
      const rowsWritten = await this.dataSource.query<{ guid: string; src_eid: number; dst_eid: number }[]>(
        `WITH written AS (
           INSERT INTO relayer_packet (${COLUMNS.join(', ')}, stage, lease_owner, lease_expires_at, confirmed_at)
           SELECT r.*, $1::varchar, $2::varchar, ${LEASE_UNTIL}, ${CONFIRMED_AT}
           FROM unnest($5::char(66)[], $6::integer[], $7::integer[], $8::numeric[], $9::char(66)[], $10::char(66)[],
             $11::text[], $12::char(66)[], $13::text[], $14::text[], $15::numeric[], $16::char(66)[], $17::char(66)[],
             $18::boolean[], $19::boolean[]) AS r
           ON CONFLICT (guid) DO UPDATE SET
             src_block_number = EXCLUDED.src_block_number, src_block_hash = EXCLUDED.src_block_hash,
             src_tx_hash = EXCLUDED.src_tx_hash, header = EXCLUDED.header, payload_hash = EXCLUDED.payload_hash,
             message = EXCLUDED.message, options = EXCLUDED.options, stage = EXCLUDED.stage, attempts = 0,
             last_error = NULL, next_attempt_at = now(), lease_owner = EXCLUDED.lease_owner,
             lease_expires_at = EXCLUDED.lease_expires_at, confirmed_at = EXCLUDED.confirmed_at, updated_at = now()
           WHERE relayer_packet.stage IN ('sent', 'dropped') AND relayer_packet.src_block_hash <> EXCLUDED.src_block_hash
           RETURNING guid, src_eid, dst_eid, xmax <> 0 AS again
         ), history AS (
           INSERT INTO relayer_packet_event (guid, stage, reason)
           SELECT guid, 'sent', $4::text FROM written WHERE again
         )
         SELECT guid, src_eid, dst_eid FROM written`,
        params,
      );
      for (const r of rowsWritten) written.add(r.guid as Hex); // written from Hex values
      if (confirmed)
        this.reportTimings(
          rowsWritten.map((r) => ({
            stage: 'confirmed',
            srcEid: Number(r.src_eid),
            dstEid: Number(r.dst_eid),
            seconds: 0,
            sinceSeenSeconds: 0,
          })),
        );
    }
    return written;
  }

  /**
   * Leases up to `filter.limit` packets to `owner`: the first stage of `filter.stages` first (new
   * packets before retried ones), each by source chain and nonce, skipping rows another
   * transaction holds. One statement per stage, each an ordered walk of `relayer_packet_queue`
   * that stops at the limit, so a claim costs the same with a backlog of millions as with none.
   */
  async claim(filter: ClaimFilter, owner: string, leaseMs: number): Promise<PacketRecord[]> {
    const claimed: PacketRecord[] = [];
    for (const stage of filter.stages) {
      const limit = filter.limit - claimed.length;
      if (limit <= 0) break;
      const rows = await this.dataSource.query<PacketRow[] | [PacketRow[], number]>(
        `WITH picked AS (
           SELECT guid FROM relayer_packet
           WHERE stage = $1::varchar
             AND ($2::integer IS NULL OR src_eid = $2)
             AND ($3::integer IS NULL OR dst_eid = $3)
             AND ($4::numeric IS NULL OR src_block_number <= $4)
             AND next_attempt_at <= now()
             AND (lease_owner IS NULL OR lease_expires_at < now() OR (lease_owner = $5 AND NOT $8::boolean))
           ORDER BY dst_eid, src_eid, nonce
           LIMIT $6
           FOR UPDATE SKIP LOCKED
         )
         UPDATE relayer_packet p
         SET lease_owner = $5, lease_expires_at = now() + make_interval(secs => $7::double precision / 1000)
         FROM picked WHERE p.guid = picked.guid
         RETURNING ${RECORD_COLUMNS}`,
        [
          stage,
          filter.srcEid ?? null,
          filter.dstEid ?? null,
          filter.maxSrcBlock?.toString() ?? null,
          owner,
          limit,
          leaseMs,
          filter.skipOwnLeases ?? false,
        ],
      );
      claimed.push(...rowsOf(rows).map(toRecord));
    }
    return claimed;
  }

  async move(guid: Hex, from: PacketStage, owner: string, change: StageChange): Promise<boolean> {
    return (await this.moveAll([guid], from, owner, change)).size === 1;
  }

  /**
   * Moves several packets that make the same change in one statement (the UPDATE and its history
   * rows together). Returns the guids that moved; a packet whose stage or lease owner changed
   * meanwhile stays where it is. A move into a stamped stage with no reason or detail writes no
   * history row (the stamp tells it), unless the packet had been in that stage before: then the
   * earlier arrival, whose stamp the move replaces, becomes a history row.
   */
  async moveAll(guids: readonly Hex[], from: PacketStage, owner: string, change: StageChange): Promise<Set<Hex>> {
    if (guids.length === 0) return new Set();
    const stamp = STAGE_TIMESTAMP[change.to];
    const previous = PREVIOUS_STAMP[change.to];
    // when the packet entered the stage (its stamp, and the time of a history row the move writes):
    // now, or when it was verified for a move recorded late
    const arrived = change.to === 'verified' ? 'COALESCE($12::timestamptz, now())' : 'now()';
    type Moved = {
      guid: string;
      src_eid: number;
      dst_eid: number;
      seconds: number | null;
      seen: number | null;
      verified_seconds: number | null;
      verified_seen: number | null;
    };
    // with a stamp: the stamp and delivery transaction the move replaces, read before it
    const rows = await this.dataSource.query<Moved[]>(
      `WITH earlier AS (
         SELECT guid, ${stamp ?? 'NULL::timestamptz'} AS stamp, delivered_tx_hash AS tx, verified_at AS verified
         FROM relayer_packet WHERE ${BY_GUID_IN_STAGE} AND lease_owner = $7
       ), moved AS (
         UPDATE relayer_packet p SET
           stage = $3::varchar, updated_at = now(),
           lease_owner = CASE WHEN $10::double precision IS NULL THEN NULL ELSE p.lease_owner END,
           lease_expires_at = CASE WHEN $10::double precision IS NULL THEN NULL
             ELSE now() + make_interval(secs => $10::double precision / 1000) END,
           last_error = CASE WHEN $3::varchar = ANY($8::varchar[]) THEN $4::text ELSE NULL END,
           attempts = COALESCE($5::integer, p.attempts),
           next_attempt_at = COALESCE($6::timestamptz, p.next_attempt_at)
           ${stamp ? `, ${stamp} = ${arrived}` : ''}
           , delivered_tx_hash = CASE WHEN $3::varchar = 'delivered' THEN $11::char(66) ELSE p.delivered_tx_hash END
           ${change.to === 'delivered' ? ', verified_at = COALESCE($12::timestamptz, p.verified_at)' : ''}
         FROM earlier WHERE p.guid = earlier.guid AND (p.stage = $2::varchar) IS TRUE AND p.lease_owner = $7
         RETURNING p.guid, p.src_eid, p.dst_eid, earlier.stamp AS earlier_stamp, earlier.tx AS earlier_tx,
           earlier.verified AS earlier_verified,
           EXTRACT(EPOCH FROM $12::timestamptz - COALESCE(p.confirmed_at, p.created_at))::float8 AS verified_seconds,
           EXTRACT(EPOCH FROM $12::timestamptz - p.created_at)::float8 AS verified_seen${
             previous
               ? `, EXTRACT(EPOCH FROM ${arrived} - ${previous})::float8 AS seconds, EXTRACT(EPOCH FROM ${arrived} - p.created_at)::float8 AS seen`
               : ''
           }
       ), history AS (
         INSERT INTO relayer_packet_event (guid, stage, reason, detail, at)
         SELECT guid, $3::varchar, $4::text, $9::jsonb, ${arrived} FROM moved
         WHERE ${stamp ? '$4::text IS NOT NULL OR $9::jsonb IS NOT NULL' : 'true'}
         UNION ALL
         SELECT guid, $3::varchar, NULL, CASE WHEN earlier_tx IS NOT NULL AND $3::varchar = 'delivered'
           THEN jsonb_build_object('txHash', earlier_tx) END, earlier_stamp
         FROM moved WHERE earlier_stamp IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM relayer_packet_event e WHERE e.guid = moved.guid AND e.stage = $3::varchar AND e.at = moved.earlier_stamp)
         UNION ALL
         SELECT guid, 'verified', NULL, NULL, earlier_verified
         FROM moved WHERE $3::varchar = 'delivered' AND $12::timestamptz IS NOT NULL AND earlier_verified IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM relayer_packet_event e
             WHERE e.guid = moved.guid AND e.stage = 'verified' AND e.at = moved.earlier_verified)
       )
       SELECT * FROM moved`,
      [
        guids.map((g) => g.toLowerCase()),
        from,
        change.to,
        change.reason ?? null,
        change.attempts ?? null,
        change.nextAttemptAt ?? null,
        owner,
        PROBLEM_STAGES,
        change.detail === undefined ? null : JSON.stringify(change.detail),
        change.keepLeaseMs ?? null,
        change.txHash?.toLowerCase() ?? null,
        change.verifiedAt ?? null,
      ],
    );
    if (change.to === 'delivered' && change.verifiedAt)
      this.reportTimings(
        rows.map((r) => ({
          stage: 'verified',
          srcEid: Number(r.src_eid),
          dstEid: Number(r.dst_eid),
          seconds: Math.max(0, Number(r.verified_seconds)),
          sinceSeenSeconds: Math.max(0, Number(r.verified_seen)),
        })),
      );
    if (previous)
      this.reportTimings(
        rows.map((r) => ({
          stage: change.to as StageTiming['stage'], // the stages with a previous stamp
          srcEid: Number(r.src_eid),
          dstEid: Number(r.dst_eid),
          seconds: Math.max(0, Number(r.seconds)),
          sinceSeenSeconds: Math.max(0, Number(r.seen)),
        })),
      );
    return new Set(rows.map((r) => r.guid as Hex)); // written from Hex values
  }

  /**
   * Hands packets back without a stage change or a used attempt: they wait until `until` for
   * something outside them (an earlier nonce on their pathway), and `reason` says what.
   * Returns the guids deferred; one whose stage or lease owner changed meanwhile is left alone.
   */
  async defer(guids: readonly Hex[], from: PacketStage, owner: string, reason: string, until: Date): Promise<Set<Hex>> {
    if (guids.length === 0) return new Set();
    const result = await this.dataSource.query<[{ guid: string }[], number] | { guid: string }[]>(
      `UPDATE relayer_packet SET lease_owner = NULL, lease_expires_at = NULL, last_error = $4::text,
         next_attempt_at = $5::timestamptz, updated_at = now()
       WHERE ${BY_GUID_IN_STAGE} AND lease_owner = $3
       RETURNING guid`,
      [guids.map((g) => g.toLowerCase()), from, owner, reason, until],
    );
    return new Set(rowsOf(result).map((r) => r.guid as Hex)); // written from Hex values
  }

  async release(owner: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE relayer_packet SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1`,
      [owner],
    );
  }

  async cursor(eid: number): Promise<{ block: bigint; hash: Hex } | undefined> {
    const rows = await this.dataSource.query<{ block: string; block_hash: string }[]>(
      `SELECT block::text AS block, block_hash FROM relayer_cursor WHERE eid = $1`,
      [eid],
    );
    const row = rows[0];
    return row ? { block: BigInt(row.block), hash: row.block_hash as Hex } : undefined; // stored from a Hex
  }

  async setCursor(eid: number, block: bigint, hash: Hex): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO relayer_cursor (eid, block, block_hash, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (eid) DO UPDATE SET block = EXCLUDED.block, block_hash = EXCLUDED.block_hash, updated_at = now()`,
      [eid, block.toString(), hash.toLowerCase()],
    );
  }

  async list(filter: PacketListFilter): Promise<PacketRecord[]> {
    const rows = await this.dataSource.query<PacketRow[]>(
      `SELECT * FROM relayer_packet
       WHERE ($1::varchar IS NULL OR stage = $1) AND ($2::integer IS NULL OR src_eid = $2) AND ($3::integer IS NULL OR dst_eid = $3)
         AND ($5::varchar IS NULL OR src_tx_hash = $5)
       ORDER BY created_at DESC, guid LIMIT $4`,
      [
        filter.stage ?? null,
        filter.srcEid ?? null,
        filter.dstEid ?? null,
        filter.limit,
        filter.srcTxHash?.toLowerCase() ?? null,
      ],
    );
    return rows.map(toRecord);
  }

  async get(guid: Hex): Promise<PacketRecord | undefined> {
    const rows = await this.dataSource.query<PacketRow[]>(`SELECT * FROM relayer_packet WHERE guid = $1`, [
      guid.toLowerCase(),
    ]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * A packet's whole history, oldest first: its row's stage stamps and its history rows (a stamp
   * that a history row tells already, with its reason, is not told twice).
   */
  async history(guid: Hex): Promise<PacketHistoryEntry[]> {
    const rows = await this.dataSource.query<
      { stage: PacketStage; at: Date | string; reason: string | null; detail: Record<string, unknown> | null }[]
    >(
      `WITH events AS (
         SELECT id, stage, at, reason, detail FROM relayer_packet_event WHERE guid = $1
       ), stamps AS (
         SELECT s.stage, s.at, s.detail FROM relayer_packet p
         CROSS JOIN LATERAL (VALUES ('sent', p.created_at, NULL::jsonb), ('confirmed', p.confirmed_at, NULL),
           ('verified', p.verified_at, NULL), ('delivered', p.delivered_at,
             CASE WHEN p.delivered_tx_hash IS NULL THEN NULL ELSE jsonb_build_object('txHash', p.delivered_tx_hash) END)
         ) AS s(stage, at, detail)
         WHERE p.guid = $1 AND s.at IS NOT NULL
       )
       SELECT * FROM (
         SELECT stage, at, reason, detail, id FROM events
         UNION ALL
         SELECT stage, at, NULL, detail, NULL FROM stamps
         WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stage = stamps.stage AND e.at = stamps.at)
       ) AS h ORDER BY at, ${STAGE_ORDER}, id NULLS FIRST`,
      [guid.toLowerCase()],
    );
    return rows.map((r) => ({ stage: r.stage, at: new Date(r.at), reason: r.reason, detail: r.detail }));
  }

  async requeue(guid: Hex, by: string): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const result = await m.query<[unknown[], number] | unknown[]>(
        `UPDATE relayer_packet SET stage = 'confirmed', attempts = 0, last_error = NULL, next_attempt_at = now(),
           lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
         WHERE guid = $1 AND stage IN ('failed', 'dead') RETURNING guid`,
        [guid.toLowerCase()],
      );
      const moved = rowsOf(result).length === 1;
      if (moved)
        await this.appendHistory(m, [{ guid, stage: 'confirmed', reason: `re-queued by ${by}`, detail: null }]);
      return moved;
    });
  }

  /**
   * Packets recorded delivered on a pathway from `nonce` on go back to `confirmed`: the destination
   * no longer holds them (it was rolled back past our deliveries). Returns the guids reopened.
   */
  async reopenDelivered(
    from: { srcEid: number; dstEid: number; sender: Hex; receiver: Hex; nonce: bigint },
    reason: string,
  ): Promise<Hex[]> {
    return this.dataSource.transaction(async (m) => {
      const result = await m.query<[{ guid: string }[], number] | { guid: string }[]>(
        `UPDATE relayer_packet SET stage = 'confirmed', attempts = 0, last_error = NULL, next_attempt_at = now(),
           lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
         WHERE src_eid = $1 AND dst_eid = $2 AND sender = $3 AND receiver = $4 AND nonce >= $5 AND stage = 'delivered'
         RETURNING guid`,
        [from.srcEid, from.dstEid, from.sender.toLowerCase(), from.receiver.toLowerCase(), from.nonce.toString()],
      );
      const guids = rowsOf(result).map((r) => r.guid as Hex); // written from Hex values
      await this.appendHistory(
        m,
        guids.map((guid) => ({ guid, stage: 'confirmed', reason, detail: null })),
      );
      return guids;
    });
  }

  /**
   * Each pathway into `dstEid` with a delivery recorded since `since`, and the highest nonce we
   * recorded delivered on it: what the relayer checks the destination still holds.
   */
  async recentDeliveries(
    dstEid: number,
    since: Date,
  ): Promise<{ srcEid: number; sender: Hex; receiver: Hex; nonce: bigint }[]> {
    const rows = await this.dataSource.query<{ src_eid: number; sender: string; receiver: string; nonce: string }[]>(
      `SELECT src_eid, sender, receiver, max(nonce)::text AS nonce FROM relayer_packet
        WHERE dst_eid = $1 AND stage = 'delivered' AND delivered_at > $2
        GROUP BY src_eid, sender, receiver`,
      [dstEid, since],
    );
    return rows.map((r) => ({
      srcEid: Number(r.src_eid),
      sender: r.sender as Hex, // written from Hex values
      receiver: r.receiver as Hex,
      nonce: BigInt(r.nonce),
    }));
  }

  async countByStage(): Promise<{ stage: PacketStage; srcEid: number; dstEid: number; count: number }[]> {
    const rows = await this.dataSource.query<{ stage: PacketStage; src_eid: number; dst_eid: number; count: number }[]>(
      `SELECT stage, src_eid, dst_eid, count(*)::integer AS count FROM relayer_packet GROUP BY stage, src_eid, dst_eid ORDER BY src_eid, dst_eid, stage`,
    );
    return rows.map((r) => ({ stage: r.stage, srcEid: r.src_eid, dstEid: r.dst_eid, count: Number(r.count) }));
  }

  private reportTimings(timings: readonly StageTiming[]): void {
    if (timings.length === 0) return;
    for (const listener of this.timingListeners) listener(timings);
  }

  private async appendHistory(
    m: EntityManager,
    entries: { guid: string; stage: PacketStage; reason: string | null; detail: Record<string, unknown> | null }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    const params: unknown[] = [];
    const values = entries.map(
      (e) =>
        `($${params.push(e.guid.toLowerCase())}, $${params.push(e.stage)}, $${params.push(e.reason)}, $${params.push(e.detail === null ? null : JSON.stringify(e.detail))}::jsonb)`,
    );
    await m.query(`INSERT INTO relayer_packet_event (guid, stage, reason, detail) VALUES ${values.join(', ')}`, params);
  }
}

/** TypeORM returns `[rows, affected]` for UPDATE … RETURNING on postgres, and plain rows otherwise. */
function rowsOf<T>(result: T[] | [T[], number]): T[] {
  return Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : (result as T[]); // shape checked just before
}

function toRecord(r: PacketRow): PacketRecord {
  return {
    guid: r.guid as Hex, // every hex column is written from a Hex value
    srcEid: r.src_eid,
    dstEid: r.dst_eid,
    nonce: BigInt(r.nonce),
    sender: r.sender as Hex,
    receiver: r.receiver as Hex,
    header: r.header as Hex,
    payloadHash: r.payload_hash as Hex,
    message: r.message as Hex,
    options: r.options as Hex,
    srcBlockNumber: BigInt(r.src_block_number),
    srcBlockHash: r.src_block_hash as Hex,
    srcTxHash: r.src_tx_hash as Hex,
    assignedToOurDvn: r.our_dvn,
    assignedToOurExecutor: r.our_executor,
    stage: r.stage,
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at),
    lastError: r.last_error,
  };
}
