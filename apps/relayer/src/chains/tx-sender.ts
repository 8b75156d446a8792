import type { Account, Address, Chain, Hex, PublicClient, TransactionReceipt, Transport, WalletClient } from 'viem';
import { BaseError, FeeCapTooLowError, NonceTooLowError } from 'viem';

export interface TxRequest {
  to: Address;
  data: Hex;
  value?: bigint;
  gas: bigint;
  /** For logs and the attempts record: what this transaction does. */
  label: string;
}

/** Where every broadcast attempt is recorded (the relayer's database). */
export interface TxAttemptLog {
  record(a: {
    hash: Hex;
    eid: number;
    sender: Address;
    nonce: number;
    label: string;
    maxFeePerGas: bigint;
    maxPriorityFeePerGas: bigint;
  }): Promise<void>;
  settle(
    eid: number,
    sender: Address,
    nonce: number,
    minedHash: Hex | null,
    minedBlock: bigint | null,
    error?: string,
  ): Promise<void>;
  /** Attempts still `pending` below `nonce` (a process died before it saw them settle). */
  pendingBelow?(eid: number, sender: Address, nonce: number): Promise<{ nonce: number; hash: Hex }[]>;
}

export interface TxSenderOptions {
  eid: number;
  /** Replace a transaction that is still not mined after this many new blocks. */
  replaceAfterBlocks: number;
  /** Each replacement raises both fees by this share (nodes want at least 10 %). */
  bumpPercent: number;
  /** Never offer more than this per gas; a transaction that would need more fails instead. */
  maxFeeCapWei: bigint;
  receiptTimeoutMs: number;
  attempts?: TxAttemptLog;
}

/** How long one fee estimate serves new transactions. */
const FEE_ESTIMATE_MS = 1_000;

export class StuckTransactionError extends Error {
  override name = 'StuckTransactionError';
}

const DEFAULTS: Omit<TxSenderOptions, 'eid'> = {
  replaceAfterBlocks: 3,
  bumpPercent: 25,
  maxFeeCapWei: 500_000_000_000n,
  receiptTimeoutMs: 120_000,
};

/**
 * The one sender for a (chain, key) within this process. Transactions go out one at a time in
 * nonce order (anvil may strand out-of-order ones). A transaction not mined after
 * `replaceAfterBlocks` new blocks is sent again at the same nonce with both fees raised by
 * `bumpPercent` (never below the old fee, never above the cap); "nonce too low" means one of our
 * attempts — or someone else's transaction — took the nonce, which is checked, not assumed;
 * "replacement underpriced" means bump again. Every attempt is recorded.
 */
