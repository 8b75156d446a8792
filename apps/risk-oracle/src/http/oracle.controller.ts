import {
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Param,
  Query,
  ServiceUnavailableException,
} from '@nestjs/common';
import { isHex, type Hex } from 'viem';
import type { ProposalStatus, RiskRepository } from '#app/persistence';
import { toBytes32Name, fromBytes32Name } from '#app/messaging';
import { RiskOracleService } from '../risk-oracle.service.js';
import { redactSettings, type RiskOracleSettings } from '../risk-oracle.config.js';
import { RISK_REPOSITORY, RISK_SETTINGS } from '../tokens.js';

const STATUSES: readonly ProposalStatus[] = ['submitted', 'applied', 'failed', 'refused'];

/** `weth` or a 0x-prefixed bytes32 id. */
function segmentId(raw: string): Hex {
  if (isHex(raw) && raw.length === 66) return raw.toLowerCase() as Hex;
  try {
    return toBytes32Name(raw);
  } catch {
    throw new NotFoundException(`no segment "${raw}"`);
  }
}

/** Read-only operator API: assessments with their inputs, proposals, alerts, liquidations, health and metrics. */
@Controller()
export class OracleController {
  constructor(
    private readonly oracle: RiskOracleService,
    @Inject(RISK_REPOSITORY) private readonly repo: RiskRepository,
    @Inject(RISK_SETTINGS) private readonly settings: RiskOracleSettings,
  ) {}

  @Get('health')
  health() {
    return { status: 'ok', ...this.oracle.status };
  }

  @Get('ready')
  ready() {
    if (!this.oracle.status.lastPollAt) throw new ServiceUnavailableException('no poll round has completed yet');
    return { status: 'ready', settings: redactSettings(this.settings) };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.oracle.metrics.registry.metrics();
  }

  /** The newest assessment of every segment, summarised. */
  @Get('segments')
  async segments() {
    const rows = await this.repo.latestAssessments();
    return rows.map((r) => {
      const a = r.assessment as {
        esShareBps: number;
        historical: { varUsd: number; esUsd: number };
        headroom: { withinMarginShareBps: number };
        assets: { assetId: Hex; relativeVolatility: number }[];
        decision: { changed: boolean; blocked: string[] };
      };
      return {
        segment: fromBytes32Name(r.segment),
        id: r.segment,
        assessmentId: r.id,
        computedAt: r.computedAt,
        reason: r.reason,
        varUsd: a.historical.varUsd,
        esUsd: a.historical.esUsd,
        esShareBps: a.esShareBps,
        nearLiquidationShareBps: a.headroom.withinMarginShareBps,
        volatility: Object.fromEntries(a.assets.map((x) => [fromBytes32Name(x.assetId), x.relativeVolatility])),
        proposes: a.decision.changed,
        blocked: a.decision.blocked,
      };
    });
  }

  /** The newest assessment of one segment, whole: inputs, metrics, targets and every clamp. */
  @Get('segments/:segment')
  async segment(@Param('segment') raw: string) {
    const id = segmentId(raw);
    const row = (await this.repo.latestAssessments()).find((r) => r.segment.toLowerCase() === id);
    if (!row) throw new NotFoundException(`no assessment of segment ${raw} yet`);
    return { ...row, fromBytes32Name: fromBytes32Name(row.segment) };
  }

  /** The last cross-segment correlation matrix (null before the first assessment of two segments). */
  @Get('correlation')
  correlation() {
    return this.oracle.latestCorrelation;
  }

  @Get('alerts')
  async alerts(@Query('active') active?: string) {
    if (active !== undefined && active !== 'true' && active !== 'false')
      throw new NotFoundException('active must be true or false');
    const alerts = await this.repo.alerts(active === undefined ? {} : { active: active === 'true' });
    return alerts.map((a) => ({ ...a, segments: [fromBytes32Name(a.segmentA), fromBytes32Name(a.segmentB)] }));
  }

  @Get('proposals')
  async proposals(@Query('status') status?: string, @Query('segment') segment?: string) {
    if (status !== undefined && !STATUSES.includes(status as ProposalStatus))
      throw new NotFoundException(`status must be one of ${STATUSES.join(', ')}`);
    const rows = await this.repo.proposals({
      ...(status ? { status: status as ProposalStatus } : {}),
      ...(segment ? { segment: segmentId(segment) } : {}),
    });
    return rows.map((p) => ({
      ...p,
      fromBytes32Name: fromBytes32Name(p.segment),
      paramsEpoch: p.paramsEpoch?.toString() ?? null,
    }));
  }

  @Get('liquidations')
  async liquidations(@Query('segment') segment?: string) {
    const rows = await this.repo.liquidations(segment ? segmentId(segment) : undefined);
    return rows.map((l) => ({
      ...l,
      fromBytes32Name: fromBytes32Name(l.segment),
      sub: l.sub.toString(),
      repayAmount: l.repayAmount.toString(),
    }));
  }
}
