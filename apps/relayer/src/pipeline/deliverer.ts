import { encodeFunctionData, type Hex } from 'viem';
import { BatchExecutor, describeRevertData, EndpointV2, EndpointV2View } from '#app/contracts';
import {
  bytes32ToAddress,
  decodeLzReceiveOption,
  deliveryBatchGas,
  DeliveryOutcome,
  ExecutionState,
  packetOrigin,
  packetOutcomes,
  toDelivery,
} from '#app/messaging';
import { ONE_CALL, type RelayerChain } from '../chains/relayer-chain.js';
import type { BackoffPolicy } from './backoff.js';
import { recordFailure } from './failure.js';
import { BatchSource, type BatchSourceOptions, type HandedPacket, type Handoff } from './handoff.js';
import type { PacketRecord, PacketStage, PacketStore } from './packet-store.js';
import { byPathwayAndNonce } from './verifier.js';

/** How soon a packet waiting behind an earlier nonce is looked at again. */
const GAP_RECHECK_MS = 500;
/** How often a packet verified for another executor is checked for its delivery. */
const THEIRS_RECHECK_MS = 5_000;
/** How often a destination's recent deliveries are checked against its endpoint. */
const AUDIT_EVERY_MS = 5_000;
/** How far back deliveries are checked: a destination rolled back further than this is not noticed. */
const AUDIT_WINDOW_MS = 15 * 60_000;

export interface DelivererOptions extends BatchSourceOptions {
  backoff: BackoffPolicy;
  /** Verified packets handed over by the verifier. */
  handoff?: Handoff;
}

/**
 * Our executor on one destination chain: packets our DVN verified are checked against the
 * endpoint (one delivered by someone else is marked delivered, not retried), then committed and
 * executed in one `BatchExecutor.deliver` per batch, which reports each packet's outcome; a packet
 * whose receiver reverts is recorded with the decoded reason and never holds up the others.
 */
export class Deliverer {
  /** When each destination's recent deliveries were last checked (ms). */
  private readonly audited = new Map<number, number>();
  private readonly batches: BatchSource;

  constructor(
    private readonly store: PacketStore,
    private readonly options: DelivererOptions,
  ) {
    this.batches = new BatchSource(store, options.handoff, 'verified', ['verified'], options);
  }

  async tick(chain: RelayerChain): Promise<{ delivered: number; failed: number; reopened: number }> {
    const reopened = await this.audit(chain);
    return { ...(await this.deliver(chain)), reopened };
  }

