import { PacketV1Codec } from '@layerzerolabs/lz-v2-utilities';
import { getAddress, keccak256, concat, type Address, type Hex } from 'viem';

/** A LayerZero v2 packet as emitted in `EndpointV2.PacketSent.encodedPayload`. */
export interface LzPacket {
  nonce: bigint;
  srcEid: number;
  /** bytes32, left-padded address of the sending OApp. */
  sender: Hex;
  dstEid: number;
  /** bytes32 of the receiving OApp. */
  receiver: Hex;
  receiverAddress: Address;
  guid: Hex;
  message: Hex;
  /** The 81-byte packet header the ULN verifies. */
  header: Hex;
  /** keccak256(guid ‖ message): what the DVN attests and the endpoint stores. */
  payloadHash: Hex;
}

export function decodePacket(encodedPayload: Hex): LzPacket {
  const codec = PacketV1Codec.from(encodedPayload);
  const receiver = codec.receiver() as Hex; // the codec returns 0x-prefixed hex strings
  const packet: LzPacket = {
    nonce: BigInt(codec.nonce()),
    srcEid: codec.srcEid(),
    sender: codec.sender() as Hex,
    dstEid: codec.dstEid(),
    receiver,
    receiverAddress: bytes32ToAddress(receiver),
    guid: codec.guid() as Hex,
    message: codec.message() as Hex,
    header: codec.header() as Hex,
    payloadHash: codec.payloadHash() as Hex,
  };
  if (packet.payloadHash !== keccak256(concat([packet.guid, packet.message]))) {
    throw new Error(`packet ${packet.guid}: payload hash does not match guid ‖ message`);
  }
  return packet;
}

export function addressToBytes32(address: Address): Hex {
  return `0x${address.slice(2).toLowerCase().padStart(64, '0')}`;
}

export function bytes32ToAddress(value: Hex): Address {
  return getAddress(`0x${value.slice(-40)}`);
}

/** `Origin` as EndpointV2.lzReceive and the views take it. */
export function packetOrigin(packet: Pick<LzPacket, 'srcEid' | 'sender' | 'nonce'>) {
  return { srcEid: packet.srcEid, sender: packet.sender, nonce: packet.nonce };
}
