import { encodeAbiParameters, keccak256, type Address, type Hex } from 'viem';
import { DevPriceFeed, SegmentController, SegmentVault } from '#app/contracts';
import { decodeStoredRiskParams, type RiskParams, type StewardBounds } from '#app/messaging';
import type { RiskRepository } from '#app/persistence';
import { priceSeriesFromWad, type AssetMarket, type BookAccount } from '#app/risk';
import type { OracleChain } from '../chains.js';
import { priceGrid } from './price-grid.js';

/** `SegmentStatus` as the contracts number it. */
export const SEGMENT_STATUS = ['None', 'Active', 'ReduceOnly', 'Frozen', 'Retired'] as const;

export interface SegmentState {
  id: Hex;
  status: (typeof SEGMENT_STATUS)[number];
  paramsEpoch: bigint;
  lastStewardUpdate: number;
  borrowAssetId: Hex;
  params: RiskParams;
  bounds: StewardBounds;
}

/** The segment ids a vault or the controller lists (both have `segmentCount` / `segmentIds`). */
async function listSegments(chain: OracleChain, address: Address): Promise<Hex[]> {
  const abi = SegmentVault.abi; // the controller's two views have the same signatures
  const count = await chain.client.readContract({ address, abi, functionName: 'segmentCount' });
  return Promise.all(
    Array.from({ length: Number(count) }, (_, i) =>
      chain.client.readContract({ address, abi, functionName: 'segmentIds', args: [BigInt(i)] }),
    ),
  );
}

export function vaultSegments(chain: OracleChain): Promise<Hex[]> {
  return listSegments(chain, chain.vault);
}

export function controllerSegments(hub: OracleChain & { controller: Address }): Promise<Hex[]> {
  return listSegments(hub, hub.controller);
}

/** `SegmentVault.accountKey`, computed here rather than asked for: keccak256(abi.encode(segment, owner, sub)). */
export function accountKey(segment: Hex, owner: Address, sub: bigint): Hex {
  return keccak256(
    encodeAbiParameters([{ type: 'bytes32' }, { type: 'address' }, { type: 'uint96' }], [segment, owner, sub]),
  );
}

/** The feeds a vault prices its segments with (borrow assets and every collateral ever listed). */
export async function vaultFeeds(chain: OracleChain, segments: readonly Hex[]): Promise<Address[]> {
  const feeds = new Set<Address>();
  for (const segment of segments) {
    const cfg = await chain.client.readContract({
      address: chain.vault,
      abi: SegmentVault.abi,
      functionName: 'config',
      args: [segment],
    });
    feeds.add(cfg.borrowAsset.feed);
    for (const id of cfg.collateralIds) {
      const c = await chain.client.readContract({
        address: chain.vault,
        abi: SegmentVault.abi,
        functionName: 'collateralConfig',
        args: [segment, id],
      });
      feeds.add(c.feed);
    }
  }
  return [...feeds];
}

export async function readSegment(hub: OracleChain & { controller: Address }, id: Hex): Promise<SegmentState> {
  const s = await hub.client.readContract({
    address: hub.controller,
    abi: SegmentController.abi,
    functionName: 'getSegment',
    args: [id],
  });
  return {
    id,
    status: SEGMENT_STATUS[s.status] ?? 'None',
    paramsEpoch: s.paramsEpoch,
    lastStewardUpdate: Number(s.lastStewardUpdate),
    borrowAssetId: s.borrowAssetId,
    params: decodeStoredRiskParams(s.params),
    bounds: s.bounds,
  };
}

