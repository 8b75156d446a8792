// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { EIP712 } from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import { ECDSA } from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import { OApp, Origin, MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { OptionsBuilder } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import "./SegmentMessages.sol";
import { SegmentRiskRules } from "./SegmentRiskRules.sol";

/// @notice The hub vault, configured by direct call.
interface ISegmentVaultConfig {
    function applyFromController(bytes calldata message) external;
}

/// @notice The one registry of segment boundaries, on the hub chain. Governors sign EIP-712
/// proposals that execute after a timelock; a guardian may freeze a segment at once; a risk
/// steward may move risk parameters within per-segment bounds. Every applied change is
/// broadcast to the hub vault and to every registered spoke's vault over LayerZero, paid from
/// this contract's balance. Vaults attest their segments back; a segment whose global collateral
/// exceeds its cap becomes ReduceOnly everywhere until it falls back under the cap.
contract SegmentController is OApp, EIP712 {
    using OptionsBuilder for bytes;

    uint256 internal constant BPS = 10_000;
    /// @dev Exposure must fall this far under the cap before a cap-triggered ReduceOnly is lifted.
    uint256 public constant CAP_HYSTERESIS_BPS = 500;
    /// @dev A queued proposal not executed within this long after its eta can no longer be.
    uint64 public constant EXECUTION_WINDOW = 14 days;
    uint128 internal constant CONFIG_GAS = 600_000;
    bytes32 public constant PROPOSAL_TYPEHASH =
        keccak256("Proposal(uint8 action,bytes data,uint256 nonce,uint64 deadline)");

    uint8 public constant CREATE_SEGMENT = 1;
    uint8 public constant SET_BOUNDARY = 2;
    uint8 public constant SET_RISK_PARAMS = 3;
    uint8 public constant SET_STEWARD_BOUNDS = 4;
    uint8 public constant SET_STATUS = 5;
    uint8 public constant SET_GLOBAL_CAP = 6;
    uint8 public constant REGISTER_CHAIN = 7;
    uint8 public constant REGISTER_ASSET = 8;
    uint8 public constant SET_ROLES = 9;
    /// @dev Applied by the hub's SegmentRouter once executed here (`SegmentRouter.applyRoute`).
    uint8 internal constant ROUTE_CONFIG = 10;

    struct Segment {
        SegmentStatus status;
        /// @dev The current ReduceOnly was set by the global cap, so the cap may lift it.
        bool capReduceOnly;
        uint64 paramsEpoch;
        uint64 boundaryEpoch;
        uint64 statusEpoch;
        uint64 lastStewardUpdate;
        bytes32 borrowAssetId;
        bytes32[] collateralIds;
        /// @dev abi.encode(RiskParams): kept encoded, always read and written whole.
        bytes params;
        StewardBounds bounds;
        uint256 globalCap;
        uint256 globalCollateral;
    }

    struct Attestation {
        SegmentSnapshot snapshot;
        uint64 blockNumber;
        uint64 timestamp;
    }

    enum ProposalState {
        None,
        Queued,
        Executed,
        Cancelled
    }

    struct Proposal {
        ProposalState state;
        uint8 action;
        uint64 eta;
    }

    ISegmentVaultConfig public immutable hubVault;
    SegmentRiskRules public immutable rules;
    uint32 public immutable hubEid;

    address[] internal _governors;
    mapping(address => bool) public isGovernor;
    uint8 public threshold;
    uint32 public delay;
    address public guardian;
    address public steward;

    mapping(uint256 nonce => bool) public nonceUsed;
    mapping(bytes32 id => Proposal) public proposals;

    bytes32[] public segmentIds;
    mapping(bytes32 segment => Segment) internal _segments;
    uint32[] internal _spokes;
    mapping(bytes32 assetId => mapping(uint32 eid => LocalAsset)) internal _assets;
    mapping(bytes32 segment => mapping(uint32 eid => Attestation)) internal _attestations;
    mapping(bytes32 segment => uint32[]) internal _attestedEids;
    /// @dev A status change the spokes have not been sent yet (see `flushStatus`).
    mapping(bytes32 segment => bool) public statusPending;

    event ProposalQueued(bytes32 indexed id, uint8 action, uint256 nonce, uint64 eta, bytes data);
    event ProposalExecuted(bytes32 indexed id, uint8 action);
    event ProposalCancelled(bytes32 indexed id, address governor);
    event SegmentCreated(bytes32 indexed segment);
    event BoundaryChanged(bytes32 indexed segment, uint64 boundaryEpoch);
    event RiskParamsChanged(bytes32 indexed segment, uint64 paramsEpoch, bool bySteward);
    event StatusChanged(bytes32 indexed segment, uint64 statusEpoch, SegmentStatus status, address by);
    event StewardBoundsChanged(bytes32 indexed segment);
    event GlobalCapChanged(bytes32 indexed segment, uint256 capUsd);
    event GlobalCapExceeded(bytes32 indexed segment, uint256 collateralUsd, uint256 capUsd);
    event GlobalCapRestored(bytes32 indexed segment, uint256 collateralUsd, uint256 capUsd);
    event ChainRegistered(uint32 eid, bytes32 vault);
    event AssetRegistered(bytes32 indexed assetId, uint32 eid, address token, address feed, uint32 maxStaleness);
    event RolesChanged(address[] governors, uint8 threshold, uint32 delay, address guardian, address steward);
    event AttestationRecorded(bytes32 indexed segment, uint32 eid, uint64 blockNumber, uint256 collateralValue);
    event AttestationIgnored(bytes32 indexed segment, uint32 eid, uint64 blockNumber);
    event Broadcast(uint8 kind, bytes32 indexed segment, uint32 eid);

    error NotGovernor(address caller);
    error NotGuardian(address caller);
    error NotSteward(address caller);
    error NotVault(address caller);
    error InvalidSignatures(uint256 valid, uint8 threshold);
    error SignerNotGovernor(address signer);
    error SignersNotSorted();
    error ProposalExpired(uint64 deadline);
    error NonceAlreadyUsed(uint256 nonce);
    error ProposalNotQueued(bytes32 id);
    error TimelockActive(bytes32 id, uint64 eta);
    error UnknownAction(uint8 action);
    error InvalidRoles();
    error SegmentExists(bytes32 segment);
    error SegmentNotFound(bytes32 segment);
    error AssetNotRegistered(bytes32 assetId, uint32 eid);
    error AssetAlreadyRegistered(bytes32 assetId, uint32 eid, address token);
    error ChainAlreadyRegistered(uint32 eid);
    error InvalidStatus(SegmentStatus status);
    error StewardTooSoon(bytes32 segment, uint64 nextAllowed);
    error InsufficientFeeBalance(uint256 balance, uint256 fee);
    error AttestationFromWrongChain(uint32 srcEid, uint32 claimed);
    error NothingToFlush(bytes32 segment);
    error ProposalStale(bytes32 id, uint64 expiredAt);

    constructor(
        address _endpoint,
        address _owner,
        address _hubVault,
        address _rules,
        address[] memory governors_,
        uint8 _threshold,
        uint32 _delay,
        address _guardian,
        address _steward
    ) OApp(_endpoint, _owner) Ownable(_owner) EIP712("SegmentController", "1") {
        hubVault = ISegmentVaultConfig(_hubVault);
        rules = SegmentRiskRules(_rules);
        hubEid = endpoint.eid();
        _setRoles(governors_, _threshold, _delay, _guardian, _steward);
    }

    /// @notice Funds the LayerZero fees of broadcasts.
    receive() external payable {}

    // ---------------------------------------------------------------- governance

    /// @notice The EIP-712 digest governors sign; also the proposal's id.
    function hashProposal(uint8 action, bytes calldata data, uint256 nonce, uint64 deadline)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(PROPOSAL_TYPEHASH, action, keccak256(data), nonce, deadline)));
    }

    /// @notice Queues a proposal signed by at least `threshold` governors (signatures sorted by
    /// signer address, which also rules out duplicates). Anyone may submit it.
    function queue(uint8 action, bytes calldata data, uint256 nonce, uint64 deadline, bytes[] calldata signatures)
        external
        returns (bytes32 id)
    {
        if (block.timestamp > deadline) revert ProposalExpired(deadline);
        if (nonceUsed[nonce]) revert NonceAlreadyUsed(nonce);
        if (action == 0 || action > ROUTE_CONFIG) revert UnknownAction(action);
        id = hashProposal(action, data, nonce, deadline);
        address last;
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = ECDSA.recover(id, signatures[i]);
            if (!isGovernor[signer]) revert SignerNotGovernor(signer);
            if (signer <= last) revert SignersNotSorted();
            last = signer;
        }
        if (signatures.length < threshold) revert InvalidSignatures(signatures.length, threshold);
        nonceUsed[nonce] = true;
        uint64 eta = uint64(block.timestamp) + delay;
        proposals[id] = Proposal(ProposalState.Queued, action, eta);
        emit ProposalQueued(id, action, nonce, eta, data);
    }

    /// @notice Executes a queued proposal once its timelock has passed. Anyone may call.
    function execute(uint8 action, bytes calldata data, uint256 nonce, uint64 deadline) external {
        bytes32 id = hashProposal(action, data, nonce, deadline);
        Proposal storage p = proposals[id];
        if (p.state != ProposalState.Queued) revert ProposalNotQueued(id);
        if (block.timestamp < p.eta) revert TimelockActive(id, p.eta);
        if (block.timestamp > p.eta + EXECUTION_WINDOW) revert ProposalStale(id, p.eta + EXECUTION_WINDOW);
        p.state = ProposalState.Executed;
        _apply(action, data);
        emit ProposalExecuted(id, action);
    }

    /// @notice Any governor may cancel a queued proposal; its nonce stays spent.
    function cancel(bytes32 id) external {
        if (!isGovernor[msg.sender]) revert NotGovernor(msg.sender);
        if (proposals[id].state != ProposalState.Queued) revert ProposalNotQueued(id);
        proposals[id].state = ProposalState.Cancelled;
        emit ProposalCancelled(id, msg.sender);
    }

    function _apply(uint8 action, bytes calldata data) internal {
        if (action == CREATE_SEGMENT) {
            (
                bytes32 segment,
                bytes32 borrowAssetId,
                bytes32[] memory collaterals,
                RiskParams memory params,
                StewardBounds memory bounds,
                uint256 cap
            ) = abi.decode(data, (bytes32, bytes32, bytes32[], RiskParams, StewardBounds, uint256));
            _createSegment(segment, borrowAssetId, collaterals, params, bounds, cap);
        } else if (action == SET_BOUNDARY) {
            (bytes32 segment, bytes32[] memory collaterals, RiskParams memory params) =
                abi.decode(data, (bytes32, bytes32[], RiskParams));
            _setBoundary(segment, collaterals, params);
        } else if (action == SET_RISK_PARAMS) {
            (bytes32 segment, RiskParams memory params) = abi.decode(data, (bytes32, RiskParams));
            _setRiskParams(_existing(segment), segment, params, false);
        } else if (action == SET_STEWARD_BOUNDS) {
            (bytes32 segment, StewardBounds memory bounds) = abi.decode(data, (bytes32, StewardBounds));
            _existing(segment).bounds = bounds;
            emit StewardBoundsChanged(segment);
        } else if (action == SET_STATUS) {
            (bytes32 segment, SegmentStatus status) = abi.decode(data, (bytes32, SegmentStatus));
            if (status == SegmentStatus.None) revert InvalidStatus(status);
            _setStatus(segment, status, false);
        } else if (action == SET_GLOBAL_CAP) {
            (bytes32 segment, uint256 cap) = abi.decode(data, (bytes32, uint256));
            _existing(segment).globalCap = cap;
            emit GlobalCapChanged(segment, cap);
            _checkCap(segment, true);
        } else if (action == REGISTER_CHAIN) {
            (uint32 eid, bytes32 vault) = abi.decode(data, (uint32, bytes32));
            _registerChain(eid, vault);
        } else if (action == REGISTER_ASSET) {
            (bytes32 assetId, uint32 eid, address token, address feed, uint32 maxStaleness) =
                abi.decode(data, (bytes32, uint32, address, address, uint32));
            _registerAsset(assetId, eid, token, feed, maxStaleness);
        } else if (action == SET_ROLES) {
            (address[] memory governors_, uint8 threshold_, uint32 delay_, address guardian_, address steward_) =
                abi.decode(data, (address[], uint8, uint32, address, address));
            _setRoles(governors_, threshold_, delay_, guardian_, steward_);
        }
    }

    function _setRoles(address[] memory governors_, uint8 threshold_, uint32 delay_, address guardian_, address steward_)
        internal
    {
        if (threshold_ == 0 || threshold_ > governors_.length) revert InvalidRoles();
        for (uint256 i = 0; i < _governors.length; i++) isGovernor[_governors[i]] = false;
        for (uint256 i = 0; i < governors_.length; i++) {
            if (governors_[i] == address(0) || isGovernor[governors_[i]]) revert InvalidRoles();
            isGovernor[governors_[i]] = true;
        }
        _governors = governors_;
        threshold = threshold_;
        delay = delay_;
        guardian = guardian_;
        steward = steward_;
        emit RolesChanged(governors_, threshold_, delay_, guardian_, steward_);
    }

    // ---------------------------------------------------------------- guardian and steward

    /// @notice Freezes a segment on every chain now. The guardian can never unfreeze.
    function freeze(bytes32 segment) external {
        if (msg.sender != guardian) revert NotGuardian(msg.sender);
        _setStatus(segment, SegmentStatus.Frozen, false);
    }

    /// @notice The risk steward's update: every field at once, each within the segment's bounds,
    /// or nothing. Skips the timelock.
    function stewardSetRiskParams(bytes32 segment, RiskParams calldata params) external {
        if (msg.sender != steward) revert NotSteward(msg.sender);
        Segment storage s = _existing(segment);
        uint64 next = s.lastStewardUpdate + s.bounds.minInterval;
        if (s.lastStewardUpdate != 0 && block.timestamp < next) revert StewardTooSoon(segment, next);
        rules.checkStewardUpdate(segment, s.bounds, s.params, params);
        s.lastStewardUpdate = uint64(block.timestamp);
        _setRiskParams(s, segment, params, true);
    }

    // ---------------------------------------------------------------- segment changes

    function _createSegment(
        bytes32 segment,
        bytes32 borrowAssetId,
        bytes32[] memory collaterals,
        RiskParams memory params,
        StewardBounds memory bounds,
        uint256 cap
    ) internal {
        Segment storage s = _segments[segment];
        if (s.status != SegmentStatus.None || segment == 0) revert SegmentExists(segment);
        s.status = SegmentStatus.Active;
        s.borrowAssetId = borrowAssetId;
        s.bounds = bounds;
        s.globalCap = cap;
        segmentIds.push(segment);
        emit SegmentCreated(segment);
        _setBoundary(segment, collaterals, params);
    }

    function _setBoundary(bytes32 segment, bytes32[] memory collaterals, RiskParams memory params) internal {
        Segment storage s = _existing(segment);
        s.collateralIds = collaterals;
        s.boundaryEpoch += 1;
        emit BoundaryChanged(segment, s.boundaryEpoch);
        _broadcastBoundary(segment);
        _setRiskParams(s, segment, params, false);
    }

    function _setRiskParams(Segment storage s, bytes32 segment, RiskParams memory params, bool bySteward) internal {
        rules.validate(segment, s.collateralIds, params);
        s.params = abi.encode(params);
        s.paramsEpoch += 1;
        emit RiskParamsChanged(segment, s.paramsEpoch, bySteward);
        _broadcast(segment, SegmentMessages.RISK_PARAMS, _riskParamsMessage(segment));
    }

    function _setStatus(bytes32 segment, SegmentStatus status, bool byCap) internal {
        _setStatusLocally(segment, status, byCap);
        _sendStatusToSpokes(segment);
    }

    /// @dev The controller and the hub vault change now; the spokes learn it from `_sendStatusToSpokes`.
    function _setStatusLocally(bytes32 segment, SegmentStatus status, bool byCap) internal {
        Segment storage s = _existing(segment);
        s.status = status;
        s.capReduceOnly = byCap && status == SegmentStatus.ReduceOnly;
        s.statusEpoch += 1;
        emit StatusChanged(segment, s.statusEpoch, status, msg.sender);
        hubVault.applyFromController(_statusMessage(segment));
        statusPending[segment] = true;
    }

    function _sendStatusToSpokes(bytes32 segment) internal {
        statusPending[segment] = false;
        bytes memory message = _statusMessage(segment);
        for (uint256 i = 0; i < _spokes.length; i++) _send(_spokes[i], segment, SegmentMessages.SEGMENT_STATUS, message);
    }

    /// @notice Sends a status the global cap changed while recording an attestation (whose
    /// delivery gas cannot also pay for a broadcast to every spoke). Anyone may call; the
    /// relayer's keeper does.
    function flushStatus(bytes32 segment) external {
        if (!statusPending[segment]) revert NothingToFlush(segment);
        _sendStatusToSpokes(segment);
    }

    function _registerChain(uint32 eid, bytes32 vault) internal {
        if (eid == hubEid || peers[eid] != bytes32(0)) revert ChainAlreadyRegistered(eid);
        _setPeer(eid, vault);
        _spokes.push(eid);
        emit ChainRegistered(eid, vault);
        // the new chain learns every segment as it stands
        for (uint256 i = 0; i < segmentIds.length; i++) {
            bytes32 segment = segmentIds[i];
            _send(eid, segment, SegmentMessages.BOUNDARY, _boundaryMessage(segment, eid));
            _send(eid, segment, SegmentMessages.RISK_PARAMS, _riskParamsMessage(segment));
            if (_segments[segment].statusEpoch > 0) {
                _send(eid, segment, SegmentMessages.SEGMENT_STATUS, _statusMessage(segment));
            }
        }
    }

    /// @dev A token, once registered on a chain, stays; its feed and staleness may change, and
    /// every segment listing the asset gets a new boundary carrying them.
    function _registerAsset(bytes32 assetId, uint32 eid, address token, address feed, uint32 maxStaleness) internal {
        LocalAsset storage a = _assets[assetId][eid];
        if (a.token != address(0) && a.token != token) revert AssetAlreadyRegistered(assetId, eid, a.token);
        _assets[assetId][eid] = LocalAsset(assetId, token, feed, maxStaleness);
        emit AssetRegistered(assetId, eid, token, feed, maxStaleness);
        for (uint256 i = 0; i < segmentIds.length; i++) {
            Segment storage s = _segments[segmentIds[i]];
            if (!_uses(s, assetId)) continue;
            s.boundaryEpoch += 1;
            emit BoundaryChanged(segmentIds[i], s.boundaryEpoch);
            _broadcastBoundary(segmentIds[i]);
        }
    }

    function _uses(Segment storage s, bytes32 assetId) internal view returns (bool) {
        if (s.borrowAssetId == assetId) return true;
        for (uint256 i = 0; i < s.collateralIds.length; i++) if (s.collateralIds[i] == assetId) return true;
        return false;
    }

    // ---------------------------------------------------------------- attestations and the global cap

    /// @notice The hub vault's own attestation.
    function receiveLocalAttestation(bytes calldata message) external {
        if (msg.sender != address(hubVault)) revert NotVault(msg.sender);
        _recordAttestation(hubEid, message);
    }

    /// @dev The OApp base has checked that the sender is the registered vault of `origin.srcEid`.
    function _lzReceive(Origin calldata origin, bytes32, bytes calldata message, address, bytes calldata)
        internal
        override
    {
        _recordAttestation(origin.srcEid, message);
    }

    function _recordAttestation(uint32 srcEid, bytes memory message) internal {
        (uint8 kind, bytes memory body) = SegmentMessages.open(message);
        if (kind != SegmentMessages.ATTESTATION) revert SegmentMessages.UnexpectedKind(kind);
        AttestationMessage memory m = SegmentMessages.decodeAttestation(body);
        if (m.eid != srcEid) revert AttestationFromWrongChain(srcEid, m.eid);
        for (uint256 i = 0; i < m.segments.length; i++) {
            SegmentSnapshot memory snap = m.segments[i];
            Segment storage s = _segments[snap.segment];
            Attestation storage previous = _attestations[snap.segment][srcEid];
            if (s.status == SegmentStatus.None || m.blockNumber <= previous.blockNumber) {
                emit AttestationIgnored(snap.segment, srcEid, m.blockNumber);
                continue;
            }
            if (previous.blockNumber == 0) _attestedEids[snap.segment].push(srcEid);
            s.globalCollateral = s.globalCollateral - previous.snapshot.collateralValue + snap.collateralValue;
            _attestations[snap.segment][srcEid] = Attestation(snap, m.blockNumber, m.timestamp);
            emit AttestationRecorded(snap.segment, srcEid, m.blockNumber, snap.collateralValue);
            _checkCap(snap.segment, false);
        }
    }

    /// @dev `broadcast` false: only the hub changes now and the spokes wait for `flushStatus`.
    function _checkCap(bytes32 segment, bool broadcast) internal {
        Segment storage s = _segments[segment];
        SegmentStatus next;
        if (s.status == SegmentStatus.Active && s.globalCap != 0 && s.globalCollateral > s.globalCap) {
            emit GlobalCapExceeded(segment, s.globalCollateral, s.globalCap);
            next = SegmentStatus.ReduceOnly;
        } else if (
            s.capReduceOnly && s.status == SegmentStatus.ReduceOnly
                && (s.globalCap == 0 || s.globalCollateral * BPS <= s.globalCap * (BPS - CAP_HYSTERESIS_BPS))
        ) {
            emit GlobalCapRestored(segment, s.globalCollateral, s.globalCap);
            next = SegmentStatus.Active;
        } else {
            return;
        }
        _setStatusLocally(segment, next, next == SegmentStatus.ReduceOnly);
        if (broadcast) _sendStatusToSpokes(segment);
    }

    // ---------------------------------------------------------------- broadcast

    /// @dev Boundaries differ per chain (local token and feed addresses); other messages do not.
    function _broadcastBoundary(bytes32 segment) internal {
        hubVault.applyFromController(_boundaryMessage(segment, hubEid));
        for (uint256 i = 0; i < _spokes.length; i++) {
            _send(_spokes[i], segment, SegmentMessages.BOUNDARY, _boundaryMessage(segment, _spokes[i]));
        }
    }

    function _broadcast(bytes32 segment, uint8 kind, bytes memory message) internal {
        hubVault.applyFromController(message);
        for (uint256 i = 0; i < _spokes.length; i++) _send(_spokes[i], segment, kind, message);
    }

    function _send(uint32 eid, bytes32 segment, uint8 kind, bytes memory message) internal {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(CONFIG_GAS, 0);
        MessagingFee memory fee = _quote(eid, message, options, false);
        _lzSend(eid, message, options, fee, payable(address(this)));
        emit Broadcast(kind, segment, eid);
    }

    /// @dev Broadcasts are paid from this contract's balance, not by the caller: a guardian freeze
    /// or a cap breach found in an attestation must go out whoever triggered it.
    function _payNative(uint256 fee) internal view override returns (uint256) {
        if (address(this).balance < fee) revert InsufficientFeeBalance(address(this).balance, fee);
        return fee;
    }

    function _boundaryMessage(bytes32 segment, uint32 eid) internal view returns (bytes memory) {
        Segment storage s = _segments[segment];
        LocalAsset[] memory collaterals = new LocalAsset[](s.collateralIds.length);
        for (uint256 i = 0; i < collaterals.length; i++) collaterals[i] = _localAsset(s.collateralIds[i], eid);
        return SegmentMessages.encodeBoundary(
            BoundaryMessage(segment, s.boundaryEpoch, _localAsset(s.borrowAssetId, eid), collaterals)
        );
    }

    function _riskParamsMessage(bytes32 segment) internal view returns (bytes memory) {
        Segment storage s = _segments[segment];
        return SegmentMessages.encodeRiskParams(
            RiskParamsMessage(segment, s.paramsEpoch, s.boundaryEpoch, abi.decode(s.params, (RiskParams)))
        );
    }

    function _statusMessage(bytes32 segment) internal view returns (bytes memory) {
        Segment storage s = _segments[segment];
        return SegmentMessages.encodeStatus(StatusMessage(segment, s.statusEpoch, s.status));
    }

    function _localAsset(bytes32 assetId, uint32 eid) internal view returns (LocalAsset memory a) {
        a = _assets[assetId][eid];
        if (a.token == address(0)) revert AssetNotRegistered(assetId, eid);
    }

    function _existing(bytes32 segment) internal view returns (Segment storage s) {
        s = _segments[segment];
        if (s.status == SegmentStatus.None) revert SegmentNotFound(segment);
    }

    // ---------------------------------------------------------------- views

    /// @notice The total LayerZero fee of broadcasting `message` to every spoke.
    function quoteBroadcast(bytes calldata message) external view returns (uint256 total) {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(CONFIG_GAS, 0);
        for (uint256 i = 0; i < _spokes.length; i++) total += _quote(_spokes[i], message, options, false).nativeFee;
    }

    function governors() external view returns (address[] memory) {
        return _governors;
    }

    function spokes() external view returns (uint32[] memory) {
        return _spokes;
    }

    function segmentCount() external view returns (uint256) {
        return segmentIds.length;
    }

    function getSegment(bytes32 id) external view returns (Segment memory) {
        return _segments[id];
    }

    function localAsset(bytes32 assetId, uint32 eid) external view returns (LocalAsset memory) {
        return _assets[assetId][eid];
    }

    function attestation(bytes32 id, uint32 eid) external view returns (Attestation memory) {
        return _attestations[id][eid];
    }

    function attestedChains(bytes32 id) external view returns (uint32[] memory) {
        return _attestedEids[id];
    }
}
