// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IAggregatorV3 } from "../segments/IAggregatorV3.sol";

/// @notice An AggregatorV3-compatible USD price feed for local networks, driven by its owner
/// (scenario players, tests). Every update starts a new round, as Chainlink's aggregators do.
contract DevPriceFeed is IAggregatorV3, Ownable {
    uint8 public immutable decimals;
    string public description;

    uint80 public latestRound;
    int256 public latestAnswer;
    uint256 public latestTimestamp;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    constructor(string memory description_, uint8 decimals_, int256 answer, address owner_) Ownable(owner_) {
        description = description_;
        decimals = decimals_;
        _update(answer, block.timestamp);
    }

    function setAnswer(int256 answer) external onlyOwner {
        _update(answer, block.timestamp);
    }

    /// @notice Sets an answer as of `updatedAt`, to play stale or back-dated feeds.
    function setAnswerAt(int256 answer, uint256 updatedAt) external onlyOwner {
        _update(answer, updatedAt);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (latestRound, latestAnswer, latestTimestamp, latestTimestamp, latestRound);
    }

    function _update(int256 answer, uint256 updatedAt) internal {
        latestRound += 1;
        latestAnswer = answer;
        latestTimestamp = updatedAt;
        emit AnswerUpdated(answer, latestRound, updatedAt);
    }
}
