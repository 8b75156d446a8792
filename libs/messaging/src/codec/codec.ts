import {
  decodeAbiParameters,
  encodeAbiParameters,
  getAbiItem,
  type AbiParameter,
  type AbiParameterToPrimitiveType,
  type Address,
  type Hex,
} from 'viem';
import { CodecHarness } from '#app/contracts';
import type { RiskParams } from '../governance/actions.js';

/** Every cross-chain segment message is `abi.encode(uint8 version, uint8 kind, bytes body)`. */
export const MESSAGE_VERSION = 1;

export const MessageKind = {
  RISK_PARAMS: 1,
  BOUNDARY: 2,
  SEGMENT_STATUS: 3,
  ROUTE_CONFIG: 4,
  ATTESTATION: 5,
  ROUTE_TRANSFER: 6,
  ROUTE_REFUND: 7,
  GLOBAL_CAP: 8,
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];
export type MessageKindName = keyof typeof MessageKind;

export const SegmentStatus = { None: 0, Active: 1, ReduceOnly: 2, Frozen: 3, Retired: 4 } as const;
export type SegmentStatus = (typeof SegmentStatus)[keyof typeof SegmentStatus];

export const isSegmentStatus = (value: number): value is SegmentStatus =>
  Number.isInteger(value) && value >= SegmentStatus.None && value <= SegmentStatus.Retired;

export type MessageCodecErrorCode = 'UNSUPPORTED_VERSION' | 'UNEXPECTED_KIND' | 'MALFORMED' | 'INVALID_FIELD';

