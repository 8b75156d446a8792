import {
  encodeDeployData,
  encodeFunctionData,
  parseEther,
  parseUnits,
  zeroAddress,
  type Abi,
  type Address,
  type PublicClient,
} from 'viem';
import { createChainPublicClient, createChainWalletClient, type ChainConfig } from '#app/chains';
import {
  DevPriceFeed,
  DevToken,
  SegmentController,
  SegmentRiskRules,
  SegmentRouter,
  SegmentVault,
} from '#app/contracts';
import {
  addressToBytes32,
  encodeActionData,
  labelNonce,
  ProposalAction,
  signProposal,
  toBytes32Name,
  type ActionInput,
  type RiskParams,
  type StewardBounds,
} from '#app/messaging';
import { devnetAccount } from './accounts.js';
import type { Devnet } from './devnet.js';
import { writeManifest, type DevnetManifest, type ManifestChain } from './manifest.js';
import { describePlan, PlanBuilder, type ChainPlan } from './plan.js';
import { sendPlan } from './send.js';

/** Price feeds answer with 8 decimals, as Chainlink's USD feeds do. */
export const FEED_DECIMALS = 8;
/** Feeds older than this are refused by the vaults (the devnet scenarios update them as they go). */
export const DEVNET_MAX_STALENESS = 86_400;
/** The timelock governors live with on the devnet once it is bootstrapped. */
export const DEVNET_TIMELOCK_SECONDS = 60;
export const DEVNET_GOVERNOR_THRESHOLD = 2;

export interface DevnetAsset {
  symbol: string;
  decimals: number;
  /** USD with FEED_DECIMALS decimals. */
  price: bigint;
}

export const DEVNET_ASSETS: readonly DevnetAsset[] = [
  { symbol: 'USDC', decimals: 6, price: 100_000_000n },
  { symbol: 'WETH', decimals: 18, price: 3_000n * 100_000_000n },
  { symbol: 'CRV', decimals: 18, price: 60_000_000n },
  { symbol: 'WBTC', decimals: 8, price: 90_000n * 100_000_000n },
];

export interface DevnetSegment {
  name: string;
  borrow: string;
  collaterals: { symbol: string; ltvBps: number; liqThresholdBps: number; liqBonusBps: number; supplyCap: bigint }[];
  borrowCap: bigint;
  globalCapUsd: bigint;
}

/** One segment per collateral asset, all lending USDC: the layout our users adopt after CRV 2022. */
export const DEVNET_SEGMENTS: readonly DevnetSegment[] = [
  {
    name: 'weth',
    borrow: 'USDC',
    collaterals: [
      { symbol: 'WETH', ltvBps: 8_000, liqThresholdBps: 8_500, liqBonusBps: 500, supplyCap: parseEther('100000') },
    ],
    borrowCap: parseUnits('50000000', 6),
    globalCapUsd: parseEther('500000000'),
  },
  {
    name: 'crv',
    borrow: 'USDC',
    collaterals: [
      { symbol: 'CRV', ltvBps: 5_500, liqThresholdBps: 6_500, liqBonusBps: 1_000, supplyCap: parseEther('20000000') },
    ],
    borrowCap: parseUnits('5000000', 6),
    globalCapUsd: parseEther('20000000'),
  },
  {
    name: 'wbtc',
    borrow: 'USDC',
    collaterals: [
      { symbol: 'WBTC', ltvBps: 7_500, liqThresholdBps: 8_000, liqBonusBps: 600, supplyCap: parseUnits('5000', 8) },
    ],
    borrowCap: parseUnits('50000000', 6),
    globalCapUsd: parseEther('500000000'),
  },
];

/** What the liquidation keeper holds on every chain to repay debts with (all demo segments lend USDC). */
export const DEVNET_KEEPER_FUNDS = { symbol: 'USDC', amount: parseUnits('10000000', 6) } as const;

/** What the deployer (the devnet's liquidity provider) puts in each chain's USDC routing reserve. */
export const DEVNET_ROUTING_RESERVE = { symbol: 'USDC', amount: parseUnits('1000000', 6) } as const;

export const DEVNET_RATES = { baseBps: 0, slope1Bps: 400, kinkBps: 8_000, slope2Bps: 7_500 } as const;

