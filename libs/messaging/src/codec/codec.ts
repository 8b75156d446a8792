import { BaseError, decodeAbiParameters, encodeAbiParameters, type Hex } from 'viem';
import {
  ATTESTATION_MESSAGE,
  BOUNDARY_MESSAGE,
  ENVELOPE,
  RISK_PARAMS_MESSAGE,
  ROUTE_CONFIG_MESSAGE,
  ROUTE_REFUND_MESSAGE,
  ROUTE_TRANSFER_MESSAGE,
  STATUS_MESSAGE,
} from './abi.js';
import { MessageCodecError, type MessageCodecErrorCode } from './errors.js';
import {
  isSegmentStatus,
  MESSAGE_VERSION,
  MessageKind,
  type AttestationMessage,
  type BoundaryMessage,
  type DecodedMessage,
  type MessageKindName,
  type RiskParamsMessage,
  type RouteConfigMessage,
  type RouteRefundMessage,
  type RouteTransferMessage,
  type StatusMessage,
} from './types.js';

/** One message kind: its name in MessageKind and its body, `abi.encode(struct)`. */
interface BodyCodec<T> {
  name: MessageKindName;
  encode(m: T): Hex;
  decode(body: Hex): T;
}

const riskParams: BodyCodec<RiskParamsMessage> = {
  name: 'RISK_PARAMS',
  encode: (m) => encodeAbiParameters([RISK_PARAMS_MESSAGE], [m]),
  decode: (body) => decodeAbiParameters([RISK_PARAMS_MESSAGE], body)[0],
};

const boundary: BodyCodec<BoundaryMessage> = {
  name: 'BOUNDARY',
  encode: (m) => encodeAbiParameters([BOUNDARY_MESSAGE], [m]),
  decode: (body) => decodeAbiParameters([BOUNDARY_MESSAGE], body)[0],
};

/** viem writes and reads any uint8 for the enum; Solidity's decoder reverts above Retired, so we refuse both ways. */
const status: BodyCodec<StatusMessage> = {
  name: 'SEGMENT_STATUS',
  encode: (m) => {
    const value: number = m.status; // widened: an untyped caller can pass anything
    if (!isSegmentStatus(value)) throw new MessageCodecError('INVALID_FIELD', `status ${value} is not 0..4`);
    return encodeAbiParameters([STATUS_MESSAGE], [m]);
  },
  decode: (body) => {
    const { segment, statusEpoch, status: value } = decodeAbiParameters([STATUS_MESSAGE], body)[0];
    if (!isSegmentStatus(value)) throw new MessageCodecError('MALFORMED', `status ${value} is not 0..4`);
    return { segment, statusEpoch, status: value };
  },
};

const attestation: BodyCodec<AttestationMessage> = {
  name: 'ATTESTATION',
  encode: (m) => encodeAbiParameters([ATTESTATION_MESSAGE], [m]),
  decode: (body) => decodeAbiParameters([ATTESTATION_MESSAGE], body)[0],
};

const routeConfig: BodyCodec<RouteConfigMessage> = {
  name: 'ROUTE_CONFIG',
  encode: (m) => encodeAbiParameters([ROUTE_CONFIG_MESSAGE], [m]),
  decode: (body) => decodeAbiParameters([ROUTE_CONFIG_MESSAGE], body)[0],
};

const routeTransfer: BodyCodec<RouteTransferMessage> = {
  name: 'ROUTE_TRANSFER',
  encode: (m) => encodeAbiParameters([ROUTE_TRANSFER_MESSAGE], [m]),
  decode: (body) => decodeAbiParameters([ROUTE_TRANSFER_MESSAGE], body)[0],
};

const routeRefund: BodyCodec<RouteRefundMessage> = {
  name: 'ROUTE_REFUND',
  encode: (m) => encodeAbiParameters([ROUTE_REFUND_MESSAGE], [m]),
  decode: (body) => decodeAbiParameters([ROUTE_REFUND_MESSAGE], body)[0],
};

/** Callers handle one error type: viem's errors become codec errors that keep them as `cause`. */
function guard<T>(code: MessageCodecErrorCode, context: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof MessageCodecError) throw error;
    const reason = error instanceof BaseError ? error.shortMessage : String(error);
    throw new MessageCodecError(code, `${context}: ${reason}`, { cause: error });
  }
}

function write<T>(codec: BodyCodec<T>, m: T): Hex {
  const body = guard('INVALID_FIELD', codec.name, () => codec.encode(m));
  return encodeAbiParameters(ENVELOPE, [MESSAGE_VERSION, MessageKind[codec.name], body]);
}

