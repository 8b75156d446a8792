import { concat, encodeFunctionData, encodePacked, hexToBytes, stringToHex, type Address, type Hex } from 'viem';
import { keccak256Of, privateKeyBytes, signHashRecoverable } from '#app/chains';
import { privateKeyToAddress } from 'viem/accounts';

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
  return keccak256Of(encodePacked(['uint32', 'address', 'uint256', 'bytes'], [vid, target, expiration, callData]));
}

export function encodeVerifyCall(header: Hex, payloadHash: Hex, confirmations: bigint): Hex {
  return encodeFunctionData({
    abi: RECEIVE_ULN_VERIFY_ABI,
    functionName: 'verify',
    args: [header, payloadHash, confirmations],
  });
}

/** The EIP-191 prefix of a signed 32-byte message. */
const EIP191_PREFIX_32 = stringToHex('\x19Ethereum Signed Message:\n32');

/** A DVN signer key held by this process. */
export interface DvnSigner {
  readonly address: Address;
  /**
   * The signature (r ‖ s ‖ v, v = 27 or 28) over the EIP-191 message of a 32-byte hash: the same
   * bytes as viem's `signMessage({ message: { raw: hash } })` (RFC 6979 nonces, low s).
   */
  signHash(hash: Hex): Hex;
}

/**
 * A DVN signer for `privateKey`. It signs with libsecp256k1 compiled to WebAssembly
 * (tiny-secp256k1), about three times faster than viem's JavaScript signer: a relayer signs every
 * packet once per key it holds, and this was a fifth of its CPU.
 */
export function dvnSigner(privateKey: Hex): DvnSigner {
  const key = privateKeyBytes(privateKey, 'a DVN signer key');
  return {
    address: privateKeyToAddress(privateKey),
    signHash(hash) {
      // EIP-191: what viem's hashMessage({ raw: hash }) hashes
      const { r, s, yParity } = signHashRecoverable(hexToBytes(keccak256Of(concat([EIP191_PREFIX_32, hash]))), key);
      return concat([r, s, yParity === 0 ? '0x1b' : '0x1c']);
    },
  };
}

/**
 * Builds a DVN `ExecuteParam` for `ReceiveUln302.verify`, signed by `signers` (EIP-191 over the
 * call-data hash). LayerZero's MultiSig wants the signatures ordered by signer address, ascending.
 */
export function signVerify(request: VerifyRequest, signers: readonly DvnSigner[]): DvnExecuteParam {
  const callData = encodeVerifyCall(request.header, request.payloadHash, request.confirmations);
  const hash = dvnCallDataHash(request.vid, request.receiveLibrary, callData, request.expiration);
  const ordered = [...signers].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const signatures = ordered.map((s) => s.signHash(hash));
  return {
    vid: request.vid,
    target: request.receiveLibrary,
    callData,
    expiration: request.expiration,
    signatures: concat(signatures),
  };
}
