import { concat, encodeFunctionData, encodePacked, keccak256, type Address, type Hex, type LocalAccount } from 'viem';

const RECEIVE_ULN_VERIFY_ABI = [
  {
    type: 'function',
    name: 'verify',
    stateMutability: 'nonpayable',
    inputs: [
      { name: '_packetHeader', type: 'bytes' },
      { name: '_payloadHash', type: 'bytes32' },
      { name: '_confirmations', type: 'uint64' },
    ],
    outputs: [],
  },
] as const;

/** One entry of `DVN.execute(ExecuteParam[])`. */
export interface DvnExecuteParam {
  vid: number;
  target: Address;
  callData: Hex;
  expiration: bigint;
  signatures: Hex;
}

export interface VerifyRequest {
  vid: number;
  receiveLibrary: Address;
  header: Hex;
  payloadHash: Hex;
  confirmations: bigint;
  /** Unix seconds after which the signed call is void. */
  expiration: bigint;
}

/** The hash each DVN signer signs: keccak256(vid ‖ target ‖ expiration ‖ callData), as DVN.hashCallData. */
export function dvnCallDataHash(vid: number, target: Address, callData: Hex, expiration: bigint): Hex {
  return keccak256(encodePacked(['uint32', 'address', 'uint256', 'bytes'], [vid, target, expiration, callData]));
}

export function encodeVerifyCall(header: Hex, payloadHash: Hex, confirmations: bigint): Hex {
  return encodeFunctionData({
    abi: RECEIVE_ULN_VERIFY_ABI,
    functionName: 'verify',
    args: [header, payloadHash, confirmations],
  });
}

/**
 * Builds a DVN `ExecuteParam` for `ReceiveUln302.verify`, signed by `signers` (EIP-191 over the
 * call-data hash). LayerZero's MultiSig wants the signatures ordered by signer address, ascending.
 */
export async function signVerify(request: VerifyRequest, signers: readonly LocalAccount[]): Promise<DvnExecuteParam> {
  const callData = encodeVerifyCall(request.header, request.payloadHash, request.confirmations);
  const hash = dvnCallDataHash(request.vid, request.receiveLibrary, callData, request.expiration);
  const ordered = [...signers].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const signatures = await Promise.all(ordered.map((s) => s.signMessage({ message: { raw: hash } })));
  return {
    vid: request.vid,
    target: request.receiveLibrary,
    callData,
    expiration: request.expiration,
    signatures: concat(signatures),
  };
}
