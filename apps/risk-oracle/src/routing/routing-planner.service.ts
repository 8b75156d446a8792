import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import {
  planRouting,
  readRoutingView,
  requireRoutingChains,
  routingInput,
  submitMoves,
  type MoveResult,
  type RoutingChain,
  type RoutingMove,
  type RoutingTargets,
} from '#app/risk';
import { RiskOracleMetrics } from '../metrics.js';
import type { RiskOracleSettings, RoutingMode } from '../risk-oracle.config.js';
import { RISK_SETTINGS, ROUTING_CHAINS } from '../tokens.js';
import { fromBytes32Name } from '#app/messaging';

/** One planned move as JSON: the planner's move, amount in the asset's base units as a decimal string. */
export type PlannedMoveView = Omit<RoutingMove, 'srcSegment' | 'dstSegment' | 'amount'> & {
  from: string;
  to: string;
  amount: string;
  /** submit mode: what sending it gave */
  result: MoveResult | null;
};

/** The last planning round, as `GET /routing/plan` shows it. */
export interface RoutingRound {
  mode: RoutingMode;
  at: string;
  targets: RoutingTargets;
  moves: PlannedMoveView[];
  unmet: { eid: number; segment: string; utilisationBps: number; reason: string }[];
  /** why the round could not plan (an RPC error, no routers deployed); null when it did */
  error: string | null;
}

const INTERVAL = 'risk-routing';

function moveView(m: RoutingMove, result: MoveResult | undefined): PlannedMoveView {
  const { srcSegment, dstSegment, amount, ...rest } = m;
  return {
    ...rest,
    from: `${fromBytes32Name(srcSegment)}@${m.srcEid}`,
    to: `${fromBytes32Name(dstSegment)}@${m.dstEid}`,
    amount: amount.toString(),
    result: result ?? null,
  };
}

/**
 * The liquidity routing planner on a cadence (`RISK_ROUTING_INTERVAL_MS`): reads every chain's
 * routes, segments and reserves, plans with `planRouting` (libs/risk) and logs the plan
 * (`dry-run`), or also sends each move with the route operator's key (`submit`). The last round is
 * kept for `GET /routing/plan`.
 */
@Injectable()
export class RoutingPlannerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RoutingPlanner');
  private running: Promise<RoutingRound> | null = null;
  private stopped = false;
  last: RoutingRound | null = null;

  constructor(
    @Inject(RISK_SETTINGS) private readonly settings: RiskOracleSettings,
    @Inject(ROUTING_CHAINS) private readonly chains: RoutingChain[],
    private readonly metrics: RiskOracleMetrics,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  get mode(): RoutingMode {
    return this.settings.routing.mode;
  }

  onApplicationBootstrap(): void {
    if (this.mode === 'off') return;
    this.scheduler.addInterval(
      INTERVAL,
      setInterval(() => void this.run(), this.settings.routing.intervalMs),
    );
    void this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // the oracle's own shutdown may have cleared every interval already
    if (this.scheduler.doesExist('interval', INTERVAL)) this.scheduler.deleteInterval(INTERVAL);
    await this.running;
  }

  /** One planning round, or the one in progress. Never rejects: a failed round carries its `error`. */
  run(): Promise<RoutingRound> {
    this.running ??= this.round().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async round(): Promise<RoutingRound> {
    const { targets } = this.settings.routing;
    const base = { mode: this.mode, at: new Date().toISOString(), targets };
    try {
      requireRoutingChains(this.chains);
      const plan = planRouting(routingInput(await readRoutingView(this.chains)), targets);
      this.metrics.routingMoves.inc({ result: 'planned' }, plan.moves.length);
      const results = this.mode === 'submit' && !this.stopped ? await submitMoves(this.chains, plan.moves) : [];
      for (const r of results) this.metrics.routingMoves.inc({ result: r.status });
      this.last = {
        ...base,
        moves: plan.moves.map((m, i) => moveView(m, results[i])),
        unmet: plan.unmet.map((u) => ({ ...u, segment: fromBytes32Name(u.segment) })),
        error: null,
      };
      this.log(this.last);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.metrics.errors.inc({ stage: 'routing', eid: 'all' });
      this.logger.error({ at: 'RoutingPlanner#round', mode: this.mode, error: message });
      this.last = { ...base, moves: [], unmet: [], error: message };
    }
    return this.last;
  }

  private log(round: RoutingRound): void {
    this.logger.log({
      at: 'RoutingPlanner#plan',
      mode: round.mode,
      moves: round.moves.length,
      unmet: round.unmet.length,
    });
    for (const m of round.moves) {
      const entry = {
        at: round.mode === 'submit' ? 'RoutingPlanner#send' : 'RoutingPlanner#move',
        mode: round.mode,
        routeId: m.routeId,
        from: m.from,
        to: m.to,
        amount: m.amount,
        limitedBy: m.limitedBy,
        reason: m.reason,
        ...(m.result ? { result: m.result } : {}),
      };
      if (m.result?.status === 'failed') this.logger.warn(entry);
      else this.logger.log(entry);
    }
    for (const u of round.unmet)
      this.logger.log({ at: 'RoutingPlanner#unmet', segment: u.segment, eid: u.eid, reason: u.reason });
  }
}
