import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Hex } from 'viem';
import type { RiskRepository } from '#app/persistence';
import {
  assessmentToJson,
  assessSegment,
  correlatedPairs,
  crossSegmentCorrelation,
  RiskError,
  valueBook,
  wadToNumber,
  type AssetMarket,
  type BookAccount,
  type CorrelationMatrix,
  type SegmentAssessment,
} from '#app/risk';
import { hubChain, type OracleChain } from './chains.js';
import { RiskOracleMetrics } from './metrics.js';
import { Indexer } from './pipeline/indexer.js';
import { Keeper } from './pipeline/keeper.js';
import {
  controllerSegments,
  readBook,
  readMarket,
  readSegment,
  segmentAssets,
  type SegmentState,
} from './pipeline/segment-reader.js';
import { Steward } from './pipeline/steward.js';
import type { RiskOracleSettings } from './risk-oracle.config.js';
import { ORACLE_CHAINS, RISK_REPOSITORY, RISK_SETTINGS } from './tokens.js';
import { fromBytes32Name } from '#app/messaging';

interface Prepared {
  state: SegmentState;
  borrow: AssetMarket;
  collaterals: AssetMarket[];
  accounts: BookAccount[];
  /** `${eid}:${feed}` → the raw answer the assessment saw (for the large-move trigger) */
  answers: Map<string, bigint>;
}

export interface AssessRound {
  reason: string;
  assessed: SegmentAssessment[];
  skipped: { segment: Hex; reason: string }[];
  correlation: CorrelationMatrix | null;
}

/**
 * The oracle's loop. Every `pollMs`: index prices and accounts on every chain, follow submitted
 * proposals, run the liquidation keeper; a feed moving by `largeMoveBps` since the last recompute
 * triggers one at once. Every `assessIntervalMs` (and on those moves): for each segment read its
 * state, book and price windows, compute the cross-segment correlation and its alerts, assess each
 * segment (stressed when it is under an alert) and submit what the policy proposes.
 */
