import { erc20Abi, maxUint256, parseEther, type Address, type Hex } from 'viem';
import { createChainPublicClient, createChainWalletClient } from '#app/chains';
import { DevPriceFeed, DevToken, SegmentVault } from '#app/contracts';
import { toBytes32Name } from '#app/messaging';
import {
  compileScenario,
  generateBook,
  runModel,
  WAD,
  type Book,
  type ModelResult,
  type Scenario,
  type ScenarioFile,
} from '#app/simulation';
import { devnetAccount } from './accounts.js';
import type { DevnetManifest, ManifestChain } from './manifest.js';
import { chainConfigOf, DEVNET_ASSETS, DEVNET_SEGMENTS, FEED_DECIMALS, hubOf, segmentContracts } from './segments.js';

/** The largest segment's supply once a scenario is scaled to the devnet (its caps and the keeper's funds). */
const DEVNET_SUPPLY_TARGET_USD = 2_000_000n;
/** Money agrees when within max($1, 0.1 %): the chain rounds in token decimals and accrues interest by the second. */
export const AGREEMENT_TOLERANCE = { absoluteUsd: WAD, relativeBps: 10n } as const;

/** On-chain parameters of a devnet segment, read before the run. */
export interface OnChainSegment {
  name: string;
  id: Hex;
  collateral: string;
  ltvBps: number;
  liqThresholdBps: number;
  liqBonusBps: number;
  insurance: bigint;
}

export interface DevnetVariant {
  scenario: Scenario;
  book: Book;
  /** per variant segment (same order): the devnet segment it runs on */
  segments: OnChainSegment[];
  /** what the devnet cannot represent, in words */
  skipped: string[];
  /** USD scale applied to supply, collateral and actors, ppm */
  scalePpm: bigint;
}

const decimalsOf = (symbol: string): number => {
  const a = DEVNET_ASSETS.find((x) => x.symbol === symbol);
  if (!a) throw new Error(`no devnet asset ${symbol}`);
  return a.decimals;
};

/** A fixed-point amount as a decimal string, truncated to `decimals`. */
function decimal(wad: bigint, decimals: number): string {
  const unit = 10n ** BigInt(18 - decimals);
  const v = (wad / unit) * unit;
  const frac = (v % WAD).toString().padStart(18, '0').slice(0, decimals).replace(/0+$/, '');
  return `${v / WAD}${frac ? `.${frac}` : ''}`;
}

/**
 * The scenario as the devnet can run it: segments mapped through each asset's `devnet` symbol onto
 * the devnet segments (one collateral, lending USDC) with the parameters read from chain, USD
 * amounts scaled so the largest segment supplies $2M, prices cut to the feeds' 8 decimals, no
 * market depth (the devnet has no DEX) and the book's amounts in token decimals. The simulator and
 * the chain then run exactly the same inputs.
 */