export const DEVNET_STEWARD_BOUNDS: StewardBounds = {
  maxLtvChangeBps: 500,
  maxThresholdChangeBps: 500,
  maxBonusChangeBps: 200,
  maxReserveFactorChangeBps: 500,
  maxRateChangeBps: 300,
  maxCapChangeBps: 5_000,
  minInterval: 60,
};

export function devnetRiskParams(segment: DevnetSegment): RiskParams {
  return {
    borrowCap: segment.borrowCap,
    reserveFactorBps: 1_000,
    rates: DEVNET_RATES,
    assets: segment.collaterals.map((c) => ({
      assetId: toBytes32Name(c.symbol),
      ltvBps: c.ltvBps,
      liqThresholdBps: c.liqThresholdBps,
      liqBonusBps: c.liqBonusBps,
      supplyCap: c.supplyCap,
    })),
  };
}

const contractKey = {
  token: (symbol: string) => `token:${symbol}`,
  feed: (symbol: string) => `feed:${symbol}`,
  vault: 'segmentVault',
  controller: 'segmentController',
  rules: 'segmentRiskRules',
  router: 'segmentRouter',
} as const;

export interface SegmentStackOptions {
  log?: (line: string) => void;
  /** Print the plans and send nothing. */
  dryRun?: boolean;
  /** Leave governance without a timelock (tests that execute many proposals). */
  timelockSeconds?: number;
}

/**
 * Deploys and wires the segment contracts on a running devnet, idempotently: tokens, feeds and a
 * vault on every chain; the risk rules and the controller on the hub; each spoke vault peered to
 * the controller; then, through the controller's own governance (devnet governors sign), every
 * asset and spoke registered and the demo segments created. Records addresses in the manifest.
 */
export async function deploySegmentStack(devnet: Devnet, options: SegmentStackOptions = {}): Promise<ChainPlan[]> {
  const log = options.log ?? (() => undefined);
  const hub = hubOf(devnet.manifest);
  const plans: ChainPlan[] = [];
  // 1. contracts on every chain (the hub first: the spokes peer with its controller)
  for (const chain of [hub, ...devnet.manifest.chains.filter((c) => c !== hub)]) {
    const plan = await planContracts(devnet, chain, hub);
    plans.push(plan);
    await runPlan(plan, chain, options, log);
  }
  // 2. the routers peer with each other (all of them exist now)
  for (const chain of devnet.manifest.chains) {
    if (options.dryRun && !chain.contracts[contractKey.router]) continue;
    const plan = await planRouterPeers(devnet.manifest, chain);
    plans.push(plan);
    await runPlan(plan, chain, options, log);
  }
  // 3. governance on the hub
  const timelock = options.timelockSeconds ?? DEVNET_TIMELOCK_SECONDS;
  if (
    options.dryRun &&
    !(await hasCode(createChainPublicClient(chainConfigOf(hub)), hub.contracts[contractKey.controller]))
  ) {
    log(`${hub.name}: governance bootstrap is planned once the controller exists`);
    return plans;
  }
  const plan = await planBootstrap(devnet.manifest, hub, timelock);
  plans.push(plan);
  await runPlan(plan, hub, options, log);
  if (!options.dryRun) writeManifest(devnet.manifestPath, devnet.manifest);
  return plans;
}

export function hubOf(manifest: DevnetManifest): ManifestChain {
  const hub = manifest.chains.find((c) => c.role === 'hub');
  if (!hub) throw new Error('the devnet manifest has no hub chain');
  return hub;
}

/** A manifest chain as a chain config (no contracts: callers address them from the manifest). */
export function chainConfigOf(chain: ManifestChain): ChainConfig {
  return {
    name: chain.name,
    chainId: chain.chainId,
    eid: chain.eid,
    rpcUrls: [chain.rpcUrl],
    confirmations: chain.confirmations,
    contracts: {},
  };
}

async function runPlan(
  plan: ChainPlan,
  chain: ManifestChain,
  options: SegmentStackOptions,
  log: (line: string) => void,
): Promise<void> {
  for (const line of describePlan(plan)) log(line);
  if (options.dryRun || plan.steps.length === 0) return;
  const config = chainConfigOf(chain);
  await sendPlan(plan, createChainWalletClient(config, devnetAccount('deployer')), createChainPublicClient(config));
  for (const step of plan.steps) if (step.creates) chain.contracts[step.creates.key] = step.creates.address;
}

