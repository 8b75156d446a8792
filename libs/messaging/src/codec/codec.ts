import {
  decodeAbiParameters,
  encodeAbiParameters,
  getAbiItem,
  type AbiParameter,
  type AbiParameterToPrimitiveType,
  type Hex,
} from 'viem';
import { CodecHarness } from '#app/contracts';

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

export type RiskParamsMessage = AbiParameterToPrimitiveType<typeof RISK_PARAMS_MESSAGE>;
export type BoundaryMessage = AbiParameterToPrimitiveType<typeof BOUNDARY_MESSAGE>;
export type StatusMessage = AbiParameterToPrimitiveType<typeof STATUS_MESSAGE>;
export type AttestationMessage = AbiParameterToPrimitiveType<typeof ATTESTATION_MESSAGE>;

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
  if (!Number.isInteger(m.status) || m.status < SegmentStatus.None || m.status > SegmentStatus.Retired) {
    throw new MessageCodecError('INVALID_FIELD', `status must be 0..4 (None..Retired), got ${m.status}`);
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

export const decodeRiskParamsMessage = (m: Hex): RiskParamsMessage =>
  decodeBody(RISK_PARAMS_MESSAGE, bodyOf(m, MessageKind.RISK_PARAMS));
export const decodeBoundaryMessage = (m: Hex): BoundaryMessage =>
  decodeBody(BOUNDARY_MESSAGE, bodyOf(m, MessageKind.BOUNDARY));
export const decodeStatusMessage = (m: Hex): StatusMessage =>
  decodeBody(STATUS_MESSAGE, bodyOf(m, MessageKind.SEGMENT_STATUS));
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
      return { kind: 'SEGMENT_STATUS', message: decodeBody(STATUS_MESSAGE, body) };
    case MessageKind.ATTESTATION:
      return { kind: 'ATTESTATION', message: decodeBody(ATTESTATION_MESSAGE, body) };
    default:
      throw new MessageCodecError('UNEXPECTED_KIND', `kind ${kind} has no decoder`);
  }
}
