import type { Address, Hex } from 'viem';
import type { RiskParams, Route } from '../governance/actions.js';

/** Every cross-chain segment message is `abi.encode(uint8 version, uint8 kind, bytes body)`. */
export const MESSAGE_VERSION = 1;

/** SegmentMessages.sol's kinds; GLOBAL_CAP (8) is reserved and has no body type. */
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

/** The Solidity enum `SegmentStatus`, by ordinal. */
export const SegmentStatus = { None: 0, Active: 1, ReduceOnly: 2, Frozen: 3, Retired: 4 } as const;
export type SegmentStatus = (typeof SegmentStatus)[keyof typeof SegmentStatus];

export const isSegmentStatus = (value: number): value is SegmentStatus =>
  Number.isInteger(value) && value >= SegmentStatus.None && value <= SegmentStatus.Retired;

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

export interface StatusMessage {
  segment: Hex;
  statusEpoch: bigint;
  status: SegmentStatus;
}

/** One segment's state on one chain; `collateralValue` in USD with 18 decimals, amounts in borrow-asset units. */
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

/** ROUTE_CONFIG: from the hub router to the routers at both ends of a route. */
export interface RouteConfigMessage {
  routeId: Hex;
  epoch: bigint;
  route: Route;
}

/** ROUTE_TRANSFER: the source debited `amount`; the destination credits from its reserve or refunds. */
export interface RouteTransferMessage {
  transferId: Hex;
  routeId: Hex;
  srcEid: number;
  srcSegment: Hex;
  dstEid: number;
  dstSegment: Hex;
  assetId: Hex;
  amount: bigint;
}

/** ROUTE_REFUND: the destination refused (`reason` is the revert data); the source re-credits. */
export interface RouteRefundMessage {
  transferId: Hex;
  routeId: Hex;
  amount: bigint;
  reason: Hex;
}

export type DecodedMessage =
  | { kind: 'RISK_PARAMS'; message: RiskParamsMessage }
  | { kind: 'BOUNDARY'; message: BoundaryMessage }
  | { kind: 'SEGMENT_STATUS'; message: StatusMessage }
  | { kind: 'ATTESTATION'; message: AttestationMessage }
  | { kind: 'ROUTE_CONFIG'; message: RouteConfigMessage }
  | { kind: 'ROUTE_TRANSFER'; message: RouteTransferMessage }
  | { kind: 'ROUTE_REFUND'; message: RouteRefundMessage };
