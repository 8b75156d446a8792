import { Injectable, Logger } from '@nestjs/common';
import { decodeAbiParameters, decodeFunctionData, parseEventLogs, type Hex } from 'viem';
import { revertReason } from '#app/chains';
import { SegmentRouter } from '#app/contracts';
import {
  checkConservation,
  ProposalAction,
  readRoute,
  readRouterSnapshot,
  readRoutes,
  ROUTE,
  routeIdOf,
  transferStateName,
  type Route,
  type RouteState,
  type RouterSnapshot,
  fromBytes32Name,
} from '#app/messaging';
import type { GovernanceProposal } from '#app/persistence';
import { hubAsset, hubEvents, type GovernanceChain, type Hub } from '../chains.js';
import { GovernanceError } from '../errors.js';
import type { GovernanceContext } from '../governance.context.js';
import { hubRouter } from '../proposals/route-action.js';
import type {
  ConservationDto,
  InFlightTransferDto,
  RouteChainStateDto,
  RouteDetailDto,
  RouteTransferDto,
  RouteViewDto,
} from './route.dto.js';

const routerAbi = SegmentRouter.abi;
/** applyRoute refusals no retry can fix: the proposal is left as it is and not tried again. */
const PERMANENT = ['InvalidRoute', 'NotHub'];

/** The route of a RouteConfig proposal, with how far the hub router has got with it. */
export interface ProposalRoute {
  routeId: Hex;
  srcEid: number;
  srcSegment: string;
  dstEid: number;
  dstSegment: string;
  asset: string;
  capacity: string;
  refillPerSecond: string;
  maxUtilBps: number;
  enabled: boolean;
  appliedOnHub: boolean;
  hubEpoch: number | null;
  applyError: string | null;
}

export interface RoutePropagation {
  eid: number;
  name: string;
  applied: boolean;
  /** routeEpoch on this chain's router now (null: not read before the hub has applied the proposal). */
  routeEpoch: number | null;
  /** The epoch the hub applied for this proposal (null until it has). */
  requiredEpoch: number | null;
}

export const decodeRoute = (data: Hex): Route => decodeAbiParameters([ROUTE], data)[0];

/**
 * Liquidity routes for governance: applies executed RouteConfig proposals on the hub router (anyone
 * may call `applyRoute`; the executor pays), follows each to the routers at the route's two ends,
 * and reads routes, transfers and the conservation check from every chain's router.
 */
@Injectable()
export class RoutesService {
  private readonly log = new Logger('Governance');
  /** Proposals the hub router has applied: the epoch it gave the route (null: applied, epoch not traced). */
  private readonly onHub = new Map<Hex, bigint | null>();
  private readonly applyErrors = new Map<Hex, { reason: string; permanent: boolean }>();
  private readonly busy = new Set<Hex>();
  private readonly assets = new Map<Hex, number | null>();

  constructor(private readonly ctx: GovernanceContext) {}

  private get hub(): Hub {
    return this.ctx.hub;
  }

  // ---------------------------------------------------------------- applying proposals

  /**
   * Applies an executed RouteConfig proposal on the hub router, once: a proposal the router has
   * applied already (`proposalApplied`, or `ProposalAlreadyApplied` when someone else was quicker)
   * counts as done. What the API sends is recorded in the audit log. A failure is kept for the
   * proposal's view and retried on the next tick.
   */
  async apply(p: GovernanceProposal): Promise<void> {
    if (p.action !== ProposalAction.RouteConfig || p.status !== 'executed') return;
    if (this.onHub.has(p.id) || this.applyErrors.get(p.id)?.permanent || this.busy.has(p.id)) return;
    this.busy.add(p.id);
    try {
      if (await this.appliedOnChain(p.id)) {
        this.onHub.set(p.id, await this.traceEpoch(p));
        return;
      }
      await this.sendApply(p);
    } catch (error) {
      const reason = revertReason(error);
      if (reason.startsWith('ProposalAlreadyApplied')) {
        // someone else was quicker: the next tick finds it applied and traces its epoch
        this.applyErrors.delete(p.id);
        return;
      }
      const permanent = PERMANENT.some((name) => reason.startsWith(name));
      this.applyErrors.set(p.id, { reason: `applyRoute: ${reason}`, permanent });
      this.log.warn({ at: 'Governance#applyRoute', id: p.id, reason, permanent });
    } finally {
      this.busy.delete(p.id);
    }
  }

