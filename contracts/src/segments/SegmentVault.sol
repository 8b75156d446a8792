// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC20Metadata } from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { Math } from "@openzeppelin/contracts/utils/math/Math.sol";
import { OApp, Origin, MessagingFee, MessagingReceipt } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { OptionsBuilder } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import { IAggregatorV3 } from "./IAggregatorV3.sol";
import "./SegmentMessages.sol";

/// @notice Receives attestations from the vault on the hub chain (the controller).
interface ISegmentAttestationSink {
    function receiveLocalAttestation(bytes calldata message) external;
}

/// @notice Isolated lending segments on one chain. Each segment has its own borrow asset,
/// collateral assets, risk parameters, ledger and insurance fund; nothing an account does in one
/// segment can move another segment's ledger. Configuration comes only from the controller: over
/// LayerZero from the hub peer on spokes, by direct call on the hub.
contract SegmentVault is OApp, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using OptionsBuilder for bytes;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant YEAR = 365 days;
    /// @dev At most this share of an account's debt is repaid by one liquidation.
    uint256 public constant CLOSE_FACTOR_BPS = 5_000;
    /// @dev This share of the liquidation bonus is paid by the liquidator into the insurance fund.
    uint256 public constant LIQUIDATION_INSURANCE_SHARE_BPS = 1_000;
    /// @dev Virtual shares and assets make the first supplier unable to inflate the share price.
    uint256 internal constant VIRTUAL_SHARES = 1e6;
    uint128 internal constant ATTEST_GAS_BASE = 200_000;
    uint128 internal constant ATTEST_GAS_PER_SEGMENT = 400_000;

    struct Config {
        SegmentStatus status;
        uint64 paramsEpoch;
        uint64 boundaryEpoch;
        uint64 statusEpoch;
        uint8 borrowDecimals;
        uint16 reserveFactorBps;
        uint128 borrowCap;
        LocalAsset borrowAsset;
        RateModel rates;
        /// @dev Every collateral asset the segment ever listed; delisted ones still count for health.
        bytes32[] collateralIds;
    }

    struct Ledger {
        /// @dev Borrow-asset tokens held for the segment, insurance included.
        uint256 cash;
        /// @dev The insurance fund's claim on the segment (reserve factor, liquidation share).
        uint256 insurance;
        uint256 badDebt;
        uint256 supplyShares;
        uint256 debtShares;
        uint256 borrowIndex;
        uint64 lastAccrual;
        uint32 accounts;
        /// @dev Liquidity this segment lent to other segments along routes, net of refunds: still
        /// its suppliers' asset.
        uint256 routedOut;
        /// @dev Liquidity other segments lent this one along routes: not its suppliers' asset.
        uint256 routedIn;
    }

    struct Collateral {
        address token;
        address feed;
        uint32 maxStaleness;
        uint8 decimals;
        bool known;
        bool listed;
        uint16 ltvBps;
        uint16 liqThresholdBps;
        uint16 liqBonusBps;
        uint128 supplyCap;
        uint256 deposited;
    }

    struct Account {
        uint256 debtShares;
        bool open;
    }

    /// @dev USD values with 18 decimals.
    struct Position {
        uint256 borrowLimit;
        uint256 liquidationValue;
        uint256 debtValue;
        bool hasCollateral;
    }

    uint32 public immutable hubEid;
    /// @dev Set on the hub only: the controller calls this vault directly.
    address public controller;
    /// @dev The liquidity router of this chain (see setRouter).
    address public router;

    bytes32[] public segmentIds;
    mapping(bytes32 segment => Config) internal _config;
    mapping(bytes32 segment => Ledger) internal _ledger;
    mapping(bytes32 segment => mapping(bytes32 assetId => Collateral)) internal _collateral;
    mapping(bytes32 segment => mapping(address supplier => uint256)) public supplySharesOf;
    mapping(bytes32 accountKey => Account) internal _accounts;
    mapping(bytes32 accountKey => mapping(bytes32 assetId => uint256)) public collateralOf;

    event Supplied(bytes32 indexed segment, address indexed supplier, uint256 amount, uint256 shares);
    event Withdrawn(bytes32 indexed segment, address indexed supplier, address to, uint256 amount, uint256 shares);
    event CollateralDeposited(bytes32 indexed segment, address indexed owner, uint96 sub, bytes32 assetId, uint256 amount);
    event CollateralWithdrawn(bytes32 indexed segment, address indexed owner, uint96 sub, bytes32 assetId, uint256 amount);
    event Borrowed(bytes32 indexed segment, address indexed owner, uint96 sub, uint256 amount, uint256 shares);
    event Repaid(bytes32 indexed segment, address indexed owner, uint96 sub, address payer, uint256 amount, uint256 shares);
    event Liquidated(
        bytes32 indexed segment,
        address indexed owner,
        uint96 sub,
        address liquidator,
        bytes32 assetId,
        uint256 repaid,
        uint256 seized,
        uint256 toInsurance
    );
    event BadDebtRealised(
        bytes32 indexed segment,
        address indexed owner,
        uint96 sub,
        uint256 amount,
        uint256 fromInsurance,
        uint256 fromSuppliers
    );
    event InterestAccrued(bytes32 indexed segment, uint256 interest, uint256 toInsurance, uint256 borrowIndex);
    event SegmentCreated(bytes32 indexed segment, address borrowToken);
    event BoundaryApplied(bytes32 indexed segment, uint64 boundaryEpoch, bytes32[] collaterals);
    event RiskParamsApplied(bytes32 indexed segment, uint64 paramsEpoch);
    event StatusApplied(bytes32 indexed segment, uint64 statusEpoch, SegmentStatus status);
    event Attested(bytes32 guid, uint256 segments);
    event ControllerSet(address controller);
    event RouterSet(address router);
    event RoutedOut(bytes32 indexed segment, uint256 amount);
    event RoutedIn(bytes32 indexed segment, uint256 amount, bool refund);

    error NotController(uint32 srcEid, address sender);
    error SegmentNotFound(bytes32 segment);
    error OperationNotAllowed(bytes32 segment, SegmentStatus status);
    error StaleEpoch(bytes32 segment, uint8 kind, uint64 received, uint64 current);
    error BoundaryNotApplied(bytes32 segment, uint64 required, uint64 current);
    error BorrowAssetChanged(bytes32 segment, address current, address received);
    error AssetTokenChanged(bytes32 segment, bytes32 assetId, address current, address received);
    error DuplicateAsset(bytes32 segment, bytes32 assetId);
    error UnknownAsset(bytes32 segment, bytes32 assetId);
    error AssetNotListed(bytes32 segment, bytes32 assetId);
    error SupplyCapExceeded(bytes32 segment, bytes32 assetId, uint256 cap);
    error BorrowCapExceeded(bytes32 segment, uint256 cap);
    error InsufficientLiquidity(bytes32 segment, uint256 available, uint256 requested);
    error InsufficientCollateral(bytes32 segment, bytes32 assetId, uint256 held, uint256 requested);
    error Undercollateralised(bytes32 segment, uint256 borrowLimit, uint256 debtValue);
    error AccountHealthy(bytes32 segment, uint256 liquidationValue, uint256 debtValue);
    error InvalidPrice(address feed, int256 answer);
    error StalePrice(address feed, uint256 updatedAt);
    error ZeroAmount();
    error InsufficientShares(bytes32 segment, uint256 held, uint256 requested);
    error TransferShortfall(address token, uint256 received, uint256 expected);
    error NativeFeeOnHub();
    error NotRouter(address caller);
    error RouteAssetMismatch(bytes32 segment, bytes32 assetId);
    error UtilisationTooHigh(bytes32 segment, uint256 utilisationBps, uint256 maxBps);

    modifier onlyStatus(bytes32 segment, uint256 allowedMask) {
        SegmentStatus status = _config[segment].status;
        if (status == SegmentStatus.None) revert SegmentNotFound(segment);
        if (allowedMask & (1 << uint8(status)) == 0) revert OperationNotAllowed(segment, status);
        _;
    }

    uint256 internal constant ACTIVE = 1 << uint8(SegmentStatus.Active);
    uint256 internal constant REDUCE_ONLY = 1 << uint8(SegmentStatus.ReduceOnly);
    uint256 internal constant FROZEN = 1 << uint8(SegmentStatus.Frozen);
    uint256 internal constant RETIRED = 1 << uint8(SegmentStatus.Retired);

    constructor(address _endpoint, address _owner, uint32 _hubEid) OApp(_endpoint, _owner) Ownable(_owner) {
        hubEid = _hubEid;
    }

    /// @notice On the hub chain: the controller that configures this vault by direct call.
    function setController(address _controller) external onlyOwner {
        controller = _controller;
        emit ControllerSet(_controller);
    }

    /// @notice The liquidity router of this chain (SegmentRouter): the only caller of routeOut/routeIn.
    function setRouter(address _router) external onlyOwner {
        router = _router;
        emit RouterSet(_router);
    }

    // ---------------------------------------------------------------- routing

    /// @notice Debits `amount` of the segment's idle liquidity for a route and sends it to the
    /// router. Only idle cash moves (never the insurance fund's), and the segment's utilisation
    /// after the move must stay at or under `maxUtilBps`. The segment keeps the claim (routedOut).
    function routeOut(bytes32 segment, bytes32 assetId, uint256 amount, uint16 maxUtilBps)
        external
        nonReentrant
        onlyStatus(segment, ACTIVE | REDUCE_ONLY)
        returns (address token)
    {
        token = _routeAsset(segment, assetId, amount);
        Ledger storage l = _accrue(segment);
        uint256 available = _available(l);
        if (amount > available) revert InsufficientLiquidity(segment, available, amount);
        uint256 borrowed = _borrowed(l);
        uint256 remaining = borrowed + available - amount;
        uint256 utilisation = remaining == 0 ? (borrowed == 0 ? 0 : BPS) : Math.mulDiv(borrowed, BPS, remaining);
        if (utilisation > maxUtilBps) revert UtilisationTooHigh(segment, utilisation, maxUtilBps);
        l.cash -= amount;
        l.routedOut += amount;
        IERC20(token).safeTransfer(msg.sender, amount);
        emit RoutedOut(segment, amount);
    }

    /// @notice Credits `amount`, pulled from the router, to the segment: a routed credit (Active
    /// segments only, recorded as routedIn) or, with `refund`, the return of this segment's own
    /// earlier debit (any status: a refund must always land).
    function routeIn(bytes32 segment, bytes32 assetId, uint256 amount, bool refund)
        external
        nonReentrant
        onlyStatus(segment, refund ? ACTIVE | REDUCE_ONLY | FROZEN | RETIRED : ACTIVE)
    {
        address token = _routeAsset(segment, assetId, amount);
        Ledger storage l = _accrue(segment);
        _pullExact(token, amount);
        l.cash += amount;
        if (refund) l.routedOut -= amount;
        else l.routedIn += amount;
        emit RoutedIn(segment, amount, refund);
    }

    function _routeAsset(bytes32 segment, bytes32 assetId, uint256 amount) internal view returns (address) {
        if (msg.sender != router || router == address(0)) revert NotRouter(msg.sender);
        if (amount == 0) revert ZeroAmount();
        LocalAsset storage a = _config[segment].borrowAsset;
        if (a.assetId != assetId) revert RouteAssetMismatch(segment, assetId);
        return a.token;
    }

    // ---------------------------------------------------------------- lenders

    function supply(bytes32 segment, uint256 amount, address onBehalf)
        external
        nonReentrant
        onlyStatus(segment, ACTIVE)
        returns (uint256 shares)
    {
        Ledger storage l = _accrue(segment);
        uint256 assetsBefore = _supplierAssets(l);
        uint256 received = _pull(_config[segment].borrowAsset.token, amount);
        shares = Math.mulDiv(received, l.supplyShares + VIRTUAL_SHARES, assetsBefore + 1);
        if (shares == 0) revert ZeroAmount();
        l.cash += received;
        l.supplyShares += shares;
        supplySharesOf[segment][onBehalf] += shares;
        emit Supplied(segment, onBehalf, received, shares);
    }

    /// @notice Redeems `shares` (all of them with type(uint256).max) for the borrow asset.
    function withdraw(bytes32 segment, uint256 shares, address to)
        external
        nonReentrant
        onlyStatus(segment, ACTIVE | REDUCE_ONLY | RETIRED)
        returns (uint256 amount)
    {
        Ledger storage l = _accrue(segment);
        uint256 held = supplySharesOf[segment][msg.sender];
        if (shares == type(uint256).max) shares = held;
        if (shares == 0) revert ZeroAmount();
        if (shares > held) revert InsufficientShares(segment, held, shares);
        amount = Math.mulDiv(shares, _supplierAssets(l) + 1, l.supplyShares + VIRTUAL_SHARES);
        uint256 available = _available(l);
        if (amount > available) revert InsufficientLiquidity(segment, available, amount);
        supplySharesOf[segment][msg.sender] = held - shares;
        l.supplyShares -= shares;
        l.cash -= amount;
        IERC20(_config[segment].borrowAsset.token).safeTransfer(to, amount);
        emit Withdrawn(segment, msg.sender, to, amount, shares);
    }

    // ---------------------------------------------------------------- borrowers

    function depositCollateral(bytes32 segment, uint96 sub, bytes32 assetId, uint256 amount)
        external
        nonReentrant
        onlyStatus(segment, ACTIVE)
    {
        Collateral storage c = _collateral[segment][assetId];
        if (!c.listed) revert AssetNotListed(segment, assetId);
        uint256 received = _pull(c.token, amount);
        if (c.deposited + received > c.supplyCap) revert SupplyCapExceeded(segment, assetId, c.supplyCap);
        c.deposited += received;
        bytes32 key = accountKey(segment, msg.sender, sub);
        collateralOf[key][assetId] += received;
        _open(segment, key);
        emit CollateralDeposited(segment, msg.sender, sub, assetId, received);
    }

    function withdrawCollateral(bytes32 segment, uint96 sub, bytes32 assetId, uint256 amount, address to)
        external
        nonReentrant
        onlyStatus(segment, ACTIVE | REDUCE_ONLY | RETIRED)
    {
        if (amount == 0) revert ZeroAmount();
        Ledger storage l = _accrue(segment);
        bytes32 key = accountKey(segment, msg.sender, sub);
        uint256 held = collateralOf[key][assetId];
        if (amount > held) revert InsufficientCollateral(segment, assetId, held, amount);
        collateralOf[key][assetId] = held - amount;
        Collateral storage c = _collateral[segment][assetId];
        c.deposited -= amount;
        if (_accounts[key].debtShares > 0) _requireBorrowLimit(segment, key, l);
        _closeIfEmpty(segment, key, l);
        IERC20(c.token).safeTransfer(to, amount);
        emit CollateralWithdrawn(segment, msg.sender, sub, assetId, amount);
    }

    function borrow(bytes32 segment, uint96 sub, uint256 amount, address to)
        external
        nonReentrant
        onlyStatus(segment, ACTIVE)
        returns (uint256 shares)
    {
        if (amount == 0) revert ZeroAmount();
        Ledger storage l = _accrue(segment);
        Config storage cfg = _config[segment];
        uint256 available = _available(l);
        if (amount > available) revert InsufficientLiquidity(segment, available, amount);
        if (_borrowed(l) + amount > cfg.borrowCap) revert BorrowCapExceeded(segment, cfg.borrowCap);
        bytes32 key = accountKey(segment, msg.sender, sub);
        shares = Math.mulDiv(amount, RAY, l.borrowIndex, Math.Rounding.Ceil);
        _accounts[key].debtShares += shares;
        l.debtShares += shares;
        l.cash -= amount;
        _requireBorrowLimit(segment, key, l);
        IERC20(cfg.borrowAsset.token).safeTransfer(to, amount);
        emit Borrowed(segment, msg.sender, sub, amount, shares);
    }

    /// @notice Repays up to `amount` of an account's debt (all of it with type(uint256).max); anyone may repay.
    function repay(bytes32 segment, address owner, uint96 sub, uint256 amount)
        external
        nonReentrant
        onlyStatus(segment, ACTIVE | REDUCE_ONLY | FROZEN | RETIRED)
        returns (uint256 repaid)
    {
        Ledger storage l = _accrue(segment);
        bytes32 key = accountKey(segment, owner, sub);
        uint256 shares;
        (repaid, shares) = _repayShares(l, _accounts[key].debtShares, amount);
        // less than one debt share's worth would be paid and clear nothing
        if (repaid == 0 || shares == 0) revert ZeroAmount();
        _pullExact(_config[segment].borrowAsset.token, repaid);
        _accounts[key].debtShares -= shares;
        l.debtShares -= shares;
        l.cash += repaid;
        _closeIfEmpty(segment, key, l);
        emit Repaid(segment, owner, sub, msg.sender, repaid, shares);
    }

    // ---------------------------------------------------------------- liquidation

    /// @notice Repays part of an unhealthy account's debt and seizes `assetId` collateral with the
    /// segment's bonus. When the account has no collateral left, its remaining debt is realised as
    /// bad debt: the segment's insurance fund pays first, then the segment's suppliers.
    function liquidate(bytes32 segment, address owner, uint96 sub, bytes32 assetId, uint256 repayAmount)
        external
        nonReentrant
        onlyStatus(segment, ACTIVE | REDUCE_ONLY | FROZEN | RETIRED)
        returns (uint256 repaid, uint256 seized)
    {
        Ledger storage l = _accrue(segment);
        bytes32 key = accountKey(segment, owner, sub);
        {
            Position memory p = _position(segment, key, l);
            if (p.liquidationValue >= p.debtValue) revert AccountHealthy(segment, p.liquidationValue, p.debtValue);
        }
        uint256 maxRepay = Math.mulDiv(_debtOf(l, _accounts[key].debtShares), CLOSE_FACTOR_BPS, BPS, Math.Rounding.Ceil);
        (repaid, seized) = _seizeFor(segment, key, assetId, repayAmount < maxRepay ? repayAmount : maxRepay);
        if (repaid == 0 || seized == 0) revert ZeroAmount();
        uint256 toInsurance = _settleLiquidation(segment, key, assetId, repaid, seized);
        emit Liquidated(segment, owner, sub, msg.sender, assetId, repaid, seized, toInsurance);
        if (_accounts[key].debtShares > 0 && _collateralEmpty(segment, key)) {
            _realiseBadDebt(segment, owner, sub, key, l);
        }
        _closeIfEmpty(segment, key, l);
    }

    /// @dev Takes `repaid` plus the insurance share of the bonus from the liquidator, burns the
    /// repaid debt and hands over `seized` collateral.
    function _settleLiquidation(bytes32 segment, bytes32 key, bytes32 assetId, uint256 repaid, uint256 seized)
        internal
        returns (uint256 toInsurance)
    {
        Ledger storage l = _ledger[segment];
        Collateral storage c = _collateral[segment][assetId];
        toInsurance = Math.mulDiv(repaid, uint256(c.liqBonusBps) * LIQUIDATION_INSURANCE_SHARE_BPS, BPS * BPS);
        _pullExact(_config[segment].borrowAsset.token, repaid + toInsurance);
        (, uint256 shares) = _repayShares(l, _accounts[key].debtShares, repaid);
        // a repayment worth less than one share clears nothing; only the sweep of the last
        // collateral may do it, since the debt left is then realised as bad debt
        if (shares == 0 && seized < collateralOf[key][assetId]) revert ZeroAmount();
        _accounts[key].debtShares -= shares;
        l.debtShares -= shares;
        l.cash += repaid + toInsurance;
        l.insurance += toInsurance;
        collateralOf[key][assetId] -= seized;
        c.deposited -= seized;
        IERC20(c.token).safeTransfer(msg.sender, seized);
    }

    /// @dev How much debt `wanted` repays and how much collateral it seizes, capped at what the account holds.
    function _seizeFor(bytes32 segment, bytes32 key, bytes32 assetId, uint256 wanted)
        internal
        view
        returns (uint256 repaid, uint256 seized)
    {
        Collateral storage c = _collateral[segment][assetId];
        Config storage cfg = _config[segment];
        uint256 debtPrice = _unitValue(cfg.borrowAsset.feed, cfg.borrowAsset.maxStaleness, cfg.borrowDecimals);
        uint256 collPrice = _unitValue(c.feed, c.maxStaleness, c.decimals);
        uint256 bonus = BPS + c.liqBonusBps;
        // value per whole unit (1e18 USD) scaled by 1e18 per token unit: amounts cancel exactly
        seized = Math.mulDiv(Math.mulDiv(wanted, debtPrice, 1), bonus, BPS * collPrice);
        uint256 held = collateralOf[key][assetId];
        repaid = wanted;
        if (seized > held) {
            seized = held;
            repaid = Math.mulDiv(Math.mulDiv(held, collPrice, 1), BPS, bonus * debtPrice, Math.Rounding.Ceil);
        }
    }

    function _realiseBadDebt(bytes32 segment, address owner, uint96 sub, bytes32 key, Ledger storage l) internal {
        uint256 shares = _accounts[key].debtShares;
        uint256 amount = _debtOf(l, shares);
        uint256 fromInsurance = amount < l.insurance ? amount : l.insurance;
        _accounts[key].debtShares = 0;
        l.debtShares -= shares;
        l.insurance -= fromInsurance;
        l.badDebt += amount;
        emit BadDebtRealised(segment, owner, sub, amount, fromInsurance, amount - fromInsurance);
    }

    // ---------------------------------------------------------------- configuration

    /// @notice On the hub: the controller applies a configuration message directly.
    function applyFromController(bytes calldata message) external {
        if (msg.sender != controller || controller == address(0)) revert NotController(0, msg.sender);
        _applyMessage(message);
    }

    /// @dev The OApp base has already checked that the endpoint calls and the sender is the peer.
    function _lzReceive(Origin calldata origin, bytes32, bytes calldata message, address, bytes calldata)
        internal
        override
    {
        if (origin.srcEid != hubEid) revert NotController(origin.srcEid, address(uint160(uint256(origin.sender))));
        _applyMessage(message);
    }

    function _applyMessage(bytes memory message) internal {
        (uint8 kind, bytes memory body) = SegmentMessages.open(message);
        if (kind == SegmentMessages.BOUNDARY) _applyBoundary(SegmentMessages.decodeBoundary(body));
        else if (kind == SegmentMessages.RISK_PARAMS) _applyRiskParams(SegmentMessages.decodeRiskParams(body));
        else if (kind == SegmentMessages.SEGMENT_STATUS) _applyStatus(SegmentMessages.decodeStatus(body));
        else revert SegmentMessages.UnexpectedKind(kind);
    }

    function _applyBoundary(BoundaryMessage memory m) internal {
        Config storage cfg = _config[m.segment];
        if (m.boundaryEpoch <= cfg.boundaryEpoch) {
            revert StaleEpoch(m.segment, SegmentMessages.BOUNDARY, m.boundaryEpoch, cfg.boundaryEpoch);
        }
        if (cfg.status == SegmentStatus.None) {
            cfg.status = SegmentStatus.Active;
            cfg.borrowDecimals = IERC20Metadata(m.borrowAsset.token).decimals();
            _ledger[m.segment].borrowIndex = RAY;
            _ledger[m.segment].lastAccrual = uint64(block.timestamp);
            segmentIds.push(m.segment);
            emit SegmentCreated(m.segment, m.borrowAsset.token);
        } else {
            _accrue(m.segment);
            if (cfg.borrowAsset.token != m.borrowAsset.token) {
                revert BorrowAssetChanged(m.segment, cfg.borrowAsset.token, m.borrowAsset.token);
            }
        }
        cfg.borrowAsset = m.borrowAsset;
        cfg.boundaryEpoch = m.boundaryEpoch;
        bytes32[] storage ids = cfg.collateralIds;
        for (uint256 i = 0; i < ids.length; i++) {
            _collateral[m.segment][ids[i]].listed = false;
        }
        bytes32[] memory listed = new bytes32[](m.collaterals.length);
        for (uint256 i = 0; i < m.collaterals.length; i++) {
            listed[i] = _list(m.segment, m.collaterals[i], m.borrowAsset.token);
        }
        emit BoundaryApplied(m.segment, m.boundaryEpoch, listed);
    }

    function _list(bytes32 segment, LocalAsset memory a, address borrowToken) internal returns (bytes32) {
        Collateral storage c = _collateral[segment][a.assetId];
        if (c.listed || a.token == borrowToken) revert DuplicateAsset(segment, a.assetId);
        if (!c.known) {
            c.known = true;
            c.token = a.token;
            c.decimals = IERC20Metadata(a.token).decimals();
            _config[segment].collateralIds.push(a.assetId);
        } else if (c.token != a.token) {
            revert AssetTokenChanged(segment, a.assetId, c.token, a.token);
        }
        c.listed = true;
        c.feed = a.feed;
        c.maxStaleness = a.maxStaleness;
        return a.assetId;
    }

    function _applyRiskParams(RiskParamsMessage memory m) internal {
        Config storage cfg = _config[m.segment];
        if (cfg.status == SegmentStatus.None) revert SegmentNotFound(m.segment);
        if (m.paramsEpoch <= cfg.paramsEpoch) {
            revert StaleEpoch(m.segment, SegmentMessages.RISK_PARAMS, m.paramsEpoch, cfg.paramsEpoch);
        }
        if (cfg.boundaryEpoch < m.boundaryEpoch) revert BoundaryNotApplied(m.segment, m.boundaryEpoch, cfg.boundaryEpoch);
        _accrue(m.segment); // interest so far at the old rates
        cfg.paramsEpoch = m.paramsEpoch;
        cfg.borrowCap = m.params.borrowCap;
        cfg.reserveFactorBps = m.params.reserveFactorBps;
        cfg.rates = m.params.rates;
        for (uint256 i = 0; i < m.params.assets.length; i++) {
            AssetRisk memory r = m.params.assets[i];
            Collateral storage c = _collateral[m.segment][r.assetId];
            if (!c.known) revert UnknownAsset(m.segment, r.assetId);
            c.ltvBps = r.ltvBps;
            c.liqThresholdBps = r.liqThresholdBps;
            c.liqBonusBps = r.liqBonusBps;
            c.supplyCap = r.supplyCap;
        }
        emit RiskParamsApplied(m.segment, m.paramsEpoch);
    }

    function _applyStatus(StatusMessage memory m) internal {
        Config storage cfg = _config[m.segment];
        if (cfg.status == SegmentStatus.None) revert SegmentNotFound(m.segment);
        if (m.statusEpoch <= cfg.statusEpoch) {
            revert StaleEpoch(m.segment, SegmentMessages.SEGMENT_STATUS, m.statusEpoch, cfg.statusEpoch);
        }
        if (m.status == SegmentStatus.None) revert OperationNotAllowed(m.segment, m.status);
        _accrue(m.segment);
        cfg.status = m.status;
        cfg.statusEpoch = m.statusEpoch;
        emit StatusApplied(m.segment, m.statusEpoch, m.status);
    }

    // ---------------------------------------------------------------- attestation

    /// @notice Sends a snapshot of `segments` to the hub controller (pay the quoted fee; the
    /// endpoint refunds any excess). On the hub the controller receives it directly, for free.
    /// Interest is counted as if accrued now, but no ledger is written.
    function attest(bytes32[] calldata segments) external payable nonReentrant returns (bytes32 guid) {
        bytes memory message = SegmentMessages.encodeAttestation(snapshot(segments));
        if (controller != address(0)) {
            if (msg.value != 0) revert NativeFeeOnHub();
            ISegmentAttestationSink(controller).receiveLocalAttestation(message);
        } else {
            MessagingReceipt memory receipt = _lzSend(
                hubEid,
                message,
                _attestOptions(segments.length),
                MessagingFee(msg.value, 0),
                payable(msg.sender)
            );
            guid = receipt.guid;
        }
        emit Attested(guid, segments.length);
    }

    function quoteAttest(bytes32[] calldata segments) external view returns (uint256 nativeFee) {
        if (controller != address(0)) return 0;
        bytes memory message = SegmentMessages.encodeAttestation(snapshot(segments));
        return _quote(hubEid, message, _attestOptions(segments.length), false).nativeFee;
    }

    function snapshot(bytes32[] calldata segments) public view returns (AttestationMessage memory m) {
        m.eid = endpoint.eid();
        m.blockNumber = uint64(block.number);
        m.timestamp = uint64(block.timestamp);
        m.segments = new SegmentSnapshot[](segments.length);
        for (uint256 i = 0; i < segments.length; i++) {
            m.segments[i] = _snapshotOf(segments[i]);
        }
    }

    function _snapshotOf(bytes32 segment) internal view returns (SegmentSnapshot memory s) {
        Config storage cfg = _config[segment];
        if (cfg.status == SegmentStatus.None) revert SegmentNotFound(segment);
        Ledger storage l = _ledger[segment];
        // as if accrued now, without writing: attesting changes no ledger
        (uint256 index,, uint256 toInsurance) = _accrued(segment, l);
        s.segment = segment;
        s.collateralValue = collateralValue(segment);
        s.totalBorrowed = Math.mulDiv(l.debtShares, index, RAY, Math.Rounding.Ceil);
        s.insurance = l.insurance + toInsurance;
        s.idle = l.cash > s.insurance ? l.cash - s.insurance : 0;
        s.badDebt = l.badDebt;
        s.accounts = l.accounts;
        s.paramsEpoch = cfg.paramsEpoch;
        s.boundaryEpoch = cfg.boundaryEpoch;
        s.statusEpoch = cfg.statusEpoch;
    }

    function _attestOptions(uint256 segments) internal pure returns (bytes memory) {
        uint128 gas = ATTEST_GAS_BASE + ATTEST_GAS_PER_SEGMENT * uint128(segments);
        return OptionsBuilder.newOptions().addExecutorLzReceiveOption(gas, 0);
    }

    // ---------------------------------------------------------------- views

    function segmentCount() external view returns (uint256) {
        return segmentIds.length;
    }

    function config(bytes32 segment) external view returns (Config memory) {
        return _config[segment];
    }

    /// @notice The ledger with interest accrued up to the last operation.
    function ledger(bytes32 segment) external view returns (Ledger memory) {
        return _ledger[segment];
    }

    function collateralConfig(bytes32 segment, bytes32 assetId) external view returns (Collateral memory) {
        return _collateral[segment][assetId];
    }

    /// @notice What the suppliers of `segment` own in total (borrow-asset units).
    function supplierAssets(bytes32 segment) external view returns (uint256) {
        return _supplierAssets(_ledger[segment]);
    }

    function totalBorrowed(bytes32 segment) external view returns (uint256) {
        return _borrowed(_ledger[segment]);
    }

    function debtOf(bytes32 segment, address owner, uint96 sub) external view returns (uint256) {
        return _debtOf(_ledger[segment], _accounts[accountKey(segment, owner, sub)].debtShares);
    }

    function position(bytes32 segment, address owner, uint96 sub) external view returns (Position memory) {
        return _position(segment, accountKey(segment, owner, sub), _ledger[segment]);
    }

    /// @notice The USD value (18 decimals) of every collateral deposit in `segment`.
    function collateralValue(bytes32 segment) public view returns (uint256 value) {
        bytes32[] storage ids = _config[segment].collateralIds;
        for (uint256 i = 0; i < ids.length; i++) {
            Collateral storage c = _collateral[segment][ids[i]];
            if (c.deposited > 0) value += _value(c.deposited, c.feed, c.maxStaleness, c.decimals);
        }
    }

    function accountKey(bytes32 segment, address owner, uint96 sub) public pure returns (bytes32) {
        return keccak256(abi.encode(segment, owner, sub));
    }

    // ---------------------------------------------------------------- internals

    function _accrue(bytes32 segment) internal returns (Ledger storage l) {
        l = _ledger[segment];
        if (block.timestamp == l.lastAccrual) return l;
        (uint256 index, uint256 interest, uint256 toInsurance) = _accrued(segment, l);
        l.lastAccrual = uint64(block.timestamp);
        if (interest == 0 && index == l.borrowIndex) return l;
        l.borrowIndex = index;
        l.insurance += toInsurance;
        emit InterestAccrued(segment, interest, toInsurance, index);
    }

    /// @dev The borrow index, interest and insurance share the ledger would have if accrued now.
    function _accrued(bytes32 segment, Ledger storage l)
        internal
        view
        returns (uint256 index, uint256 interest, uint256 toInsurance)
    {
        index = l.borrowIndex;
        uint256 elapsed = block.timestamp - l.lastAccrual;
        if (elapsed == 0 || l.debtShares == 0) return (index, 0, 0);
        uint256 borrowed = _borrowed(l);
        uint256 factor = Math.mulDiv(_borrowRateBps(segment, l, borrowed) * RAY, elapsed, BPS * YEAR);
        interest = Math.mulDiv(borrowed, factor, RAY);
        toInsurance = Math.mulDiv(interest, _config[segment].reserveFactorBps, BPS);
        index += Math.mulDiv(index, factor, RAY);
    }

    /// @notice The annual borrow rate (bps) of the kinked model at the current utilisation.
    function borrowRateBps(bytes32 segment) external view returns (uint256) {
        Ledger storage l = _ledger[segment];
        return _borrowRateBps(segment, l, _borrowed(l));
    }

    function _borrowRateBps(bytes32 segment, Ledger storage l, uint256 borrowed) internal view returns (uint256) {
        RateModel storage r = _config[segment].rates;
        uint256 total = borrowed + _available(l);
        uint256 u = total == 0 ? 0 : Math.mulDiv(borrowed, BPS, total);
        if (r.kinkBps == 0 || u <= r.kinkBps) return r.baseBps + (r.kinkBps == 0 ? 0 : (r.slope1Bps * u) / r.kinkBps);
        uint256 above = BPS > r.kinkBps ? ((u - r.kinkBps) * r.slope2Bps) / (BPS - r.kinkBps) : 0;
        return r.baseBps + r.slope1Bps + above;
    }

    function _borrowed(Ledger storage l) internal view returns (uint256) {
        return _debtOf(l, l.debtShares);
    }

    function _debtOf(Ledger storage l, uint256 shares) internal view returns (uint256) {
        return Math.mulDiv(shares, l.borrowIndex, RAY, Math.Rounding.Ceil);
    }

    /// @dev Cash that is neither lent out nor held back for the insurance fund.
    function _available(Ledger storage l) internal view returns (uint256) {
        return l.cash > l.insurance ? l.cash - l.insurance : 0;
    }

    function _supplierAssets(Ledger storage l) internal view returns (uint256) {
        uint256 gross = l.cash + _borrowed(l) + l.routedOut;
        uint256 owed = l.insurance + l.routedIn;
        return gross > owed ? gross - owed : 0;
    }

    /// @dev Shares to burn for repaying `amount` (capped at the debt); shares round down, so a
    /// partial repayment never clears more debt than it pays.
    function _repayShares(Ledger storage l, uint256 debtShares, uint256 amount)
        internal
        view
        returns (uint256 repaid, uint256 shares)
    {
        uint256 debt = _debtOf(l, debtShares);
        if (amount >= debt) return (debt, debtShares);
        return (amount, Math.mulDiv(amount, RAY, l.borrowIndex));
    }

    function _position(bytes32 segment, bytes32 key, Ledger storage l) internal view returns (Position memory p) {
        bytes32[] storage ids = _config[segment].collateralIds;
        for (uint256 i = 0; i < ids.length; i++) {
            uint256 amount = collateralOf[key][ids[i]];
            if (amount == 0) continue;
            Collateral storage c = _collateral[segment][ids[i]];
            uint256 value = _value(amount, c.feed, c.maxStaleness, c.decimals);
            p.hasCollateral = true;
            if (c.listed) p.borrowLimit += Math.mulDiv(value, c.ltvBps, BPS);
            p.liquidationValue += Math.mulDiv(value, c.liqThresholdBps, BPS);
        }
        uint256 shares = _accounts[key].debtShares;
        if (shares > 0) {
            Config storage cfg = _config[segment];
            uint256 debt = _debtOf(l, shares);
            p.debtValue = _value(debt, cfg.borrowAsset.feed, cfg.borrowAsset.maxStaleness, cfg.borrowDecimals);
        }
    }

    function _requireBorrowLimit(bytes32 segment, bytes32 key, Ledger storage l) internal view {
        Position memory p = _position(segment, key, l);
        if (p.debtValue > p.borrowLimit) revert Undercollateralised(segment, p.borrowLimit, p.debtValue);
    }

    /// @dev USD (18 decimals) of one token unit, scaled by 1e18 so small units keep precision.
    function _unitValue(address feed, uint32 maxStaleness, uint8 tokenDecimals) internal view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = IAggregatorV3(feed).latestRoundData();
        if (answer <= 0) revert InvalidPrice(feed, answer);
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > maxStaleness) {
            revert StalePrice(feed, updatedAt);
        }
        uint256 scale = 10 ** (uint256(IAggregatorV3(feed).decimals()) + tokenDecimals);
        return Math.mulDiv(uint256(answer), 1e36, scale);
    }

    function _value(uint256 amount, address feed, uint32 maxStaleness, uint8 tokenDecimals)
        internal
        view
        returns (uint256)
    {
        return Math.mulDiv(amount, _unitValue(feed, maxStaleness, tokenDecimals), 1e18);
    }

    /// @dev Counts what actually arrived, so a token that takes a fee cannot inflate a ledger.
    function _pull(address token, uint256 amount) internal returns (uint256 received) {
        if (amount == 0) revert ZeroAmount();
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        received = IERC20(token).balanceOf(address(this)) - before;
        if (received == 0) revert ZeroAmount();
    }

    /// @dev For repayments: the ledger moves by exactly `amount`, so exactly that must arrive.
    function _pullExact(address token, uint256 amount) internal {
        uint256 received = _pull(token, amount);
        if (received != amount) revert TransferShortfall(token, received, amount);
    }

    function _open(bytes32 segment, bytes32 key) internal {
        if (_accounts[key].open) return;
        _accounts[key].open = true;
        _ledger[segment].accounts += 1;
    }

    function _closeIfEmpty(bytes32 segment, bytes32 key, Ledger storage l) internal {
        Account storage a = _accounts[key];
        if (!a.open || a.debtShares > 0 || !_collateralEmpty(segment, key)) return;
        a.open = false;
        l.accounts -= 1;
    }

    function _collateralEmpty(bytes32 segment, bytes32 key) internal view returns (bool) {
        bytes32[] storage ids = _config[segment].collateralIds;
        for (uint256 i = 0; i < ids.length; i++) {
            if (collateralOf[key][ids[i]] > 0) return false;
        }
        return true;
    }
}
