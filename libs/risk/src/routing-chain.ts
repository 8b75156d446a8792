import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  parseEventLogs,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  createChainPublicClient,
  createChainWalletClient,
  revertReason,
  type ChainConfig,
  type ChainRegistry,
} from '#app/chains';
import { allErrorsAbi, SegmentRouter, SegmentVault } from '#app/contracts';
import {
  checkConservation,
  fromBytes32Name,
  readRouterSnapshot,
  SegmentStatus,
  TransferState,
  type RouterSnapshot,
  type RouteState,
} from '#app/messaging';
import type { RoutingInput, RoutingMove, RoutingReserve, RoutingSegment, RoutingSegmentStatus } from './routing.js';

const statusName = (status: number): RoutingSegmentStatus =>
  (Object.entries(SegmentStatus).find(([, value]) => value === status)?.[0] as RoutingSegmentStatus | undefined) ??
  'None';

/**
 * The chain side of liquidity routing, shared by the risk oracle's planner and `segctl route`:
 * read every chain's routes, segments and reserves into the planner's input, and send a move
 * (`SegmentRouter.route` on the route's source chain, paying the quoted LayerZero fee).
 */

export class RoutingChainError extends Error {
  override name = 'RoutingChainError';
}

/** A chain with a SegmentRouter and a SegmentVault, and the route operator's wallet when one was given. */
export interface RoutingChain {
  config: ChainConfig;
  name: string;
  eid: number;
  client: PublicClient;
  router: Address;
  vault: Address;
  operator?: WalletClient<Transport, Chain, Account>;
}

/** Every chain of the registry with a router and a vault (possibly none: callers say what that means). */
export function routingChains(registry: ChainRegistry, operatorKey?: Hex): RoutingChain[] {
  const account = operatorKey ? privateKeyToAccount(operatorKey) : undefined;
  return registry.chains.flatMap((config): RoutingChain[] => {
    const router = config.contracts.segmentRouter;
    const vault = config.contracts.segmentVault;
    if (!router || !vault) return [];
    return [
      {
        config,
        name: config.name,
        eid: config.eid,
        client: createChainPublicClient(config),
        router,
        vault,
        ...(account ? { operator: createChainWalletClient(config, account) } : {}),
      },
    ];
  });
}

export function requireRoutingChains(chains: readonly RoutingChain[]): void {
  if (chains.length === 0)
    throw new RoutingChainError(
      'no chain has a segmentRouter and a segmentVault in the chain registry (deploy the segment stack first)',
    );
}

/** A segment's liquidity as the planner sees it, with its borrow token. */
export interface SegmentLiquidity extends RoutingSegment {
  token: Address;
}

export interface RoutingView {
  /** Each chain's routes as its router has them (buckets are meaningful on a route's source chain). */
  routes: { eid: number; routes: RouteState[] }[];
  segments: SegmentLiquidity[];
  reserves: RoutingReserve[];
}

async function readSegments(chain: RoutingChain): Promise<SegmentLiquidity[]> {
  const read = { address: chain.vault, abi: SegmentVault.abi } as const;
  const count = await chain.client.readContract({ ...read, functionName: 'segmentCount' });
  const ids = await Promise.all(
    Array.from({ length: Number(count) }, (_, i) =>
      chain.client.readContract({ ...read, functionName: 'segmentIds', args: [BigInt(i)] }),
    ),
  );
  return Promise.all(
    ids.map(async (segment): Promise<SegmentLiquidity> => {
      const [config, ledger, borrowed] = await Promise.all([
        chain.client.readContract({ ...read, functionName: 'config', args: [segment] }),
        chain.client.readContract({ ...read, functionName: 'ledger', args: [segment] }),
        chain.client.readContract({ ...read, functionName: 'totalBorrowed', args: [segment] }),
      ]);
      return {
        eid: chain.eid,
        segment,
        name: fromBytes32Name(segment),
        assetId: config.borrowAsset.assetId,
        token: config.borrowAsset.token,
        // what routeOut may take: cash that is not the insurance fund's
        idle: ledger.cash > ledger.insurance ? ledger.cash - ledger.insurance : 0n,
        borrowed,
        status: statusName(config.status),
      };
    }),
  );
}

