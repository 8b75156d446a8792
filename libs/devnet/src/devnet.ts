import { existsSync, rmSync } from 'node:fs';
import { createPublicClient, http, type Address, type PublicClient } from 'viem';
import {
  ChainRegistry,
  createChainPublicClient,
  createChainWalletClient,
  loadChainRegistry,
  type ChainConfig,
} from '#app/chains';
import { DEVNET_DVN_QUORUM, DEVNET_ROLES, DVN_SIGNER_ROLES, devnetAccount, type DevnetRole } from './accounts.js';
import { freePort, isAlive, startAnvil, stopPid, type AnvilInstance } from './anvil.js';
import { DevnetError, DevnetErrorCode } from './errors.js';
import { planLayerZero } from './layerzero.js';
import {
  DEFAULT_MANIFEST_PATH,
  MANIFEST_VERSION,
  readManifest,
  writeManifest,
  type ChainRole,
  type DevnetManifest,
  type LayerZeroAddresses,
  type ManifestChain,
} from './manifest.js';
import { describePlan, PlanBuilder, type ChainPlan } from './plan.js';
import { sendPlan } from './send.js';

export interface DevnetChainSpec {
  name: string;
  role: ChainRole;
  chainId: number;
  eid: number;
  confirmations: number;
}

export const FIRST_EID = 40101;
export const FIRST_CHAIN_ID = 31401;

