import type { Hex } from 'viem';
import { invalid } from './errors.js';
import { BPS, BPS_N } from './units.js';

/**
 * The liquidity routing planner (DESIGN §6): proposes moves of idle liquidity from segments with
 * low utilisation to segments with high utilisation, along the routes governance allowed. Pure: the
 * caller reads segments, routes and reserves from the chains and sends the moves (`route(routeId,
 * amount)` on each route's source chain), so a plan can be printed, logged or sent.
 *
 * Utilisation is the vault's: borrowed / (borrowed + idle) in bps, floored, where idle is the
 * segment's cash less its insurance fund — what `SegmentVault.routeOut` may take.
 */

/** `SegmentStatus` by name. Sources may be Active or ReduceOnly (the vault lets both route out); destinations Active. */
export type RoutingSegmentStatus = 'None' | 'Active' | 'ReduceOnly' | 'Frozen' | 'Retired';

/** One segment's liquidity on one chain, in its borrow asset's base units. */
export interface RoutingSegment {
  eid: number;
  segment: Hex;
  /** For reasons (`weth`); the id is shown when absent. */
  name?: string;
  /** The borrow asset: what the segment lends, and what its routes move. */
  assetId: Hex;
  /** Cash less insurance: what may leave along a route. */
  idle: bigint;
  borrowed: bigint;
  status: RoutingSegmentStatus;
  /**
   * Routed to this segment and still in flight (debited at a source, not yet credited here). It
   * counts as if credited, so a later plan does not send the same need twice; a segment with
   * liquidity in flight to it is never a source.
   */
  incoming?: bigint;
}

/** An allowed route as its source chain's router has it, with the token bucket's level now. */
export interface RoutingRoute {
  routeId: Hex;
  srcEid: number;
  srcSegment: Hex;
  dstEid: number;
  dstSegment: Hex;
  assetId: Hex;
  /** The source segment's utilisation after a move may not exceed this (the vault enforces it). */
  maxUtilBps: number;
  enabled: boolean;
  /** Tokens in the route's bucket now: no move may be larger. */
  available: bigint;
}

/** A chain's routing reserve of an asset: what its router credits cross-chain transfers from. */
export interface RoutingReserve {
  eid: number;
  assetId: Hex;
  amount: bigint;
}

export interface RoutingInput {
  segments: readonly RoutingSegment[];
  routes: readonly RoutingRoute[];
  /** Every chain's reserve per asset; a cross-chain destination with none listed cannot be credited. */
  reserves: readonly RoutingReserve[];
}

export interface RoutingTargets {
  /** A segment gives only while its utilisation is below this, and is never taken above it (bps). */
  sourceBelowBps: number;
  /** A segment receives only while its utilisation is above this (bps). */
  destinationAboveBps: number;
  /** Moves bring a destination down to this utilisation and no further (bps). */
  destinationTargetBps: number;
  /**
   * Kept under each source limit, for the interest that accrues between reading the chain and the
   * move (the vault accrues before it checks) (bps).
   */
  marginBps: number;
}

export const DEFAULT_ROUTING_TARGETS: RoutingTargets = {
  sourceBelowBps: 5_000,
  destinationAboveBps: 8_000,
  destinationTargetBps: 7_000,
  marginBps: 10,
};

/** What stopped a move from being larger. */
export type MoveLimit = 'need' | 'bucket' | 'source' | 'reserve';

export interface RoutingMove {
  routeId: Hex;
  srcEid: number;
  srcSegment: Hex;
  dstEid: number;
  dstSegment: Hex;
  assetId: Hex;
  amount: bigint;
  limitedBy: MoveLimit;
  /** Utilisation (bps) of each end before and after this move, as planned (earlier moves included). */
  source: { beforeBps: number; afterBps: number };
  destination: { beforeBps: number; afterBps: number };
  reason: string;
}

/** A destination the plan leaves above its target, and why. */
export interface RoutingShortfall {
  eid: number;
  segment: Hex;
  utilisationBps: number;
  reason: string;
}

export interface RoutingPlan {
  moves: RoutingMove[];
  unmet: RoutingShortfall[];
}