export class TxSender {
  private nonce: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** The last fee estimate and when it was made (see `startingFees`). */
  private estimate: { at: number; fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } } | undefined;
  private readonly options: TxSenderOptions;

  constructor(
    private readonly client: PublicClient,
    private readonly wallet: WalletClient<Transport, Chain, Account>,
    options: Partial<TxSenderOptions> & { eid?: number } = {},
  ) {
    this.options = { ...DEFAULTS, eid: options.eid ?? client.chain?.id ?? 0, ...options };
  }

  get address(): Address {
    return this.wallet.account.address;
  }

  send(request: TxRequest): Promise<TransactionReceipt> {
    const run = this.queue.then(() => this.sendNow(request));
    this.queue = run.catch(() => undefined); // the caller gets the error; the queue goes on
    return run;
  }

  private async sendNow(request: TxRequest): Promise<TransactionReceipt> {
    if (this.nonce === undefined) {
      const next = await this.client.getTransactionCount({ address: this.address, blockTag: 'pending' });
      await this.settleLeftovers(next);
      this.nonce = next;
    }
    const nonce = this.nonce;
    let fees = await this.startingFees();
    const hashes: Hex[] = [];
    const deadline = Date.now() + this.options.receiptTimeoutMs;
    try {
      for (;;) {
        const sent = await this.broadcast(request, nonce, fees);
        if (sent.kind === 'sent') hashes.push(sent.hash);
        if (sent.kind === 'nonce-taken') {
          const mined = await this.minedOf(hashes);
          if (mined) return await this.settled(nonce, mined);
          this.nonce = undefined; // someone else used the key: take the next free nonce
          throw new Error(`nonce ${nonce} of ${this.address} was used by a transaction that is not ours; retry`);
        }
        if (sent.kind === 'sent' || hashes.length > 0) {
          const mined = await this.waitMined(hashes, deadline);
          if (mined) return await this.settled(nonce, mined);
          await this.checkNotAhead(nonce);
        }
        fees = this.bumped(fees, request.label, nonce);
      }
    } catch (error) {
      if (this.nonce === nonce && hashes.length === 0) this.nonce = undefined;
      await this.options.attempts?.settle(
        this.options.eid,
        this.address,
        nonce,
        null,
        null,
        error instanceof Error ? error.message.split('\n')[0] : String(error),
      );
      throw error;
    }
  }

  /**
   * The fees a new transaction starts with: twice the estimated max fee, the estimated tip. One
   * estimate (two calls to the node) serves the transactions of the next `FEE_ESTIMATE_MS`; one
   * the chain has outgrown meanwhile is bumped like any other.
   */
  private async startingFees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const now = Date.now();
    if (this.estimate && now - this.estimate.at < FEE_ESTIMATE_MS) return this.estimate.fees;
    const estimate = await this.client.estimateFeesPerGas();
    const fees = { maxFeePerGas: estimate.maxFeePerGas * 2n, maxPriorityFeePerGas: estimate.maxPriorityFeePerGas };
    this.estimate = { at: now, fees };
    return fees;
  }

  private async broadcast(
    request: TxRequest,
    nonce: number,
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  ): Promise<{ kind: 'sent'; hash: Hex } | { kind: 'nonce-taken' } | { kind: 'underpriced' }> {
    try {
      const hash = await this.wallet.sendTransaction({
        // every field given (the chain id too), so viem sends the transaction without asking the
        // node to fill it in first (an extra round trip carrying the whole call data both ways)
        chainId: this.wallet.chain.id,
        to: request.to,
        data: request.data,
        value: request.value ?? 0n,
        gas: request.gas,
        nonce,
        ...fees,
      });
      await this.options.attempts?.record({
        hash,
        eid: this.options.eid,
        sender: this.address,
        nonce,
        label: request.label,
        ...fees,
      });
      return { kind: 'sent', hash };
    } catch (error) {
      if (error instanceof BaseError && error.walk((e) => e instanceof NonceTooLowError) !== null)
        return { kind: 'nonce-taken' };
      // the node refuses a fee under the current base fee, or a replacement that does not pay enough more
      if (error instanceof BaseError && error.walk((e) => e instanceof FeeCapTooLowError) !== null)
        return { kind: 'underpriced' };
      if (/underpriced|already known/i.test(error instanceof Error ? error.message : ''))
        return { kind: 'underpriced' };
      this.nonce = undefined;
      throw error;
    }
  }

  /**
   * Attempts a dead process left `pending` at nonces the chain has used since: the one of them
   * that was mined is recorded `mined` (the others at its nonce `replaced`); a nonce none of them
   * took is recorded `failed`, taken by a transaction we have no record of.
   */
  private async settleLeftovers(next: number): Promise<void> {
    const log = this.options.attempts;
    const left = (await log?.pendingBelow?.(this.options.eid, this.address, next)) ?? [];
    for (const nonce of [...new Set(left.map((a) => a.nonce))]) {
      const mined = await this.minedOf(left.filter((a) => a.nonce === nonce).map((a) => a.hash));
      if (mined) await log?.settle(this.options.eid, this.address, nonce, mined.transactionHash, mined.blockNumber);
      else
        await log?.settle(
          this.options.eid,
          this.address,
          nonce,
          null,
          null,
          'the nonce was taken by a transaction with no record here (its sender died before recording it)',
        );
    }
  }

  /**
   * A transaction not mined for a while is normally under-priced; but if the chain's next nonce
   * for our key is below ours, the chain lost transactions of ours that came before it (it was
   * rolled back, or a node restarted with an empty pool) and this one can never be mined: start
   * again from the chain's nonce instead of bumping a transaction that waits on a hole.
   */
  private async checkNotAhead(nonce: number): Promise<void> {
    const next = await this.client.getTransactionCount({ address: this.address, blockTag: 'pending' });
    if (next >= nonce) return;
    this.nonce = undefined;
    throw new Error(
      `nonce ${nonce} of ${this.address} is ahead of the chain (its next nonce is ${next}): earlier transactions were lost; retry from there`,
    );
  }

  /** Waits until one of the hashes is mined (its receipt), or `replaceAfterBlocks` blocks pass (undefined). */
  private async waitMined(hashes: readonly Hex[], deadline: number): Promise<TransactionReceipt | undefined> {
    // the blocks are counted from the first look that finds it not mined (on a chain that mines
    // at once, the first look finds the receipt, and the block number is never asked for)
    let start: bigint | undefined;
    for (;;) {
      const mined = await this.minedOf(hashes);
      if (mined) return mined;
      const head = await this.client.getBlockNumber();
      start ??= head;
      if (head >= start + BigInt(this.options.replaceAfterBlocks)) return undefined;
      if (Date.now() > deadline)
        throw new StuckTransactionError(`no receipt for ${hashes.at(-1)} within ${this.options.receiptTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async minedOf(hashes: readonly Hex[]): Promise<TransactionReceipt | undefined> {
    const receipts = await Promise.all(
      hashes.map((hash) => this.client.getTransactionReceipt({ hash }).catch(() => undefined)),
    );
    return receipts.find((r) => r !== undefined);
  }

  private bumped(fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }, label: string, nonce: number) {
    const raise = (v: bigint) => {
      const up = (v * BigInt(100 + this.options.bumpPercent)) / 100n;
      return up > v ? up : v + 1n;
    };
    const next = { maxFeePerGas: raise(fees.maxFeePerGas), maxPriorityFeePerGas: raise(fees.maxPriorityFeePerGas) };
    if (next.maxFeePerGas > this.options.maxFeeCapWei) {
      throw new StuckTransactionError(
        `${label} (nonce ${nonce}) is not mined at ${fees.maxFeePerGas} wei/gas and the next bump would pass the cap of ${this.options.maxFeeCapWei}`,
      );
    }
    return next;
  }

  private async settled(nonce: number, receipt: TransactionReceipt): Promise<TransactionReceipt> {
    this.nonce = nonce + 1;
    await this.options.attempts?.settle(
      this.options.eid,
      this.address,
      nonce,
      receipt.transactionHash,
      receipt.blockNumber,
    );
    return receipt;
  }
}