  private async sendApply(p: GovernanceProposal): Promise<void> {
    const account = this.hub.executor.account;
    if (!account) throw new GovernanceError('CHAIN', 'the executor wallet has no account');
    // simulated first: a refusal carries the router's named error and costs nothing
    const { request } = await this.hub.client.simulateContract({
      account,
      address: hubRouter(this.hub),
      abi: routerAbi,
      functionName: 'applyRoute',
      args: [p.data, p.nonce, BigInt(p.deadline)],
    });
    const hash = await this.hub.executor.writeContract(request as never); // the wallet's chain is bound at creation
    const receipt = await this.hub.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new GovernanceError('CHAIN', `applyRoute reverted in ${hash}`);
    const [applied] = parseEventLogs({ abi: routerAbi, eventName: 'RouteApplied', logs: receipt.logs });
    if (!applied) throw new GovernanceError('CHAIN', `applyRoute in ${hash} emitted no RouteApplied`);
    const { routeId, epoch } = applied.args;
    this.onHub.set(p.id, epoch);
    this.applyErrors.delete(p.id);
    await this.ctx.repo.record('route.applied', account.address, {
      proposalId: p.id,
      routeId,
      epoch: Number(epoch),
      tx: hash,
    });
    this.log.log({ at: 'Governance#applyRoute', id: p.id, routeId, epoch: Number(epoch), tx: hash });
  }

  private appliedOnChain(id: Hex): Promise<boolean> {
    return this.hub.client.readContract({
      address: hubRouter(this.hub),
      abi: routerAbi,
      functionName: 'proposalApplied',
      args: [id],
    });
  }

  /**
   * The epoch the hub router gave the route when it applied `p` (someone else, or before a
   * restart): its RouteApplied event in the `applyRoute` transaction carrying the proposal's nonce.
   * Null when applyRoute was called through another contract, whose input is not applyRoute.
   */
  private async traceEpoch(p: GovernanceProposal): Promise<bigint | null> {
    const routeId = routeIdOf(decodeRoute(p.data));
    const logs = await hubEvents(this.hub, this.ctx.settings, (fromBlock, toBlock) =>
      this.hub.client.getContractEvents({
        address: hubRouter(this.hub),
        abi: routerAbi,
        eventName: 'RouteApplied',
        args: { routeId },
        fromBlock,
        toBlock,
      }),
    );
    for (const log of logs.reverse()) {
      const tx = await this.hub.client.getTransaction({ hash: log.transactionHash });
      let call: ReturnType<typeof decodeFunctionData<typeof routerAbi>>;
      try {
        call = decodeFunctionData({ abi: routerAbi, data: tx.input });
      } catch {
        continue; // not a direct call to the router
      }
      if (call.functionName === 'applyRoute' && call.args[1] === p.nonce && call.args[0] === p.data)
        return log.args.epoch ?? null;
    }
    return null;
  }

  // ---------------------------------------------------------------- proposals' view

