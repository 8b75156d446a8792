import type { Address, Hex } from 'viem';
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
