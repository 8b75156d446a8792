import type { DataSource } from 'typeorm';
import type { Address, Hex } from 'viem';

export type TxAttemptStatus = 'pending' | 'mined' | 'replaced' | 'failed';

export interface TxAttempt {
  hash: Hex;
  eid: number;
  sender: Address;
  nonce: number;
  label: string;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  status: TxAttemptStatus;
  minedBlock: bigint | null;
  error: string | null;
}

/** Every broadcast transaction: nonce, fees and outcome, so an operator sees what a sender did. */
export class TxAttemptRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(a: Omit<TxAttempt, 'status' | 'minedBlock' | 'error'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO relayer_tx_attempt (hash, eid, sender, nonce, label, max_fee_per_gas, max_priority_fee_per_gas, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') ON CONFLICT (hash) DO NOTHING`,
      [
        a.hash.toLowerCase(),
        a.eid,
        a.sender.toLowerCase(),
        a.nonce,
        a.label,
        a.maxFeePerGas.toString(),
        a.maxPriorityFeePerGas.toString(),
      ],
    );
  }

  /** The mined one is `mined`; every other attempt at the same nonce is `replaced`. */
  async settle(
    eid: number,
    sender: Address,
    nonce: number,
    minedHash: Hex | null,
    minedBlock: bigint | null,
    error?: string,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE relayer_tx_attempt SET
         status = CASE WHEN hash = $4 THEN 'mined' WHEN $4::char(66) IS NULL THEN 'failed' ELSE 'replaced' END,
         mined_block = CASE WHEN hash = $4 THEN $5::numeric ELSE NULL END,
         error = $6, updated_at = now()
       WHERE eid = $1 AND sender = $2 AND nonce = $3 AND status = 'pending'`,
      [
        eid,
        sender.toLowerCase(),
        nonce,
        minedHash?.toLowerCase() ?? null,
        minedBlock?.toString() ?? null,
        error ?? null,
      ],
    );
  }

  /** Attempts still `pending` below `nonce`: left by a process that died before it saw them settle. */
  async pendingBelow(eid: number, sender: Address, nonce: number): Promise<{ nonce: number; hash: Hex }[]> {
    const rows = await this.dataSource.query<{ nonce: number; hash: string }[]>(
      `SELECT nonce, hash FROM relayer_tx_attempt WHERE eid = $1 AND sender = $2 AND nonce < $3 AND status = 'pending'
        ORDER BY nonce, sent_at`,
      [eid, sender.toLowerCase(), nonce],
    );
    return rows.map((r) => ({ nonce: Number(r.nonce), hash: r.hash as Hex })); // written from a Hex
  }

  async forNonce(eid: number, sender: Address, nonce: number): Promise<TxAttempt[]> {
    const rows = await this.dataSource.query<
      {
        hash: string;
        eid: number;
        sender: string;
        nonce: number;
        label: string;
        max_fee_per_gas: string;
        max_priority_fee_per_gas: string;
        status: TxAttemptStatus;
        mined_block: string | null;
        error: string | null;
      }[]
    >(
      `SELECT * FROM relayer_tx_attempt WHERE eid = $1 AND sender = $2 AND nonce = $3 ORDER BY sent_at, max_fee_per_gas`,
      [eid, sender.toLowerCase(), nonce],
    );
    return rows.map((r) => ({
      hash: r.hash as Hex, // written from a Hex
      eid: r.eid,
      sender: r.sender as Address, // written from an Address
      nonce: r.nonce,
      label: r.label,
      maxFeePerGas: BigInt(r.max_fee_per_gas),
      maxPriorityFeePerGas: BigInt(r.max_priority_fee_per_gas),
      status: r.status,
      minedBlock: r.mined_block === null ? null : BigInt(r.mined_block),
      error: r.error,
    }));
  }
}
