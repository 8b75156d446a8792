import { getAbiItem } from 'viem';
import { LogRangeSizer } from '#app/chains';
import { DevPriceFeed, SegmentVault } from '#app/contracts';
import type { IndexedAccount, PriceRound, RiskRepository } from '#app/persistence';
import type { OracleChain } from '../chains.js';
import { vaultSegments, vaultFeeds } from './segment-reader.js';

const ANSWER_UPDATED = getAbiItem({ abi: DevPriceFeed.abi, name: 'AnswerUpdated' });
const COLLATERAL_DEPOSITED = getAbiItem({ abi: SegmentVault.abi, name: 'CollateralDeposited' });
const BORROWED = getAbiItem({ abi: SegmentVault.abi, name: 'Borrowed' });
const SEGMENT_CREATED = getAbiItem({ abi: SegmentVault.abi, name: 'SegmentCreated' });
const BOUNDARY_APPLIED = getAbiItem({ abi: SegmentVault.abi, name: 'BoundaryApplied' });

export interface IndexedRange {
  eid: number;
  from: bigint;
  to: bigint;
  rounds: PriceRound[];
  accounts: IndexedAccount[];
}

/**
 * Reads, per chain and block range from a persisted cursor: every `AnswerUpdated` round of the
 * feeds the chain's vault uses (the event AggregatorV3 feeds emit), and every account that deposited
 * collateral or borrowed in a segment — so the book and the keeper never scan all accounts. The
 * range and the cursor are stored in one transaction: a crash re-reads the range, never skips it.
 */
export class Indexer {
  /** per chain: the feeds its vault prices with, re-read only when a segment or a boundary changes */
  private readonly feeds = new Map<number, Set<string>>();

  /** Blocks per `eth_getLogs` on each chain, up to `maxLogRange`. */
  private readonly ranges: LogRangeSizer;

  constructor(
    private readonly repo: RiskRepository,
    options: { maxLogRange: bigint },
  ) {
    this.ranges = new LogRangeSizer(options.maxLogRange);
  }

  /** Indexes the next range of `chain`; null when the chain has nothing new past its confirmations. */
  async tick(chain: OracleChain): Promise<IndexedRange | null> {
    const head = await chain.client.getBlockNumber();
    const safe = head - BigInt(chain.confirmations);
    const cursor = await this.repo.cursor(chain.eid);
    const from = cursor === null ? 0n : cursor + 1n;
    if (safe < from) return null;
    const span = this.ranges.size(chain.eid);
    const to = safe < from + span - 1n ? safe : from + span - 1n;
    const range = { fromBlock: from, toBlock: to };
    // a range the node refuses (a provider's eth_getLogs limit) is read in halves from then on
    const [answerLogs, depositLogs, borrowLogs, created, boundaries] = await this.ranges.scan(chain.eid, from, to, () =>
      Promise.all([
        chain.client.getLogs({ event: ANSWER_UPDATED, ...range }),
        chain.client.getLogs({ address: chain.vault, event: COLLATERAL_DEPOSITED, ...range }),
        chain.client.getLogs({ address: chain.vault, event: BORROWED, ...range }),
        chain.client.getLogs({ address: chain.vault, event: SEGMENT_CREATED, ...range }),
        chain.client.getLogs({ address: chain.vault, event: BOUNDARY_APPLIED, ...range }),
      ]),
    );
    let feeds = this.feeds.get(chain.eid);
    if (!feeds || created.length > 0 || boundaries.length > 0) {
      // read after the range's logs: a feed listed inside the range is already in the vault's config
      feeds = new Set((await vaultFeeds(chain, await vaultSegments(chain))).map((f) => f.toLowerCase()));
      this.feeds.set(chain.eid, feeds);
    }
    const rounds: PriceRound[] = [];
    for (const log of answerLogs) {
      if (!feeds.has(log.address.toLowerCase())) continue;
      const { current, roundId, updatedAt } = log.args;
      if (current === undefined || roundId === undefined || updatedAt === undefined) continue;
      rounds.push({
        eid: chain.eid,
        feed: log.address,
        roundId,
        answer: current,
        updatedAt: Number(updatedAt),
        blockNumber: log.blockNumber,
      });
    }
    const accounts: IndexedAccount[] = [];
    for (const log of [...depositLogs, ...borrowLogs]) {
      const { segment, owner, sub } = log.args;
      if (segment === undefined || owner === undefined || sub === undefined) continue;
      accounts.push({
        eid: chain.eid,
        segment: segment,
        owner: owner,
        sub,
        firstBlock: log.blockNumber,
      });
    }
    await this.repo.recordRange(chain.eid, to, rounds, accounts);
    return { eid: chain.eid, from, to, rounds, accounts };
  }
}
