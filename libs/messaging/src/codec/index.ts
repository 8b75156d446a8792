export {
  decodeAttestation,
  decodeBoundary,
  decodeMessage,
  decodeRiskParams,
  decodeStatus,
  encodeAttestation,
  encodeBoundary,
  encodeRiskParams,
  encodeStatus,
  openMessage,
} from './codec.js';
export { MessageCodecError, type MessageCodecErrorCode } from './errors.js';
export {
  isSegmentStatus,
  MESSAGE_VERSION,
  MessageKind,
  SegmentStatus,
  type AttestationMessage,
  type BoundaryMessage,
  type DecodedMessage,
  type LocalAsset,
  type MessageKindName,
  type RiskParamsMessage,
  type SegmentSnapshot,
  type StatusMessage,
} from './types.js';
