import { encodeFunctionData, keccak256, parseEventLogs, type Hex } from 'viem';
import { describeRevertData, DVN, ReceiveUln302 } from '#app/contracts';
import { signVerify, type DvnExecuteParam } from '#app/messaging';
import { ONE_CALL, type DvnSigners, type RelayerChain } from '../chains/relayer-chain.js';
import type { BackoffPolicy } from './backoff.js';
import { recordFailure } from './failure.js';
import { BatchSource, moveAndHandOver, type BatchSourceOptions, type Handoff } from './handoff.js';
import type { PacketRecord, PacketStore } from './packet-store.js';

export interface VerifierOptions extends BatchSourceOptions {
  /** Why a packet must not be relayed (operator denylist), or undefined. */
  denied?: (packet: PacketRecord) => string | undefined;
  backoff: BackoffPolicy;
  /** How long a signed verify instruction stays valid. */
  instructionTtlSeconds: bigint;
  /** Confirmed packets handed over by the confirmer; verified ones are handed on to the deliverer. */
  handoff?: Handoff;
}

/**
 * Our DVN on one destination chain: for each confirmed packet (and each failed one due for a
 * retry) it first asks the receive library whether our DVN already verified it; the rest go out
 * as one quorum-signed `DVN.execute` batch, whose events name the items it rejected
 * (DVN.execute skips a bad item with an event instead of reverting the batch).
 */
export class Verifier {
  /** DVN vid per destination eid (it differs per chain). */
  private readonly vids = new Map<number, number>();
  private readonly batches: BatchSource;

  constructor(
    private readonly store: PacketStore,
    private readonly signers: DvnSigners,
    private readonly sourceConfirmations: (srcEid: number) => number,
    private readonly options: VerifierOptions,
  ) {
    this.batches = new BatchSource(store, options.handoff, 'confirmed', ['confirmed', 'failed'], options);
  }

  /** A packet was re-queued for `dstEid`: the next round claims it, however long this stage was idle. */
  requeued(dstEid: number): void {
    this.batches.claimSoon(dstEid);
  }

