import type { Address, Hex, PublicClient } from 'viem';
import { SegmentRouter } from '#app/contracts';
import type { Route } from '../governance/actions.js';

/** `SegmentRouter.TransferState`. */
export const TransferState = {
  None: 0,
  /** Source: debited and sent, not refunded (it may have been credited already). */
  Sent: 1,
  /** Source: a same-chain transfer, debited and credited in one transaction. */
  Delivered: 2,
  /** Source: the destination refused it and the source segment has it back. */
  Refunded: 3,
  /** Destination: credited to the destination segment. */
  Credited: 4,
  /** Destination: refused; the refund is on its way back. */
  RefundSent: 5,
} as const;
export type TransferState = (typeof TransferState)[keyof typeof TransferState];

export const transferStateName = (state: number): string =>
  Object.entries(TransferState).find(([, value]) => value === state)?.[0] ?? `unknown(${state})`;

/** A route as one chain's router has it: its config, the epoch applied and its token bucket now. */
export interface RouteState {
  routeId: Hex;
  route: Route;
  epoch: bigint;
  /** The bucket refilled to the latest block; meaningful on the route's source chain. */
  available: bigint;
  capacity: bigint;
}

export interface TransferRecord {
  transferId: Hex;
  routeId: Hex;
  amount: bigint;
  state: TransferState;
}

export interface RouteTotals {
  debited: bigint;
  credited: bigint;
  refunded: bigint;
}

/** One chain's router, read whole: what the conservation check and the operator views need. */
export interface RouterSnapshot {
  eid: number;
  routes: RouteState[];
  transfers: TransferRecord[];
  /** Per asset id, this chain's totals (debits and refunds as a source, credits as a destination). */
  totals: Map<Hex, RouteTotals>;
}

const at = (router: Address, blockNumber?: bigint) =>
  ({ address: router, abi: SegmentRouter.abi, blockNumber }) as const;

/** Every route this router has applied, in the order it first heard of them. */
export async function readRoutes(client: PublicClient, router: Address, blockNumber?: bigint): Promise<RouteState[]> {
  const count = await client.readContract({ ...at(router, blockNumber), functionName: 'routeCount' });
  const ids = await Promise.all(
    Array.from({ length: Number(count) }, (_, i) =>
      client.readContract({ ...at(router, blockNumber), functionName: 'routeIds', args: [BigInt(i)] }),
    ),
  );
  return Promise.all(ids.map((routeId) => readRoute(client, router, routeId, blockNumber)));
}

/** One route on this router; `epoch` 0 means the route has not reached it (or does not exist). */
export async function readRoute(
  client: PublicClient,
  router: Address,
  routeId: Hex,
  blockNumber?: bigint,
): Promise<RouteState> {
  const [route, epoch, [available, capacity]] = await Promise.all([
    client.readContract({ ...at(router, blockNumber), functionName: 'getRoute', args: [routeId] }),
    client.readContract({ ...at(router, blockNumber), functionName: 'routeEpoch', args: [routeId] }),
    client.readContract({ ...at(router, blockNumber), functionName: 'bucket', args: [routeId] }),
  ]);
  return { routeId, route: { ...route }, epoch, available, capacity };
}

/** Transfers this router sent or received, from index `from` (they are only ever appended). */
export async function readTransfers(
  client: PublicClient,
  router: Address,
  from = 0,
  blockNumber?: bigint,
): Promise<TransferRecord[]> {
  const count = Number(await client.readContract({ ...at(router, blockNumber), functionName: 'transferCount' }));
  const ids = await Promise.all(
    Array.from({ length: Math.max(0, count - from) }, (_, i) =>
      client.readContract({ ...at(router, blockNumber), functionName: 'transferIds', args: [BigInt(from + i)] }),
    ),
  );
  return Promise.all(
    ids.map(async (transferId) => {
      const t = await client.readContract({
        ...at(router, blockNumber),
        functionName: 'getTransfer',
        args: [transferId],
      });
      return { transferId, routeId: t.routeId, amount: t.amount, state: t.state as TransferState };
    }),
  );
}

export async function readRouteTotals(
  client: PublicClient,
  router: Address,
  assetId: Hex,
  blockNumber?: bigint,
): Promise<RouteTotals> {
  const [debited, credited, refunded] = await client.readContract({
    ...at(router, blockNumber),
    functionName: 'totals',
    args: [assetId],
  });
  return { debited, credited, refunded };
}

/**
 * Everything one router holds, read at one block (the latest unless given), so that its totals and
 * its transfer records agree with each other even while transfers land.
 */