async function hasCode(client: PublicClient, address: Address | undefined): Promise<boolean> {
  if (!address) return false;
  const code = await client.getCode({ address });
  return code !== undefined && code !== '0x';
}

async function planContracts(devnet: Devnet, chain: ManifestChain, hub: ManifestChain): Promise<ChainPlan> {
  const client = createChainPublicClient(chainConfigOf(chain));
  const deployer = devnet.manifest.accounts.deployer;
  const b = new PlanBuilder(deployer, await client.getTransactionCount({ address: deployer, blockTag: 'pending' }));
  const planned = (key: string) => chain.contracts[key];
  for (const asset of DEVNET_ASSETS) {
    if (!(await hasCode(client, planned(contractKey.token(asset.symbol))))) {
      const data = encodeDeployData({
        ...DevToken,
        args: [`Devnet ${asset.symbol}`, asset.symbol, asset.decimals, deployer],
      });
      const token = b.deploy(contractKey.token(asset.symbol), `DevToken ${asset.symbol}`, data);
      chain.contracts[contractKey.token(asset.symbol)] = token;
      if (asset.symbol === DEVNET_KEEPER_FUNDS.symbol) {
        const keeper = devnet.manifest.accounts.keeper;
        b.call(
          `DevToken ${asset.symbol}.mint(keeper)`,
          token,
          encodeFunctionData({ abi: DevToken.abi, functionName: 'mint', args: [keeper, DEVNET_KEEPER_FUNDS.amount] }),
        );
        b.call('fund the keeper (gas)', keeper, '0x', parseEther('100'));
        b.call(
          'fund the governance executor (gas)',
          devnet.manifest.accounts.governanceExecutor,
          '0x',
          parseEther('100'),
        );
      }
    }
    if (!(await hasCode(client, planned(contractKey.feed(asset.symbol))))) {
      const data = encodeDeployData({
        ...DevPriceFeed,
        args: [`${asset.symbol} / USD`, FEED_DECIMALS, asset.price, deployer],
      });
      chain.contracts[contractKey.feed(asset.symbol)] = b.deploy(
        contractKey.feed(asset.symbol),
        `DevPriceFeed ${asset.symbol}/USD`,
        data,
      );
    }
  }
  const isHub = chain === hub;
  const vault = planned(contractKey.vault);
  if (!(await hasCode(client, vault))) {
    const data = encodeDeployData({ ...SegmentVault, args: [chain.layerZero.endpoint, deployer, hub.eid] });
    const address = b.deploy(contractKey.vault, 'SegmentVault', data);
    chain.contracts[contractKey.vault] = address;
    if (isHub) planController(b, chain, address, devnet.manifest);
    else planPeer(b, address, hub);
  }
  if (!(await hasCode(client, planned(contractKey.router)))) {
    planRouter(b, chain, hub, devnet.manifest);
  }
  return b.build(chain.name);
}

/**
 * The chain's SegmentRouter: the vault's router, the route operator's role, fees for configs and
 * refunds, and the USDC routing reserve (the deployer is the devnet's liquidity provider).
 */
function planRouter(b: PlanBuilder, chain: ManifestChain, hub: ManifestChain, manifest: DevnetManifest): void {
  const a = manifest.accounts;
  const vault = chain.contracts[contractKey.vault]; // planned above
  const controller = chain === hub ? hub.contracts[contractKey.controller] : zeroAddress;
  const router = b.deploy(
    contractKey.router,
    'SegmentRouter',
    encodeDeployData({ ...SegmentRouter, args: [chain.layerZero.endpoint, a.deployer, vault, hub.eid, controller] }),
  );
  chain.contracts[contractKey.router] = router;
  const routerAbi: Abi = SegmentRouter.abi;
  const call = (label: string, functionName: string, args: readonly unknown[]) =>
    b.call(label, router, encodeFunctionData({ abi: routerAbi, functionName, args }));
  b.call(
    'SegmentVault.setRouter',
    vault,
    encodeFunctionData({ abi: SegmentVault.abi, functionName: 'setRouter', args: [router] }),
  );
  call('SegmentRouter.setOperator(routeOperator)', 'setOperator', [a.routeOperator, true]);
  call('SegmentRouter.setLiquidityProvider(deployer)', 'setLiquidityProvider', [a.deployer, true]);
  b.call('fund SegmentRouter (config and refund fees)', router, '0x', parseEther('100'));
  b.call('fund the route operator (gas and route fees)', a.routeOperator, '0x', parseEther('100'));
  const token = chain.contracts[contractKey.token(DEVNET_ROUTING_RESERVE.symbol)];
  const amount = DEVNET_ROUTING_RESERVE.amount;
  const tokenAbi: Abi = DevToken.abi;
  const erc20 = (label: string, functionName: string, args: readonly unknown[]) =>
    b.call(label, token, encodeFunctionData({ abi: tokenAbi, functionName, args }));
  erc20(`DevToken ${DEVNET_ROUTING_RESERVE.symbol}.mint(deployer)`, 'mint', [a.deployer, amount]);
  erc20(`DevToken ${DEVNET_ROUTING_RESERVE.symbol}.approve(router)`, 'approve', [router, amount]);
  call(`SegmentRouter.fundReserve(${DEVNET_ROUTING_RESERVE.symbol})`, 'fundReserve', [token, amount]);
}