@Injectable()
export class RiskOracleService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RiskOracle');
  private readonly indexer: Indexer;
  private readonly keeper: Keeper;
  private readonly steward: Steward;
  private readonly hub: ReturnType<typeof hubChain>;
  private polling = false;
  /** the round running or last run, and the one waiting for it */
  private rounds: Promise<unknown> = Promise.resolve();
  private waiting: { reason: string; run: Promise<AssessRound> } | null = null;
  private lastAnswers = new Map<string, bigint>();
  /** the last cross-segment correlation matrix, for GET /correlation (the console's heat map) */
  latestCorrelation: { segments: string[]; values: number[][]; window: number; at: string } | null = null;
  readonly status = {
    lastPollAt: null as Date | null,
    lastAssessAt: null as Date | null,
    lastError: null as string | null,
    stopped: false,
  };

  constructor(
    @Inject(RISK_SETTINGS) private readonly settings: RiskOracleSettings,
    @Inject(RISK_REPOSITORY) private readonly repo: RiskRepository,
    @Inject(ORACLE_CHAINS) readonly chains: OracleChain[],
    readonly metrics: RiskOracleMetrics,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.indexer = new Indexer(repo, { maxLogRange: settings.maxLogRange });
    this.keeper = new Keeper(repo);
    this.hub = hubChain(chains);
    this.steward = new Steward(repo, this.hub, chains);
  }

  onApplicationBootstrap(): void {
    if (this.settings.usingDevnetKeys)
      this.logger.warn({
        at: 'RiskOracle#boot',
        message: 'using well-known devnet keys (steward, keeper or route operator)',
      });
    this.scheduler.addInterval(
      'risk-poll',
      setInterval(() => void this.poll(), this.settings.pollMs),
    );
    this.scheduler.addInterval(
      'risk-assess',
      setInterval(() => this.triggerAssess('schedule'), this.settings.assessIntervalMs),
    );
    void this.poll();
  }

  async onApplicationShutdown(): Promise<void> {
    this.status.stopped = true;
    for (const name of this.scheduler.getIntervals()) this.scheduler.deleteInterval(name);
    await this.rounds.catch(() => undefined);
    while (this.polling) await new Promise((r) => setTimeout(r, 20));
  }

  /** One poll round: index, follow proposals, keep. Overlapping calls return at once. */
  async poll(): Promise<void> {
    if (this.polling || this.status.stopped) return;
    this.polling = true;
    try {
      for (const chain of this.chains) await this.stage('index', chain.eid, () => this.index(chain));
      await this.stage('follow', this.hub.eid, async () => {
        for (const p of await this.steward.follow()) {
          this.metrics.proposals.inc({ segment: fromBytes32Name(p.segment), status: 'applied' });
          this.logger.log({
            at: 'Steward#applied',
            segment: fromBytes32Name(p.segment),
            proposal: p.id,
            chains: p.appliedOn,
          });
        }
      });
      if (this.settings.keeper)
        for (const chain of this.chains) await this.stage('keeper', chain.eid, () => this.keep(chain));
      this.status.lastPollAt = new Date();
    } finally {
      this.polling = false;
    }
  }

  private async stage(stage: string, eid: number, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.failed(stage, eid, error);
    }
  }

  private failed(stage: string, eid: number, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.status.lastError = `${stage} on ${eid}: ${message}`;
    this.metrics.errors.inc({ stage, eid: String(eid) });
    this.logger.error({ at: `RiskOracle#${stage}`, eid, error: message });
  }

  /** Starts an assessment round in the background; its failure is logged and counted. */
  private triggerAssess(reason: string): void {
    if (this.status.stopped) return;
    this.requestAssess(reason).catch((error: unknown) => this.failed('assess', this.hub.eid, error));
  }

  private async index(chain: OracleChain): Promise<void> {
    for (;;) {
      const range = await this.indexer.tick(chain);
      if (!range) return;
      this.metrics.rounds.inc({ eid: String(chain.eid) }, range.rounds.length);
      this.metrics.headLag.set({ eid: String(chain.eid) }, Number((await chain.client.getBlockNumber()) - range.to));
      for (const r of range.rounds) {
        const before = this.lastAnswers.get(`${r.eid}:${r.feed.toLowerCase()}`);
        if (before === undefined || before <= 0n) continue;
        const moveBps = ((r.answer > before ? r.answer - before : before - r.answer) * 10_000n) / before;
        if (moveBps >= BigInt(this.settings.largeMoveBps)) {
          this.triggerAssess(`large move: feed ${r.feed} on ${r.eid} moved ${moveBps} bps`);
          break;
        }
      }
      if (range.to - range.from + 1n < this.settings.maxLogRange) return;
    }
  }

  private async keep(chain: OracleChain): Promise<void> {
    const round = await this.keeper.tick(chain);
    for (const l of round.liquidations) {
      this.metrics.liquidations.inc({ segment: fromBytes32Name(l.segment), eid: String(l.eid), result: l.status });
      const log = {
        at: 'Keeper#liquidate',
        eid: l.eid,
        segment: fromBytes32Name(l.segment),
        owner: l.owner,
        tx: l.txHash,
        error: l.error,
      };
      if (l.status === 'mined') this.logger.log(log);
      else this.logger.warn(log);
    }
    for (const [segment, debt] of round.badDebt)
      this.metrics.badDebt.set({ segment: fromBytes32Name(segment), eid: String(chain.eid) }, Number(debt));
  }

  /**
   * Runs an assessment round now, or right after the one in progress: at most one runs and one
   * waits; requests arriving while one waits join it. Resolves with the round that covers the request.
   */
  requestAssess(reason: string): Promise<AssessRound> {
    if (this.waiting) {
      this.waiting.reason = reason;
      return this.waiting.run;
    }
    const run = this.rounds
      .catch(() => undefined)
      .then(() => {
        const latest = this.waiting?.reason ?? reason;
        this.waiting = null;
        return this.assess(latest);
      });
    this.waiting = { reason, run };
    this.rounds = run;
    return run;
  }

  private async prepare(now: number): Promise<{ prepared: Prepared[]; skipped: { segment: Hex; reason: string }[] }> {
    const grid = { now, period: this.settings.periodSeconds, length: this.settings.risk.window };
    const prepared: Prepared[] = [];
    const skipped: { segment: Hex; reason: string }[] = [];
    for (const id of await controllerSegments(this.hub)) {
      try {
        const state = await readSegment(this.hub, id);
        if (state.status === 'Retired' || state.status === 'None') {
          skipped.push({ segment: id, reason: `status ${state.status}` });
          continue;
        }
        const assets = await segmentAssets(this.hub, id, state);
        const answers = new Map<string, bigint>();
        const market = async (a: (typeof assets)['borrow']) => {
          const m = await readMarket(this.hub, this.repo, a, grid);
          answers.set(`${this.hub.eid}:${a.feed.toLowerCase()}`, m.answer);
          return m.market;
        };
        const borrow = await market(assets.borrow);
        const collaterals: AssetMarket[] = [];
        for (const c of assets.collaterals) collaterals.push(await market(c));
        const accounts = await readBook(
          this.chains,
          this.repo,
          id,
          state.params.assets.map((a) => a.assetId),
        );
        prepared.push({ state, borrow, collaterals, accounts, answers });
      } catch (error) {
        // one segment's bad read (an RPC error, a young feed) must not stop the others
        if (!(error instanceof RiskError)) this.failed(`read ${fromBytes32Name(id)}`, this.hub.eid, error);
        const reason = error instanceof RiskError ? `${error.code}: ${error.message}` : 'read failed';
        skipped.push({ segment: id, reason });
      }
    }
    return { prepared, skipped };
  }

  private async correlate(prepared: Prepared[]): Promise<{ matrix: CorrelationMatrix | null; stressed: Set<Hex> }> {
    const stressed = new Set<Hex>();
    if (prepared.length < 2) return { matrix: null, stressed };
    const s = this.settings;
    const matrix = crossSegmentCorrelation(
      prepared.map((p) => ({
        segment: p.state.id,
        collaterals: p.collaterals,
        weights: Float64Array.from(valueBook(p.accounts, p.collaterals, p.borrow).collateralValues, wadToNumber),
      })),
      s.correlationWindow,
    );
    const pairs = correlatedPairs(matrix, s.correlationThreshold);
    this.latestCorrelation = {
      segments: matrix.segments.map(fromBytes32Name),
      // a flat index has no correlation (NaN): null in JSON
      values: matrix.segments.map(
        (_, i) =>
          matrix.segments.map((__, j) => {
            const v = matrix.values[i * matrix.size + j];
            return Number.isFinite(v) ? v : null;
          }) as number[],
      ),
      window: s.correlationWindow,
      at: new Date().toISOString(),
    };
    this.metrics.maxCorrelation.set(pairs[0]?.rho ?? Math.max(...offDiagonal(matrix)));
    for (const pair of pairs) {
      const raised = await this.repo.raiseAlert({
        kind: 'correlation',
        segmentA: pair.a,
        segmentB: pair.b,
        rho: pair.rho,
        threshold: s.correlationThreshold,
        window: s.correlationWindow,
      });
      if (raised)
        this.logger.warn({
          at: 'RiskOracle#correlationAlert',
          segments: [fromBytes32Name(pair.a), fromBytes32Name(pair.b)],
          rho: pair.rho,
          threshold: s.correlationThreshold,
          window: s.correlationWindow,
          message: 'segments meant to be independent move together: a crash would liquidate them at once',
        });
    }
    const index = new Map(matrix.segments.map((id, i) => [id.toLowerCase(), i]));
    for (const alert of await this.repo.alerts({ active: true })) {
      const i = index.get(alert.segmentA.toLowerCase());
      const j = index.get(alert.segmentB.toLowerCase());
      const rho = i === undefined || j === undefined ? null : (matrix.values[i * matrix.size + j] ?? null);
      if (rho === null || rho < s.correlationThreshold - s.correlationHysteresis) {
        await this.repo.clearAlert(alert.id);
        this.logger.log({
          at: 'RiskOracle#correlationCleared',
          segments: [fromBytes32Name(alert.segmentA), fromBytes32Name(alert.segmentB)],
          rho,
        });
        continue;
      }
      stressed.add(alert.segmentA.toLowerCase() as Hex);
      stressed.add(alert.segmentB.toLowerCase() as Hex);
    }
    this.metrics.alertsActive.set((await this.repo.alerts({ active: true })).length);
    return { matrix, stressed };
  }

  private async assess(reason: string): Promise<AssessRound> {
    const now = Math.floor(Date.now() / 1000);
    const { prepared, skipped } = await this.prepare(now);
    for (const s of skipped) this.metrics.assessments.inc({ segment: fromBytes32Name(s.segment), outcome: 'skipped' });
    const { matrix, stressed } = await this.correlate(prepared);
    const chainNow = Number((await this.hub.client.getBlock()).timestamp);
    const open = await this.repo.proposals({ status: 'submitted' });
    const assessed: SegmentAssessment[] = [];
    for (const p of prepared) {
      const name = fromBytes32Name(p.state.id);
      const stress = stressed.has(p.state.id.toLowerCase() as Hex) ? this.settings.correlationStress : 1;
      try {
        assessed.push(
          await this.assessOne(
            p,
            reason,
            stress,
            chainNow,
            open.some((o) => o.segment.toLowerCase() === p.state.id.toLowerCase()),
          ),
        );
      } catch (error) {
        this.metrics.assessments.inc({ segment: name, outcome: 'failed' });
        this.failed(`assess ${name}`, this.hub.eid, error);
      }
    }
    this.status.lastAssessAt = new Date();
    return { reason, assessed, skipped, correlation: matrix };
  }

  private async assessOne(
    p: Prepared,
    reason: string,
    stress: number,
    chainNow: number,
    pending: boolean,
  ): Promise<SegmentAssessment> {
    const name = fromBytes32Name(p.state.id);
    const a = assessSegment(
      {
        segment: p.state.id,
        borrow: p.borrow,
        collaterals: p.collaterals,
        accounts: p.accounts,
        params: p.state.params,
        bounds: p.state.bounds,
        lastStewardUpdate: p.state.lastStewardUpdate,
      },
      { ...this.settings.risk, volatilityStress: stress },
    );
    for (const [k, v] of p.answers) this.lastAnswers.set(k, v);
    const id = await this.repo.insertAssessment(
      p.state.id,
      stress > 1 ? `${reason} (correlation stress ×${stress})` : reason,
      a.decision.changed,
      assessmentToJson(a),
    );
    this.metrics.assessments.inc({ segment: name, outcome: 'assessed' });
    for (const [method, t] of [
      ['historical', a.historical],
      ['parametric', a.parametric],
    ] as const) {
      this.metrics.varUsd.set({ segment: name, method }, t.varUsd);
      this.metrics.esUsd.set({ segment: name, method }, t.esUsd);
    }
    for (const asset of a.assets)
      this.metrics.volatility.set({ segment: name, asset: fromBytes32Name(asset.assetId) }, asset.relativeVolatility);
    this.metrics.nearLiquidation.set({ segment: name }, a.headroom.withinMarginShareBps / 10_000);
    await this.maybeSubmit(a, id, chainNow, pending);
    return a;
  }

  private async maybeSubmit(
    a: SegmentAssessment,
    assessmentId: number,
    chainNow: number,
    pending: boolean,
  ): Promise<void> {
    const name = fromBytes32Name(a.segment);
    const d = a.decision;
    if (!d.changed || d.blocked.length > 0 || !this.settings.submit) return;
    if (pending) {
      this.logger.log({ at: 'Steward#wait', segment: name, message: 'a proposal is still on its way to the spokes' });
      return;
    }
    if (d.notBefore !== null && chainNow < d.notBefore) {
      this.logger.log({
        at: 'Steward#wait',
        segment: name,
        notBefore: d.notBefore,
        message: 'steward minInterval not yet passed',
      });
      return;
    }
    const p = await this.steward.submit(a.segment, d.params, assessmentId);
    this.metrics.proposals.inc({ segment: name, status: p.status });
    const log = {
      at: 'Steward#submit',
      segment: name,
      proposal: p.id,
      status: p.status,
      tx: p.txHash,
      error: p.error,
      assets: d.params.assets.map((x) => ({
        asset: fromBytes32Name(x.assetId),
        ltv: x.ltvBps,
        threshold: x.liqThresholdBps,
        bonus: x.liqBonusBps,
      })),
    };
    if (p.status === 'submitted') this.logger.log(log);
    else this.logger.warn(log);
  }
}

function offDiagonal(m: CorrelationMatrix): number[] {
  const out: number[] = [];
  for (let i = 0; i < m.size; i++) for (let j = i + 1; j < m.size; j++) out.push(m.values[i * m.size + j] ?? 0);
  return out.length > 0 ? out : [0];
}
