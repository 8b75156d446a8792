import type { Hex } from 'viem';
import { EnvReader } from '#app/chains';
import { DEFAULT_MANIFEST_PATH, devnetPrivateKey } from '#app/devnet';

/** Every governance setting, validated once at boot. Defaults work against `npm start`'s devnet. */
export interface GovernanceSettings {
  /** A chain config file (`{ chains: [...] }`, see libs/chains); when unset, the devnet manifest. */
  chainsFile: string | undefined;
  manifestPath: string;
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  dataDir: string;
  /** The key that queues and executes proposals on the hub (anyone may; it pays the gas). */
  executorKey: Hex;
  usingDevnetKeys: boolean;
  /** Execute queued proposals as soon as their timelock has passed. */
  autoExecute: boolean;
  /** How often queued proposals and deadlines are checked. */
  pollMs: number;
  /** A proposal's signing window when the request names none (seconds). */
  defaultDeadlineSeconds: number;
  /** Write requests per client and minute. */
  rateLimitPerMinute: number;
  /** The relayer's API, for in-flight messages (optional). */
  relayerUrl: string | undefined;
  /** The risk oracle's API, for the correlation heat map (optional). */
  riskUrl: string | undefined;
  httpHost: string;
  httpPort: number;
  /** The hub block event searches start from: the controller's deployment block (0 searches the whole chain). */
  startBlock: bigint;
  /** Largest `eth_getLogs` range per call. */
  maxLogRange: bigint;
}

export class GovernanceConfigError extends Error {
  override name = 'GovernanceConfigError';
}

type Env = Record<string, string | undefined>;

export function loadGovernanceSettings(env: Env): GovernanceSettings {
  const e = new EnvReader(env);
  const executorRaw = e.raw('GOV_EXECUTOR_KEY');
  const settings: GovernanceSettings = {
    chainsFile: env.GOV_CHAINS_FILE || undefined,
    manifestPath: env.GOV_MANIFEST || DEFAULT_MANIFEST_PATH,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    dataDir: env.GOV_DATA_DIR || '.data/governance',
    executorKey: executorRaw ? e.privateKey('GOV_EXECUTOR_KEY', executorRaw) : devnetPrivateKey('governanceExecutor'),
    usingDevnetKeys: !executorRaw,
    autoExecute: e.bool('GOV_AUTO_EXECUTE', true),
    pollMs: e.int('GOV_POLL_MS', 1_000, 50, 600_000),
    defaultDeadlineSeconds: e.int('GOV_DEADLINE_SECONDS', 7 * 86_400, 60, 365 * 86_400),
    rateLimitPerMinute: e.int('GOV_RATE_LIMIT', 60, 1, 1_000_000),
    relayerUrl: env.GOV_RELAYER_URL || undefined,
    riskUrl: env.GOV_RISK_URL || undefined,
    httpHost: env.GOV_HTTP_HOST || '127.0.0.1',
    httpPort: e.int('GOV_HTTP_PORT', 3300, 0, 65_535),
    startBlock: e.block('GOV_START_BLOCK', 0n),
    maxLogRange: BigInt(e.int('GOV_MAX_LOG_RANGE', 2_000, 1, 100_000)),
  };
  if (e.problems.length > 0)
    throw new GovernanceConfigError(`invalid governance configuration:\n- ${e.problems.join('\n- ')}`);
  return settings;
}
