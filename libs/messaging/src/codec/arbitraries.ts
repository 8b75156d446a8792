import fc from 'fast-check';
import { getAddress, toHex, type Address, type Hex } from 'viem';
import {
  SegmentStatus,
  type AttestationMessage,
  type BoundaryMessage,
  type RiskParamsMessage,
  type RouteConfigMessage,
  type RouteRefundMessage,
  type RouteTransferMessage,
  type StatusMessage,
} from './types.js';

/** Random message bodies over each field's whole range, for codec property tests. */
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const small = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b): Hex => toHex(b));
// decoders return checksummed addresses, so generate them that way
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b): Address => getAddress(toHex(b)));

const localAsset = fc.record({ assetId: bytes32, token: address, feed: address, maxStaleness: small(32) });

export const riskParamsMessageArb: fc.Arbitrary<RiskParamsMessage> = fc.record({
  segment: bytes32,
  paramsEpoch: uint(64),
  boundaryEpoch: uint(64),
  params: fc.record({
    borrowCap: uint(128),
    reserveFactorBps: small(16),
    rates: fc.record({ baseBps: small(32), slope1Bps: small(32), kinkBps: small(32), slope2Bps: small(32) }),
    assets: fc.array(
      fc.record({
        assetId: bytes32,
        ltvBps: small(16),
        liqThresholdBps: small(16),
        liqBonusBps: small(16),
        supplyCap: uint(128),
      }),
      { maxLength: 5 },
    ),
  }),
});

export const boundaryMessageArb: fc.Arbitrary<BoundaryMessage> = fc.record({
  segment: bytes32,
  boundaryEpoch: uint(64),
  borrowAsset: localAsset,
  collaterals: fc.array(localAsset, { maxLength: 5 }),
});

export const statusMessageArb: fc.Arbitrary<StatusMessage> = fc.record({
  segment: bytes32,
  statusEpoch: uint(64),
  status: fc.constantFrom(...Object.values(SegmentStatus)),
});

export const attestationMessageArb: fc.Arbitrary<AttestationMessage> = fc.record({
  eid: small(32),
  blockNumber: uint(64),
  timestamp: uint(64),
  segments: fc.array(
    fc.record({
      segment: bytes32,
      collateralValue: uint(256),
      totalBorrowed: uint(256),
      idle: uint(256),
      insurance: uint(256),
      badDebt: uint(256),
      accounts: small(32),
      paramsEpoch: uint(64),
      boundaryEpoch: uint(64),
      statusEpoch: uint(64),
    }),
    { maxLength: 4 },
  ),
});

export const routeConfigMessageArb: fc.Arbitrary<RouteConfigMessage> = fc.record({
  routeId: bytes32,
  epoch: uint(64),
  route: fc.record({
    srcEid: small(32),
    srcSegment: bytes32,
    dstEid: small(32),
    dstSegment: bytes32,
    assetId: bytes32,
    capacity: uint(128),
    refillPerSecond: uint(128),
    maxUtilBps: small(16),
    enabled: fc.boolean(),
  }),
});

export const routeTransferMessageArb: fc.Arbitrary<RouteTransferMessage> = fc.record({
  transferId: bytes32,
  routeId: bytes32,
  srcEid: small(32),
  srcSegment: bytes32,
  dstEid: small(32),
  dstSegment: bytes32,
  assetId: bytes32,
  amount: uint(256),
});

export const routeRefundMessageArb: fc.Arbitrary<RouteRefundMessage> = fc.record({
  transferId: bytes32,
  routeId: bytes32,
  amount: uint(256),
  reason: fc.uint8Array({ maxLength: 100 }).map((b): Hex => toHex(b)),
});
