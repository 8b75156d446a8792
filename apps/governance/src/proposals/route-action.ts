import type { Address, Hex } from 'viem';
import {
  ProposalAction,
  readRoute,
  toBytes32Name,
  type ActionInput,
  type Route,
  fromBytes32Name,
} from '#app/messaging';
import { controllerSegment, vaultBorrowAsset, type GovernanceChain, type Hub } from '../chains.js';
import { GovernanceError, invalid } from '../errors.js';
import type { CreateProposalDto, RouteDto, RouteKind, RouteLimitsDto } from './proposal.dto.js';

const UINT128_MAX = (1n << 128n) - 1n;

/** The hub's SegmentRouter: it applies every route and knows each one governance allowed. */
export function hubRouter(hub: Hub): Address {
  if (!hub.router) throw new GovernanceError('CHAIN', 'the hub has no segmentRouter: deploy the routing stack first');
  return hub.router;
}

/** The route as the hub router has it now; 404 naming `field` when it has never applied one with this id. */
export async function hubRoute(hub: Hub, routeId: Hex, field = 'routeId'): Promise<Route> {
  const state = await readRoute(hub.client, hubRouter(hub), routeId);
  if (state.epoch === 0n) throw new GovernanceError('NOT_FOUND', `${field}: no route ${routeId} on the hub router`);
  return state.route;
}

/**
 * A RouteConfig action from a checked request. allowRoute: both ends on known chains with a
 * router, both segments known to the controller and lending the route's asset on their chain, not
 * a route from a segment to itself. disableRoute and setRouteLimits start from the route the hub
 * router has (404 for an id it does not know) and change only `enabled` or the limits.
 */
export async function buildRouteAction(
  hub: Hub,
  chains: readonly GovernanceChain[],
  dto: CreateProposalDto,
  kind: RouteKind,
): Promise<ActionInput> {
  switch (kind) {
    case 'allowRoute': {
      const route = dto.route ?? invalid('route', 'is required for allowRoute'); // the DTO requires it
      return { action: ProposalAction.RouteConfig, route: await allowedRoute(hub, chains, route) };
    }
    case 'disableRoute': {
      const routeId = (dto.routeId ?? invalid('routeId', 'is required')).toLowerCase() as Hex; // 0x + 64 hex (DTO)
      const current = await hubRoute(hub, routeId);
      if (!current.enabled) throw new GovernanceError('CONFLICT', `routeId: route ${routeId} is already disabled`);
      return { action: ProposalAction.RouteConfig, route: { ...current, enabled: false } };
    }
    case 'setRouteLimits': {
      const limits = routeLimits(dto.limits ?? invalid('limits', 'are required for setRouteLimits'), 'limits');
      const routeId = (dto.routeId ?? invalid('routeId', 'is required')).toLowerCase() as Hex; // 0x + 64 hex (DTO)
      const current = await hubRoute(hub, routeId);
      return { action: ProposalAction.RouteConfig, route: { ...current, ...limits } };
    }
  }
}

async function allowedRoute(hub: Hub, chains: readonly GovernanceChain[], r: RouteDto): Promise<Route> {
  // what needs no chain first, so a malformed request costs no reads
  const limits = routeLimits(r, 'route');
  if (r.srcEid === r.dstEid && r.srcSegment === r.dstSegment)
    invalid('route.dstSegment', 'must differ from route.srcSegment when both ends are on one chain');
  const src = routeChain(chains, r.srcEid, 'route.srcEid');
  const dst = routeChain(chains, r.dstEid, 'route.dstEid');
  const assetId = toBytes32Name(r.asset);
  const ends = [
    [src, r.srcSegment, 'route.srcSegment'],
    [dst, r.dstSegment, 'route.dstSegment'],
  ] as const;
  for (const [chain, name, field] of ends) {
    const id = toBytes32Name(name);
    if ((await controllerSegment(hub, id)).status === 0) invalid(field, `no segment "${name}"`); // SegmentStatus.None
    const lends = await vaultBorrowAsset(chain, id);
    if (lends === null) invalid(field, `segment "${name}" has not reached ${chain.name} (eid ${chain.eid}) yet`);
    else if (lends !== assetId)
      invalid('route.asset', `segment "${name}" lends ${fromBytes32Name(lends)} on ${chain.name}, not ${r.asset}`);
  }
  return {
    srcEid: r.srcEid,
    srcSegment: toBytes32Name(r.srcSegment),
    dstEid: r.dstEid,
    dstSegment: toBytes32Name(r.dstSegment),
    assetId,
    ...limits,
    enabled: true,
  };
}

function routeChain(chains: readonly GovernanceChain[], eid: number, field: string): GovernanceChain {
  const chain =
    chains.find((c) => c.eid === eid) ??
    invalid(field, `unknown chain ${eid} (known: ${chains.map((c) => c.eid).join(', ')})`);
  if (!chain.router) invalid(field, `${chain.name} has no SegmentRouter`);
  return chain;
}

function routeLimits(l: RouteLimitsDto, prefix: string): Pick<Route, 'capacity' | 'refillPerSecond' | 'maxUtilBps'> {
  const capacity = baseUnits(l.capacity, `${prefix}.capacity`);
  if (capacity === 0n) invalid(`${prefix}.capacity`, 'must be greater than 0');
  return {
    capacity,
    refillPerSecond: baseUnits(l.refillPerSecond, `${prefix}.refillPerSecond`),
    maxUtilBps: l.maxUtilBps,
  };
}

/** A decimal string of base units (the DTO checked its digits) as a uint128. */
function baseUnits(value: string, field: string): bigint {
  const amount = BigInt(value);
  if (amount > UINT128_MAX) invalid(field, 'too large (at most 2^128 - 1 base units)');
  return amount;
}