export class MessageCodecError extends Error {
  override name = 'MessageCodecError';
  constructor(
    readonly code: MessageCodecErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

// The struct layouts are read from the compiled CodecHarness, which takes each message struct as
// its argument: they cannot drift from SegmentMessages.sol.
const RISK_PARAMS_MESSAGE = getAbiItem({ abi: CodecHarness.abi, name: 'encodeRiskParams' }).inputs[0];
const BOUNDARY_MESSAGE = getAbiItem({ abi: CodecHarness.abi, name: 'encodeBoundary' }).inputs[0];
const STATUS_MESSAGE = getAbiItem({ abi: CodecHarness.abi, name: 'encodeStatus' }).inputs[0];
const ATTESTATION_MESSAGE = getAbiItem({ abi: CodecHarness.abi, name: 'encodeAttestation' }).inputs[0];
const ENVELOPE = [
  { type: 'uint8', name: 'version' },
  { type: 'uint8', name: 'kind' },
  { type: 'bytes', name: 'body' },
] as const satisfies readonly AbiParameter[];

/** RISK_PARAMS: applies when `paramsEpoch` is newer and the vault already has `boundaryEpoch`. */
export interface RiskParamsMessage {
  segment: Hex;
  paramsEpoch: bigint;
  boundaryEpoch: bigint;
  params: RiskParams;
}

/** An asset as it exists on one chain: the token, its USD feed and the feed's staleness limit (s). */
export interface LocalAsset {
  assetId: Hex;
  token: Address;
  feed: Address;
  maxStaleness: number;
}

/** BOUNDARY: the segment's borrow asset and its full set of collateral assets on that chain. */
export interface BoundaryMessage {
  segment: Hex;
  boundaryEpoch: bigint;
  borrowAsset: LocalAsset;
  collaterals: readonly LocalAsset[];
}

/** SEGMENT_STATUS. */
export interface StatusMessage {
  segment: Hex;
  statusEpoch: bigint;
  status: SegmentStatus;
}

/** One segment's state on one chain; `collateralValue` in USD with 18 decimals. */
export interface SegmentSnapshot {
  segment: Hex;
  collateralValue: bigint;
  totalBorrowed: bigint;
  idle: bigint;
  insurance: bigint;
  badDebt: bigint;
  accounts: number;
  paramsEpoch: bigint;
  boundaryEpoch: bigint;
  statusEpoch: bigint;
}

/** ATTESTATION: a vault's snapshot of some of its segments at one block. */
export interface AttestationMessage {
  eid: number;
  blockNumber: bigint;
  timestamp: bigint;
  segments: readonly SegmentSnapshot[];
}

// Compile-time proof that the hand-written types and the ABI's agree, in both directions.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Abi<P extends AbiParameter> = AbiParameterToPrimitiveType<P>;
const typesMatchAbi: [
  Same<RiskParamsMessage, Abi<typeof RISK_PARAMS_MESSAGE>>,
  Same<BoundaryMessage, Abi<typeof BOUNDARY_MESSAGE>>,
  Same<Omit<StatusMessage, 'status'> & { status: number }, Abi<typeof STATUS_MESSAGE>>,
  Same<AttestationMessage, Abi<typeof ATTESTATION_MESSAGE>>,
] = [true, true, true, true];
void typesMatchAbi;

export type DecodedMessage =
  | { kind: 'RISK_PARAMS'; message: RiskParamsMessage }
  | { kind: 'BOUNDARY'; message: BoundaryMessage }
  | { kind: 'SEGMENT_STATUS'; message: StatusMessage }
  | { kind: 'ATTESTATION'; message: AttestationMessage };

const envelope = (kind: MessageKind, body: Hex): Hex => encodeAbiParameters(ENVELOPE, [MESSAGE_VERSION, kind, body]);

export function encodeRiskParams(m: RiskParamsMessage): Hex {
  return envelope(MessageKind.RISK_PARAMS, encodeAbiParameters([RISK_PARAMS_MESSAGE], [m]));
}

export function encodeBoundary(m: BoundaryMessage): Hex {
  return envelope(MessageKind.BOUNDARY, encodeAbiParameters([BOUNDARY_MESSAGE], [m]));
}

/** The contracts' decoder rejects an enum value out of range, so this refuses to produce one. */
export function encodeStatus(m: StatusMessage): Hex {
  const status: number = m.status; // widened: untyped callers can pass anything
  if (!isSegmentStatus(status)) {
    throw new MessageCodecError('INVALID_FIELD', `status must be 0..4 (None..Retired), got ${String(status)}`);
  }
  return envelope(MessageKind.SEGMENT_STATUS, encodeAbiParameters([STATUS_MESSAGE], [m]));
}

export function encodeAttestation(m: AttestationMessage): Hex {
  return envelope(MessageKind.ATTESTATION, encodeAbiParameters([ATTESTATION_MESSAGE], [m]));
}

/** Splits the envelope; refuses any version but ours, as the contracts do. */
export function openMessage(message: Hex): { kind: number; body: Hex } {
  let version: number;
  let kind: number;
  let body: Hex;
  try {
    [version, kind, body] = decodeAbiParameters(ENVELOPE, message);
  } catch (error) {
    throw new MessageCodecError('MALFORMED', 'not a segment message envelope', { cause: error });
  }
  if (version !== MESSAGE_VERSION) {
    throw new MessageCodecError(
      'UNSUPPORTED_VERSION',
      `message version ${version}; this codec reads ${MESSAGE_VERSION}`,
    );
  }
  return { kind, body };
}

function bodyOf(message: Hex, expected: MessageKind): Hex {
  const { kind, body } = openMessage(message);
  if (kind !== expected) throw new MessageCodecError('UNEXPECTED_KIND', `expected kind ${expected}, got ${kind}`);
  return body;
}

function decodeBody<P extends AbiParameter>(param: P, body: Hex): AbiParameterToPrimitiveType<P> {
  try {
    const [decoded] = decodeAbiParameters([param] as const, body);
    return decoded as AbiParameterToPrimitiveType<P>; // a one-element tuple of exactly `param`
  } catch (error) {
    throw new MessageCodecError('MALFORMED', 'the body does not decode as its kind', { cause: error });
  }
}

/** Solidity's decoder reverts on an enum value out of range; so does this. */
function statusBody(body: Hex): StatusMessage {
  const { segment, statusEpoch, status } = decodeBody(STATUS_MESSAGE, body);
  if (!isSegmentStatus(status)) throw new MessageCodecError('MALFORMED', `status ${status} is not 0..4`);
  return { segment, statusEpoch, status };
}

export const decodeRiskParamsMessage = (m: Hex): RiskParamsMessage =>
  decodeBody(RISK_PARAMS_MESSAGE, bodyOf(m, MessageKind.RISK_PARAMS));
export const decodeBoundaryMessage = (m: Hex): BoundaryMessage =>
  decodeBody(BOUNDARY_MESSAGE, bodyOf(m, MessageKind.BOUNDARY));
export const decodeStatusMessage = (m: Hex): StatusMessage => statusBody(bodyOf(m, MessageKind.SEGMENT_STATUS));
export const decodeAttestationMessage = (m: Hex): AttestationMessage =>
  decodeBody(ATTESTATION_MESSAGE, bodyOf(m, MessageKind.ATTESTATION));

/** Any segment message, by kind; kinds without a body type yet (routing) are refused. */
export function decodeMessage(message: Hex): DecodedMessage {
  const { kind, body } = openMessage(message);
  switch (kind) {
    case MessageKind.RISK_PARAMS:
      return { kind: 'RISK_PARAMS', message: decodeBody(RISK_PARAMS_MESSAGE, body) };
    case MessageKind.BOUNDARY:
      return { kind: 'BOUNDARY', message: decodeBody(BOUNDARY_MESSAGE, body) };
    case MessageKind.SEGMENT_STATUS:
      return { kind: 'SEGMENT_STATUS', message: statusBody(body) };
    case MessageKind.ATTESTATION:
      return { kind: 'ATTESTATION', message: decodeBody(ATTESTATION_MESSAGE, body) };
    default:
      throw new MessageCodecError('UNEXPECTED_KIND', `kind ${kind} has no decoder`);
  }
}