/** Hub first, then spokes: eids 40101, 40102, …; chain ids 31401, 31402, … */
export function defaultChainSpecs(count: number, confirmations = 1): DevnetChainSpec[] {
  if (!Number.isInteger(count) || count < 2 || count > 16) {
    throw new DevnetError(DevnetErrorCode.BadOptions, `a devnet needs 2 to 16 chains, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => ({
    name: i === 0 ? 'hub' : `spoke-${i}`,
    role: i === 0 ? 'hub' : 'spoke',
    chainId: FIRST_CHAIN_ID + i,
    eid: FIRST_EID + i,
    confirmations,
  }));
}

export interface DevnetOptions {
  chains?: number | DevnetChainSpec[];
  manifestPath?: string;
  /** Start anvil detached so the chains outlive this process (`segctl devnet down` stops them). */
  detached?: boolean;
  /** Reuse chains recorded in the manifest when they still answer (idempotent re-run). */
  reuse?: boolean;
  /** Write the manifest (tests that run several devnets side by side turn this off). */
  writeManifest?: boolean;
  /** Print the plan and send nothing (only against chains already running). */
  dryRun?: boolean;
  /** Ports the chains must not take: services' ports chosen before the chains start. */
  reservedPorts?: readonly number[];
  log?: (line: string) => void;
}

export interface Devnet {
  manifest: DevnetManifest;
  manifestPath: string;
  registry: ChainRegistry;
  /** Plans that were sent (empty steps on an idempotent re-run). */
  plans: ChainPlan[];
  /** Anvil processes this handle started (none when it reused running chains). */
  anvils: AnvilInstance[];
  /** Stops the chains this handle started and removes the manifest it wrote. */
  stop(): Promise<void>;
}

export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const log = options.log ?? (() => undefined);
  const manifestPath = options.manifestPath ?? DEFAULT_MANIFEST_PATH;
  const specs = Array.isArray(options.chains) ? options.chains : defaultChainSpecs(options.chains ?? 3);
  const previous = options.reuse === false ? undefined : readManifest(manifestPath);
  const reused = previous ? await reusableChains(previous, specs, log) : undefined;
  if (options.dryRun && !reused)
    throw new DevnetError(DevnetErrorCode.BadOptions, '--dry-run needs a running devnet to plan against');

  const anvils: AnvilInstance[] = [];
  const stopStarted = async () => {
    await Promise.all(anvils.map((a) => a.stop()));
  };
  try {
    const endpoints =
      reused ?? (await startChains(specs, anvils, options.detached ?? false, log, options.reservedPorts ?? []));
    const accounts = Object.fromEntries(
      Object.keys(DEVNET_ROLES).map((r) => [r, devnetAccount(r as DevnetRole).address]),
    ) as Record<DevnetRole, Address>; // every role key is listed
    const plans: ChainPlan[] = [];
    const chains = await Promise.all(
      specs.map(async (spec, i) => {
        const endpoint = endpoints[i]; // one per spec
        const existing = reused ? previous?.chains.find((c) => c.eid === spec.eid) : undefined;
        const { plan, layerZero } = await planChain(spec, specs, endpoint.rpcUrl, existing?.layerZero, accounts);
        plans.push(plan);
        for (const line of describePlan(plan)) log(line);
        if (!options.dryRun) await sendChainPlan(plan, spec, endpoint.rpcUrl, log);
        const chain: ManifestChain = {
          name: spec.name,
          role: spec.role,
          chainId: spec.chainId,
          eid: spec.eid,
          rpcUrl: endpoint.rpcUrl,
          confirmations: spec.confirmations,
          layerZero,
          contracts: existing?.contracts ?? {},
          ...(endpoint.pid !== undefined ? { pid: endpoint.pid } : {}),
        };
        return chain;
      }),
    );
    const manifest: DevnetManifest = {
      version: MANIFEST_VERSION,
      createdAt: previous && reused ? previous.createdAt : new Date().toISOString(),
      detached: reused ? (previous?.detached ?? false) : (options.detached ?? false),
      accounts,
      dvn: { signers: DVN_SIGNER_ROLES.map((r) => accounts[r]), quorum: DEVNET_DVN_QUORUM },
      chains,
    };
    const wrote = options.writeManifest !== false && !options.dryRun;
    if (wrote) writeManifest(manifestPath, manifest);
    return {
      manifest,
      manifestPath,
      registry: registryFromManifest(manifest),
      plans,
      anvils,
      stop: async () => {
        await stopStarted();
        if (wrote && anvils.length > 0 && existsSync(manifestPath)) rmSync(manifestPath);
      },
    };
  } catch (error) {
    await stopStarted();
    throw error;
  }
}

async function startChains(
  specs: DevnetChainSpec[],
  anvils: AnvilInstance[],
  detached: boolean,
  log: (l: string) => void,
  reservedPorts: readonly number[],
) {
  // each chain's port chosen before any starts: two probes may otherwise be handed the same port
  const taken = new Set(reservedPorts);
  const ports: number[] = [];
  for (let i = 0; i < specs.length; i++) {
    const port = await freePort(taken);
    taken.add(port);
    ports.push(port);
  }
  return Promise.all(
    specs.map(async (spec, i) => {
      const anvil = await startAnvil({ chainId: spec.chainId, detached, port: ports[i] ?? 0 });
      anvils.push(anvil);
      log(`${spec.name}: anvil pid ${anvil.pid}, chain id ${spec.chainId}, eid ${spec.eid}, ${anvil.rpcUrl}`);
      return { rpcUrl: anvil.rpcUrl, pid: anvil.pid };
    }),
  );
}

/** Chains of a previous run that are still up, match the requested layout, and answer with the right chain id. */
async function reusableChains(previous: DevnetManifest, specs: DevnetChainSpec[], log: (l: string) => void) {
  const sameLayout =
    previous.chains.length === specs.length &&
    specs.every((s, i) => previous.chains[i]?.eid === s.eid && previous.chains[i]?.chainId === s.chainId);
  const answering = await Promise.all(previous.chains.map((c) => chainIdAt(c.rpcUrl)));
  const live = previous.chains.filter((c, i) => answering[i] === c.chainId);
  if (live.length === 0) return undefined; // a stale manifest from a run that ended: start afresh
  if (!sameLayout || live.length !== previous.chains.length) {
    throw new DevnetError(
      DevnetErrorCode.ChainMismatch,
      `a devnet with ${previous.chains.length} chains is still running (${live.map((c) => c.rpcUrl).join(', ')}); run \`segctl devnet down\` first`,
    );
  }
  log(`reusing the running devnet (${previous.chains.map((c) => c.name).join(', ')})`);
  return previous.chains.map((c) => ({ rpcUrl: c.rpcUrl, ...(c.pid !== undefined ? { pid: c.pid } : {}) }));
}

