// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { OApp, Origin, MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { OptionsBuilder } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import "./SegmentMessages.sol";
import { SegmentVault } from "./SegmentVault.sol";

/// @notice What the router reads of the hub controller: whether governance executed a proposal.
interface IProposalRegistry {
    function hashProposal(uint8 action, bytes calldata data, uint256 nonce, uint64 deadline)
        external
        view
        returns (bytes32);
    function proposals(bytes32 id) external view returns (uint8 state, uint8 action, uint64 eta);
}

/// @notice Controlled liquidity routing between segments, one router per chain (a LayerZero OApp,
/// peered with the routers of the other chains). Governance allows routes through the controller's
/// proposal flow; the hub router applies an executed proposal and sends the route to the routers
/// at both ends. The router role moves idle liquidity along an enabled route, within its token
/// bucket and the source segment's utilisation limit. Same chain: one atomic move between the two
/// ledgers. Cross chain (a credit model): the source segment's liquidity joins the source chain's
/// routing reserve and ROUTE_TRANSFER asks the destination to credit its segment from the
/// destination chain's reserve; if it cannot, ROUTE_REFUND re-credits the source segment.
contract SegmentRouter is OApp, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using OptionsBuilder for bytes;

    /// @dev The controller's proposal action whose data is `abi.encode(Route)`.
    uint8 public constant ROUTE_CONFIG_ACTION = 10;
    /// @dev SegmentController.ProposalState.Executed.
    uint8 internal constant EXECUTED = 2;
    uint128 public constant CONFIG_GAS = 400_000;
    /// @dev Covers the credit and, when it fails, sending the refund back.
    uint128 public constant TRANSFER_GAS = 500_000;
    uint128 public constant REFUND_GAS = 250_000;

    enum TransferState {
        None,
        /// @dev Source: debited and sent, not refunded (it may have been credited already).
        Sent,
        /// @dev Source: a same-chain transfer, debited and credited in one transaction.
        Delivered,
        /// @dev Source: the destination refused it and the source segment has it back.
        Refunded,
        /// @dev Destination: credited to the destination segment.
        Credited,
        /// @dev Destination: refused; the refund is on its way back.
        RefundSent
    }

    struct Transfer {
        bytes32 routeId;
        uint256 amount;
        TransferState state;
    }

    struct Bucket {
        uint128 tokens;
        uint64 updatedAt;
    }

    /// @dev Totals per asset on this chain, for the conservation check (DESIGN invariant 5).
    struct Totals {
        uint256 debited;
        uint256 credited;
        uint256 refunded;
    }

    SegmentVault public immutable vault;
    uint32 public immutable hubEid;
    uint32 public immutable localEid;
    /// @dev The hub's controller (zero on spokes): only its executed proposals configure routes.
    IProposalRegistry public immutable controller;

    mapping(address => bool) public isOperator;
    mapping(address => bool) public isLiquidityProvider;
    bytes32[] public routeIds;
    mapping(bytes32 routeId => Route) internal _routes;
    mapping(bytes32 routeId => uint64) public routeEpoch;
    mapping(bytes32 routeId => Bucket) internal _buckets;
    mapping(bytes32 proposalId => bool) public proposalApplied;
    /// @dev Tokens LPs provided plus what source debits brought in, less what credits paid out.
    mapping(address token => uint256) public reserve;
    mapping(bytes32 assetId => Totals) public totals;
    /// @dev Every transfer this chain sent (source side) or received (destination side).
    mapping(bytes32 transferId => Transfer) internal _transfers;
    /// @dev The ids of `_transfers`, sent and received, in the order this chain first saw them.
    bytes32[] public transferIds;
    uint256 public transferNonce;

    event OperatorSet(address indexed account, bool allowed);
    event LiquidityProviderSet(address indexed account, bool allowed);
    event RouteApplied(bytes32 indexed routeId, uint64 epoch, Route route);
    event ReserveFunded(address indexed token, address indexed provider, uint256 amount);
    event ReserveWithdrawn(address indexed token, address indexed provider, address to, uint256 amount);
    event TransferSent(bytes32 indexed transferId, bytes32 indexed routeId, uint256 amount, uint32 dstEid);
    event TransferDelivered(bytes32 indexed transferId, bytes32 indexed routeId, uint256 amount);
    event TransferCredited(bytes32 indexed transferId, bytes32 indexed routeId, uint256 amount);
    event TransferRefused(bytes32 indexed transferId, bytes32 indexed routeId, uint256 amount, bytes reason);
    event TransferRefunded(bytes32 indexed transferId, bytes32 indexed routeId, uint256 amount);
    event DuplicateIgnored(bytes32 indexed transferId, uint8 kind);

    error NotOperator(address caller);
    error NotLiquidityProvider(address caller);
    error NotHub();
    error ProposalNotExecuted(bytes32 proposalId);
    error ProposalAlreadyApplied(bytes32 proposalId);
    error InvalidRoute(bytes32 routeId);
    error RouteNotFound(bytes32 routeId);
    error RouteDisabled(bytes32 routeId);
    error NotSourceChain(bytes32 routeId, uint32 srcEid);
    error AmountOverCapacity(bytes32 routeId, uint256 amount, uint256 capacity);
    error RateLimited(bytes32 routeId, uint256 available, uint256 waitSeconds);
    error StaleRouteEpoch(bytes32 routeId, uint64 received, uint64 current);
    error UnexpectedOrigin(uint32 srcEid);
    error ReserveTooSmall(address token, uint256 reserve, uint256 amount);
    error InsufficientFeeBalance(uint256 balance, uint256 fee);
    error ZeroAmount();

    constructor(address _endpoint, address _owner, address _vault, uint32 _hubEid, address _controller)
        OApp(_endpoint, _owner)
        Ownable(_owner)
    {
        vault = SegmentVault(_vault);
        hubEid = _hubEid;
        localEid = endpoint.eid();
        controller = IProposalRegistry(_controller);
    }

    /// @notice Funds the LayerZero fees of route configs and refunds.
    receive() external payable {}

    // ---------------------------------------------------------------- roles and reserves

    function setOperator(address account, bool allowed) external onlyOwner {
        isOperator[account] = allowed;
        emit OperatorSet(account, allowed);
    }

    function setLiquidityProvider(address account, bool allowed) external onlyOwner {
        isLiquidityProvider[account] = allowed;
        emit LiquidityProviderSet(account, allowed);
    }

    function fundReserve(address token, uint256 amount) external nonReentrant {
        if (!isLiquidityProvider[msg.sender]) revert NotLiquidityProvider(msg.sender);
        if (amount == 0) revert ZeroAmount();
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        reserve[token] += received;
        emit ReserveFunded(token, msg.sender, received);
    }

    /// @notice An LP takes reserve back. Refunds of transfers still in flight are paid from the
    /// reserve too: one that finds it short reverts and is retried once the reserve is refilled.
    function withdrawReserve(address token, uint256 amount, address to) external nonReentrant {
        if (!isLiquidityProvider[msg.sender]) revert NotLiquidityProvider(msg.sender);
        if (amount > reserve[token]) revert ReserveTooSmall(token, reserve[token], amount);
        reserve[token] -= amount;
        IERC20(token).safeTransfer(to, amount);
        emit ReserveWithdrawn(token, msg.sender, to, amount);
    }

    // ---------------------------------------------------------------- configuration

    /// @notice On the hub: applies a route governance executed on the controller (action
    /// ROUTE_CONFIG_ACTION, data `abi.encode(Route)`), once, and sends it to the routers at both
    /// ends. Anyone may call; the fees come from this contract's balance.
    function applyRoute(bytes calldata data, uint256 nonce, uint64 deadline) external nonReentrant {
        if (address(controller) == address(0)) revert NotHub();
        bytes32 proposalId = controller.hashProposal(ROUTE_CONFIG_ACTION, data, nonce, deadline);
        (uint8 state,,) = controller.proposals(proposalId);
        if (state != EXECUTED) revert ProposalNotExecuted(proposalId);
        if (proposalApplied[proposalId]) revert ProposalAlreadyApplied(proposalId);
        proposalApplied[proposalId] = true;
        Route memory r = abi.decode(data, (Route));
        bytes32 routeId = SegmentMessages.routeId(r);
        if (r.srcEid == r.dstEid && r.srcSegment == r.dstSegment) revert InvalidRoute(routeId);
        RouteConfigMessage memory m = RouteConfigMessage(routeId, routeEpoch[routeId] + 1, r);
        _applyConfig(m);
        bytes memory message = SegmentMessages.encodeRouteConfig(m);
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(CONFIG_GAS, 0);
        if (r.srcEid != localEid) _send(r.srcEid, message, options);
        if (r.dstEid != localEid && r.dstEid != r.srcEid) _send(r.dstEid, message, options);
    }

    function _applyConfig(RouteConfigMessage memory m) internal {
        uint64 current = routeEpoch[m.routeId];
        if (m.epoch <= current) revert StaleRouteEpoch(m.routeId, m.epoch, current);
        if (SegmentMessages.routeId(m.route) != m.routeId) revert InvalidRoute(m.routeId);
        if (current == 0) {
            routeIds.push(m.routeId);
            _buckets[m.routeId] = Bucket(m.route.capacity, uint64(block.timestamp));
        } else {
            Bucket memory b = _refilled(m.routeId);
            _buckets[m.routeId] = Bucket(b.tokens > m.route.capacity ? m.route.capacity : b.tokens, b.updatedAt);
        }
        routeEpoch[m.routeId] = m.epoch;
        _routes[m.routeId] = m.route;
        emit RouteApplied(m.routeId, m.epoch, m.route);
    }

    // ---------------------------------------------------------------- routing

    /// @notice Moves `amount` of idle liquidity along `routeId` (the router role only, on the
    /// route's source chain). Reverts `RateLimited` with the wait in seconds when the bucket is
    /// short. Cross-chain fees come from this contract's balance (send value along to top it up).
    function route(bytes32 routeId, uint256 amount) external payable nonReentrant returns (bytes32 transferId) {
        if (!isOperator[msg.sender]) revert NotOperator(msg.sender);
        Route memory r = _routes[routeId];
        if (routeEpoch[routeId] == 0) revert RouteNotFound(routeId);
        if (!r.enabled) revert RouteDisabled(routeId);
        if (r.srcEid != localEid) revert NotSourceChain(routeId, r.srcEid);
        if (amount == 0) revert ZeroAmount();
        _consume(routeId, r.capacity, amount);
        address token = vault.routeOut(r.srcSegment, r.assetId, amount, r.maxUtilBps);
        transferId = keccak256(abi.encode(localEid, routeId, ++transferNonce));
        transferIds.push(transferId);
        totals[r.assetId].debited += amount;
        if (r.dstEid == localEid) {
            _transfers[transferId] = Transfer(routeId, amount, TransferState.Delivered);
            IERC20(token).forceApprove(address(vault), amount);
            vault.routeIn(r.dstSegment, r.assetId, amount, false);
            totals[r.assetId].credited += amount;
            emit TransferDelivered(transferId, routeId, amount);
            return transferId;
        }
        _transfers[transferId] = Transfer(routeId, amount, TransferState.Sent);
        reserve[token] += amount;
        RouteTransferMessage memory m = RouteTransferMessage(
            transferId, routeId, r.srcEid, r.srcSegment, r.dstEid, r.dstSegment, r.assetId, amount
        );
        _send(r.dstEid, SegmentMessages.encodeRouteTransfer(m), _transferOptions());
        emit TransferSent(transferId, routeId, amount, r.dstEid);
    }

    /// @notice The LayerZero fee of a cross-chain `route` call (zero on the same chain).
    function quoteRoute(bytes32 routeId, uint256 amount) external view returns (uint256) {
        Route memory r = _routes[routeId];
        if (r.dstEid == localEid || routeEpoch[routeId] == 0) return 0;
        RouteTransferMessage memory m =
            RouteTransferMessage(bytes32(0), routeId, r.srcEid, r.srcSegment, r.dstEid, r.dstSegment, r.assetId, amount);
        return _quote(r.dstEid, SegmentMessages.encodeRouteTransfer(m), _transferOptions(), false).nativeFee;
    }

    function _consume(bytes32 routeId, uint128 capacity, uint256 amount) internal {
        if (amount > capacity) revert AmountOverCapacity(routeId, amount, capacity);
        Bucket memory b = _refilled(routeId);
        if (amount > b.tokens) {
            uint256 rate = _routes[routeId].refillPerSecond;
            uint256 wait = rate == 0 ? type(uint256).max : (amount - b.tokens + rate - 1) / rate;
            revert RateLimited(routeId, b.tokens, wait);
        }
        _buckets[routeId] = Bucket(b.tokens - uint128(amount), b.updatedAt);
    }

    function _refilled(bytes32 routeId) internal view returns (Bucket memory b) {
        b = _buckets[routeId];
        uint256 capacity = _routes[routeId].capacity;
        uint256 level = b.tokens + (block.timestamp - b.updatedAt) * uint256(_routes[routeId].refillPerSecond);
        b.tokens = uint128(level > capacity ? capacity : level);
        b.updatedAt = uint64(block.timestamp);
    }

    // ---------------------------------------------------------------- receiving

    /// @dev The OApp base has checked that the endpoint calls and the sender is our peer router.
    function _lzReceive(Origin calldata origin, bytes32, bytes calldata message, address, bytes calldata)
        internal
        override
    {
        (uint8 kind, bytes memory body) = SegmentMessages.open(message);
        if (kind == SegmentMessages.ROUTE_TRANSFER) {
            _receiveTransfer(origin.srcEid, SegmentMessages.decodeRouteTransfer(body));
        } else if (kind == SegmentMessages.ROUTE_REFUND) {
            _receiveRefund(origin.srcEid, SegmentMessages.decodeRouteRefund(body));
        } else if (kind == SegmentMessages.ROUTE_CONFIG) {
            if (origin.srcEid != hubEid) revert UnexpectedOrigin(origin.srcEid);
            _applyConfig(SegmentMessages.decodeRouteConfig(body));
        } else {
            revert SegmentMessages.UnexpectedKind(kind);
        }
    }

    /// @dev Credits the destination segment from this chain's reserve, or sends the transfer back.
    /// A transfer id seen before is ignored.
    function _receiveTransfer(uint32 srcEid, RouteTransferMessage memory m) internal {
        if (srcEid != m.srcEid || m.dstEid != localEid) revert UnexpectedOrigin(srcEid);
        if (_transfers[m.transferId].state != TransferState.None) {
            emit DuplicateIgnored(m.transferId, SegmentMessages.ROUTE_TRANSFER);
            return;
        }
        bytes32 routeId = keccak256(abi.encode(m.srcEid, m.srcSegment, m.dstEid, m.dstSegment, m.assetId));
        if (routeId != m.routeId) revert InvalidRoute(m.routeId);
        transferIds.push(m.transferId);
        bytes memory reason = _credit(m);
        if (reason.length == 0) {
            _transfers[m.transferId] = Transfer(m.routeId, m.amount, TransferState.Credited);
            totals[m.assetId].credited += m.amount;
            emit TransferCredited(m.transferId, m.routeId, m.amount);
            return;
        }
        _transfers[m.transferId] = Transfer(m.routeId, m.amount, TransferState.RefundSent);
        emit TransferRefused(m.transferId, m.routeId, m.amount, reason);
        _send(
            m.srcEid,
            SegmentMessages.encodeRouteRefund(RouteRefundMessage(m.transferId, m.routeId, m.amount, reason)),
            OptionsBuilder.newOptions().addExecutorLzReceiveOption(REFUND_GAS, 0)
        );
    }

    /// @dev Empty when credited; otherwise why not (the route unknown or disabled on this chain, the
    /// vault's revert data, or ReserveTooSmall).
    function _credit(RouteTransferMessage memory m) internal returns (bytes memory reason) {
        // the destination holds the route too (governance sends it to both ends): a route it does not
        // know, or has disabled, is refused here as well, not only at the source
        if (routeEpoch[m.routeId] == 0) return abi.encodeWithSelector(RouteNotFound.selector, m.routeId);
        if (!_routes[m.routeId].enabled) return abi.encodeWithSelector(RouteDisabled.selector, m.routeId);
        address token = vault.config(m.dstSegment).borrowAsset.token;
        if (token == address(0)) return abi.encodeWithSelector(SegmentVault.SegmentNotFound.selector, m.dstSegment);
        if (reserve[token] < m.amount) {
            return abi.encodeWithSelector(ReserveTooSmall.selector, token, reserve[token], m.amount);
        }
        IERC20(token).forceApprove(address(vault), m.amount);
        try vault.routeIn(m.dstSegment, m.assetId, m.amount, false) {
            reserve[token] -= m.amount;
        } catch (bytes memory data) {
            IERC20(token).forceApprove(address(vault), 0);
            return data.length == 0 ? bytes("credit reverted") : data;
        }
    }

    /// @dev Re-credits the source segment out of this chain's reserve (where the debit went).
    function _receiveRefund(uint32 srcEid, RouteRefundMessage memory m) internal {
        Transfer storage t = _transfers[m.transferId];
        if (t.state != TransferState.Sent) {
            emit DuplicateIgnored(m.transferId, SegmentMessages.ROUTE_REFUND);
            return;
        }
        Route memory r = _routes[t.routeId];
        if (srcEid != r.dstEid || m.amount != t.amount) revert UnexpectedOrigin(srcEid);
        address token = vault.config(r.srcSegment).borrowAsset.token;
        if (reserve[token] < m.amount) revert ReserveTooSmall(token, reserve[token], m.amount);
        t.state = TransferState.Refunded;
        reserve[token] -= m.amount;
        totals[r.assetId].refunded += m.amount;
        IERC20(token).forceApprove(address(vault), m.amount);
        vault.routeIn(r.srcSegment, r.assetId, m.amount, true);
        emit TransferRefunded(m.transferId, t.routeId, m.amount);
    }

    // ---------------------------------------------------------------- internals and views

    function _send(uint32 eid, bytes memory message, bytes memory options) internal {
        MessagingFee memory fee = _quote(eid, message, options, false);
        _lzSend(eid, message, options, fee, payable(address(this)));
    }

    function _transferOptions() internal pure returns (bytes memory) {
        return OptionsBuilder.newOptions().addExecutorLzReceiveOption(TRANSFER_GAS, 0);
    }

    /// @dev Fees come from this contract's balance (the caller's value included).
    function _payNative(uint256 fee) internal view override returns (uint256) {
        if (address(this).balance < fee) revert InsufficientFeeBalance(address(this).balance, fee);
        return fee;
    }

    function getRoute(bytes32 routeId) external view returns (Route memory) {
        return _routes[routeId];
    }

    function routeCount() external view returns (uint256) {
        return routeIds.length;
    }

    function transferCount() external view returns (uint256) {
        return transferIds.length;
    }

    function getTransfer(bytes32 transferId) external view returns (Transfer memory) {
        return _transfers[transferId];
    }

    /// @notice The bucket's level now (refilled to this block) and its capacity.
    function bucket(bytes32 routeId) external view returns (uint256 available, uint256 capacity) {
        return (_refilled(routeId).tokens, _routes[routeId].capacity);
    }

    function routeIdOf(Route calldata r) external pure returns (bytes32) {
        return SegmentMessages.routeId(r);
    }
}
