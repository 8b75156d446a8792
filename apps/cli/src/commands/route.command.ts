import { Command, InvalidArgumentError, Option } from 'commander';
import { erc20Abi, formatEther, type Hex } from 'viem';
import type { ChainRegistry } from '#app/chains';
import { SegmentVault } from '#app/contracts';
import { DEFAULT_MANIFEST_PATH, devnetPrivateKey, serviceChainRegistry } from '#app/devnet';
import {
  checkConservation,
  readRoute,
  fromBytes32Name,
  TransferState,
  transferStateName,
  type RouteState,
  type RouterSnapshot,
} from '#app/messaging';
import {
  checkRoutingTargets,
  DEFAULT_ROUTING_TARGETS,
  describeRouteFailure,
  planRouting,
  readRouterSnapshots,
  readRoutingView,
  requireRoutingChains,
  routingChains,
  routingInput,
  sendRoute,
  submitMoves,
  type RoutingChain,
  type RoutingMove,
  type RoutingTargets,
} from '#app/risk';
import { formatAmount, parseAmount } from '../amounts.js';
import { out } from '../io.js';

interface ChainOptions {
  manifest: string;
  chainsFile?: string;
}
interface KeyOptions extends ChainOptions {
  key?: Hex;
}

function hexId(value: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError('a route id is 0x followed by 64 hex digits');
  return value.toLowerCase() as Hex; // checked just above
}

function privateKey(value: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value))
    throw new InvalidArgumentError('a private key is 0x followed by 64 hex digits');
  return value as Hex; // checked just above
}

function bps(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 10_000) throw new InvalidArgumentError('whole basis points from 0 to 10000');
  return n;
}

function withChains(command: Command): Command {
  return command
    .addOption(
      new Option('--manifest <path>', 'the devnet manifest (the chain registry)').default(DEFAULT_MANIFEST_PATH),
    )
    .addOption(
      new Option('--chains-file <path>', 'a chain config file ({ chains: [...] }) instead of the devnet manifest').env(
        'SEGCTL_CHAINS_FILE',
      ),
    );
}

function withKey(command: Command): Command {
  return command.addOption(
    new Option('--key <hex>', "the route operator's private key (default on the devnet: its routeOperator role)")
      .env('SEGCTL_ROUTE_KEY')
      .argParser(privateKey),
  );
}

function registryOf(opts: ChainOptions): ChainRegistry {
  return serviceChainRegistry(
    {
      chainsFile: opts.chainsFile,
      manifestPath: opts.manifest,
      chainsFileVariable: '--chains-file (SEGCTL_CHAINS_FILE)',
    },
    (message) => new Error(message),
  );
}

/** The chains with a router; with a key (given, or the devnet's routeOperator) when `signing`. */
function chainsOf(opts: KeyOptions, signing: boolean): RoutingChain[] {
  let key: Hex | undefined;
  if (signing) {
    if (!opts.key && opts.chainsFile)
      throw new Error("sending needs the route operator's key: pass --key <hex> or set SEGCTL_ROUTE_KEY");
    key = opts.key ?? devnetPrivateKey('routeOperator');
  }
  const chains = routingChains(registryOf(opts), key);
  requireRoutingChains(chains);
  return chains;
}

/** Token symbol and decimals of a segment's borrow asset, read once per (chain, segment). */
class Units {
  private readonly cache = new Map<string, Promise<{ decimals: number; symbol: string }>>();

  constructor(private readonly chains: readonly RoutingChain[]) {}

  info(eid: number, segment: Hex): Promise<{ decimals: number; symbol: string }> {
    const key = `${eid}:${segment}`;
    let units = this.cache.get(key);
    if (!units) {
      units = this.read(eid, segment);
      this.cache.set(key, units);
    }
    return units;
  }

  /** A formatter of the segment's borrow asset: base units → `3,499.5 USDC`. */
  async load(eid: number, segment: Hex): Promise<(v: bigint) => string> {
    const { decimals, symbol } = await this.info(eid, segment);
    return (v) => formatAmount(v, decimals, symbol);
  }

  private async read(eid: number, segment: Hex): Promise<{ decimals: number; symbol: string }> {
    const chain = this.chains.find((c) => c.eid === eid);
    if (!chain) return { decimals: 0, symbol: '(base units)' };
    const config = await chain.client.readContract({
      address: chain.vault,
      abi: SegmentVault.abi,
      functionName: 'config',
      args: [segment],
    });
    const token = { address: config.borrowAsset.token, abi: erc20Abi } as const;
    const [decimals, symbol] = await Promise.all([
      chain.client.readContract({ ...token, functionName: 'decimals' }),
      chain.client.readContract({ ...token, functionName: 'symbol' }),
    ]);
    return { decimals, symbol };
  }
}

