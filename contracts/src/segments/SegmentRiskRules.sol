// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./SegmentMessages.sol";

/// @notice The rules every risk-parameter change must pass, as a stateless contract beside the
/// controller (which would not fit under the code size limit with them). Reverts name the
/// segment, the asset (zero for segment-wide fields) and the field.
contract SegmentRiskRules {
    uint256 internal constant BPS = 10_000;

    error InvalidRiskParams(bytes32 segment, bytes32 assetId, string field);
    error StewardOutOfBounds(bytes32 segment, bytes32 assetId, string field);

    /// @notice Collateral assets match the boundary one for one, in order; every asset can be
    /// liquidated with its bonus before its debt exceeds its collateral.
    function validate(bytes32 segment, bytes32[] calldata ids, RiskParams calldata p) external pure {
        if (p.assets.length != ids.length) revert InvalidRiskParams(segment, 0, "assets");
        if (p.reserveFactorBps > BPS) revert InvalidRiskParams(segment, 0, "reserveFactor");
        if (p.rates.kinkBps > BPS) revert InvalidRiskParams(segment, 0, "rates.kink");
        for (uint256 i = 0; i < ids.length; i++) {
            AssetRisk calldata a = p.assets[i];
            if (a.assetId != ids[i]) revert InvalidRiskParams(segment, a.assetId, "assets");
            if (a.ltvBps > a.liqThresholdBps) revert InvalidRiskParams(segment, a.assetId, "ltv");
            if (uint256(a.liqThresholdBps) * (BPS + a.liqBonusBps) > BPS * BPS) {
                revert InvalidRiskParams(segment, a.assetId, "liqThreshold");
            }
        }
    }

    /// @notice A steward update moves no field further than its bound, sets none of LTV,
    /// threshold or caps to zero, and keeps the same assets.
    function checkStewardUpdate(
        bytes32 segment,
        StewardBounds calldata b,
        bytes calldata current,
        RiskParams calldata next
    ) external pure {
        RiskParams memory old = abi.decode(current, (RiskParams));
        if (next.assets.length != old.assets.length) revert StewardOutOfBounds(segment, 0, "assets");
        _within(segment, 0, "reserveFactor", old.reserveFactorBps, next.reserveFactorBps, b.maxReserveFactorChangeBps);
        _within(segment, 0, "rates.base", old.rates.baseBps, next.rates.baseBps, b.maxRateChangeBps);
        _within(segment, 0, "rates.slope1", old.rates.slope1Bps, next.rates.slope1Bps, b.maxRateChangeBps);
        _within(segment, 0, "rates.kink", old.rates.kinkBps, next.rates.kinkBps, b.maxRateChangeBps);
        _within(segment, 0, "rates.slope2", old.rates.slope2Bps, next.rates.slope2Bps, b.maxRateChangeBps);
        _withinRelative(segment, 0, "borrowCap", old.borrowCap, next.borrowCap, b.maxCapChangeBps);
        for (uint256 i = 0; i < next.assets.length; i++) {
            AssetRisk memory o = old.assets[i];
            AssetRisk calldata n = next.assets[i];
            if (o.assetId != n.assetId) revert StewardOutOfBounds(segment, n.assetId, "assets");
            if (n.ltvBps == 0) revert StewardOutOfBounds(segment, n.assetId, "ltv");
            if (n.liqThresholdBps == 0) revert StewardOutOfBounds(segment, n.assetId, "liqThreshold");
            _within(segment, n.assetId, "ltv", o.ltvBps, n.ltvBps, b.maxLtvChangeBps);
            _within(segment, n.assetId, "liqThreshold", o.liqThresholdBps, n.liqThresholdBps, b.maxThresholdChangeBps);
            _within(segment, n.assetId, "liqBonus", o.liqBonusBps, n.liqBonusBps, b.maxBonusChangeBps);
            _withinRelative(segment, n.assetId, "supplyCap", o.supplyCap, n.supplyCap, b.maxCapChangeBps);
        }
    }

    function _within(bytes32 segment, bytes32 assetId, string memory field, uint256 a, uint256 b, uint256 maxChange)
        internal
        pure
    {
        if ((a > b ? a - b : b - a) > maxChange) revert StewardOutOfBounds(segment, assetId, field);
    }

    function _withinRelative(
        bytes32 segment,
        bytes32 assetId,
        string memory field,
        uint256 a,
        uint256 b,
        uint256 maxChangeBps
    ) internal pure {
        if (b == 0 || (a > b ? a - b : b - a) * BPS > a * maxChangeBps) {
            revert StewardOutOfBounds(segment, assetId, field);
        }
    }
}
