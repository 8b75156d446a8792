import { encodeFunctionData, parseEventLogs, type Hex } from 'viem';
import { BatchExecutor, describeRevertData, EndpointV2View } from '#app/contracts';
import {
  bytes32ToAddress,
  deliveryBatchGas,
  DeliveryOutcome,
  ExecutionState,
  packetOrigin,
  toDelivery,
} from '#app/messaging';
import type { RelayerChain } from '../chains/relayer-chain.js';
import type { BackoffPolicy } from './backoff.js';
import { recordFailure } from './failure.js';
import type { PacketRecord, PacketStore } from './packet-store.js';
import { byPathwayAndNonce } from './verifier.js';

export interface DelivererOptions {
  owner: string;
  leaseMs: number;
  batchSize: number;
  backoff: BackoffPolicy;
}

/**
 * Our executor on one destination chain: packets our DVN verified are checked against the
 * endpoint (one delivered by someone else is marked delivered, not retried), then committed and
 * executed in one `BatchExecutor.deliver` per batch, which reports each packet's outcome; a packet
 * whose receiver reverts is recorded with the decoded reason and never holds up the others.
 */
export class Deliverer {
  constructor(
    private readonly store: PacketStore,
    private readonly options: DelivererOptions,
  ) {}

  async tick(chain: RelayerChain): Promise<{ delivered: number; failed: number }> {
    const { owner, leaseMs, batchSize } = this.options;
    const claimed = await this.store.claim(
      { stages: ['verified'], dstEid: chain.eid, limit: batchSize },
      owner,
      leaseMs,
    );
    const ours = claimed.filter((p) => p.assignedToOurExecutor).sort(byPathwayAndNonce);
    if (ours.length === 0) return { delivered: 0, failed: 0 };
    let delivered = 0;
    let failed = 0;
    const states = await Promise.all(ours.map((p) => this.state(chain, p)));
    const executed = ours.filter((_, i) => states[i] === ExecutionState.Executed).map((p) => p.guid);
    delivered += (
      await this.store.moveAll(executed, 'verified', owner, {
        to: 'delivered',
        reason: 'already executed on the endpoint',
      })
    ).size;
    const batch = ours.filter((_, i) => states[i] !== ExecutionState.Executed);
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
      outcomes = new Map(
        parseEventLogs({ abi: BatchExecutor.abi, eventName: 'PacketOutcome', logs: receipt.logs }).map((e) => [
          e.args.guid,
          { outcome: e.args.outcome, reason: e.args.reason },
        ]),
      );
    } catch (error) {
      const reason = `delivery transaction failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      for (const p of batch)
        if ((await recordFailure(this.store, owner, p, 'verified', reason, this.options.backoff)) !== 'lost-lease')
          failed++;
      return { delivered, failed };
    }
    const ok = (r: { outcome: DeliveryOutcome } | undefined) =>
      r !== undefined && (r.outcome === DeliveryOutcome.Delivered || r.outcome === DeliveryOutcome.AlreadyDelivered);
    const landed = batch.filter((p) => ok(outcomes.get(p.guid))).map((p) => p.guid);
    delivered += (await this.store.moveAll(landed, 'verified', owner, { to: 'delivered', detail: { txHash } })).size;
    for (const p of batch.filter((x) => !ok(outcomes.get(x.guid)))) {
      const result = outcomes.get(p.guid);
      const why = !result
        ? 'no outcome reported for the packet'
        : `${result.outcome === DeliveryOutcome.CommitFailed ? 'commit failed' : 'lzReceive reverted'}: ${describeRevertData(result.reason)}`;
      if (
        (await recordFailure(this.store, owner, p, 'verified', why, this.options.backoff, { txHash })) !== 'lost-lease'
      )
        failed++;
    }
    return { delivered, failed };
  }

  private async state(chain: RelayerChain, p: PacketRecord): Promise<ExecutionState> {
    const state: number = await chain.client.readContract({
      address: chain.workers.endpointView,
      abi: EndpointV2View.abi,
      functionName: 'executable',
      args: [packetOrigin(p), bytes32ToAddress(p.receiver)],
    });
    return state; // the view returns the enum's ordinal
  }
}
