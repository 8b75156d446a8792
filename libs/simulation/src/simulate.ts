import { generateBook, type Book } from './book.js';
import {
  buildPools,
  liquidate,
  positionOf,
  shortfallOf,
  writeOff,
  type BadDebtEvent,
  type LiquidationEvent,
  type Model,
  type SimAccount,
  type SimPool,
  type StepState,
} from './engine.js';
import { Market } from './market.js';
import type { Scenario, ScenarioActor } from './scenario.js';
import { correlationAlert, type CorrelationAlert } from './alert.js';
import { BPS, WAD } from './wad.js';

export interface PoolResult {
  name: string;
  insuranceStartUsd: bigint;
  insuranceEndUsd: bigint;
  insuranceUsedUsd: bigint;
  /** bad debt realised (collateral gone, debt left) */
  realisedUsd: bigint;
  /** realised bad debt the insurance did not cover: taken from the pool's suppliers */
  socialisedUsd: bigint;
  /** debt above what the collateral fetches at the last step, written off when the path ends */
  unrealisedUsd: bigint;
}

/** What each segment's users lost; in the shared model a segment's suppliers share the pool's losses. */
export interface HomeLoss {
  segment: string;
  exposed: boolean;
  supplierLossUsd: bigint;
  insuranceLossUsd: bigint;
}

export interface ModelResult {
  model: Model;
  /** realised by liquidations + written off at the end */
  badDebtUsd: bigint;
  realisedUsd: bigint;
  unrealisedUsd: bigint;
  supplierLossUsd: bigint;
  /** value lost by suppliers and insurance of segments with no exposure to a shocked asset */
  contagionUsd: bigint;
  /** suppliers of unexposed segments who lost something */
  contagionSuppliers: number;
  insurance: { startUsd: bigint; endUsd: bigint; usedUsd: bigint };
  pools: PoolResult[];
  homes: HomeLoss[];
  liquidations: {
    count: number;
    accounts: number;
    repaidUsd: bigint;
    shockedRepaidUsd: bigint;
    /** what liquidated borrowers lost (seized minus repaid, at market prices) */
    penaltyUsd: bigint;
    /** share of liquidated value that repaid or seized a shocked asset, bps */
    precisionBps: number;
  };
  /** accounts unhealthy by the feed at the end that no liquidator would touch (the trade would lose) */
  stuckAccounts: number;
  capital: {
    collateralUsd: bigint;
    borrowLimitUsd: bigint;
    supplyUsd: bigint;
    borrowableUsd: bigint;
    efficiencyBps: number;
  };
  firstLiquidationStep: number | null;
  /** per step: bad debt (realised + unrealised), contagion, insurance left per pool */
  timeline: { badDebtUsd: bigint[]; contagionUsd: bigint[]; insuranceUsd: bigint[][] };
  events: { liquidations: LiquidationEvent[]; badDebt: BadDebtEvent[] };
}

export interface SimulationResult {
  scenario: Scenario;
  book: Book;
  shared: ModelResult;
  segmented: ModelResult;
  alert: CorrelationAlert;
}

export interface SimulateOptions {
  /** keep every liquidation and bad-debt event (the devnet agreement and tests read them) */
  keepEvents?: boolean;
  /** false: leave accounts that are still short as they are instead of writing them off at the end (as a chain does) */
  settle?: boolean;
  /** called after each step of each model (progress) */
  onStep?: (model: Model, step: number) => void;
}

/** Runs a scenario's book through both layouts on the same price path. Deterministic for a scenario. */
export function simulate(scenario: Scenario, options: SimulateOptions = {}): SimulationResult {
  const book = generateBook(scenario);
  return {
    scenario,
    book,
    shared: runModel(scenario, book, 'shared', options),
    segmented: runModel(scenario, book, 'segmented', options),
    alert: correlationAlert(scenario),
  };
}