  /** The proposal's route and its propagation: the routers at both ends at the epoch the hub applied. */
  async proposalRoute(p: GovernanceProposal): Promise<{ route: ProposalRoute; propagation: RoutePropagation[] }> {
    const r = decodeRoute(p.data);
    const routeId = routeIdOf(r);
    const appliedOnHub = this.onHub.has(p.id);
    // the exact epoch, or (applied through another contract) the hub's epoch now, which is no lower
    const required = !appliedOnHub
      ? null
      : (this.onHub.get(p.id) ?? (await readRoute(this.hub.client, hubRouter(this.hub), routeId)).epoch);
    const propagation = await Promise.all(
      this.ends(r).map(async ({ eid, chain }): Promise<RoutePropagation> => {
        const epoch =
          required !== null && chain?.router
            ? await chain.client.readContract({
                address: chain.router,
                abi: routerAbi,
                functionName: 'routeEpoch',
                args: [routeId],
              })
            : null;
        return {
          eid,
          name: chain?.name ?? String(eid),
          applied: required !== null && epoch !== null && epoch >= required,
          routeEpoch: epoch === null ? null : Number(epoch),
          requiredEpoch: required === null ? null : Number(required),
        };
      }),
    );
    return {
      route: {
        routeId,
        srcEid: r.srcEid,
        srcSegment: fromBytes32Name(r.srcSegment),
        dstEid: r.dstEid,
        dstSegment: fromBytes32Name(r.dstSegment),
        asset: fromBytes32Name(r.assetId),
        capacity: r.capacity.toString(),
        refillPerSecond: r.refillPerSecond.toString(),
        maxUtilBps: r.maxUtilBps,
        enabled: r.enabled,
        appliedOnHub,
        hubEpoch: required === null ? null : Number(required),
        applyError: this.applyErrors.get(p.id)?.reason ?? null,
      },
      propagation,
    };
  }

  /** The chains at a route's two ends (one when both segments are on the same chain), source first. */
  private ends(r: Route): { eid: number; chain: GovernanceChain | undefined; side: RouteChainStateDto['side'] }[] {
    const eids = r.srcEid === r.dstEid ? [r.srcEid] : [r.srcEid, r.dstEid];
    return eids.map((eid) => ({
      eid,
      chain: this.ctx.chains.find((c) => c.eid === eid),
      side: r.srcEid === r.dstEid ? 'both' : eid === r.srcEid ? 'source' : 'destination',
    }));
  }

  // ---------------------------------------------------------------- resources

  /** Every route the hub router knows (governance allowed it at some point), with both ends' state. */
  async list(): Promise<RouteViewDto[]> {
    const routes = await this.chainRead(this.hub, () => readRoutes(this.hub.client, hubRouter(this.hub)));
    return Promise.all(routes.map((r) => this.view(r)));
  }

  /** One route with its transfers on every chain and those still in flight; 404 for an unknown id. */
  async one(routeId: Hex): Promise<RouteDetailDto> {
    const hubState = await this.chainRead(this.hub, () => readRoute(this.hub.client, hubRouter(this.hub), routeId));
    if (hubState.epoch === 0n) throw new GovernanceError('NOT_FOUND', `routeId: no route ${routeId} on the hub router`);
    const [view, snapshots] = await Promise.all([this.view(hubState), this.snapshots()]);
    const report = checkConservation(snapshots);
    const inFlight = this.inFlight(report.inFlight.filter((t) => t.routeId === routeId));
    const pending = new Set(inFlight.map((t) => t.transferId));
    const byId = new Map<Hex, RouteTransferDto>();
    // the source chain's records first: a transfer starts there
    const order = [...snapshots].sort((a, b) => Number(b.eid === view.srcEid) - Number(a.eid === view.srcEid));
    for (const s of order) {
      for (const t of s.transfers) {
        if (t.routeId !== routeId) continue;
        const entry = byId.get(t.transferId) ?? {
          transferId: t.transferId,
          amount: t.amount.toString(),
          records: [],
          inFlight: pending.has(t.transferId),
        };
        entry.records.push({ eid: s.eid, name: this.chainName(s.eid), state: transferStateName(t.state) });
        byId.set(t.transferId, entry);
      }
    }
    return { ...view, transfers: [...byId.values()], inFlight };
  }