function labeller(chains: readonly RoutingChain[]) {
  const names = new Map(chains.map((c) => [c.eid, c.name]));
  const chain = (eid: number) => names.get(eid) ?? `eid ${eid}`;
  return { chain, segment: (eid: number, segment: Hex) => `${fromBytes32Name(segment)}@${chain(eid)}` };
}

/** `segctl route …`: liquidity routes between segments (DESIGN §6). */
export function routeCommand(): Command {
  const route = new Command('route').description(
    'Liquidity routes between segments: list them, move liquidity along one, follow transfers, plan moves.',
  );
  route.addCommand(lsCommand());
  route.addCommand(sendCommand());
  route.addCommand(transfersCommand());
  route.addCommand(planCommand());
  return route;
}

function lsCommand(): Command {
  return withChains(
    new Command('ls')
      .description(
        'Every route, as each chain’s router has it: epoch, enabled, limits, and the token bucket on its source chain.',
      )
      .option('--json', 'print JSON', false),
  ).action(async (opts: ChainOptions & { json: boolean }) => {
    const chains = chainsOf(opts, false);
    const view = await readRoutingView(chains);
    const byId = new Map<Hex, { eid: number; state: RouteState }[]>();
    for (const { eid, routes } of view.routes)
      for (const state of routes) byId.set(state.routeId, [...(byId.get(state.routeId) ?? []), { eid, state }]);
    if (opts.json)
      return out(
        JSON.stringify(
          [...byId].map(([id, seen]) => routeJson(id, seen)),
          null,
          2,
        ),
      );
    if (byId.size === 0)
      return out('no routes: governance allows one with a RouteConfig proposal, then applyRoute on the hub router');
    const units = new Units(chains);
    const label = labeller(chains);
    for (const [id, seen] of byId) {
      const r = (seen.find((s) => s.eid === s.state.route.srcEid) ?? seen[0])?.state.route;
      if (!r) continue;
      const fmt = await units.load(r.srcEid, r.srcSegment);
      const kind = r.srcEid === r.dstEid ? 'same chain' : 'cross chain';
      out(`${id}  ${label.segment(r.srcEid, r.srcSegment)} → ${label.segment(r.dstEid, r.dstSegment)}  (${kind})`);
      for (const { eid, state } of seen) {
        const c = state.route;
        const bucket = eid === c.srcEid ? `  bucket ${fmt(state.available)} / ${fmt(state.capacity)}` : '';
        out(
          `  ${label.chain(eid).padEnd(10)} epoch ${state.epoch}  ${c.enabled ? 'enabled ' : 'DISABLED'}  capacity ${fmt(c.capacity)}` +
            `  refill ${fmt(c.refillPerSecond)}/s  source max utilisation ${(c.maxUtilBps / 100).toFixed(2)} %${bucket}`,
        );
      }
    }
  });
}

function routeJson(routeId: Hex, seen: { eid: number; state: RouteState }[]) {
  return {
    routeId,
    chains: seen.map(({ eid, state }) => ({
      eid,
      epoch: state.epoch.toString(),
      ...state.route,
      capacity: state.route.capacity.toString(),
      refillPerSecond: state.route.refillPerSecond.toString(),
      ...(eid === state.route.srcEid ? { available: state.available.toString() } : {}),
    })),
  };
}

