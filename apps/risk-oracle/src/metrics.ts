import { Counter, Gauge, Registry } from 'prom-client';

/** The risk oracle's Prometheus metrics, on one registry per process (tests build their own). */
export class RiskOracleMetrics {
  readonly registry = new Registry();
  readonly rounds = new Counter({
    name: 'risk_price_rounds_total',
    help: 'Feed rounds indexed',
    labelNames: ['eid'],
    registers: [this.registry],
  });
  readonly headLag = new Gauge({
    name: 'risk_head_lag_blocks',
    help: 'Chain head minus the indexer cursor',
    labelNames: ['eid'],
    registers: [this.registry],
  });
  readonly assessments = new Counter({
    name: 'risk_assessments_total',
    help: 'Segment assessments by outcome (assessed, skipped, failed)',
    labelNames: ['segment', 'outcome'],
    registers: [this.registry],
  });
  readonly varUsd = new Gauge({
    name: 'risk_segment_var_usd',
    help: 'Value at risk of the segment book (USD, positive = loss)',
    labelNames: ['segment', 'method'],
    registers: [this.registry],
  });
  readonly esUsd = new Gauge({
    name: 'risk_segment_es_usd',
    help: 'Expected shortfall of the segment book (USD, positive = loss)',
    labelNames: ['segment', 'method'],
    registers: [this.registry],
  });
  readonly volatility = new Gauge({
    name: 'risk_asset_volatility',
    help: 'Daily-equivalent EWMA volatility of a collateral asset against the borrow asset',
    labelNames: ['segment', 'asset'],
    registers: [this.registry],
  });
  readonly nearLiquidation = new Gauge({
    name: 'risk_segment_near_liquidation_share',
    help: 'Share of collateral value within the headroom margin of its liquidation threshold',
    labelNames: ['segment'],
    registers: [this.registry],
  });
  readonly proposals = new Counter({
    name: 'risk_proposals_total',
    help: 'Steward proposals by outcome (submitted, refused, failed, applied)',
    labelNames: ['segment', 'status'],
    registers: [this.registry],
  });
  readonly alertsActive = new Gauge({
    name: 'risk_correlation_alerts_active',
    help: 'Pairs of segments correlated above the alert threshold',
    registers: [this.registry],
  });
  readonly maxCorrelation = new Gauge({
    name: 'risk_correlation_max',
    help: 'The highest correlation between two segments over the window',
    registers: [this.registry],
  });
  readonly liquidations = new Counter({
    name: 'risk_liquidations_total',
    help: 'Liquidations the keeper sent, by result',
    labelNames: ['segment', 'eid', 'result'],
    registers: [this.registry],
  });
  readonly badDebt = new Gauge({
    name: 'risk_bad_debt',
    help: 'Realised bad debt of a segment on a chain (borrow-asset units, float: for alerting only)',
    labelNames: ['segment', 'eid'],
    registers: [this.registry],
  });
  readonly routingMoves = new Counter({
    name: 'risk_routing_moves_total',
    help: 'Liquidity moves the routing planner proposed (planned) and sent (sent, failed)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'risk_errors_total',
    help: 'Rounds that failed (RPC or database), by stage',
    labelNames: ['stage', 'eid'],
    registers: [this.registry],
  });
}