export function devnetVariant(
  scenario: Scenario,
  onChain: readonly OnChainSegment[],
  borrowers: number,
): DevnetVariant {
  const skipped: string[] = [];
  const mapped: { sim: Scenario['segments'][number]; chain: OnChainSegment }[] = [];
  const devnetOf = (asset: number) => scenario.assets[asset].devnet;
  for (const s of scenario.segments) {
    const coll = s.collaterals.length === 1 ? devnetOf(s.collaterals[0].asset) : null;
    const chain = onChain.find((c) => c.collateral === coll);
    if (!coll || devnetOf(s.borrow) !== 'USDC' || !chain) {
      skipped.push(`${s.name}: no devnet segment lends USDC against its collateral`);
    } else if (mapped.some((m) => m.chain.name === chain.name)) {
      skipped.push(`${s.name}: devnet segment ${chain.name} already stands for another segment`);
    } else mapped.push({ sim: s, chain });
  }
  if (mapped.length === 0)
    throw new Error(`${scenario.name}: none of its segments maps onto the devnet (${skipped.join('; ')})`);
  const shocked = [...scenario.shocked].map(devnetOf).filter((x): x is string => x !== null);
  if (!mapped.some((m) => shocked.includes(m.chain.collateral)))
    throw new Error(`${scenario.name}: its shocked asset has no devnet segment (${skipped.join('; ')})`);
  const largest = mapped.reduce((a, m) => (m.sim.supplyUsd > a ? m.sim.supplyUsd : a), 0n);
  const scalePpm = (DEVNET_SUPPLY_TARGET_USD * WAD * 1_000_000n) / largest;
  const scale = (v: bigint) => (v * scalePpm) / 1_000_000n;
  const symbols = ['USDC', ...mapped.map((m) => m.chain.collateral)];
  const pathOf = (symbol: string): bigint[] => {
    const asset = scenario.assets.find((a) => a.devnet === symbol);
    if (!asset) return new Array<bigint>(scenario.steps).fill(WAD);
    return [...asset.oracle];
  };
  const file: ScenarioFile = {
    name: `${scenario.name}.devnet`,
    title: `${scenario.title} (devnet)`,
    summary: scenario.summary,
    sources: [...scenario.sources],
    stepMinutes: scenario.stepMinutes,
    steps: scenario.steps,
    shocked: shocked.filter((s) => symbols.includes(s)),
    assets: Object.fromEntries(
      symbols.map((symbol) => [
        symbol,
        { oracle: pathOf(symbol).map((p, t): [number, string] => [t, decimal(p, FEED_DECIMALS)]), devnet: symbol },
      ]),
    ),
    segments: mapped.map(({ sim, chain }) => ({
      name: chain.name,
      borrow: 'USDC',
      collaterals: [
        {
          asset: chain.collateral,
          ltvBps: chain.ltvBps,
          liqThresholdBps: chain.liqThresholdBps,
          liqBonusBps: chain.liqBonusBps,
        },
      ],
      supplyUsd: decimal(scale(sim.supplyUsd), 6),
      insuranceUsd: decimal(chain.insurance * 10n ** 12n, 6),
      collateralUsd: decimal(scale(sim.collateralUsd), 6),
    })),
    book: { ...scenario.book, borrowers },
    actors: scenario.actors.flatMap((a) => {
      const m = mapped.find((x) => x.sim.index === a.segment);
      if (!m) return [];
      return [
        {
          label: a.label,
          segment: m.chain.name,
          asset: m.chain.collateral,
          amount: decimal(scale(a.amount), decimalsOf(m.chain.collateral)),
          depositStep: a.depositStep,
          ...(a.borrowStep === null ? {} : { borrowStep: a.borrowStep }),
          ...(a.borrowAmount === null ? {} : { borrowAmount: decimal(scale(a.borrowAmount), 6) }),
          ...(a.borrowShareBps === null ? {} : { borrowShareBps: Number(a.borrowShareBps) }),
        },
      ];
    }),
    liquidation: { minProfitUsd: '0' },
  };
  const variant = compileScenario(file);
  const raw = generateBook(variant);
  // token decimals: what the chain can hold
  const book: Book = {
    borrowers: raw.borrowers,
    positions: raw.positions.map((p) => {
      const unit = 10n ** BigInt(18 - decimalsOf(variant.assets[p.asset].symbol));
      return { ...p, collateral: (p.collateral / unit) * unit, debt: (p.debt / 10n ** 12n) * 10n ** 12n };
    }),
  };
  return { scenario: variant, book, segments: mapped.map((m) => m.chain), skipped, scalePpm };
}

export interface AgreementRow {
  segment: string;
  metric: 'bad debt realised' | 'insurance left' | 'shortfall left';
  simulatorUsd: bigint;
  chainUsd: bigint;
  agrees: boolean;
}

export interface DevnetRun {
  variant: DevnetVariant;
  simulator: ModelResult;
  chain: string;
  transactions: number;
  liquidations: { simulator: number; chain: number };
  rows: AgreementRow[];
  agrees: boolean;
}

export interface DevnetPlayOptions {
  /** manifest chain name; the hub by default */
  chain?: string;
  /** borrowers in the devnet book (default 24) */
  borrowers?: number;
  log?: (line: string) => void;
}

