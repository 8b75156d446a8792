// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { ILayerZeroEndpointV2, Origin } from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import { IReceiveUlnE2 } from "@layerzerolabs/lz-evm-messagelib-v2/contracts/uln/interfaces/IReceiveUlnE2.sol";

/// @dev EndpointV2 exposes `lzReceiveAlert` but its published interface does not declare it.
interface IEndpointV2Alert {
    function lzReceiveAlert(
        Origin calldata _origin,
        address _receiver,
        bytes32 _guid,
        uint256 _gas,
        uint256 _value,
        bytes calldata _message,
        bytes calldata _extraData,
        bytes calldata _reason
    ) external;
}

/// @title BatchExecutor
/// @notice Delivers several verified LayerZero v2 packets in one transaction and reports each
/// packet's outcome without aborting the batch. LayerZero's own `Executor.execute302` and
/// `LzExecutor.commitAndExecute` handle one packet per transaction; this contract adds only the
/// batch. For each packet: commit the verification on the receive library if the endpoint does
/// not hold it yet, then call `EndpointV2.lzReceive` with exactly the gas the packet's options
/// asked for. A failing packet raises `lzReceiveAlert` on the endpoint (as LayerZero's Executor
/// does) and the batch goes on; it can be retried later because LayerZero keeps it committed.
contract BatchExecutor is Ownable2Step {
    /// @notice The outcome of one packet in a batch.
    enum Outcome {
        Delivered,
        AlreadyDelivered,
        CommitFailed,
        ReceiveFailed
    }

    struct Delivery {
        Origin origin;
        address receiver;
        bytes32 guid;
        bytes message;
        bytes extraData;
        uint256 gas;
        uint256 value;
    }

    /// @dev Gas kept back for the bookkeeping after each call, so the 63/64 rule can never leave
    /// a packet with less gas than it paid for.
    uint256 public constant GAS_RESERVE = 40_000;
    uint8 private constant PACKET_VERSION = 1;

    ILayerZeroEndpointV2 public immutable endpoint;
    uint32 public immutable localEid;
    address public receiveLibrary;
    mapping(address caller => bool allowed) public isOperator;

    event OperatorSet(address indexed operator, bool allowed);
    event ReceiveLibrarySet(address indexed receiveLibrary);
    event PacketOutcome(bytes32 indexed guid, uint32 indexed srcEid, uint64 nonce, Outcome outcome, bytes reason);

    error NotOperator(address caller);
    error InsufficientGas(uint256 index, uint256 required, uint256 available);
    error ValueMismatch(uint256 required, uint256 sent);
    error RefundFailed(uint256 amount);

    constructor(address _endpoint, address _receiveLibrary, address _owner) Ownable(_owner) {
        endpoint = ILayerZeroEndpointV2(_endpoint);
        localEid = ILayerZeroEndpointV2(_endpoint).eid();
        receiveLibrary = _receiveLibrary;
        emit ReceiveLibrarySet(_receiveLibrary);
    }

    modifier onlyOperator() {
        if (!isOperator[msg.sender]) revert NotOperator(msg.sender);
        _;
    }

    function setOperator(address _operator, bool _allowed) external onlyOwner {
        isOperator[_operator] = _allowed;
        emit OperatorSet(_operator, _allowed);
    }

    function setReceiveLibrary(address _receiveLibrary) external onlyOwner {
        receiveLibrary = _receiveLibrary;
        emit ReceiveLibrarySet(_receiveLibrary);
    }

    /// @notice Commits (where needed) and executes every packet; never reverts for one packet.
    /// @return outcomes one entry per delivery, in order.
    function deliver(Delivery[] calldata _deliveries) external payable onlyOperator returns (Outcome[] memory outcomes) {
        uint256 totalValue;
        for (uint256 i = 0; i < _deliveries.length; ++i) totalValue += _deliveries[i].value;
        if (msg.value != totalValue) revert ValueMismatch(totalValue, msg.value);

        outcomes = new Outcome[](_deliveries.length);
        uint256 refund;
        for (uint256 i = 0; i < _deliveries.length; ++i) {
            outcomes[i] = _deliverOne(i, _deliveries[i]);
            if (outcomes[i] != Outcome.Delivered) refund += _deliveries[i].value;
        }
        if (refund > 0) {
            (bool ok, ) = msg.sender.call{ value: refund }("");
            if (!ok) revert RefundFailed(refund);
        }
    }

    function _deliverOne(uint256 _index, Delivery calldata _d) internal returns (Outcome outcome) {
        bytes32 payloadHash = keccak256(abi.encodePacked(_d.guid, _d.message));
        bytes memory reason;
        (outcome, reason) = _commitIfNeeded(_d, payloadHash);
        if (outcome == Outcome.Delivered) {
            uint256 required = (_d.gas * 64) / 63 + GAS_RESERVE;
            if (gasleft() < required) revert InsufficientGas(_index, required, gasleft());
            try endpoint.lzReceive{ value: _d.value, gas: _d.gas }(_d.origin, _d.receiver, _d.guid, _d.message, _d.extraData) {
                // delivered
            } catch (bytes memory err) {
                outcome = Outcome.ReceiveFailed;
                reason = err;
                IEndpointV2Alert(address(endpoint)).lzReceiveAlert(_d.origin, _d.receiver, _d.guid, _d.gas, _d.value, _d.message, _d.extraData, err);
            }
        }
        emit PacketOutcome(_d.guid, _d.origin.srcEid, _d.origin.nonce, outcome, reason);
    }

    /// @dev Delivered means "go on and execute". The endpoint holds the payload hash from commit
    /// until execution clears it; a cleared hash at or below the lazy nonce means executed.
    function _commitIfNeeded(Delivery calldata _d, bytes32 _payloadHash) internal returns (Outcome, bytes memory) {
        bytes32 held = endpoint.inboundPayloadHash(_d.receiver, _d.origin.srcEid, _d.origin.sender, _d.origin.nonce);
        if (held == _payloadHash) return (Outcome.Delivered, "");
        if (held == bytes32(0) && _d.origin.nonce <= endpoint.lazyInboundNonce(_d.receiver, _d.origin.srcEid, _d.origin.sender)) {
            return (Outcome.AlreadyDelivered, "");
        }
        bytes memory header = abi.encodePacked(
            PACKET_VERSION,
            _d.origin.nonce,
            _d.origin.srcEid,
            _d.origin.sender,
            localEid,
            bytes32(uint256(uint160(_d.receiver)))
        );
        try IReceiveUlnE2(receiveLibrary).commitVerification(header, _payloadHash) {
            return (Outcome.Delivered, "");
        } catch (bytes memory err) {
            return (Outcome.CommitFailed, err);
        }
    }
}