/** Every router peers with every other chain's router; pairs already peered are skipped. */
async function planRouterPeers(manifest: DevnetManifest, chain: ManifestChain): Promise<ChainPlan> {
  const client = createChainPublicClient(chainConfigOf(chain));
  const deployer = manifest.accounts.deployer;
  const b = new PlanBuilder(deployer, await client.getTransactionCount({ address: deployer, blockTag: 'pending' }));
  const router = chain.contracts[contractKey.router]; // deployed in step 1
  for (const other of manifest.chains.filter((c) => c !== chain)) {
    const peer = addressToBytes32(other.contracts[contractKey.router]);
    const current = await client.readContract({
      address: router,
      abi: SegmentRouter.abi,
      functionName: 'peers',
      args: [other.eid],
    });
    if (current.toLowerCase() === peer.toLowerCase()) continue;
    b.call(
      `SegmentRouter.setPeer(${other.eid}, router)`,
      router,
      encodeFunctionData({ abi: SegmentRouter.abi, functionName: 'setPeer', args: [other.eid, peer] }),
    );
  }
  return b.build(chain.name);
}

function planController(b: PlanBuilder, hub: ManifestChain, vault: Address, manifest: DevnetManifest): void {
  const rules = b.deploy(contractKey.rules, 'SegmentRiskRules', encodeDeployData({ ...SegmentRiskRules }));
  const a = manifest.accounts;
  const governors = [a.governor1, a.governor2, a.governor3];
  // no timelock until the bootstrap proposals are through; the bootstrap sets the real one
  const controller = b.deploy(
    contractKey.controller,
    'SegmentController',
    encodeDeployData({
      ...SegmentController,
      args: [
        hub.layerZero.endpoint,
        a.deployer,
        vault,
        rules,
        governors,
        DEVNET_GOVERNOR_THRESHOLD,
        0,
        a.guardian,
        a.riskSteward,
      ],
    }),
  );
  hub.contracts[contractKey.rules] = rules;
  hub.contracts[contractKey.controller] = controller;
  b.call(
    'SegmentVault.setController',
    vault,
    encodeFunctionData({ abi: SegmentVault.abi, functionName: 'setController', args: [controller] }),
  );
  b.call('fund SegmentController (broadcast fees)', controller, '0x', parseEther('1000'));
}

function planPeer(b: PlanBuilder, vault: Address, hub: ManifestChain): void {
  const controller = hub.contracts[contractKey.controller];
  if (!controller) throw new Error('the hub controller must be planned before the spokes');
  b.call(
    `SegmentVault.setPeer(${hub.eid}, controller)`,
    vault,
    encodeFunctionData({
      abi: SegmentVault.abi,
      functionName: 'setPeer',
      args: [hub.eid, addressToBytes32(controller)],
    }),
  );
}

