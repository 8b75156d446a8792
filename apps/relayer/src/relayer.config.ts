import { hostname } from 'node:os';
import type { Hex } from 'viem';
import { EnvReader } from '#app/chains';
import { DEFAULT_MANIFEST_PATH, devnetPrivateKey } from '#app/devnet';
import { redactUrl } from '#app/persistence';

/** Every relayer setting, validated once at boot. Defaults work against `npm start`'s devnet. */
export interface RelayerSettings {
  /** A chain config file (`{ chains: [...] }`, see libs/chains); when unset, the devnet manifest. */
  chainsFile: string | undefined;
  manifestPath: string;
  /** Postgres when set; the embedded PGlite database under `dataDir` otherwise. */
  databaseUrl: string | undefined;
  /** Postgres schema (created if missing); the default search path when unset. */
  databaseSchema: string | undefined;
  dataDir: string;
  /** Sends DVN.execute and BatchExecutor.deliver (DVN admin, batch-executor operator). */
  senderKey: Hex;
  /** DVN signer keys this replica signs with (devnet: the quorum; production: the operator's one key). */
  dvnSignerKeys: Hex[];
  /** True when keys were not configured and the well-known devnet keys are used. */
  usingDevnetKeys: boolean;
  pollMs: number;
  batchSize: number;
  leaseMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  httpHost: string;
  httpPort: number;
  replicaId: string;
  /** Where a chain with no cursor yet starts reading: one block for all, or per eid. */
  startBlock: bigint;
  startBlocks: ReadonlyMap<number, bigint>;
  maxLogRange: bigint;
  /** At most this many chains' senders per replica (spreads the sending among replicas). */
  maxSenderChains: number;
  /** Attestation keeper: each chain's vault attests its segments this often (0: off). */
  attestIntervalMs: number;
  /**
   * OApps whose packets the operator refuses to relay, as sender or receiver: `<eid>:<address>`
   * for one chain's contract, or `<address>` on every chain (lower-case).
   */
  denylist: ReadonlySet<string>;
}

export class RelayerConfigError extends Error {
  override name = 'RelayerConfigError';
}

type Env = Record<string, string | undefined>;

export function loadRelayerSettings(env: Env): RelayerSettings {
  const e = new EnvReader(env);
  const problems = e.problems;
  const int = e.int.bind(e);
  const key = e.privateKey.bind(e);
  const senderRaw = e.raw('RELAYER_SENDER_KEY');
  const signersRaw = e.raw('RELAYER_DVN_SIGNER_KEYS');
  const settings: RelayerSettings = {
    chainsFile: env.RELAYER_CHAINS_FILE || undefined,
    manifestPath: env.RELAYER_MANIFEST || DEFAULT_MANIFEST_PATH,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    dataDir: env.RELAYER_DATA_DIR || '.data/relayer',
    senderKey: senderRaw ? key('RELAYER_SENDER_KEY', senderRaw) : devnetPrivateKey('relayer'),
    dvnSignerKeys: signersRaw
      ? signersRaw.split(',').map((k, i) => key(`RELAYER_DVN_SIGNER_KEYS[${i}]`, k.trim()))
      : [devnetPrivateKey('dvnSigner1'), devnetPrivateKey('dvnSigner2')],
    usingDevnetKeys: !senderRaw || !signersRaw,
    pollMs: int('RELAYER_POLL_MS', 250, 10, 60_000),
    batchSize: int('RELAYER_BATCH_SIZE', 50, 1, 500),
    leaseMs: int('RELAYER_LEASE_MS', 30_000, 1_000, 3_600_000),
    maxAttempts: int('RELAYER_MAX_ATTEMPTS', 5, 1, 100),
    retryBaseMs: int('RELAYER_RETRY_BASE_MS', 1_000, 1, 3_600_000),
    retryMaxMs: int('RELAYER_RETRY_MAX_MS', 300_000, 1, 86_400_000),
    httpHost: env.RELAYER_HTTP_HOST || '127.0.0.1',
    httpPort: int('RELAYER_HTTP_PORT', 3100, 0, 65_535),
    replicaId: env.RELAYER_REPLICA_ID || `${hostname()}-${process.pid}`,
    ...startBlocks(env.RELAYER_START_BLOCK, problems),
    maxLogRange: BigInt(int('RELAYER_MAX_LOG_RANGE', 2_000, 1, 100_000)),
    maxSenderChains: int('RELAYER_MAX_SENDER_CHAINS', 1_000, 1, 1_000),
    attestIntervalMs: int('RELAYER_ATTEST_INTERVAL_MS', 60_000, 0, 86_400_000),
    denylist: new Set(
      (env.RELAYER_DENYLIST ?? '')
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== '')
        .map((entry) => {
          const m = /^(?:(\d+):)?(0x[0-9a-fA-F]{40})$/.exec(entry);
          if (!m) problems.push(`RELAYER_DENYLIST entries are <address> or <eid>:<address>, got "${entry}"`);
          return entry.toLowerCase();
        }),
    ),
  };
  if (settings.dvnSignerKeys.length === 0) problems.push('RELAYER_DVN_SIGNER_KEYS is empty');
  if (settings.retryMaxMs < settings.retryBaseMs)
    problems.push('RELAYER_RETRY_MAX_MS must be at least RELAYER_RETRY_BASE_MS');
  if (problems.length > 0) throw new RelayerConfigError(`invalid relayer configuration:\n- ${problems.join('\n- ')}`);
  return settings;
}

/** `RELAYER_START_BLOCK`: `1234` (every chain) or `40101:1234,40102:99` (per eid). */
function startBlocks(
  raw: string | undefined,
  problems: string[],
): { startBlock: bigint; startBlocks: Map<number, bigint> } {
  const perEid = new Map<number, bigint>();
  if (!raw) return { startBlock: 0n, startBlocks: perEid };
  if (/^\d+$/.test(raw)) return { startBlock: BigInt(raw), startBlocks: perEid };
  for (const part of raw.split(',')) {
    const m = /^\s*(\d+):(\d+)\s*$/.exec(part);
    if (!m) {
      problems.push(`RELAYER_START_BLOCK must be a block number or eid:block pairs, got "${raw}"`);
      break;
    }
    perEid.set(Number(m[1]), BigInt(m[2])); // both groups matched
  }
  return { startBlock: 0n, startBlocks: perEid };
}

/** The settings with every secret replaced, for logs and `/ready`. */
export function redactSettings(settings: RelayerSettings): Record<string, unknown> {
  return {
    ...settings,
    senderKey: '[redacted]',
    dvnSignerKeys: settings.dvnSignerKeys.map(() => '[redacted]'),
    databaseUrl: settings.databaseUrl === undefined ? undefined : redactUrl(settings.databaseUrl),
    startBlock: settings.startBlock.toString(),
    startBlocks: Object.fromEntries([...settings.startBlocks].map(([eid, block]) => [eid, block.toString()])),
    maxLogRange: settings.maxLogRange.toString(),
    denylist: [...settings.denylist],
  };
}