/** The vault's utilisation in bps (floored); an empty segment is at 0. */
export function utilisationBps(borrowed: bigint, idle: bigint): number {
  const total = borrowed + idle;
  return total === 0n ? 0 : Number((borrowed * BPS_N) / total);
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** The most that may leave a segment keeping its utilisation at or under `capBps`: borrowed·1e4 ≤ cap·(borrowed + idle − x). */
export function sourceRoom(borrowed: bigint, idle: bigint, capBps: number): bigint {
  if (borrowed === 0n) return idle;
  if (capBps <= 0) return 0n;
  const room = borrowed + idle - ceilDiv(borrowed * BPS_N, BigInt(capBps));
  if (room <= 0n) return 0n;
  return room < idle ? room : idle;
}

/** The least that brings a segment down to `targetBps`: borrowed·1e4 ≤ target·(borrowed + idle + x). */
export function destinationNeed(borrowed: bigint, idle: bigint, targetBps: number): bigint {
  const need = ceilDiv(borrowed * BPS_N, BigInt(targetBps)) - borrowed - idle;
  return need > 0n ? need : 0n;
}

/** Throws INVALID_INPUT unless the targets are whole bps with sourceBelow ≤ destinationTarget ≤ destinationAbove. */
export function checkRoutingTargets(t: RoutingTargets): void {
  const bps = (v: number) => Number.isInteger(v) && v >= 0 && v <= BPS;
  invalid(
    ![t.sourceBelowBps, t.destinationAboveBps, t.destinationTargetBps, t.marginBps].every(bps),
    () => `routing targets must be whole bps from 0 to ${BPS}: ${JSON.stringify(t)}`,
  );
  invalid(
    !(t.sourceBelowBps <= t.destinationTargetBps && t.destinationTargetBps <= t.destinationAboveBps),
    () =>
      `routing targets must satisfy sourceBelow (${t.sourceBelowBps}) ≤ destinationTarget (${t.destinationTargetBps}) ≤ destinationAbove (${t.destinationAboveBps})`,
  );
  invalid(t.destinationTargetBps === 0, 'destinationTargetBps must be above 0');
  invalid(t.sourceBelowBps >= t.destinationAboveBps, 'sourceBelowBps must be below destinationAboveBps');
}

/** A segment as the plan changes it. */
interface SegmentState {
  readonly seg: RoutingSegment;
  /** Idle plus what is in flight to it, and what this plan moves in or out. */
  idle: bigint;
  /** Receiving (in flight, or in this plan): never a source then, so nothing is passed on. */
  received: boolean;
}

const keyOf = (eid: number, id: Hex): string => `${eid}:${id.toLowerCase()}`;
const utilOf = (s: SegmentState): number => utilisationBps(s.seg.borrowed, s.idle);
const pct = (bps: number): string => `${(bps / 100).toFixed(2)} %`;
const labelOf = (s: RoutingSegment): string => `${s.name ?? `${s.segment.slice(0, 10)}…`}@${s.eid}`;
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function segmentStates(segments: readonly RoutingSegment[]): Map<string, SegmentState> {
  const states = new Map<string, SegmentState>();
  for (const seg of segments) {
    const key = keyOf(seg.eid, seg.segment);
    invalid(states.has(key), () => `segment ${seg.segment} is listed twice on ${seg.eid}`);
    const incoming = seg.incoming ?? 0n;
    invalid(
      seg.idle < 0n || seg.borrowed < 0n || incoming < 0n,
      () => `segment ${seg.segment} on ${seg.eid} has a negative amount`,
    );
    states.set(key, { seg, idle: seg.idle + incoming, received: incoming > 0n });
  }
  return states;
}

function reserveStates(reserves: readonly RoutingReserve[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const r of reserves) {
    const key = keyOf(r.eid, r.assetId);
    invalid(out.has(key) || r.amount < 0n, () => `reserve of ${r.assetId} on ${r.eid} is negative or listed twice`);
    out.set(key, r.amount);
  }
  return out;
}

function checkRoutes(routes: readonly RoutingRoute[]): void {
  const ids = new Set<string>();
  for (const r of routes) {
    invalid(ids.has(r.routeId.toLowerCase()), () => `route ${r.routeId} is listed twice`);
    invalid(r.available < 0n, () => `route ${r.routeId} has a negative bucket`);
    invalid(!Number.isInteger(r.maxUtilBps) || r.maxUtilBps < 0, () => `route ${r.routeId} has a bad maxUtilBps`);
    ids.add(r.routeId.toLowerCase());
  }
}

interface Ctx {
  states: Map<string, SegmentState>;
  reserves: Map<string, bigint>;
  targets: RoutingTargets;
}

interface Allowed {
  amount: bigint;
  limitedBy: MoveLimit;
}
type Limit = Allowed | { skip: string };

const sameId = (a: Hex, b: Hex): boolean => a.toLowerCase() === b.toLowerCase();

/** How much may move along `route` into `dst` now, or why nothing may. */
function limitOf(route: RoutingRoute, src: SegmentState, dst: SegmentState, need: bigint, ctx: Ctx): Limit {
  const { targets } = ctx;
  const route8 = route.routeId.slice(0, 10);
  if (!sameId(route.assetId, src.seg.assetId) || !sameId(route.assetId, dst.seg.assetId))
    return { skip: `route ${route8}… moves another asset than its segments lend` };
  if (src.seg.status !== 'Active' && src.seg.status !== 'ReduceOnly')
    return { skip: `source ${labelOf(src.seg)} is ${src.seg.status}` };
  if (src.received) return { skip: `source ${labelOf(src.seg)} is receiving liquidity itself` };
  const srcUtil = utilOf(src);
  if (srcUtil >= targets.sourceBelowBps)
    return { skip: `source ${labelOf(src.seg)} is at ${pct(srcUtil)}, not below ${pct(targets.sourceBelowBps)}` };
  const capBps = Math.min(route.maxUtilBps, targets.sourceBelowBps) - targets.marginBps;
  const limits: [MoveLimit, bigint][] = [
    ['need', need],
    ['bucket', route.available],
    ['source', sourceRoom(src.seg.borrowed, src.idle, capBps)],
  ];
  if (route.srcEid !== route.dstEid)
    limits.push(['reserve', ctx.reserves.get(keyOf(route.dstEid, route.assetId)) ?? 0n]);
  const [limitedBy, amount] = limits.reduce((a, b) => (b[1] < a[1] ? b : a));
  if (amount > 0n) return { amount, limitedBy };
  const why: Record<MoveLimit, string> = {
    need: 'nothing needed',
    bucket: 'its bucket is empty',
    source: `source ${labelOf(src.seg)} has no room under ${pct(Math.max(0, capBps))}`,
    reserve: `the routing reserve on ${route.dstEid} is empty`,
  };
  return { skip: `route ${route8}…: ${why[limitedBy]}` };
}

function reasonOf(m: RoutingMove, route: RoutingRoute, src: RoutingSegment, dst: RoutingSegment, t: RoutingTargets) {
  const cap = Math.min(route.maxUtilBps, t.sourceBelowBps) - t.marginBps;
  const limit: Record<MoveLimit, string> = {
    need: `what brings ${labelOf(dst)} to its target of ${pct(t.destinationTargetBps)}`,
    bucket: "the route's token bucket",
    source:
      `${labelOf(src)}'s limit of ${pct(cap)} (the lower of the route's max ${pct(route.maxUtilBps)} ` +
      `and the source target ${pct(t.sourceBelowBps)}, less a ${pct(t.marginBps)} margin)`,
    reserve: `the routing reserve on ${m.dstEid}`,
  };
  const counting = (dst.incoming ?? 0n) > 0n ? ', counting what is in flight to it,' : '';
  return (
    `${labelOf(dst)}${counting} is at ${pct(m.destination.beforeBps)} (above ${pct(t.destinationAboveBps)}) → ${pct(m.destination.afterBps)}; ` +
    `from ${labelOf(src)} at ${pct(m.source.beforeBps)} (below ${pct(t.sourceBelowBps)}) → ${pct(m.source.afterBps)}; ` +
    `limited by ${limit[m.limitedBy]}`
  );
}

/** Applies one move to the plan's state and returns it. */
function move(route: RoutingRoute, src: SegmentState, dst: SegmentState, lim: Allowed, ctx: Ctx): RoutingMove {
  const before = { src: utilOf(src), dst: utilOf(dst) };
  src.idle -= lim.amount;
  dst.idle += lim.amount;
  dst.received = true;
  if (route.srcEid !== route.dstEid) {
    // the source's debit joins its chain's reserve; the destination's credit comes out of its chain's
    const dstKey = keyOf(route.dstEid, route.assetId);
    const srcKey = keyOf(route.srcEid, route.assetId);
    ctx.reserves.set(dstKey, (ctx.reserves.get(dstKey) ?? 0n) - lim.amount);
    ctx.reserves.set(srcKey, (ctx.reserves.get(srcKey) ?? 0n) + lim.amount);
  }
  const m: RoutingMove = {
    routeId: route.routeId,
    srcEid: route.srcEid,
    srcSegment: route.srcSegment,
    dstEid: route.dstEid,
    dstSegment: route.dstSegment,
    assetId: route.assetId,
    amount: lim.amount,
    limitedBy: lim.limitedBy,
    source: { beforeBps: before.src, afterBps: utilOf(src) },
    destination: { beforeBps: before.dst, afterBps: utilOf(dst) },
    reason: '',
  };
  m.reason = reasonOf(m, route, src.seg, dst.seg, ctx.targets);
  return m;
}

/**
 * Fills one destination from its routes, least utilised source first; returns the moves and,
 * when it stays above its target, why.
 */
function fill(dst: SegmentState, routes: readonly RoutingRoute[], ctx: Ctx): { moves: RoutingMove[]; why: string[] } {
  const moves: RoutingMove[] = [];
  const why: string[] = [];
  const into = routes
    .filter((r) => keyOf(r.dstEid, r.dstSegment) === keyOf(dst.seg.eid, dst.seg.segment))
    .map((route) => ({ route, src: ctx.states.get(keyOf(route.srcEid, route.srcSegment)) }));
  if (into.length === 0) why.push('no enabled route into it');
  for (const { route } of into.filter((c) => !c.src))
    why.push(`route ${route.routeId.slice(0, 10)}…: source segment unknown`);
  const candidates = into
    .filter((c): c is { route: RoutingRoute; src: SegmentState } => c.src !== undefined)
    .sort((a, b) => utilOf(a.src) - utilOf(b.src) || byText(a.route.routeId, b.route.routeId));
  for (const { route, src } of candidates) {
    const need = destinationNeed(dst.seg.borrowed, dst.idle, ctx.targets.destinationTargetBps);
    if (need === 0n) break;
    const lim = limitOf(route, src, dst, need, ctx);
    if ('skip' in lim) why.push(lim.skip);
    else moves.push(move(route, src, dst, lim, ctx));
  }
  return { moves, why };
}

/**
 * Plans moves so that every destination above `destinationAboveBps` comes down toward
 * `destinationTargetBps`, from sources below `sourceBelowBps`, each move within its route's bucket,
 * its source's limit (`min(route.maxUtilBps, sourceBelowBps) − marginBps`) and, across chains, the
 * destination chain's reserve. Destinations are served most utilised first. Deterministic: the
 * same input in any order gives the same plan.
 */
export function planRouting(input: RoutingInput, targets: RoutingTargets = DEFAULT_ROUTING_TARGETS): RoutingPlan {
  checkRoutingTargets(targets);
  checkRoutes(input.routes);
  const ctx: Ctx = { states: segmentStates(input.segments), reserves: reserveStates(input.reserves), targets };
  const routes = input.routes
    .filter((r) => r.enabled)
    .sort((a, b) => byText(a.routeId.toLowerCase(), b.routeId.toLowerCase()));
  const destinations = [...ctx.states.values()]
    .filter((s) => s.seg.status === 'Active' && utilOf(s) > targets.destinationAboveBps)
    .sort(
      (a, b) =>
        utilOf(b) - utilOf(a) ||
        a.seg.eid - b.seg.eid ||
        byText(a.seg.segment.toLowerCase(), b.seg.segment.toLowerCase()),
    );
  const plan: RoutingPlan = { moves: [], unmet: [] };
  for (const dst of destinations) {
    const { moves, why } = fill(dst, routes, ctx);
    plan.moves.push(...moves);
    const after = utilOf(dst);
    if (after > targets.destinationTargetBps)
      plan.unmet.push({
        eid: dst.seg.eid,
        segment: dst.seg.segment,
        utilisationBps: after,
        reason: `${labelOf(dst.seg)} stays at ${pct(after)}: ${why.join('; ') || 'every route into it is at its limit'}`,
      });
  }
  return plan;
}