async function chainIdAt(rpcUrl: string): Promise<number | undefined> {
  try {
    return await createPublicClient({ transport: http(rpcUrl, { timeout: 2_000, retryCount: 0 }) }).getChainId();
  } catch {
    return undefined;
  }
}

function chainConfig(spec: DevnetChainSpec, rpcUrl: string): ChainConfig {
  return {
    name: spec.name,
    chainId: spec.chainId,
    eid: spec.eid,
    rpcUrls: [rpcUrl],
    confirmations: spec.confirmations,
    contracts: {},
  };
}

async function planChain(
  spec: DevnetChainSpec,
  all: DevnetChainSpec[],
  rpcUrl: string,
  recorded: LayerZeroAddresses | undefined,
  accounts: Record<DevnetRole, Address>,
): Promise<{ plan: ChainPlan; layerZero: LayerZeroAddresses }> {
  const client = createChainPublicClient(chainConfig(spec, rpcUrl));
  const existing = recorded && (await allHaveCode(client, Object.values(recorded))) ? recorded : undefined;
  const nonce = await client.getTransactionCount({ address: accounts.deployer, blockTag: 'pending' });
  const builder = new PlanBuilder(accounts.deployer, nonce);
  const layerZero = await planLayerZero(client, builder, {
    local: spec,
    remotes: all.filter((s) => s.eid !== spec.eid),
    deployer: accounts.deployer,
    relayer: accounts.relayer,
    dvnSigners: DVN_SIGNER_ROLES.map((r) => accounts[r]),
    dvnQuorum: DEVNET_DVN_QUORUM,
    ...(existing ? { existing } : {}),
  });
  return { plan: builder.build(spec.name), layerZero };
}

async function allHaveCode(client: PublicClient, addresses: Address[]): Promise<boolean> {
  const codes = await Promise.all(addresses.map((address) => client.getCode({ address })));
  return codes.every((c) => c !== undefined && c !== '0x');
}

async function sendChainPlan(
  plan: ChainPlan,
  spec: DevnetChainSpec,
  rpcUrl: string,
  log: (l: string) => void,
): Promise<void> {
  if (plan.steps.length === 0) return;
  const config = chainConfig(spec, rpcUrl);
  const started = Date.now();
  await sendPlan(plan, createChainWalletClient(config, devnetAccount('deployer')), createChainPublicClient(config));
  log(`${spec.name}: sent ${plan.steps.length} transaction(s) in ${Date.now() - started} ms`);
}

export function registryFromManifest(manifest: DevnetManifest): ChainRegistry {
  return new ChainRegistry(
    manifest.chains.map((c) => ({
      name: c.name,
      chainId: c.chainId,
      eid: c.eid,
      rpcUrls: [c.rpcUrl],
      confirmations: c.confirmations,
      contracts: { ...c.layerZero, ...c.contracts },
    })),
  );
}

/**
 * The chains a service works with: from a chain config file when one is given, else from the devnet
 * manifest. A missing manifest is reported through `fail` (the service's own configuration error).
 */
export function serviceChainRegistry(
  source: { chainsFile: string | undefined; manifestPath: string; chainsFileVariable: string },
  fail: (message: string) => Error,
): ChainRegistry {
  if (source.chainsFile) return loadChainRegistry(source.chainsFile);
  const manifest = readManifest(source.manifestPath);
  if (!manifest)
    throw fail(
      `no devnet manifest at ${source.manifestPath} (start one with \`segctl devnet up\`, or set ${source.chainsFileVariable})`,
    );
  return registryFromManifest(manifest);
}

/** Stops the chains recorded in a manifest (a detached devnet, or leftovers of a crashed run). */
export async function stopDevnet(
  manifestPath = DEFAULT_MANIFEST_PATH,
  log: (l: string) => void = () => undefined,
): Promise<number> {
  const manifest = readManifest(manifestPath);
  if (!manifest) return 0;
  let stopped = 0;
  for (const chain of manifest.chains) {
    if (chain.pid !== undefined && isAlive(chain.pid) && (await chainIdAt(chain.rpcUrl)) === chain.chainId) {
      await stopPid(chain.pid);
      log(`${chain.name}: stopped anvil pid ${chain.pid}`);
      stopped += 1;
    }
  }
  rmSync(manifestPath);
  return stopped;
}