/** The governance steps that make the devnet usable, each skipped when the chain already has its effect. */
async function planBootstrap(manifest: DevnetManifest, hub: ManifestChain, timelock: number): Promise<ChainPlan> {
  const client = createChainPublicClient(chainConfigOf(hub));
  const deployer = manifest.accounts.deployer;
  const b = new PlanBuilder(deployer, await client.getTransactionCount({ address: deployer, blockTag: 'pending' }));
  const controller = hub.contracts[contractKey.controller]; // deployed in step 1
  const controllerAbi: Abi = SegmentController.abi; // widened: `read` takes any view by name
  const read = <T>(functionName: string, args: readonly unknown[]): Promise<T> =>
    client.readContract({ address: controller, abi: controllerAbi, functionName, args }) as Promise<T>; // the caller names the view's result
  const deadline = (await client.getBlock()).timestamp + 86_400n;
  const propose = async (label: string, input: ActionInput) => {
    const proposal = {
      action: input.action,
      data: encodeActionData(input),
      nonce: labelNonce(`devnet:${label}`),
      deadline,
    };
    const signers = [devnetAccount('governor1'), devnetAccount('governor2')];
    const signatures = await signProposal(controller, hub.chainId, proposal, signers);
    b.call(
      `governance: ${label}`,
      controller,
      encodeFunctionData({
        abi: SegmentController.abi,
        functionName: 'queue',
        args: [proposal.action, proposal.data, proposal.nonce, proposal.deadline, signatures],
      }),
    );
    b.call(
      `governance: execute ${label}`,
      controller,
      encodeFunctionData({
        abi: SegmentController.abi,
        functionName: 'execute',
        args: [proposal.action, proposal.data, proposal.nonce, proposal.deadline],
      }),
    );
  };
  if ((await read<number>('delay', [])) !== 0) return b.build(hub.name); // bootstrapped before
  for (const chain of manifest.chains) {
    for (const asset of DEVNET_ASSETS) {
      const assetId = toBytes32Name(asset.symbol);
      const registered = await read<{ token: Address }>('localAsset', [assetId, chain.eid]);
      if (registered.token !== '0x0000000000000000000000000000000000000000') continue;
      await propose(`register ${asset.symbol} on ${chain.eid}`, {
        action: ProposalAction.RegisterAsset,
        assetId,
        eid: chain.eid,
        token: chain.contracts[contractKey.token(asset.symbol)], // deployed in step 1
        feed: chain.contracts[contractKey.feed(asset.symbol)],
        maxStaleness: DEVNET_MAX_STALENESS,
      });
    }
  }
  const spokes = await read<readonly number[]>('spokes', []);
  for (const chain of manifest.chains.filter((c) => c !== hub && !spokes.includes(c.eid))) {
    await propose(`register chain ${chain.eid}`, {
      action: ProposalAction.RegisterChain,
      eid: chain.eid,
      vault: chain.contracts[contractKey.vault], // deployed in step 1
    });
  }
  for (const segment of DEVNET_SEGMENTS) {
    const id = toBytes32Name(segment.name);
    const existing = await read<{ status: number }>('getSegment', [id]);
    if (existing.status !== 0) continue;
    await propose(`create segment ${segment.name}`, {
      action: ProposalAction.CreateSegment,
      segment: id,
      borrowAssetId: toBytes32Name(segment.borrow),
      collateralIds: segment.collaterals.map((c) => toBytes32Name(c.symbol)),
      params: devnetRiskParams(segment),
      bounds: DEVNET_STEWARD_BOUNDS,
      globalCapUsd: segment.globalCapUsd,
    });
  }
  if (timelock !== 0) {
    const a = manifest.accounts;
    await propose(`timelock ${timelock}`, {
      action: ProposalAction.SetRoles,
      governors: [a.governor1, a.governor2, a.governor3],
      threshold: DEVNET_GOVERNOR_THRESHOLD,
      delay: timelock,
      guardian: a.guardian,
      steward: a.riskSteward,
    });
  }
  return b.build(hub.name);
}

/** Contract addresses of the segment stack on one chain, from the manifest. */
export function segmentContracts(chain: ManifestChain) {
  const get = (key: string): Address => {
    const address = chain.contracts[key];
    if (!address) throw new Error(`${chain.name}: no ${key} in the manifest; run the segment deployment first`);
    return address;
  };
  return {
    vault: get(contractKey.vault),
    token: (symbol: string) => get(contractKey.token(symbol)),
    feed: (symbol: string) => get(contractKey.feed(symbol)),
    router: get(contractKey.router),
    controller: chain.role === 'hub' ? get(contractKey.controller) : undefined,
    rules: chain.role === 'hub' ? get(contractKey.rules) : undefined,
  };
}