  /** DESIGN invariant 5 over every chain's router: per asset, debited = credited + in flight + refunded. */
  async conservation(): Promise<ConservationDto> {
    const snapshots = await this.snapshots();
    const report = checkConservation(snapshots);
    return {
      holds: report.holds,
      chains: snapshots.map((s) => s.eid),
      assets: await Promise.all(
        report.assets.map(async (a) => ({
          asset: fromBytes32Name(a.assetId),
          assetId: a.assetId,
          decimals: await this.decimals(a.assetId),
          debited: a.debited.toString(),
          credited: a.credited.toString(),
          refunded: a.refunded.toString(),
          inFlight: a.inFlight.toString(),
          holds: a.holds,
        })),
      ),
      inFlight: this.inFlight(report.inFlight),
      anomalies: report.anomalies,
    };
  }

  private async view(hubState: RouteState): Promise<RouteViewDto> {
    const { routeId, route: r, epoch: hubEpoch } = hubState;
    const ends = await Promise.all(
      this.ends(r).map(async ({ eid, chain, side }) => {
        const router = chain?.router;
        const state =
          chain && router ? await this.chainRead(chain, () => readRoute(chain.client, router, routeId)) : null;
        return { eid, side, name: chain?.name ?? String(eid), state };
      }),
    );
    const chains = ends.map(({ eid, name, side, state }): RouteChainStateDto => {
      const epoch = state?.epoch ?? 0n;
      return {
        eid,
        name,
        side,
        epoch: Number(epoch),
        applied: epoch >= hubEpoch,
        enabled: epoch > 0n && (state?.route.enabled ?? false),
        capacity: (state?.route.capacity ?? 0n).toString(),
        refillPerSecond: (state?.route.refillPerSecond ?? 0n).toString(),
        maxUtilBps: state?.route.maxUtilBps ?? 0,
      };
    });
    const source = ends[0]?.state; // ends() lists the source first
    return {
      routeId,
      srcEid: r.srcEid,
      srcChain: this.chainName(r.srcEid),
      srcSegment: fromBytes32Name(r.srcSegment),
      dstEid: r.dstEid,
      dstChain: this.chainName(r.dstEid),
      dstSegment: fromBytes32Name(r.dstSegment),
      asset: fromBytes32Name(r.assetId),
      decimals: await this.decimals(r.assetId),
      enabled: r.enabled,
      capacity: r.capacity.toString(),
      refillPerSecond: r.refillPerSecond.toString(),
      maxUtilBps: r.maxUtilBps,
      hubEpoch: Number(hubEpoch),
      applied: chains.every((c) => c.applied),
      bucket:
        source && source.epoch > 0n
          ? { available: source.available.toString(), capacity: source.capacity.toString() }
          : null,
      chains,
    };
  }

  private inFlight(transfers: ReturnType<typeof checkConservation>['inFlight']): InFlightTransferDto[] {
    return transfers.map((t) => ({
      transferId: t.transferId,
      routeId: t.routeId,
      asset: fromBytes32Name(t.assetId),
      amount: t.amount.toString(),
      srcEid: t.srcEid,
      dstEid: t.dstEid,
      destination: transferStateName(t.destination),
    }));
  }

  /** Every router, read whole; a chain that cannot be read fails the request (a partial sum would mislead). */
  private snapshots(): Promise<RouterSnapshot[]> {
    return Promise.all(
      this.ctx.chains
        .filter((c): c is GovernanceChain & { router: Hex } => c.router !== undefined)
        .map((c) => this.chainRead(c, () => readRouterSnapshot(c.client, c.router, c.eid))),
    );
  }

  private async chainRead<T>(chain: GovernanceChain, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (cause) {
      if (cause instanceof GovernanceError) throw cause;
      throw new GovernanceError('CHAIN', `${chain.name} (eid ${chain.eid}): ${revertReason(cause)}`, { cause });
    }
  }

  private chainName(eid: number): string {
    return this.ctx.chains.find((c) => c.eid === eid)?.name ?? String(eid);
  }

  /** An asset's decimals from the controller's registry on the hub (null when the hub does not know it). */
  private async decimals(assetId: Hex): Promise<number | null> {
    if (!this.assets.has(assetId)) this.assets.set(assetId, (await hubAsset(this.hub, assetId))?.decimals ?? null);
    return this.assets.get(assetId) ?? null;
  }
}