function sendCommand(): Command {
  return withKey(
    withChains(
      new Command('send')
        .description(
          "Move liquidity along a route, on its source chain, as the route operator: the amount in whole units of the route's asset (e.g. 2500.5); pays the quoted LayerZero fee; prints the transfer id.",
        )
        .argument('<routeId>', 'the route id (see `segctl route ls`)', hexId)
        .argument('<amount>', 'whole units of the asset, e.g. 2500.5'),
    ),
  ).action(async (routeId: Hex, amountText: string, opts: KeyOptions) => {
    const chains = chainsOf(opts, true);
    const label = labeller(chains);
    const known = await Promise.all(chains.map(async (c) => ({ c, s: await readRoute(c.client, c.router, routeId) })));
    const any = known.find((k) => k.s.epoch > 0n)?.s.route;
    if (!any)
      throw new Error(`no chain knows route ${routeId}: see \`segctl route ls\` (governance must allow it first)`);
    const source = known.find((k) => k.c.eid === any.srcEid && k.s.epoch > 0n);
    if (!source)
      throw new Error(`route ${routeId} starts on ${label.chain(any.srcEid)}, whose router does not have it (yet)`);
    const units = new Units(chains);
    const fmt = await units.load(any.srcEid, any.srcSegment);
    const amount = parseAmount(amountText, (await units.info(any.srcEid, any.srcSegment)).decimals);
    const sent = await sendRoute(source.c, routeId, amount).catch((error: unknown) => {
      throw new Error(describeRouteFailure(error, fmt), { cause: error });
    });
    const from = label.segment(any.srcEid, any.srcSegment);
    const to = label.segment(any.dstEid, any.dstSegment);
    out(`sent ${fmt(amount)} from ${from} to ${to} (fee ${formatEther(sent.fee)} ETH, tx ${sent.txHash})`);
    out(`transfer ${sent.transferId}`);
    out(
      sent.delivered
        ? `credited to ${to} in the same transaction`
        : `in flight until the relayer delivers it to ${label.chain(any.dstEid)}: \`segctl route transfers --route ${routeId}\``,
    );
  });
}

const STATE_NAMES = Object.keys(TransferState);

function stateName(value: string): string {
  const name = STATE_NAMES.find((n) => n.toLowerCase() === value.toLowerCase());
  if (!name) throw new InvalidArgumentError(`one of ${STATE_NAMES.join(', ')}`);
  return name;
}

interface TransferRow {
  transferId: Hex;
  routeId: Hex;
  amount: bigint;
  /** the state on each chain that recorded it, source first */
  states: { eid: number; state: number }[];
}

function transferRows(snapshots: readonly RouterSnapshot[]): TransferRow[] {
  const rows = new Map<Hex, TransferRow>();
  const sourceFirst = (s: { state: number }) =>
    s.state === TransferState.Credited || s.state === TransferState.RefundSent ? 1 : 0;
  for (const s of snapshots)
    for (const t of s.transfers) {
      const row = rows.get(t.transferId) ?? {
        transferId: t.transferId,
        routeId: t.routeId,
        amount: t.amount,
        states: [],
      };
      row.states.push({ eid: s.eid, state: t.state });
      row.states.sort((a, b) => sourceFirst(a) - sourceFirst(b));
      rows.set(t.transferId, row);
    }
  return [...rows.values()];
}

function transfersCommand(): Command {
  return withChains(
    new Command('transfers')
      .description(
        'Transfers across every chain with their state at each end, those in flight, and the conservation check per asset (debited = credited + in flight + refunded); exits 1 if it fails.',
      )
      .option('--route <id>', 'only transfers of this route', hexId)
      .option('--state <name>', `only transfers in this state at either end (${STATE_NAMES.join(', ')})`, stateName),
  ).action(async (opts: ChainOptions & { route?: Hex; state?: string }) => {
    const chains = chainsOf(opts, false);
    const snapshots = await readRouterSnapshots(chains);
    const report = checkConservation(snapshots);
    const routes = new Map(snapshots.flatMap((s) => s.routes.map((r) => [r.routeId, r.route] as const)));
    const units = new Units(chains);
    const label = labeller(chains);
    const describe = async (routeId: Hex, amount: bigint) => {
      const r = routes.get(routeId);
      if (!r) return `route ${routeId}  ${amount} (base units)`;
      const fmt = await units.load(r.srcEid, r.srcSegment);
      return `${label.segment(r.srcEid, r.srcSegment)} → ${label.segment(r.dstEid, r.dstSegment)}  ${fmt(amount)}`;
    };
    const rows = transferRows(snapshots).filter(
      (t) =>
        (!opts.route || t.routeId.toLowerCase() === opts.route) &&
        (!opts.state || t.states.some((s) => transferStateName(s.state) === opts.state)),
    );
    if (rows.length === 0) out('no transfers');
    for (const t of rows) {
      const states = t.states.map((s) => `${transferStateName(s.state)} on ${label.chain(s.eid)}`).join(', ');
      out(`${t.transferId}  ${await describe(t.routeId, t.amount)}  ${states}`);
    }
    out(report.inFlight.length === 0 ? 'in flight: none' : `in flight: ${report.inFlight.length}`);
    for (const f of report.inFlight)
      out(
        `  ${f.transferId}  ${await describe(f.routeId, f.amount)}  (at the destination: ${transferStateName(f.destination)})`,
      );
    await printConservation(report, routes, units);
    if (!report.holds) process.exitCode = 1;
  });
}