/**
 * Plays a simulator scenario on the devnet contracts: supplies, deposits and borrows the scaled
 * book on one chain's vault, drives the feeds step by step, liquidates every unhealthy account as
 * the simulator's liquidator does (in the same order, against the same collateral, up to the close
 * factor), then compares bad debt, insurance and shortfall per segment with the simulator's.
 */
export async function playScenarioOnDevnet(
  manifest: DevnetManifest,
  scenario: Scenario,
  options: DevnetPlayOptions = {},
): Promise<DevnetRun> {
  const log = options.log ?? (() => undefined);
  const chain = options.chain ? manifest.chains.find((c) => c.name === options.chain) : hubOf(manifest);
  if (!chain)
    throw new Error(`no chain "${options.chain}" in the manifest (${manifest.chains.map((c) => c.name).join(', ')})`);
  const w = await worldOf(chain);
  const onChain = await readSegments(w);
  const variant = devnetVariant(scenario, onChain, options.borrowers ?? 24);
  for (const s of variant.skipped) log(`${scenario.name}: skipped ${s}`);
  const simulator = runModel(variant.scenario, variant.book, 'segmented', { keepEvents: true, settle: false });
  log(
    `${scenario.name}: ${variant.book.positions.length} positions on ${variant.segments.length} segments of ${chain.name}`,
  );
  const s = variant.scenario;
  const setPrices = async (t: number) => {
    for (const a of s.assets)
      await w.send(w.deployer, w.feed(a.symbol), DevPriceFeed.abi, 'setAnswer', [a.oracle[t] / 10n ** 10n]);
  };
  // the book opens at step 0's prices, as the simulator's does
  await setPrices(0);
  const accounts = await openBook(w, variant, log);
  let liquidations = 0;
  for (let t = 0; t < s.steps; t++) {
    if (t > 0) await setPrices(t);
    for (const [i, actor] of s.actors.entries()) await actOnChain(w, variant, accounts, i, actor, t);
    for (const account of accounts) {
      if (!account.open) continue;
      liquidations += await liquidateOnChain(w, account);
    }
    if ((t + 1) % 10 === 0 || t === s.steps - 1)
      log(`${scenario.name}: step ${t + 1}/${s.steps}, ${liquidations} liquidations`);
  }
  const rows = await compare(w, variant, simulator, accounts);
  return {
    variant,
    simulator,
    chain: chain.name,
    transactions: w.transactions(),
    liquidations: { simulator: simulator.liquidations.count, chain: liquidations },
    rows,
    agrees: rows.every((r) => r.agrees),
  };
}

type World = Awaited<ReturnType<typeof worldOf>>;

