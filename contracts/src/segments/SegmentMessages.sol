// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The types every segment contract shares, and the one wire format between them:
/// `abi.encode(uint8 version, uint8 kind, bytes body)`. `libs/messaging` encodes the same bytes.

enum SegmentStatus {
    None,
    Active,
    ReduceOnly,
    Frozen,
    Retired
}

/// @dev Annual rates in basis points; `kinkBps` is the utilisation where slope2 starts.
struct RateModel {
    uint32 baseBps;
    uint32 slope1Bps;
    uint32 kinkBps;
    uint32 slope2Bps;
}

/// @dev Risk parameters of one collateral asset in one segment. `supplyCap` in token units.
struct AssetRisk {
    bytes32 assetId;
    uint16 ltvBps;
    uint16 liqThresholdBps;
    uint16 liqBonusBps;
    uint128 supplyCap;
}

/// @dev The whole of a segment's risk parameters: always set together, never field by field.
struct RiskParams {
    uint128 borrowCap;
    uint16 reserveFactorBps;
    RateModel rates;
    AssetRisk[] assets;
}

/// @dev Per-update limits on what the risk steward may change: absolute bps for LTV, threshold,
/// bonus, reserve factor and rates; relative (bps of the old value) for caps; and a minimum time
/// between two steward updates of one segment.
struct StewardBounds {
    uint16 maxLtvChangeBps;
    uint16 maxThresholdChangeBps;
    uint16 maxBonusChangeBps;
    uint16 maxReserveFactorChangeBps;
    uint32 maxRateChangeBps;
    uint16 maxCapChangeBps;
    uint32 minInterval;
}

/// @dev An asset as it exists on one chain: the token, its USD feed and the feed's staleness limit.
struct LocalAsset {
    bytes32 assetId;
    address token;
    address feed;
    uint32 maxStaleness;
}

/// @dev RISK_PARAMS: applies when `paramsEpoch` is newer and the vault already has `boundaryEpoch`.
struct RiskParamsMessage {
    bytes32 segment;
    uint64 paramsEpoch;
    uint64 boundaryEpoch;
    RiskParams params;
}

/// @dev BOUNDARY: the segment's borrow asset and its full set of collateral assets on that chain.
/// Epoch 1 creates the segment.
struct BoundaryMessage {
    bytes32 segment;
    uint64 boundaryEpoch;
    LocalAsset borrowAsset;
    LocalAsset[] collaterals;
}

/// @dev SEGMENT_STATUS.
struct StatusMessage {
    bytes32 segment;
    uint64 statusEpoch;
    SegmentStatus status;
}

/// @dev One segment's state on one chain, as attested to the hub. Amounts of the borrow asset in
/// its own units; `collateralValue` in USD with 18 decimals from the segment's feeds.
struct SegmentSnapshot {
    bytes32 segment;
    uint256 collateralValue;
    uint256 totalBorrowed;
    uint256 idle;
    uint256 insurance;
    uint256 badDebt;
    uint32 accounts;
    uint64 paramsEpoch;
    uint64 boundaryEpoch;
    uint64 statusEpoch;
}

/// @dev ATTESTATION: a vault's snapshot of some of its segments at one block.
struct AttestationMessage {
    uint32 eid;
    uint64 blockNumber;
    uint64 timestamp;
    SegmentSnapshot[] segments;
}

/// @dev A liquidity route: idle liquidity of one asset may move from (srcEid, srcSegment) to
/// (dstEid, dstSegment) through a token bucket (`capacity`, refilled at `refillPerSecond`), while
/// the source segment's utilisation stays at or under `maxUtilBps` after the move. Its id is
/// `keccak256(abi.encode(srcEid, srcSegment, dstEid, dstSegment, assetId))`.
struct Route {
    uint32 srcEid;
    bytes32 srcSegment;
    uint32 dstEid;
    bytes32 dstSegment;
    bytes32 assetId;
    uint128 capacity;
    uint128 refillPerSecond;
    uint16 maxUtilBps;
    bool enabled;
}

/// @dev ROUTE_CONFIG: from the hub router to the routers at both ends of a route; `epoch` per route.
struct RouteConfigMessage {
    bytes32 routeId;
    uint64 epoch;
    Route route;
}