  async tick(chain: RelayerChain): Promise<{ verified: number; failed: number }> {
    const { owner } = this.options;
    const claimed = await this.batches.next(chain.eid);
    if (claimed.length === 0) return { verified: 0, failed: 0 };
    claimed.sort(byPathwayAndNonce);
    let verified = 0;
    let failed = 0;
    const refused = claimed.filter((p) => this.options.denied?.(p) !== undefined);
    for (const p of refused) {
      if (await this.store.move(p.guid, p.stage, owner, { to: 'dead', reason: this.options.denied?.(p) ?? 'denied' }))
        failed++;
    }
    if (refused.length > 0) claimed.splice(0, claimed.length, ...claimed.filter((p) => !refused.includes(p)));
    const pending: PacketRecord[] = [];
    const already = await this.verifiedOnChain(chain, claimed);
    const onChain = claimed.filter((_, i) => already[i]);
    const notOurs = claimed.filter((p, i) => !already[i] && !p.assignedToOurDvn);
    verified += await this.moveVerified(onChain, 'verified on chain');
    verified += await this.moveVerified(notOurs, 'not assigned to our DVN: waiting for its DVNs');
    pending.push(...claimed.filter((p, i) => !already[i] && p.assignedToOurDvn));
    if (pending.length === 0) return { verified, failed };

    const skipped = new Map<number, string>();
    try {
      const params = await this.signAll(chain, pending);
      const receipt = await chain.sender.send({
        to: chain.workers.dvn,
        data: encodeExecute(params),
        gas: 200_000n + 120_000n * BigInt(params.length),
        label: `DVN.execute(${params.length})`,
      });
      for (const e of parseEventLogs({ abi: DVN.abi, logs: receipt.logs })) {
        if (e.eventName === 'VerifySignaturesFailed') skipped.set(Number(e.args.idx), 'DVN rejected the signatures');
        if (e.eventName === 'ExecuteFailed')
          skipped.set(Number(e.args._index), `verify reverted: ${describeRevertData(e.args._data)}`);
      }
    } catch (error) {
      const reason = `DVN.execute failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      for (const p of pending)
        if ((await recordFailure(this.store, owner, p, p.stage, reason, this.options.backoff)) !== 'lost-lease')
          failed++;
      return { verified, failed };
    }
    // DVN.execute reports a bad signature set or a reverted verify by event; an item it skips
    // silently (expired, wrong vid) cannot happen with an expiration counted from the chain's own
    // clock and the chain's own vid, and if it did, the commit fails and the retry re-checks the
    // receive library first.
    verified += await this.handOverVerified(pending.filter((_, i) => !skipped.has(i)));
    for (const [i, p] of pending.entries()) {
      const reason = skipped.get(i);
      if (reason === undefined) continue;
      if ((await recordFailure(this.store, owner, p, p.stage, reason, this.options.backoff)) !== 'lost-lease') failed++;
    }
    return { verified, failed };
  }

  /**
   * Packets claimed from `confirmed` and from `failed` move separately (compare-and-set on the
   * stage), with `reason`. When this replica delivers on this chain too, the packets our executor
   * delivers keep their lease and are handed to the deliverer; the others (another executor's) are
   * let go.
   */
  private async moveVerified(packets: readonly PacketRecord[], reason: string): Promise<number> {
    const { owner, leaseMs, handoff } = this.options;
    let moved = 0;
    for (const stage of ['confirmed', 'failed'] as const) {
      const from = packets.filter((p) => p.stage === stage);
      moved += await moveAndHandOver(
        this.store,
        handoff,
        { from: stage, owner, leaseMs, change: { to: 'verified', reason } },
        from.filter((p) => this.delivers(p)),
        from.filter((p) => !this.delivers(p)),
      );
    }
    return moved;
  }

  /**
   * Packets our DVN has just verified. Those this replica's deliverer delivers are handed to it
   * without a write: it records the verification with their delivery (one write, where there were
   * two), or on its own first (`unrecorded`). The others are moved to `verified` and let go.
   */
  private async handOverVerified(packets: readonly PacketRecord[]): Promise<number> {
    const { owner, handoff } = this.options;
    const verifiedAt = new Date();
    const ours = packets.filter((p) => this.delivers(p));
    handoff?.put(
      'verified',
      ours.map((p) => ({ ...p, unrecorded: { from: p.stage, verifiedAt } })),
    );
    let moved = ours.length;
    for (const stage of ['confirmed', 'failed'] as const)
      moved += (
        await this.store.moveAll(
          packets.filter((p) => p.stage === stage && !this.delivers(p)).map((p) => p.guid),
          stage,
          owner,
          { to: 'verified' },
        )
      ).size;
    return moved;
  }

  /** Whether this replica's own deliverer takes the packet next (it has a handoff and the packet is our executor's). */
  private delivers(p: PacketRecord): boolean {
    return this.options.handoff !== undefined && p.assignedToOurExecutor;
  }

  /** Whether our DVN's verification of each packet is on the receive library already (one `eth_call` for all). */
  private async verifiedOnChain(chain: RelayerChain, packets: readonly PacketRecord[]): Promise<boolean[]> {
    if (packets.length === 0) return [];
    const lookups = await chain.client.multicall({
      contracts: packets.map(
        (p) =>
          ({
            address: chain.workers.receiveUln302,
            abi: ReceiveUln302.abi,
            functionName: 'hashLookup',
            args: [keccak256(p.header), p.payloadHash, chain.workers.dvn],
          }) as const,
      ),
      ...ONE_CALL,
    });
    return packets.map((p, i) => {
      const [submitted, confirmations] = lookups[i] ?? [false, 0n]; // one result per packet
      return submitted && confirmations >= BigInt(this.sourceConfirmations(p.srcEid));
    });
  }

  private async signAll(chain: RelayerChain, packets: readonly PacketRecord[]): Promise<DvnExecuteParam[]> {
    let vid = this.vids.get(chain.eid);
    if (vid === undefined) {
      vid = await chain.client.readContract({ address: chain.workers.dvn, abi: DVN.abi, functionName: 'vid' });
      this.vids.set(chain.eid, vid);
    }
    // the DVN compares the expiration with the destination's block time, which need not be ours
    // (a chain's clock can run ahead): count from the chain's latest block
    const { timestamp } = await chain.client.getBlock({ blockTag: 'latest' });
    const expiration = timestamp + this.options.instructionTtlSeconds;
    return packets.map((p) =>
      signVerify(
        {
          vid,
          receiveLibrary: chain.workers.receiveUln302,
          header: p.header,
          payloadHash: p.payloadHash,
          confirmations: BigInt(this.sourceConfirmations(p.srcEid)),
          expiration,
        },
        this.signers,
      ),
    );
  }
}

function encodeExecute(params: DvnExecuteParam[]): Hex {
  return encodeFunctionData({ abi: DVN.abi, functionName: 'execute', args: [params] });
}

/** Verify and deliver each pathway in nonce order: a gap blocks every later nonce. */
export function byPathwayAndNonce(a: PacketRecord, b: PacketRecord): number {
  if (a.srcEid !== b.srcEid) return a.srcEid - b.srcEid;
  if (a.sender !== b.sender) return a.sender < b.sender ? -1 : 1;
  if (a.receiver !== b.receiver) return a.receiver < b.receiver ? -1 : 1;
  return a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0;
}
