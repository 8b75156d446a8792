import { PacketV1Codec } from '@layerzerolabs/lz-v2-utilities';
import { getAddress, concat, type Address, type Hex } from 'viem';
import { keccak256Of } from '#app/chains';

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
  const guid = codec.guid() as Hex;
  const message = codec.message() as Hex;
  return {
    nonce: BigInt(codec.nonce()),
    srcEid: codec.srcEid(),
    sender: codec.sender() as Hex,
    dstEid: codec.dstEid(),
    receiver,
    receiverAddress: bytes32ToAddress(receiver),
    guid,
    message,
    header: codec.header() as Hex,
    // the codec's payloadHash() is the same keccak256: one hash a packet is enough
    payloadHash: keccak256Of(concat([guid, message])),
  };
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