async function printConservation(
  report: ReturnType<typeof checkConservation>,
  routes: Map<Hex, { srcEid: number; srcSegment: Hex; assetId: Hex }>,
  units: Units,
): Promise<void> {
  for (const a of report.assets) {
    const r = [...routes.values()].find((x) => x.assetId === a.assetId);
    const fmt = r ? await units.load(r.srcEid, r.srcSegment) : (v: bigint) => `${v} ${fromBytes32Name(a.assetId)}`;
    out(
      `conservation ${fromBytes32Name(a.assetId)}: debited ${fmt(a.debited)} = credited ${fmt(a.credited)} + in flight ${fmt(a.inFlight)} + refunded ${fmt(a.refunded)}  ${a.holds ? 'holds' : 'DOES NOT HOLD'}`,
    );
  }
  for (const anomaly of report.anomalies) out(`anomaly: ${anomaly}`);
}

function planCommand(): Command {
  const d = DEFAULT_ROUTING_TARGETS;
  return withKey(
    withChains(
      new Command('plan')
        .description(
          'Plan moves from segments with idle liquidity to segments with high utilisation along enabled routes (the risk oracle’s planner); prints them, sends them with --submit.',
        )
        .option('--submit', 'send the planned moves as the route operator', false)
        .option('--source-below <bps>', 'a segment gives only below this utilisation', bps, d.sourceBelowBps)
        .option(
          '--destination-above <bps>',
          'a segment receives only above this utilisation',
          bps,
          d.destinationAboveBps,
        )
        .option('--target <bps>', 'bring a destination down to this utilisation', bps, d.destinationTargetBps)
        .option('--margin <bps>', 'kept under each source limit, for accruing interest', bps, d.marginBps),
    ),
  ).action(
    async (
      opts: KeyOptions & {
        submit: boolean;
        sourceBelow: number;
        destinationAbove: number;
        target: number;
        margin: number;
      },
    ) => {
      const targets: RoutingTargets = {
        sourceBelowBps: opts.sourceBelow,
        destinationAboveBps: opts.destinationAbove,
        destinationTargetBps: opts.target,
        marginBps: opts.margin,
      };
      checkRoutingTargets(targets);
      const chains = chainsOf(opts, opts.submit);
      const plan = planRouting(routingInput(await readRoutingView(chains)), targets);
      const units = new Units(chains);
      const fmts = await Promise.all(plan.moves.map((m) => units.load(m.srcEid, m.srcSegment)));
      printPlan(plan.moves, fmts, chains);
      if (plan.moves.length === 0 && plan.unmet.length === 0)
        out(`no segment is above ${(targets.destinationAboveBps / 100).toFixed(2)} % utilisation`);
      for (const u of plan.unmet) out(`unmet: ${u.reason}`);
      if (plan.moves.length === 0) return;
      if (!opts.submit) return out('dry run: nothing sent (add --submit to send these moves)');
      const results = await submitMoves(chains, plan.moves, (m) => fmts[plan.moves.indexOf(m)] ?? String);
      results.forEach((r, i) => {
        if (r.status === 'sent') out(`move ${i + 1}: sent, transfer ${r.transferId} (tx ${r.txHash})`);
        else out(`move ${i + 1}: FAILED: ${r.error}`);
      });
      if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
    },
  );
}

function printPlan(
  moves: readonly RoutingMove[],
  fmts: readonly ((v: bigint) => string)[],
  chains: readonly RoutingChain[],
): void {
  const label = labeller(chains);
  out(moves.length === 0 ? 'no moves' : `${moves.length} move(s):`);
  moves.forEach((m, i) => {
    const fmt = fmts[i] ?? String;
    out(
      `move ${i + 1}: ${fmt(m.amount)} ${label.segment(m.srcEid, m.srcSegment)} → ${label.segment(m.dstEid, m.dstSegment)} along ${m.routeId}` +
        ` (limited by ${m.limitedBy}; destination ${(m.destination.beforeBps / 100).toFixed(2)} % → ${(m.destination.afterBps / 100).toFixed(2)} %)`,
    );
    out(`  ${m.reason}`);
  });
}
