import type { Hex } from 'viem';
import { EnvReader } from '#app/chains';
import { DEFAULT_MANIFEST_PATH, DEVNET_PRICE_PERIOD_SECONDS, devnetPrivateKey } from '#app/devnet';
import { redactUrl } from '#app/persistence';
import {
  checkRoutingTargets,
  DEFAULT_RISK_CONFIG,
  DEFAULT_ROUTING_TARGETS,
  RiskError,
  type RiskConfig,
  type RoutingTargets,
} from '#app/risk';

/** off: no planner; dry-run: plan and log only (GET /routing/plan); submit: also send the moves. */
export const ROUTING_MODES = ['off', 'dry-run', 'submit'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

export interface RoutingSettings {
  mode: RoutingMode;
  intervalMs: number;
  targets: RoutingTargets;
  /** The router role's key (`route` on every chain's SegmentRouter); used in submit mode. */
  operatorKey: Hex;
}

/** Every risk-oracle setting, validated once at boot. Defaults work against `npm start`'s devnet. */
export interface RiskOracleSettings {
  /** A chain config file (`{ chains: [...] }`, see libs/chains); when unset, the devnet manifest. */
  chainsFile: string | undefined;
  manifestPath: string;
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  dataDir: string;
  /** The controller's risk steward (sends `stewardSetRiskParams` on the hub). */
  stewardKey: Hex;
  /** The liquidation keeper's key (repays debts on every chain; holds the borrow assets). */
  keeperKey: Hex;
  usingDevnetKeys: boolean;
  /** How often prices and vault events are read from every chain. */
  pollMs: number;
  /** The scheduled recompute of every segment. */
  assessIntervalMs: number;
  /** A move of any feed by at least this much since the last recompute triggers one at once. */
  largeMoveBps: number;
  /** The period of the price grid (seconds): one price per period per asset. 86400 in production. */
  periodSeconds: number;
  risk: RiskConfig;
  /** Submit the policy's proposals through the steward role (off: assess and record only). */
  submit: boolean;
  correlationThreshold: number;
  /** returns in the correlation window */
  correlationWindow: number;
  /** an alert clears when ρ falls below threshold − this */
  correlationHysteresis: number;
  /** segments under an active correlation alert are assessed with volatility × this (1: no tightening) */
  correlationStress: number;
  keeper: boolean;
  /** The liquidity routing planner (DESIGN §6). */
  routing: RoutingSettings;
  maxLogRange: bigint;
  httpHost: string;
  httpPort: number;
}

export class RiskOracleConfigError extends Error {
  override name = 'RiskOracleConfigError';
}

type Env = Record<string, string | undefined>;

export function loadRiskOracleSettings(env: Env): RiskOracleSettings {
  const e = new EnvReader(env);
  const problems = e.problems;
  const int = e.int.bind(e);
  const real = e.number.bind(e);
  const bool = e.bool.bind(e);
  const key = e.privateKey.bind(e);
  const stewardRaw = e.raw('RISK_STEWARD_KEY');
  const keeperRaw = e.raw('RISK_KEEPER_KEY');
  const routing = loadRoutingSettings(e);
  const window = int('RISK_WINDOW', 30, 3, 10_000);
  const settings: RiskOracleSettings = {
    chainsFile: env.RISK_CHAINS_FILE || undefined,
    manifestPath: env.RISK_MANIFEST || DEFAULT_MANIFEST_PATH,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    dataDir: env.RISK_DATA_DIR || '.data/risk-oracle',
    stewardKey: stewardRaw ? key('RISK_STEWARD_KEY', stewardRaw) : devnetPrivateKey('riskSteward'),
    keeperKey: keeperRaw ? key('RISK_KEEPER_KEY', keeperRaw) : devnetPrivateKey('keeper'),
    usingDevnetKeys: !stewardRaw || !keeperRaw || (routing.mode === 'submit' && !e.raw('RISK_ROUTE_OPERATOR_KEY')),
    pollMs: int('RISK_POLL_MS', 1_000, 50, 600_000),
    assessIntervalMs: int('RISK_ASSESS_INTERVAL_MS', 30_000, 100, 86_400_000),
    largeMoveBps: int('RISK_LARGE_MOVE_BPS', 500, 1, 10_000),
    periodSeconds: int('RISK_PERIOD_SECONDS', DEVNET_PRICE_PERIOD_SECONDS, 1, 86_400),
    risk: {
      ...DEFAULT_RISK_CONFIG,
      window,
      confidenceBps: int('RISK_CONFIDENCE_BPS', DEFAULT_RISK_CONFIG.confidenceBps, 5_001, 9_999),
      headroomMarginBps: int('RISK_HEADROOM_MARGIN_BPS', DEFAULT_RISK_CONFIG.headroomMarginBps, 0, 10_000),
      ewma: {
        ...DEFAULT_RISK_CONFIG.ewma,
        lambda: real('RISK_EWMA_LAMBDA', DEFAULT_RISK_CONFIG.ewma.lambda, 0.5, 0.999),
        seedReturns: Math.min(DEFAULT_RISK_CONFIG.ewma.seedReturns, window - 1),
      },
      policy: { ...DEFAULT_RISK_CONFIG.policy, loosen: bool('RISK_POLICY_LOOSEN', false) },
    },
    submit: bool('RISK_SUBMIT', true),
    correlationThreshold: real('RISK_CORRELATION_THRESHOLD', 0.8, -1, 1),
    correlationWindow: int('RISK_CORRELATION_WINDOW', Math.min(30, window - 1), 2, 10_000),
    correlationHysteresis: real('RISK_CORRELATION_HYSTERESIS', 0.1, 0, 2),
    correlationStress: real('RISK_CORRELATION_STRESS', 1.5, 1, 10),
    keeper: bool('RISK_KEEPER', true),
    routing,
    maxLogRange: BigInt(int('RISK_MAX_LOG_RANGE', 2_000, 1, 100_000)),
    httpHost: env.RISK_HTTP_HOST || '127.0.0.1',
    httpPort: int('RISK_HTTP_PORT', 3200, 0, 65_535),
  };
  if (settings.correlationWindow > window - 1)
    problems.push(`RISK_CORRELATION_WINDOW must be at most RISK_WINDOW − 1 (${window - 1})`);
  if (problems.length > 0)
    throw new RiskOracleConfigError(`invalid risk-oracle configuration:\n- ${problems.join('\n- ')}`);
  return settings;
}

/** The settings with secrets replaced, for logs and `/ready`. */
export function redactSettings(s: RiskOracleSettings): Record<string, unknown> {
  return {
    ...s,
    stewardKey: '[redacted]',
    keeperKey: '[redacted]',
    routing: { ...s.routing, operatorKey: '[redacted]' },
    databaseUrl: s.databaseUrl === undefined ? undefined : redactUrl(s.databaseUrl),
    maxLogRange: s.maxLogRange.toString(),
  };
}

/** RISK_ROUTING and its settings; bad values join the reader's problems. */
function loadRoutingSettings(e: EnvReader): RoutingSettings {
  const rawMode = e.raw('RISK_ROUTING') ?? 'dry-run';
  const mode = ROUTING_MODES.find((m) => m === rawMode);
  if (!mode) e.problems.push(`RISK_ROUTING must be one of ${ROUTING_MODES.join(', ')}, got "${rawMode}"`);
  const d = DEFAULT_ROUTING_TARGETS;
  const targets: RoutingTargets = {
    sourceBelowBps: e.int('RISK_ROUTING_SOURCE_BELOW_BPS', d.sourceBelowBps, 0, 10_000),
    destinationAboveBps: e.int('RISK_ROUTING_DESTINATION_ABOVE_BPS', d.destinationAboveBps, 0, 10_000),
    destinationTargetBps: e.int('RISK_ROUTING_TARGET_BPS', d.destinationTargetBps, 1, 10_000),
    marginBps: e.int('RISK_ROUTING_MARGIN_BPS', d.marginBps, 0, 1_000),
  };
  try {
    checkRoutingTargets(targets);
  } catch (error) {
    if (!(error instanceof RiskError)) throw error;
    e.problems.push(`RISK_ROUTING_* targets: ${error.message}`);
  }
  const keyRaw = e.raw('RISK_ROUTE_OPERATOR_KEY');
  return {
    mode: mode ?? 'off',
    intervalMs: e.int('RISK_ROUTING_INTERVAL_MS', 60_000, 100, 86_400_000),
    targets,
    operatorKey: keyRaw ? e.privateKey('RISK_ROUTE_OPERATOR_KEY', keyRaw) : devnetPrivateKey('routeOperator'),
  };
}