/** One layout over the whole path. */
export function runModel(scenario: Scenario, book: Book, model: Model, options: SimulateOptions = {}): ModelResult {
  const pools = buildPools(scenario, book, model);
  const capital = capitalOf(scenario, pools);
  const markets = scenario.assets.map((a) => new Market(a.depthUsd));
  const liquidations: LiquidationEvent[] = [];
  const badDebt: BadDebtEvent[] = [];
  const liquidated = new Set<string>();
  let count = 0;
  let repaidUsd = 0n;
  let shockedRepaidUsd = 0n;
  let penaltyUsd = 0n;
  let firstLiquidationStep: number | null = null;
  const onLiquidation = (e: LiquidationEvent) => {
    count += 1;
    repaidUsd += e.repaidUsd;
    penaltyUsd += e.penaltyUsd;
    if (e.hitsShocked) shockedRepaidUsd += e.repaidUsd;
    firstLiquidationStep ??= e.step;
    liquidated.add(`${e.pool}:${e.account}`);
    if (options.keepEvents) liquidations.push(e);
  };
  const onBadDebt = (e: BadDebtEvent) => {
    if (options.keepEvents) badDebt.push(e);
  };
  const timeline = {
    badDebtUsd: [] as bigint[],
    contagionUsd: [] as bigint[],
    insuranceUsd: pools.map(() => [] as bigint[]),
  };
  const unrealised = pools.map(() => 0n);
  const oracle = new Array<bigint>(scenario.assets.length).fill(0n);
  for (let t = 0; t < scenario.steps; t++) {
    for (const a of scenario.assets) {
      oracle[a.index] = a.oracle[t];
      markets[a.index].reset(a.market[t]);
    }
    const state: StepState = { step: t, oracle, markets };
    for (const actor of scenario.actors) act(scenario, pools, model, actor, state);
    for (const pool of pools) {
      let shortfall = 0n;
      for (const a of pool.accounts) {
        liquidate(scenario, pool, a, state, onLiquidation, onBadDebt);
        shortfall += shortfallOf(a, markets);
      }
      unrealised[pool.index] = shortfall;
    }
    const realised = pools.reduce((s, p) => s + p.realisedUsd, 0n);
    timeline.badDebtUsd.push(realised + unrealised.reduce((s, x) => s + x, 0n));
    timeline.contagionUsd.push(homeLosses(scenario, pools, model).contagion);
    pools.forEach((p, i) => timeline.insuranceUsd[i].push(p.insuranceUsd));
    options.onStep?.(model, t);
  }
  const stuckAccounts = pools.reduce(
    (s, p) =>
      s +
      p.accounts.filter((a) => {
        const pos = positionOf(p, a, oracle);
        return pos.debtValue > 0n && pos.liquidationValue < pos.debtValue;
      }).length,
    0,
  );
  // the path is over: accounts still short are closed and written off
  const last: StepState = { step: scenario.steps - 1, oracle, markets };
  for (const pool of pools) {
    if (options.settle === false) continue;
    unrealised[pool.index] = 0n;
    for (const a of pool.accounts) unrealised[pool.index] += writeOff(pool, a, last, onBadDebt);
  }
  const { homes, contagion, contagionSuppliers } = homeLosses(scenario, pools, model);
  timeline.contagionUsd[scenario.steps - 1] = contagion;
  pools.forEach((p, i) => (timeline.insuranceUsd[i][scenario.steps - 1] = p.insuranceUsd));
  const realisedUsd = pools.reduce((s, p) => s + p.realisedUsd, 0n);
  const unrealisedUsd = unrealised.reduce((s, x) => s + x, 0n);
  return {
    model,
    badDebtUsd: realisedUsd + unrealisedUsd,
    realisedUsd,
    unrealisedUsd,
    supplierLossUsd: pools.reduce((s, p) => s + p.socialisedUsd, 0n),
    contagionUsd: contagion,
    contagionSuppliers,
    insurance: {
      startUsd: pools.reduce((s, p) => s + p.insuranceStartUsd, 0n),
      endUsd: pools.reduce((s, p) => s + p.insuranceUsd, 0n),
      usedUsd: pools.reduce((s, p) => s + p.insuranceUsedUsd, 0n),
    },
    pools: pools.map((p, i) => ({
      name: p.name,
      insuranceStartUsd: p.insuranceStartUsd,
      insuranceEndUsd: p.insuranceUsd,
      insuranceUsedUsd: p.insuranceUsedUsd,
      realisedUsd: p.realisedUsd,
      socialisedUsd: p.socialisedUsd,
      unrealisedUsd: unrealised[i],
    })),
    homes,
    liquidations: {
      count,
      accounts: liquidated.size,
      repaidUsd,
      shockedRepaidUsd,
      penaltyUsd,
      precisionBps: repaidUsd === 0n ? 0 : Number((shockedRepaidUsd * BPS) / repaidUsd),
    },
    stuckAccounts,
    capital,
    firstLiquidationStep,
    timeline,
    events: { liquidations, badDebt },
  };
}