/** Every indexed account of `segment` on every chain, with its debt and its collateral in `assetIds` order. */
export async function readBook(
  chains: readonly OracleChain[],
  repo: RiskRepository,
  segment: Hex,
  assetIds: readonly Hex[],
): Promise<BookAccount[]> {
  const accounts = await repo.accounts(segment);
  const byEid = new Map(chains.map((c) => [c.eid, c]));
  return Promise.all(
    accounts.flatMap((a) => {
      const chain = byEid.get(a.eid);
      if (!chain) return [];
      return [
        (async (): Promise<BookAccount> => {
          const read = { address: chain.vault, abi: SegmentVault.abi } as const;
          const key = accountKey(segment, a.owner, a.sub);
          const [debt, ...collateral] = await Promise.all([
            chain.client.readContract({ ...read, functionName: 'debtOf', args: [segment, a.owner, a.sub] }),
            ...assetIds.map((id) =>
              chain.client.readContract({ ...read, functionName: 'collateralOf', args: [key, id] }),
            ),
          ]);
          return { id: `${a.eid}:${a.owner}:${a.sub}`, collateral, debt };
        })(),
      ];
    }),
  );
}

const feedDecimals = new Map<string, number>();

/** A feed's answer decimals (read once per feed). */
export async function feedDecimalsOf(chain: OracleChain, feed: Address): Promise<number> {
  const key = `${chain.eid}:${feed.toLowerCase()}`;
  let d = feedDecimals.get(key);
  if (d === undefined) {
    d = await chain.client.readContract({ address: feed, abi: DevPriceFeed.abi, functionName: 'decimals' });
    feedDecimals.set(key, d);
  }
  return d;
}

/**
 * An asset's market on `chain`: its token decimals, the spot price the vault would use now
 * (latestRoundData) and the period grid of its indexed rounds.
 */
export async function readMarket(
  chain: OracleChain,
  repo: RiskRepository,
  asset: { assetId: Hex; feed: Address; decimals: number },
  grid: { now: number; period: number; length: number },
): Promise<{ market: AssetMarket; answer: bigint }> {
  const decimals = await feedDecimalsOf(chain, asset.feed);
  const from = (Math.floor(grid.now / grid.period) - grid.length + 1) * grid.period;
  const [roundId, answer, , updatedAt] = await chain.client.readContract({
    address: asset.feed,
    abi: DevPriceFeed.abi,
    functionName: 'latestRoundData',
  });
  // the round the spot price comes from joins the indexed ones, so the book and the history agree
  // even when the indexer has not reached its block yet
  const latest = {
    eid: chain.eid,
    feed: asset.feed,
    roundId: BigInt(roundId),
    answer,
    updatedAt: Number(updatedAt),
    blockNumber: 0n,
  };
  const indexed = await repo.rounds(chain.eid, asset.feed, from, Math.floor(grid.now));
  const rounds =
    latest.updatedAt <= grid.now && !indexed.some((r) => r.roundId === latest.roundId) ? [...indexed, latest] : indexed;
  const g = priceGrid(rounds, { ...grid, feedDecimals: decimals });
  const market = {
    assetId: asset.assetId,
    decimals: asset.decimals,
    price: answer * 10n ** BigInt(18 - decimals),
    history: priceSeriesFromWad(asset.assetId, g.start, g.period, g.prices),
  };
  return { market, answer };
}

/** The borrow asset's and the listed collaterals' feeds and token decimals, as the hub vault has them. */
export async function segmentAssets(
  hub: OracleChain,
  segment: Hex,
  state: SegmentState,
): Promise<{
  borrow: { assetId: Hex; feed: Address; decimals: number };
  collaterals: { assetId: Hex; feed: Address; decimals: number }[];
}> {
  const read = { address: hub.vault, abi: SegmentVault.abi } as const;
  const cfg = await hub.client.readContract({ ...read, functionName: 'config', args: [segment] });
  const collaterals = await Promise.all(
    state.params.assets.map(async (a) => {
      const c = await hub.client.readContract({
        ...read,
        functionName: 'collateralConfig',
        args: [segment, a.assetId],
      });
      return { assetId: a.assetId, feed: c.feed, decimals: c.decimals };
    }),
  );
  return {
    borrow: { assetId: state.borrowAssetId, feed: cfg.borrowAsset.feed, decimals: cfg.borrowDecimals },
    collaterals,
  };
}