async function readReserves(chain: RoutingChain, segments: readonly SegmentLiquidity[]): Promise<RoutingReserve[]> {
  const tokens = new Map(segments.map((s) => [s.assetId, s.token]));
  return Promise.all(
    [...tokens].map(async ([assetId, token]): Promise<RoutingReserve> => ({
      eid: chain.eid,
      assetId,
      amount: await chain.client.readContract({
        address: chain.router,
        abi: SegmentRouter.abi,
        functionName: 'reserve',
        args: [token],
      }),
    })),
  );
}

/**
 * Routes, segments and routing reserves of every chain, read at once. Each segment's `incoming` is
 * what was routed to it and is still in flight (not yet credited, nor refused), from the
 * transfer records of every router.
 */
export async function readRoutingView(chains: readonly RoutingChain[]): Promise<RoutingView> {
  const [snapshots, segments] = await Promise.all([
    readRouterSnapshots(chains),
    Promise.all(chains.map(readSegments)).then((per) => per.flat()),
  ]);
  const routes = new Map(snapshots.flatMap((s) => s.routes.map((r) => [r.routeId, r.route] as const)));
  const incoming = new Map<string, bigint>();
  for (const t of checkConservation(snapshots).inFlight) {
    const route = routes.get(t.routeId);
    if (!route || t.destination !== TransferState.None) continue; // refused: coming back to its source
    const key = `${route.dstEid}:${route.dstSegment.toLowerCase()}`;
    incoming.set(key, (incoming.get(key) ?? 0n) + t.amount);
  }
  const reserves = await Promise.all(
    chains.map((c) =>
      readReserves(
        c,
        segments.filter((s) => s.eid === c.eid),
      ),
    ),
  );
  return {
    routes: snapshots.map((s) => ({ eid: s.eid, routes: s.routes })),
    segments: segments.map((s) => ({ ...s, incoming: incoming.get(`${s.eid}:${s.segment.toLowerCase()}`) ?? 0n })),
    reserves: reserves.flat(),
  };
}

/** The planner's input: each route as its source chain has it (the chain that enforces it). */
export function routingInput(view: RoutingView): RoutingInput {
  const routes = view.routes.flatMap(({ eid, routes }) =>
    routes
      .filter((r) => r.route.srcEid === eid)
      .map((r) => ({
        routeId: r.routeId,
        srcEid: r.route.srcEid,
        srcSegment: r.route.srcSegment,
        dstEid: r.route.dstEid,
        dstSegment: r.route.dstSegment,
        assetId: r.route.assetId,
        maxUtilBps: r.route.maxUtilBps,
        enabled: r.route.enabled,
        available: r.available,
      })),
  );
  return { segments: view.segments, routes, reserves: view.reserves };
}

/** Every chain's router read whole (routes, transfers, totals), for `checkConservation`. */
export function readRouterSnapshots(chains: readonly RoutingChain[]): Promise<RouterSnapshot[]> {
  return Promise.all(chains.map((c) => readRouterSnapshot(c.client, c.router, c.eid)));
}

export interface RouteSent {
  transferId: Hex;
  txHash: Hex;
  /** the LayerZero fee paid (wei; 0 on the same chain) */
  fee: bigint;
  /** same chain: credited in the same transaction; cross chain: in flight until the relayer delivers it */
  delivered: boolean;
}

/** Sends `route(routeId, amount)` from the operator's wallet on `chain` (the route's source), with the quoted fee. */
export async function sendRoute(chain: RoutingChain, routeId: Hex, amount: bigint): Promise<RouteSent> {
  const wallet = chain.operator;
  if (!wallet) throw new RoutingChainError(`no route operator key for ${chain.name}`);
  const at = { address: chain.router, abi: SegmentRouter.abi } as const;
  const fee = await chain.client.readContract({ ...at, functionName: 'quoteRoute', args: [routeId, amount] });
  const { request } = await chain.client.simulateContract({
    ...at,
    account: wallet.account,
    functionName: 'route',
    args: [routeId, amount],
    value: fee,
  });
  const hash = await wallet.writeContract({ ...request, chain: wallet.chain });
  const receipt = await chain.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new RoutingChainError(`route(${routeId}) reverted on chain in ${hash}`);
  const [event] = parseEventLogs({
    abi: SegmentRouter.abi,
    logs: receipt.logs.filter((l) => l.address.toLowerCase() === chain.router.toLowerCase()),
    eventName: ['TransferSent', 'TransferDelivered'],
  });
  if (!event) throw new RoutingChainError(`route(${routeId}) mined in ${hash} without a transfer event`);
  return { transferId: event.args.transferId, txHash: hash, fee, delivered: event.eventName === 'TransferDelivered' };
}