/** Deposits and borrows of the scenario's actors at their steps. */
function act(scenario: Scenario, pools: SimPool[], model: Model, actor: ScenarioActor, state: StepState): void {
  const pool = pools[model === 'shared' ? 0 : actor.segment];
  const owner = actor.label;
  if (actor.depositStep === state.step) {
    pool.accounts.push({
      id: pool.accounts.length,
      owner,
      collAssets: [actor.asset],
      collAmounts: [actor.amount],
      debtAssets: [],
      debtAmounts: [],
    });
  }
  if (actor.borrowStep !== state.step) return;
  const account = pool.accounts.find((a) => a.owner === owner);
  if (!account) return;
  const borrow = scenario.segments[actor.segment].borrow;
  const price = state.oracle[borrow];
  const pos = positionOf(pool, account, state.oracle);
  const room = pos.limit > pos.debtValue ? ((pos.limit - pos.debtValue) * WAD) / price : 0n;
  let units = actor.borrowAmount ?? (room * (actor.borrowShareBps ?? 0n)) / BPS;
  if (units > room) units = room;
  if (units > pool.cash[borrow]) units = pool.cash[borrow];
  if (units <= 0n) return;
  pool.cash[borrow] -= units;
  pool.borrowed[borrow] += units;
  const i = account.debtAssets.indexOf(borrow);
  if (i < 0) {
    account.debtAssets.push(borrow);
    account.debtAmounts.push(units);
  } else account.debtAmounts[i] += units;
}

/**
 * Borrowable value for the same collateral at step 0: every position's borrow limit, capped by the
 * liquidity its pool can lend. One pool lends all its cash to anyone; segments lend only their own.
 */
function capitalOf(scenario: Scenario, pools: readonly SimPool[]): ModelResult['capital'] {
  const oracle = scenario.assets.map((a) => a.oracle[0]);
  let collateralUsd = 0n;
  let borrowLimitUsd = 0n;
  let supplyUsd = 0n;
  let borrowableUsd = 0n;
  for (const pool of pools) {
    let limit = 0n;
    for (const a of pool.accounts as readonly SimAccount[]) {
      limit += positionOf(pool, a, oracle).limit;
      for (let i = 0; i < a.collAssets.length; i++) collateralUsd += (a.collAmounts[i] * oracle[a.collAssets[i]]) / WAD;
    }
    const supply = pool.homes.reduce((s, h) => s + h.supplyUsd, 0n);
    borrowLimitUsd += limit;
    supplyUsd += supply;
    borrowableUsd += limit < supply ? limit : supply;
  }
  const efficiencyBps = collateralUsd === 0n ? 0 : Number((borrowableUsd * BPS) / collateralUsd);
  return { collateralUsd, borrowLimitUsd, supplyUsd, borrowableUsd, efficiencyBps };
}

/**
 * Who bore the losses, per segment of the scenario: in the segmented model a segment's own; in the
 * shared model the pool's socialised bad debt pro rata to supply and its insurance use pro rata to
 * each segment's contribution to the fund.
 */
function homeLosses(
  scenario: Scenario,
  pools: readonly SimPool[],
  model: Model,
): { homes: HomeLoss[]; contagion: bigint; contagionSuppliers: number } {
  const homes = scenario.segments.map((s): HomeLoss => {
    const pool = pools[model === 'shared' ? 0 : s.index];
    const supply = pool.homes.reduce((a, h) => a + h.supplyUsd, 0n);
    const fund = pool.insuranceStartUsd;
    // what the fund lost net of the liquidation fees it took in, shared pro rata to contributions (a
    // fund that started empty, fed only by fees, is shared like the suppliers' loss)
    const depleted = fund > pool.insuranceUsd ? fund - pool.insuranceUsd : 0n;
    const insuranceShare =
      fund === 0n
        ? supply === 0n
          ? 0n
          : (pool.insuranceUsedUsd * s.supplyUsd) / supply
        : (depleted * s.insuranceUsd) / fund;
    return {
      segment: s.name,
      exposed: s.exposed,
      supplierLossUsd: supply === 0n ? 0n : (pool.socialisedUsd * s.supplyUsd) / supply,
      insuranceLossUsd: insuranceShare,
    };
  });
  let contagion = 0n;
  let contagionSuppliers = 0;
  for (const h of homes) {
    if (h.exposed) continue;
    contagion += h.supplierLossUsd + h.insuranceLossUsd;
    if (h.supplierLossUsd > 0n) contagionSuppliers += scenario.book.suppliersPerSegment;
  }
  return { homes, contagion, contagionSuppliers };
}