/// @dev ROUTE_TRANSFER: the source debited `amount` from its segment; the destination credits its
/// segment from the destination chain's routing reserve, or refunds. `transferId` is unique.
struct RouteTransferMessage {
    bytes32 transferId;
    bytes32 routeId;
    uint32 srcEid;
    bytes32 srcSegment;
    uint32 dstEid;
    bytes32 dstSegment;
    bytes32 assetId;
    uint256 amount;
}

/// @dev ROUTE_REFUND: the destination could not credit the transfer; the source re-credits its segment.
struct RouteRefundMessage {
    bytes32 transferId;
    bytes32 routeId;
    uint256 amount;
    bytes reason;
}

library SegmentMessages {
    uint8 internal constant VERSION = 1;

    uint8 internal constant RISK_PARAMS = 1;
    uint8 internal constant BOUNDARY = 2;
    uint8 internal constant SEGMENT_STATUS = 3;
    uint8 internal constant ROUTE_CONFIG = 4;
    uint8 internal constant ATTESTATION = 5;
    uint8 internal constant ROUTE_TRANSFER = 6;
    uint8 internal constant ROUTE_REFUND = 7;
    uint8 internal constant GLOBAL_CAP = 8;

    error UnsupportedVersion(uint8 version);
    error UnexpectedKind(uint8 kind);

    function envelope(uint8 kind, bytes memory body) internal pure returns (bytes memory) {
        return abi.encode(VERSION, kind, body);
    }

    /// @dev Reverts on any version but ours: a message we cannot read is never half-applied.
    function open(bytes memory message) internal pure returns (uint8 kind, bytes memory body) {
        uint8 version;
        (version, kind, body) = abi.decode(message, (uint8, uint8, bytes));
        if (version != VERSION) revert UnsupportedVersion(version);
    }

    function encodeRiskParams(RiskParamsMessage memory m) internal pure returns (bytes memory) {
        return envelope(RISK_PARAMS, abi.encode(m));
    }

    function encodeBoundary(BoundaryMessage memory m) internal pure returns (bytes memory) {
        return envelope(BOUNDARY, abi.encode(m));
    }

    function encodeStatus(StatusMessage memory m) internal pure returns (bytes memory) {
        return envelope(SEGMENT_STATUS, abi.encode(m));
    }

    function encodeAttestation(AttestationMessage memory m) internal pure returns (bytes memory) {
        return envelope(ATTESTATION, abi.encode(m));
    }

    function decodeRiskParams(bytes memory body) internal pure returns (RiskParamsMessage memory) {
        return abi.decode(body, (RiskParamsMessage));
    }

    function decodeBoundary(bytes memory body) internal pure returns (BoundaryMessage memory) {
        return abi.decode(body, (BoundaryMessage));
    }

    function decodeStatus(bytes memory body) internal pure returns (StatusMessage memory) {
        return abi.decode(body, (StatusMessage));
    }

    function decodeAttestation(bytes memory body) internal pure returns (AttestationMessage memory) {
        return abi.decode(body, (AttestationMessage));
    }

    function encodeRouteConfig(RouteConfigMessage memory m) internal pure returns (bytes memory) {
        return envelope(ROUTE_CONFIG, abi.encode(m));
    }

    function encodeRouteTransfer(RouteTransferMessage memory m) internal pure returns (bytes memory) {
        return envelope(ROUTE_TRANSFER, abi.encode(m));
    }

    function encodeRouteRefund(RouteRefundMessage memory m) internal pure returns (bytes memory) {
        return envelope(ROUTE_REFUND, abi.encode(m));
    }

    function decodeRouteConfig(bytes memory body) internal pure returns (RouteConfigMessage memory) {
        return abi.decode(body, (RouteConfigMessage));
    }

    function decodeRouteTransfer(bytes memory body) internal pure returns (RouteTransferMessage memory) {
        return abi.decode(body, (RouteTransferMessage));
    }

    function decodeRouteRefund(bytes memory body) internal pure returns (RouteRefundMessage memory) {
        return abi.decode(body, (RouteRefundMessage));
    }

    /// @dev The one id of a route, the same on every chain.
    function routeId(Route memory r) internal pure returns (bytes32) {
        return keccak256(abi.encode(r.srcEid, r.srcSegment, r.dstEid, r.dstSegment, r.assetId));
    }
}