export async function readRouterSnapshot(
  client: PublicClient,
  router: Address,
  eid: number,
  blockNumber?: bigint,
): Promise<RouterSnapshot> {
  const block = blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 }));
  const [routes, transfers] = await Promise.all([
    readRoutes(client, router, block),
    readTransfers(client, router, 0, block),
  ]);
  const assets = [...new Set(routes.map((r) => r.route.assetId))];
  const totals = new Map(
    await Promise.all(assets.map(async (id) => [id, await readRouteTotals(client, router, id, block)] as const)),
  );
  return { eid, routes, transfers, totals };
}

/** A cross-chain transfer not yet settled: debited at its source, neither credited nor refunded. */
export interface InFlightTransfer {
  transferId: Hex;
  routeId: Hex;
  assetId: Hex;
  amount: bigint;
  srcEid: number;
  dstEid: number;
  /** `RefundSent` when the destination refused it and the refund is on its way back. */
  destination: TransferState;
}

export interface AssetConservation extends RouteTotals {
  assetId: Hex;
  inFlight: bigint;
  /** debited = credited + in flight + refunded, summed over every chain. */
  holds: boolean;
}

export interface ConservationReport {
  assets: AssetConservation[];
  inFlight: InFlightTransfer[];
  /** Records that cannot happen when the routers are correct (a credit with no debit, say). */
  anomalies: string[];
  holds: boolean;
}

/**
 * DESIGN invariant 5 over the routers of every chain: per asset, what sources debited equals what
 * destinations credited plus what is in flight plus what was refunded. In flight is counted from
 * the transfer records (sent at the source, not credited at the destination), so the totals and
 * the records check each other.
 */
export function checkConservation(snapshots: readonly RouterSnapshot[]): ConservationReport {
  const byEid = new Map(snapshots.map((s) => [s.eid, s]));
  const routes = new Map<Hex, Route>();
  for (const s of snapshots) for (const r of s.routes) routes.set(r.routeId, r.route);
  const destinationState = (eid: number, transferId: Hex): TransferState =>
    byEid.get(eid)?.transfers.find((t) => t.transferId === transferId)?.state ?? TransferState.None;

  const anomalies: string[] = [];
  const inFlight: InFlightTransfer[] = [];
  const seenAtSource = new Set<Hex>();
  for (const s of snapshots) {
    for (const t of s.transfers) {
      const route = routes.get(t.routeId);
      if (!route) {
        anomalies.push(`transfer ${t.transferId} on ${s.eid} names unknown route ${t.routeId}`);
        continue;
      }
      if (t.state === TransferState.Sent || t.state === TransferState.Delivered || t.state === TransferState.Refunded) {
        if (route.srcEid !== s.eid) anomalies.push(`transfer ${t.transferId} recorded as sent on ${s.eid}`);
        seenAtSource.add(t.transferId);
      }
      if (t.state !== TransferState.Sent) continue;
      const destination = destinationState(route.dstEid, t.transferId);
      if (destination === TransferState.Credited) continue;
      inFlight.push({
        transferId: t.transferId,
        routeId: t.routeId,
        assetId: route.assetId,
        amount: t.amount,
        srcEid: route.srcEid,
        dstEid: route.dstEid,
        destination,
      });
    }
  }
  for (const s of snapshots) {
    for (const t of s.transfers) {
      if (
        (t.state === TransferState.Credited || t.state === TransferState.RefundSent) &&
        !seenAtSource.has(t.transferId)
      ) {
        anomalies.push(`transfer ${t.transferId} on ${s.eid} was never sent by a source router`);
      }
    }
  }

  const assetIds = new Set<Hex>();
  for (const s of snapshots) for (const id of s.totals.keys()) assetIds.add(id);
  const assets = [...assetIds].map((assetId): AssetConservation => {
    const sum = (key: keyof RouteTotals) =>
      snapshots.reduce((acc, s) => acc + (s.totals.get(assetId)?.[key] ?? 0n), 0n);
    const debited = sum('debited');
    const credited = sum('credited');
    const refunded = sum('refunded');
    const pending = inFlight.filter((t) => t.assetId === assetId).reduce((acc, t) => acc + t.amount, 0n);
    return {
      assetId,
      debited,
      credited,
      refunded,
      inFlight: pending,
      holds: debited === credited + pending + refunded,
    };
  });
  return { assets, inFlight, anomalies, holds: anomalies.length === 0 && assets.every((a) => a.holds) };
}
