import { isAddressEqual, toEventSelector, type Address, type Hex } from 'viem';
import { AbiWords, AbiWordsError } from './abi-words.js';
import { decodeLzReceiveOption } from './options.js';
import { packetOrigin, type LzPacket } from './packet.js';

/** One entry of `BatchExecutor.deliver`: what `EndpointV2.lzReceive` needs, with the gas the sender paid for. */
export interface Delivery {
  origin: { srcEid: number; sender: Hex; nonce: bigint };
  receiver: Address;
  guid: Hex;
  message: Hex;
  extraData: Hex;
  gas: bigint;
  value: bigint;
}

/** Outcome codes of `BatchExecutor.PacketOutcome`, in the contract's enum order. */
export enum DeliveryOutcome {
  Delivered = 0,
  AlreadyDelivered = 1,
  CommitFailed = 2,
  ReceiveFailed = 3,
}

/** `EndpointV2View.executable` states, in the contract's enum order. */
export enum ExecutionState {
  NotExecutable = 0,
  VerifiedButNotExecutable = 1,
  Executable = 2,
  Executed = 3,
}

export function toDelivery(packet: LzPacket, options: Hex): Delivery {
  const { gas, value } = decodeLzReceiveOption(options);
  return {
    origin: packetOrigin(packet),
    receiver: packet.receiverAddress,
    guid: packet.guid,
    message: packet.message,
    extraData: '0x',
    gas,
    value,
  };
}

/** Gas for a `BatchExecutor.deliver` transaction: every packet's own gas plus commit and bookkeeping. */
export function deliveryBatchGas(deliveries: readonly Delivery[]): bigint {
  return deliveries.reduce((sum, d) => sum + (d.gas * 64n) / 63n + 150_000n, 200_000n);
}

export const PACKET_OUTCOME_TOPIC = toEventSelector('PacketOutcome(bytes32,uint32,uint64,uint8,bytes)');

/**
 * The outcome of each packet a `BatchExecutor.deliver` transaction carried, by guid, from its
 * receipt's `PacketOutcome` logs (the executor's own; the receivers' logs in between are skipped).
 * The outcome's `reason` is the receiver's revert data (`0x` when it did not revert).
 */
export function packetOutcomes(
  logs: readonly { address: Address; topics: readonly Hex[]; data: Hex }[],
  batchExecutor: Address,
): Map<Hex, { outcome: DeliveryOutcome; reason: Hex }> {
  const outcomes = new Map<Hex, { outcome: DeliveryOutcome; reason: Hex }>();
  for (const log of logs) {
    const [topic, guid] = log.topics;
    if (topic !== PACKET_OUTCOME_TOPIC || guid === undefined || log.topics.length !== 3) continue;
    if (!isAddressEqual(log.address, batchExecutor)) continue;
    const words = new AbiWords(log.data); // (uint64 nonce, uint8 outcome, bytes reason)
    const outcome = words.uint(1);
    if (outcome > BigInt(DeliveryOutcome.ReceiveFailed)) throw new AbiWordsError(`unknown delivery outcome ${outcome}`);
    outcomes.set(guid, { outcome: Number(outcome), reason: words.bytesAt(2) });
  }
  return outcomes;
}