  private async deliver(chain: RelayerChain): Promise<{ delivered: number; failed: number }> {
    const { owner } = this.options;
    const claimed = (await this.batches.next(chain.eid)).sort(byPathwayAndNonce);
    if (claimed.length === 0) return { delivered: 0, failed: 0 };
    let delivered = 0;
    let failed = 0;
    const states = await executionStates(chain, claimed);
    const executed = claimed.filter((_, i) => states[i] === ExecutionState.Executed).map((p) => p.guid);
    const pending = claimed.filter((_, i) => states[i] !== ExecutionState.Executed);
    const { ready: batch, waiting } = await this.inNonceOrder(
      chain,
      pending.filter((p) => p.assignedToOurExecutor),
    );
    // a packet not delivered in this batch has its verification written before anything else
    const inBatch = new Set(batch.map((p) => p.guid));
    await this.recordVerified(claimed.filter((p) => !inBatch.has(p.guid)));
    delivered += (
      await this.store.moveAll(executed, 'verified', owner, {
        to: 'delivered',
        reason: 'already executed on the endpoint',
      })
    ).size;
    // Packets our DVN verified for another executor: delivering them is its job. They are looked
    // at again now and then, and recorded delivered once it has delivered them.
    await this.store.defer(
      pending.filter((p) => !p.assignedToOurExecutor).map((p) => p.guid),
      'verified',
      owner,
      `verified; delivering it is up to its executor (not ours), checked again every ${THEIRS_RECHECK_MS / 1000} s`,
      new Date(Date.now() + THEIRS_RECHECK_MS),
    );
    for (const [reason, guids] of waiting) {
      await this.store.defer(guids, 'verified', owner, reason, new Date(Date.now() + GAP_RECHECK_MS));
    }
    if (batch.length === 0) return { delivered, failed };

    const deliveries = batch.map((p) => toDelivery({ ...p, receiverAddress: bytes32ToAddress(p.receiver) }, p.options));
    let outcomes: Map<Hex, { outcome: DeliveryOutcome; reason: Hex }>;
    let txHash: Hex;
    try {
      const receipt = await chain.sender.send({
        to: chain.workers.batchExecutor,
        data: encodeFunctionData({ abi: BatchExecutor.abi, functionName: 'deliver', args: [deliveries] }),
        value: deliveries.reduce((sum, d) => sum + d.value, 0n),
        gas: deliveryBatchGas(deliveries),
        label: `BatchExecutor.deliver(${deliveries.length})`,
      });
      if (receipt.status !== 'success') throw new Error(`BatchExecutor.deliver reverted in ${receipt.transactionHash}`);
      txHash = receipt.transactionHash;
      outcomes = packetOutcomes(receipt.logs, chain.workers.batchExecutor);
    } catch (error) {
      const reason = `delivery transaction failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      await this.recordVerified(batch);
      for (const p of batch)
        if ((await recordFailure(this.store, owner, p, 'verified', reason, this.options.backoff)) !== 'lost-lease')
          failed++;
      return { delivered, failed };
    }
    const ok = (r: { outcome: DeliveryOutcome } | undefined) =>
      r !== undefined && (r.outcome === DeliveryOutcome.Delivered || r.outcome === DeliveryOutcome.AlreadyDelivered);
    delivered += await this.moveDelivered(
      batch.filter((p) => ok(outcomes.get(p.guid))),
      txHash,
    );
    const failures = batch.filter((x) => !ok(outcomes.get(x.guid)));
    await this.recordVerified(failures);
    for (const p of failures) {
      const result = outcomes.get(p.guid);
      const why = !result
        ? 'no outcome reported for the packet'
        : result.outcome === DeliveryOutcome.CommitFailed
          ? `commit failed: ${describeRevertData(result.reason)}`
          : receiveFailure(result.reason, p.options);
      if (
        (await recordFailure(this.store, owner, p, 'verified', why, this.options.backoff, { txHash })) !== 'lost-lease'
      )
        failed++;
    }
    return { delivered, failed };
  }

  /** On a clean stop: writes the verifications of the packets still waiting for this deliverer. */
  async flush(): Promise<void> {
    await this.recordVerified(this.options.handoff?.takeUnrecorded() ?? []);
  }

  /**
   * Writes the verification of the `unrecorded` packets among `packets` (this replica's DVN
   * verified them and handed them over without a write), stamped with the time of their
   * verification; they keep their lease. The others are left as they are.
   */
  private async recordVerified(packets: readonly HandedPacket[]): Promise<void> {
    const { owner, leaseMs, handoff } = this.options;
    for (const group of byUnrecorded(packets))
      await this.store.moveAll(
        group.packets.map((p) => p.guid),
        group.from,
        owner,
        { to: 'verified', keepLeaseMs: leaseMs, verifiedAt: group.verifiedAt },
      );
    handoff?.recorded(packets.filter((p) => p.unrecorded).map((p) => p.guid));
  }

  /** Records `packets` delivered by `txHash`: an unrecorded verification with it, in the same write. */
  private async moveDelivered(packets: readonly HandedPacket[], txHash: Hex): Promise<number> {
    const { owner, handoff } = this.options;
    let moved = (
      await this.store.moveAll(
        packets.filter((p) => !p.unrecorded).map((p) => p.guid),
        'verified',
        owner,
        { to: 'delivered', txHash },
      )
    ).size;
    for (const group of byUnrecorded(packets))
      moved += (
        await this.store.moveAll(
          group.packets.map((p) => p.guid),
          group.from,
          owner,
          { to: 'delivered', txHash, verifiedAt: group.verifiedAt },
        )
      ).size;
    handoff?.recorded(packets.filter((p) => p.unrecorded).map((p) => p.guid));
    return moved;
  }

  /**
   * The endpoint executes a nonce only once every earlier nonce of its pathway is committed or
   * executed. This batch commits in nonce order, so it may carry a pathway's packets from the
   * endpoint's inbound nonce on without a hole; a packet past a hole (an earlier one not verified
   * yet, say because the replica verifying it died) waits, its attempts untouched, instead of
   * reverting with LZ_InvalidNonce until it is given up on.
   */
  private async inNonceOrder(
    chain: RelayerChain,
    packets: readonly HandedPacket[],
  ): Promise<{ ready: HandedPacket[]; waiting: Map<string, Hex[]> }> {
    const ready: HandedPacket[] = [];
    const waiting = new Map<string, Hex[]>();
    const pathways = new Map<string, HandedPacket[]>();
    for (const p of packets) {
      const key = `${p.srcEid}:${p.sender}:${p.receiver}`;
      pathways.set(key, [...(pathways.get(key) ?? []), p]);
    }
    const groups = [...pathways.values()];
    const inbound = await inboundNonces(
      chain,
      groups.map((g) => g[0]), // groups are never empty
    );
    for (const [i, group] of groups.entries()) {
      let next = (inbound[i] ?? 0n) + 1n;
      for (const p of group) {
        if (p.nonce < next) ready.push(p);
        else if (p.nonce === next) {
          ready.push(p);
          next += 1n;
        } else {
          const reason = `waiting for nonce ${next} of pathway ${p.srcEid}-${p.dstEid} to be verified (the endpoint executes in order)`;
          waiting.set(reason, [...(waiting.get(reason) ?? []), p.guid]);
        }
      }
    }
    return { ready, waiting };
  }

  /**
   * Every few seconds, each pathway into this chain with deliveries recorded in the last minutes:
   * does the endpoint still hold our highest one? If its inbound nonce is below it, the
   * destination was rolled back past our deliveries (a reorg deeper than it should have been, or a
   * node restored from an older state), and everything we recorded delivered from that nonce on is
   * verified and delivered again. This finds a lost delivery whether or not later packets wait
   * behind it (those show "waiting for nonce N" meanwhile).
   */
  private async audit(chain: RelayerChain): Promise<number> {
    const now = Date.now();
    if (now - (this.audited.get(chain.eid) ?? 0) < AUDIT_EVERY_MS) return 0;
    this.audited.set(chain.eid, now);
    let reopened = 0;
    const recent = await this.store.recentDeliveries(chain.eid, new Date(now - AUDIT_WINDOW_MS));
    const inbound = await inboundNonces(chain, recent);
    for (const [i, p] of recent.entries()) {
      const held = inbound[i]; // one result per pathway
      if (held === undefined || held >= p.nonce) continue;
      const missing = held + 1n;
      const guids = await this.store.reopenDelivered(
        { ...p, dstEid: chain.eid, nonce: missing },
        `the destination no longer holds this delivery (its inbound nonce is below ${missing}): verifying and delivering it again`,
      );
      reopened += guids.length;
    }
    return reopened;
  }
}

/**
 * Why a packet's lzReceive failed. A revert without data is most often a receiver that ran out of
 * the gas the packet's executor options give it (BatchExecutor calls it with exactly that gas);
 * the operator sees that gas, not only "reverted without data".
 */
function receiveFailure(reason: Hex, options: Hex): string {
  if (reason !== '0x') return `lzReceive reverted: ${describeRevertData(reason)}`;
  // the same options were decoded for the delivery (toDelivery), so they decode here too
  const { gas } = decodeLzReceiveOption(options);
  return `lzReceive reverted without data: out of gas (its executor options give it ${gas} gas) or a bare revert`;
}

/** Each packet's state on the destination endpoint (EndpointV2View.executable), in one `eth_call`. */
async function executionStates(chain: RelayerChain, packets: readonly PacketRecord[]): Promise<ExecutionState[]> {
  if (packets.length === 0) return [];
  // the view returns the enum's ordinal
  return chain.client.multicall({
    contracts: packets.map(
      (p) =>
        ({
          address: chain.workers.endpointView,
          abi: EndpointV2View.abi,
          functionName: 'executable',
          args: [packetOrigin(p), bytes32ToAddress(p.receiver)],
        }) as const,
    ),
    ...ONE_CALL,
  });
}

/**
 * The endpoint's inbound nonce of each packet's pathway (every nonce up to it is verified or
 * executed), in one `eth_call`.
 */
async function inboundNonces(
  chain: RelayerChain,
  packets: readonly { srcEid: number; sender: Hex; receiver: Hex }[],
): Promise<bigint[]> {
  if (packets.length === 0) return [];
  return chain.client.multicall({
    contracts: packets.map(
      (p) =>
        ({
          address: chain.workers.endpoint,
          abi: EndpointV2.abi,
          functionName: 'inboundNonce',
          args: [bytes32ToAddress(p.receiver), p.srcEid, p.sender],
        }) as const,
    ),
    ...ONE_CALL,
  });
}

/** The unrecorded packets among `packets`, by the stage their row is in and the time they were verified. */
function byUnrecorded(
  packets: readonly HandedPacket[],
): { from: PacketStage; verifiedAt: Date; packets: HandedPacket[] }[] {
  const groups = new Map<string, { from: PacketStage; verifiedAt: Date; packets: HandedPacket[] }>();
  for (const p of packets) {
    if (!p.unrecorded) continue;
    const key = `${p.unrecorded.from}:${p.unrecorded.verifiedAt.getTime()}`;
    const group = groups.get(key) ?? { ...p.unrecorded, packets: [] };
    group.packets.push(p);
    groups.set(key, group);
  }
  return [...groups.values()];
}
