import type { AbiParameter, AbiParameterToPrimitiveType } from 'viem';
import { ROUTE } from '../governance/actions.js';
import type {
  AttestationMessage,
  BoundaryMessage,
  RiskParamsMessage,
  RouteConfigMessage,
  RouteRefundMessage,
  RouteTransferMessage,
  StatusMessage,
} from './types.js';

// The structs of SegmentMessages.sol, field for field and in order. Declared here rather than read
// from the compiled CodecHarness (a test fixture) so production code does not depend on it;
// codec.spec.ts proves these equal the harness ABI, and codec.int-spec.ts the bytes on chain.

export const ENVELOPE = [
  { type: 'uint8', name: 'version' },
  { type: 'uint8', name: 'kind' },
  { type: 'bytes', name: 'body' },
] as const satisfies readonly AbiParameter[];

const RATE_MODEL = [
  { type: 'uint32', name: 'baseBps' },
  { type: 'uint32', name: 'slope1Bps' },
  { type: 'uint32', name: 'kinkBps' },
  { type: 'uint32', name: 'slope2Bps' },
] as const;

const ASSET_RISK = [
  { type: 'bytes32', name: 'assetId' },
  { type: 'uint16', name: 'ltvBps' },
  { type: 'uint16', name: 'liqThresholdBps' },
  { type: 'uint16', name: 'liqBonusBps' },
  { type: 'uint128', name: 'supplyCap' },
] as const;

const RISK_PARAMS = [
  { type: 'uint128', name: 'borrowCap' },
  { type: 'uint16', name: 'reserveFactorBps' },
  { type: 'tuple', name: 'rates', components: RATE_MODEL },
  { type: 'tuple[]', name: 'assets', components: ASSET_RISK },
] as const;

const LOCAL_ASSET = [
  { type: 'bytes32', name: 'assetId' },
  { type: 'address', name: 'token' },
  { type: 'address', name: 'feed' },
  { type: 'uint32', name: 'maxStaleness' },
] as const;

const SEGMENT_SNAPSHOT = [
  { type: 'bytes32', name: 'segment' },
  { type: 'uint256', name: 'collateralValue' },
  { type: 'uint256', name: 'totalBorrowed' },
  { type: 'uint256', name: 'idle' },
  { type: 'uint256', name: 'insurance' },
  { type: 'uint256', name: 'badDebt' },
  { type: 'uint32', name: 'accounts' },
  { type: 'uint64', name: 'paramsEpoch' },
  { type: 'uint64', name: 'boundaryEpoch' },
  { type: 'uint64', name: 'statusEpoch' },
] as const;

export const RISK_PARAMS_MESSAGE = {
  type: 'tuple',
  name: 'message',
  components: [
    { type: 'bytes32', name: 'segment' },
    { type: 'uint64', name: 'paramsEpoch' },
    { type: 'uint64', name: 'boundaryEpoch' },
    { type: 'tuple', name: 'params', components: RISK_PARAMS },
  ],
} as const satisfies AbiParameter;

export const BOUNDARY_MESSAGE = {
  type: 'tuple',
  name: 'message',
  components: [
    { type: 'bytes32', name: 'segment' },
    { type: 'uint64', name: 'boundaryEpoch' },
    { type: 'tuple', name: 'borrowAsset', components: LOCAL_ASSET },
    { type: 'tuple[]', name: 'collaterals', components: LOCAL_ASSET },
  ],
} as const satisfies AbiParameter;

/** `status` is the enum SegmentStatus, which the ABI carries as uint8. */
export const STATUS_MESSAGE = {
  type: 'tuple',
  name: 'message',
  components: [
    { type: 'bytes32', name: 'segment' },
    { type: 'uint64', name: 'statusEpoch' },
    { type: 'uint8', name: 'status' },
  ],
} as const satisfies AbiParameter;

export const ATTESTATION_MESSAGE = {
  type: 'tuple',
  name: 'message',
  components: [
    { type: 'uint32', name: 'eid' },
    { type: 'uint64', name: 'blockNumber' },
    { type: 'uint64', name: 'timestamp' },
    { type: 'tuple[]', name: 'segments', components: SEGMENT_SNAPSHOT },
  ],
} as const satisfies AbiParameter;

export const ROUTE_CONFIG_MESSAGE = {
  type: 'tuple',
  name: 'message',
  components: [{ type: 'bytes32', name: 'routeId' }, { type: 'uint64', name: 'epoch' }, ROUTE],
} as const satisfies AbiParameter;

export const ROUTE_TRANSFER_MESSAGE = {
  type: 'tuple',
  name: 'message',
  components: [
    { type: 'bytes32', name: 'transferId' },
    { type: 'bytes32', name: 'routeId' },
    { type: 'uint32', name: 'srcEid' },
    { type: 'bytes32', name: 'srcSegment' },
    { type: 'uint32', name: 'dstEid' },
    { type: 'bytes32', name: 'dstSegment' },
    { type: 'bytes32', name: 'assetId' },
    { type: 'uint256', name: 'amount' },
  ],
} as const satisfies AbiParameter;

export const ROUTE_REFUND_MESSAGE = {
  type: 'tuple',
  name: 'message',
  components: [
    { type: 'bytes32', name: 'transferId' },
    { type: 'bytes32', name: 'routeId' },
    { type: 'uint256', name: 'amount' },
    { type: 'bytes', name: 'reason' },
  ],
} as const satisfies AbiParameter;

// Compile-time proof that the message types are exactly what viem reads and writes for these ABIs.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Primitive<P extends AbiParameter> = AbiParameterToPrimitiveType<P>;
const typesMatchAbi: [
  Same<RiskParamsMessage, Primitive<typeof RISK_PARAMS_MESSAGE>>,
  Same<BoundaryMessage, Primitive<typeof BOUNDARY_MESSAGE>>,
  Same<Omit<StatusMessage, 'status'> & { status: number }, Primitive<typeof STATUS_MESSAGE>>,
  Same<AttestationMessage, Primitive<typeof ATTESTATION_MESSAGE>>,
  Same<RouteConfigMessage, Primitive<typeof ROUTE_CONFIG_MESSAGE>>,
  Same<RouteTransferMessage, Primitive<typeof ROUTE_TRANSFER_MESSAGE>>,
  Same<RouteRefundMessage, Primitive<typeof ROUTE_REFUND_MESSAGE>>,
] = [true, true, true, true, true, true, true];
void typesMatchAbi;