export interface MoveResult {
  status: 'sent' | 'failed';
  transferId: Hex | null;
  txHash: Hex | null;
  error: string | null;
}

/**
 * Sends a plan's moves in order, each on its source chain; one failing does not stop the others.
 * `amountsOf` formats a move's base units in failure messages (default: the raw integer).
 */
export async function submitMoves(
  chains: readonly RoutingChain[],
  moves: readonly RoutingMove[],
  amountsOf: (m: RoutingMove) => (v: bigint) => string = () => String,
): Promise<MoveResult[]> {
  const results: MoveResult[] = [];
  for (const m of moves) {
    const chain = chains.find((c) => c.eid === m.srcEid);
    try {
      if (!chain) throw new RoutingChainError(`no chain with eid ${m.srcEid} in the registry`);
      const sent = await sendRoute(chain, m.routeId, m.amount);
      results.push({ status: 'sent', transferId: sent.transferId, txHash: sent.txHash, error: null });
    } catch (error) {
      // recorded with the move (and logged, printed) rather than thrown: the next moves still go
      results.push({
        status: 'failed',
        transferId: null,
        txHash: null,
        error: describeRouteFailure(error, amountsOf(m)),
      });
    }
  }
  return results;
}

/** The custom error a routing call reverted with, decoded against every ABI we deploy (the vault's too). */
export function routeRevertOf(error: unknown): { name: string; args: readonly unknown[] } | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  if (revert.data?.errorName) return { name: revert.data.errorName, args: revert.data.args ?? [] };
  if (!revert.raw) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: allErrorsAbi, data: revert.raw });
    return { name: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined; // an unknown selector: revertReason below reports what viem saw
  }
}

const pct = (bps: unknown): string => `${(Number(bps) / 100).toFixed(2)} %`;

/**
 * Why a routing call failed, in words an operator can act on (`RateLimited: the route's bucket has
 * 3,499.5 USDC, wait 501 s …`). `amount` formats the route asset's base units.
 */
export function describeRouteFailure(error: unknown, amount: (v: bigint) => string = String): string {
  const revert = routeRevertOf(error);
  if (!revert) return revertReason(error);
  const a = revert.args;
  const amt = (i: number): string => {
    const v = a[i];
    return typeof v === 'bigint' ? amount(v) : String(v);
  };
  const seg = (i: number): string => (typeof a[i] === 'string' ? fromBytes32Name(a[i] as Hex) : String(a[i])); // bytes32 decode as hex strings
  const messages: Record<string, () => string> = {
    RateLimited: () => `the route's bucket has ${amt(1)}, wait ${String(a[2])} s (or send at most ${amt(1)} now)`,
    AmountOverCapacity: () => `${amt(1)} is more than the route's capacity of ${amt(2)}: split it into smaller moves`,
    UtilisationTooHigh: () =>
      `segment ${seg(0)} would be at ${pct(a[1])} utilisation after the move, above the route's limit of ${pct(a[2])}: send less`,
    InsufficientLiquidity: () => `segment ${seg(0)} has ${amt(1)} idle (its insurance fund excluded), ${amt(2)} asked`,
    RouteNotFound: () =>
      `this router has no route ${String(a[0])} (not allowed by governance, or not delivered to this chain yet)`,
    RouteDisabled: () => `governance disabled route ${String(a[0])}`,
    NotSourceChain: () => `the route starts on eid ${String(a[1])}: send it there`,
    NotOperator: () => `${String(a[0])} is not a route operator of this router`,
    ZeroAmount: () => 'the amount must be above zero',
    InsufficientFeeBalance: () => `the LayerZero fee is ${String(a[1])} wei and the router holds ${String(a[0])} wei`,
    OperationNotAllowed: () => `segment ${seg(0)} is ${statusName(Number(a[1]))}`,
  };
  const message = messages[revert.name];
  return message ? `${revert.name}: ${message()}` : `${revert.name}(${a.map(String).join(', ')})`;
}