async function worldOf(chain: ManifestChain) {
  const config = chainConfigOf(chain);
  const client = createChainPublicClient(config);
  const player = devnetAccount('simulator');
  const deployer = createChainWalletClient(config, devnetAccount('deployer'));
  const wallet = createChainWalletClient(config, player);
  await client.request({
    method: 'anvil_setBalance' as never,
    params: [player.address, `0x${parseEther('1000').toString(16)}`] as never,
  });
  const contracts = segmentContracts(chain);
  let sent = 0;
  const send = async (
    from: typeof wallet,
    address: Address,
    abi: readonly unknown[],
    functionName: string,
    args: readonly unknown[],
  ): Promise<void> => {
    // viem's typed overloads cannot follow a runtime function name; the ABI checks the call at encode time
    const call = { account: from.account, address, abi, functionName, args } as never;
    // estimated first: a refusal carries the vault's named error instead of a bare reverted receipt;
    // with headroom, since a feed's or a vault's path may depend on the next block's timestamp
    const gas = await client.estimateContractGas(call);
    const hash = await from.writeContract({ ...(call as object), gas: (gas * 3n) / 2n } as never);
    sent += 1;
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted in ${hash}`);
  };
  return {
    chain,
    client,
    player,
    deployer,
    wallet,
    vault: contracts.vault,
    token: contracts.token,
    feed: contracts.feed,
    send,
    transactions: () => sent,
  };
}

async function readSegments(w: World): Promise<OnChainSegment[]> {
  const read = { address: w.vault, abi: SegmentVault.abi } as const;
  return Promise.all(
    DEVNET_SEGMENTS.map(async (seg) => {
      const id = toBytes32Name(seg.name);
      const collateral = seg.collaterals[0].symbol;
      const c = await w.client.readContract({
        ...read,
        functionName: 'collateralConfig',
        args: [id, toBytes32Name(collateral)],
      });
      const ledger = await w.client.readContract({ ...read, functionName: 'ledger', args: [id] });
      return {
        name: seg.name,
        id,
        collateral,
        ltvBps: Number(c.ltvBps),
        liqThresholdBps: Number(c.liqThresholdBps),
        liqBonusBps: Number(c.liqBonusBps),
        insurance: ledger.insurance,
      };
    }),
  );
}

interface ChainAccount {
  segment: OnChainSegment;
  sub: bigint;
  asset: string;
  open: boolean;
}

const units = (wad: bigint, symbol: string) => wad / 10n ** BigInt(18 - decimalsOf(symbol));

/** Mints, approves, supplies and opens every book position, in the simulator's account order. */
async function openBook(w: World, v: DevnetVariant, log: (line: string) => void): Promise<ChainAccount[]> {
  const s = v.scenario;
  const need = new Map<string, bigint>();
  const add = (symbol: string, amount: bigint) => need.set(symbol, (need.get(symbol) ?? 0n) + amount);
  for (const seg of s.segments) add('USDC', units(seg.supplyUsd, 'USDC') * 3n);
  for (const p of v.book.positions) add(s.assets[p.asset].symbol, units(p.collateral, s.assets[p.asset].symbol));
  for (const a of s.actors) add(s.assets[a.asset].symbol, units(a.amount, s.assets[a.asset].symbol));
  for (const [symbol, amount] of need) {
    await w.send(w.deployer, w.token(symbol), DevToken.abi, 'mint', [w.player.address, amount]);
    await w.send(w.wallet, w.token(symbol), erc20Abi, 'approve', [w.vault, maxUint256]);
  }
  for (const [i, seg] of s.segments.entries()) {
    await w.send(w.wallet, w.vault, SegmentVault.abi, 'supply', [
      v.segments[i].id,
      units(seg.supplyUsd, 'USDC'),
      w.player.address,
    ]);
  }
  const accounts: ChainAccount[] = [];
  for (const p of v.book.positions) {
    const segment = v.segments[p.segment];
    const symbol = s.assets[p.asset].symbol;
    const sub = BigInt(p.borrower + 1);
    await w.send(w.wallet, w.vault, SegmentVault.abi, 'depositCollateral', [
      segment.id,
      sub,
      toBytes32Name(symbol),
      units(p.collateral, symbol),
    ]);
    if (p.debt > 0n)
      await w.send(w.wallet, w.vault, SegmentVault.abi, 'borrow', [
        segment.id,
        sub,
        units(p.debt, 'USDC'),
        w.player.address,
      ]);
    accounts.push({ segment, sub, asset: symbol, open: true });
  }
  log(`${s.name}: book opened (${w.transactions()} transactions)`);
  return accounts;
}

async function actOnChain(
  w: World,
  v: DevnetVariant,
  accounts: ChainAccount[],
  index: number,
  actor: Scenario['actors'][number],
  step: number,
): Promise<void> {
  const segment = v.segments[actor.segment];
  const symbol = v.scenario.assets[actor.asset].symbol;
  const sub = 1_000_000n + BigInt(index);
  if (actor.depositStep === step) {
    await w.send(w.wallet, w.vault, SegmentVault.abi, 'depositCollateral', [
      segment.id,
      sub,
      toBytes32Name(symbol),
      units(actor.amount, symbol),
    ]);
    accounts.push({ segment, sub, asset: symbol, open: true });
  }
  if (actor.borrowStep !== step) return;
  const read = { address: w.vault, abi: SegmentVault.abi } as const;
  const p = await w.client.readContract({
    ...read,
    functionName: 'position',
    args: [segment.id, w.player.address, sub],
  });
  const ledger = await w.client.readContract({ ...read, functionName: 'ledger', args: [segment.id] });
  // USDC is $1 on every devnet path: USD (18 decimals) to units is a division by 1e12
  const room = p.borrowLimit > p.debtValue ? (p.borrowLimit - p.debtValue) / 10n ** 12n : 0n;
  const available = ledger.cash > ledger.insurance ? ledger.cash - ledger.insurance : 0n;
  let amount =
    actor.borrowAmount !== null ? units(actor.borrowAmount, 'USDC') : (room * (actor.borrowShareBps ?? 0n)) / 10_000n;
  if (amount > room) amount = room;
  if (amount > available) amount = available;
  if (amount > 0n)
    await w.send(w.wallet, w.vault, SegmentVault.abi, 'borrow', [segment.id, sub, amount, w.player.address]);
}

/** Liquidates one account until it is healthy or empty; returns how many liquidations it took. */
async function liquidateOnChain(w: World, a: ChainAccount): Promise<number> {
  const read = { address: w.vault, abi: SegmentVault.abi } as const;
  let done = 0;
  for (let round = 0; round < 200; round++) {
    const p = await w.client.readContract({
      ...read,
      functionName: 'position',
      args: [a.segment.id, w.player.address, a.sub],
    });
    if (p.debtValue === 0n || p.liquidationValue >= p.debtValue) break;
    await w.send(w.wallet, w.vault, SegmentVault.abi, 'liquidate', [
      a.segment.id,
      w.player.address,
      a.sub,
      toBytes32Name(a.asset),
      maxUint256,
    ]);
    done += 1;
  }
  const debt = await w.client.readContract({
    ...read,
    functionName: 'debtOf',
    args: [a.segment.id, w.player.address, a.sub],
  });
  if (debt === 0n) a.open = false;
  return done;
}

async function compare(
  w: World,
  v: DevnetVariant,
  sim: ModelResult,
  accounts: readonly ChainAccount[],
): Promise<AgreementRow[]> {
  const read = { address: w.vault, abi: SegmentVault.abi } as const;
  const prices = new Map(v.scenario.assets.map((a) => [a.symbol, a.oracle[v.scenario.steps - 1]]));
  const rows: AgreementRow[] = [];
  const row = (segment: string, metric: AgreementRow['metric'], simulatorUsd: bigint, chainUsd: bigint) => {
    const diff = simulatorUsd > chainUsd ? simulatorUsd - chainUsd : chainUsd - simulatorUsd;
    const big = simulatorUsd > chainUsd ? simulatorUsd : chainUsd;
    const bound = (big * AGREEMENT_TOLERANCE.relativeBps) / 10_000n;
    rows.push({
      segment,
      metric,
      simulatorUsd,
      chainUsd,
      agrees: diff <= (bound > AGREEMENT_TOLERANCE.absoluteUsd ? bound : AGREEMENT_TOLERANCE.absoluteUsd),
    });
  };
  for (const [i, seg] of v.segments.entries()) {
    const ledger = await w.client.readContract({ ...read, functionName: 'ledger', args: [seg.id] });
    let shortfall = 0n;
    for (const a of accounts.filter((x) => x.segment.id === seg.id)) {
      const debt = await w.client.readContract({
        ...read,
        functionName: 'debtOf',
        args: [seg.id, w.player.address, a.sub],
      });
      const key = await w.client.readContract({
        ...read,
        functionName: 'accountKey',
        args: [seg.id, w.player.address, a.sub],
      });
      const held = await w.client.readContract({
        ...read,
        functionName: 'collateralOf',
        args: [key, toBytes32Name(a.asset)],
      });
      const value = (held * 10n ** BigInt(18 - decimalsOf(a.asset)) * (prices.get(a.asset) ?? 0n)) / WAD;
      const net = debt * 10n ** 12n - value;
      if (net > 0n) shortfall += net;
    }
    const pool = sim.pools[i];
    row(seg.name, 'bad debt realised', pool.realisedUsd, ledger.badDebt * 10n ** 12n);
    row(seg.name, 'insurance left', pool.insuranceEndUsd, ledger.insurance * 10n ** 12n);
    row(seg.name, 'shortfall left', pool.unrealisedUsd, shortfall);
  }
  return rows;
}