/**
 * viem reads whole words where Solidity's decoder reverts on dirty high bytes (a uint64 above
 * 2^64, an address with bits above 160). Requiring the body to be exactly what we would write
 * refuses those (and trailing bytes, which Solidity would tolerate), never a message the contracts
 * wrote: they always write canonical ABI.
 */
function read<T>(codec: BodyCodec<T>, body: Hex): T {
  const m = guard('MALFORMED', codec.name, () => codec.decode(body));
  if (guard('MALFORMED', codec.name, () => codec.encode(m)) !== body.toLowerCase()) {
    throw new MessageCodecError('MALFORMED', `${codec.name}: the body is not canonical ABI`);
  }
  return m;
}

export const encodeRiskParams = (m: RiskParamsMessage): Hex => write(riskParams, m);
export const encodeBoundary = (m: BoundaryMessage): Hex => write(boundary, m);
export const encodeStatus = (m: StatusMessage): Hex => write(status, m);
export const encodeAttestation = (m: AttestationMessage): Hex => write(attestation, m);
export const encodeRouteConfig = (m: RouteConfigMessage): Hex => write(routeConfig, m);
export const encodeRouteTransfer = (m: RouteTransferMessage): Hex => write(routeTransfer, m);
export const encodeRouteRefund = (m: RouteRefundMessage): Hex => write(routeRefund, m);

/** Splits the envelope. Refuses any version but ours, as SegmentMessages.open does, before reading on. */
export function openMessage(message: Hex): { kind: number; body: Hex } {
  const [version, kind, body] = guard('MALFORMED', 'envelope', () => decodeAbiParameters(ENVELOPE, message));
  if (version !== MESSAGE_VERSION) {
    throw new MessageCodecError('UNSUPPORTED_VERSION', `version ${version}; this codec reads ${MESSAGE_VERSION}`);
  }
  if (encodeAbiParameters(ENVELOPE, [version, kind, body]) !== message.toLowerCase()) {
    throw new MessageCodecError('MALFORMED', 'envelope: not canonical ABI');
  }
  return { kind, body };
}

function bodyOf(message: Hex, expected: MessageKindName): Hex {
  const { kind, body } = openMessage(message);
  if (kind !== MessageKind[expected]) {
    throw new MessageCodecError('UNEXPECTED_KIND', `expected ${expected} (${MessageKind[expected]}), got kind ${kind}`);
  }
  return body;
}

export const decodeRiskParams = (m: Hex): RiskParamsMessage => read(riskParams, bodyOf(m, 'RISK_PARAMS'));
export const decodeBoundary = (m: Hex): BoundaryMessage => read(boundary, bodyOf(m, 'BOUNDARY'));
export const decodeStatus = (m: Hex): StatusMessage => read(status, bodyOf(m, 'SEGMENT_STATUS'));
export const decodeAttestation = (m: Hex): AttestationMessage => read(attestation, bodyOf(m, 'ATTESTATION'));
export const decodeRouteConfig = (m: Hex): RouteConfigMessage => read(routeConfig, bodyOf(m, 'ROUTE_CONFIG'));
export const decodeRouteTransfer = (m: Hex): RouteTransferMessage => read(routeTransfer, bodyOf(m, 'ROUTE_TRANSFER'));
export const decodeRouteRefund = (m: Hex): RouteRefundMessage => read(routeRefund, bodyOf(m, 'ROUTE_REFUND'));

/** Any segment message, by kind. GLOBAL_CAP has no body type, so it is refused, not guessed. */
export function decodeMessage(message: Hex): DecodedMessage {
  const { kind, body } = openMessage(message);
  switch (kind) {
    case MessageKind.RISK_PARAMS:
      return { kind: 'RISK_PARAMS', message: read(riskParams, body) };
    case MessageKind.BOUNDARY:
      return { kind: 'BOUNDARY', message: read(boundary, body) };
    case MessageKind.SEGMENT_STATUS:
      return { kind: 'SEGMENT_STATUS', message: read(status, body) };
    case MessageKind.ATTESTATION:
      return { kind: 'ATTESTATION', message: read(attestation, body) };
    case MessageKind.ROUTE_CONFIG:
      return { kind: 'ROUTE_CONFIG', message: read(routeConfig, body) };
    case MessageKind.ROUTE_TRANSFER:
      return { kind: 'ROUTE_TRANSFER', message: read(routeTransfer, body) };
    case MessageKind.ROUTE_REFUND:
      return { kind: 'ROUTE_REFUND', message: read(routeRefund, body) };
    default:
      throw new MessageCodecError('UNEXPECTED_KIND', `kind ${kind} has no body type`);
  }
}
