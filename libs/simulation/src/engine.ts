import type { Book } from './book.js';
import { Market } from './market.js';
import type { Scenario, ScenarioSegment } from './scenario.js';
import { BPS, divUp, WAD } from './wad.js';

/** One pool and one insurance fund for everything, or one segment per group of collateral. */
export type Model = 'shared' | 'segmented';

interface Params {
  ltv: bigint;
  thr: bigint;
  bonus: bigint;
}

/** An account of one pool: collateral and debt per asset (sparse, a few entries). */
export interface SimAccount {
  id: number;
  /** the borrower of the book, or the actor's label */
  owner: number | string;
  collAssets: number[];
  collAmounts: bigint[];
  debtAssets: number[];
  debtAmounts: bigint[];
}

export interface LiquidationEvent {
  step: number;
  pool: number;
  account: number;
  debtAsset: number;
  collateralAsset: number;
  repaid: bigint;
  seized: bigint;
  repaidUsd: bigint;
  toInsuranceUsd: bigint;
  /** what the borrower lost to the liquidation at market prices: seized value minus repaid value */
  penaltyUsd: bigint;
  /** the repaid or the seized asset is shocked */
  hitsShocked: boolean;
}

export interface BadDebtEvent {
  step: number;
  pool: number;
  account: number;
  usd: bigint;
  fromInsuranceUsd: bigint;
}

/** A pool's books: the shared pool, or one segment. */
export class SimPool {
  readonly params: (Params | undefined)[];
  /** lendable cash and outstanding loans per borrow asset (token units) */
  readonly cash: bigint[];
  readonly borrowed: bigint[];
  insuranceUsd: bigint;
  readonly insuranceStartUsd: bigint;
  realisedUsd = 0n;
  /** shortfall written off when the path ends (accounts nobody would liquidate) */
  writtenOffUsd = 0n;
  insuranceUsedUsd = 0n;
  /** bad debt the insurance could not cover: the pool's suppliers bear it */
  socialisedUsd = 0n;
  readonly accounts: SimAccount[] = [];

  constructor(
    readonly index: number,
    readonly name: string,
    /** the segments whose suppliers and insurance this pool holds */
    readonly homes: readonly ScenarioSegment[],
    scenario: Scenario,
  ) {
    const n = scenario.assets.length;
    this.params = new Array<Params | undefined>(n);
    this.cash = new Array<bigint>(n).fill(0n);
    this.borrowed = new Array<bigint>(n).fill(0n);
    for (const s of homes) {
      for (const c of s.collaterals)
        this.params[c.asset] = { ltv: c.ltvBps, thr: c.liqThresholdBps, bonus: c.liqBonusBps };
      this.cash[s.borrow] += (s.supplyUsd * WAD) / scenario.assets[s.borrow].oracle[0];
    }
    this.insuranceStartUsd = homes.reduce((a, s) => a + s.insuranceUsd, 0n);
    this.insuranceUsd = this.insuranceStartUsd;
  }
}

export interface StepState {
  step: number;
  oracle: readonly bigint[];
  markets: readonly Market[];
}

interface Position {
  limit: bigint;
  liquidationValue: bigint;
  debtValue: bigint;
}

/** The vault's account arithmetic at feed prices: borrow limit, liquidation value, debt value (USD). */
export function positionOf(pool: SimPool, a: SimAccount, oracle: readonly bigint[]): Position {
  let limit = 0n;
  let liquidationValue = 0n;
  let debtValue = 0n;
  for (let i = 0; i < a.collAssets.length; i++) {
    const amount = a.collAmounts[i];
    if (amount === 0n) continue;
    const p = pool.params[a.collAssets[i]];
    if (!p) continue;
    const value = (amount * oracle[a.collAssets[i]]) / WAD;
    limit += (value * p.ltv) / BPS;
    liquidationValue += (value * p.thr) / BPS;
  }
  for (let i = 0; i < a.debtAssets.length; i++) debtValue += (a.debtAmounts[i] * oracle[a.debtAssets[i]]) / WAD;
  return { limit, liquidationValue, debtValue };
}

/** positionOf's test without the borrow limit or an allocation: the per-account check of every step. */
function liquidatable(pool: SimPool, a: SimAccount, oracle: readonly bigint[]): boolean {
  let debtValue = 0n;
  for (let i = 0; i < a.debtAssets.length; i++) debtValue += (a.debtAmounts[i] * oracle[a.debtAssets[i]]) / WAD;
  if (debtValue === 0n) return false;
  let liquidationValue = 0n;
  for (let i = 0; i < a.collAssets.length; i++) {
    const amount = a.collAmounts[i];
    const p = pool.params[a.collAssets[i]];
    if (amount === 0n || !p) continue;
    liquidationValue += (((amount * oracle[a.collAssets[i]]) / WAD) * p.thr) / BPS;
    if (liquidationValue >= debtValue) return false;
  }
  return true;
}

/**
 * Debt (at market prices) minus what the collateral would fetch if sold now into the market's depth,
 * when positive: what the account would leave behind if it were closed at this step.
 */
export function shortfallOf(a: SimAccount, markets: readonly Market[]): bigint {
  let debt = 0n;
  for (let i = 0; i < a.debtAssets.length; i++) debt += (a.debtAmounts[i] * markets[a.debtAssets[i]].price) / WAD;
  if (debt === 0n) return 0n;
  // cheap first: a sale no larger than the pool's depth fetches at least half its value
  let floor = 0n;
  for (let i = 0; i < a.collAssets.length; i++) floor += markets[a.collAssets[i]].realisableFloor(a.collAmounts[i]);
  if (floor >= debt) return 0n;
  let net = debt;
  for (let i = 0; i < a.collAssets.length; i++) net -= markets[a.collAssets[i]].realisable(a.collAmounts[i]);
  return net > 0n ? net : 0n;
}

/** The pools of one model over a book: the shared pool merges each borrower's positions into one account. */
export function buildPools(scenario: Scenario, book: Book, model: Model): SimPool[] {
  const pools =
    model === 'shared'
      ? [new SimPool(0, 'shared', scenario.segments, scenario)]
      : scenario.segments.map((s) => new SimPool(s.index, s.name, [s], scenario));
  const byKey = new Map<string, SimAccount>();
  for (const p of book.positions) {
    const pool = pools[model === 'shared' ? 0 : p.segment];
    const key = `${pool.index}:${p.borrower}`;
    let account = byKey.get(key);
    if (!account) {
      account = {
        id: pool.accounts.length,
        owner: p.borrower,
        collAssets: [],
        collAmounts: [],
        debtAssets: [],
        debtAmounts: [],
      };
      pool.accounts.push(account);
      byKey.set(key, account);
    }
    add(account.collAssets, account.collAmounts, p.asset, p.collateral);
    const borrow = scenario.segments[p.segment].borrow;
    add(account.debtAssets, account.debtAmounts, borrow, p.debt);
    pool.cash[borrow] -= p.debt;
    pool.borrowed[borrow] += p.debt;
  }
  return pools;
}

function add(assets: number[], amounts: bigint[], asset: number, amount: bigint): void {
  const i = assets.indexOf(asset);
  if (i < 0) {
    assets.push(asset);
    amounts.push(amount);
  } else amounts[i] += amount;
}

interface Candidate {
  collateralIndex: number;
  repaid: bigint;
  seized: bigint;
  toInsurance: bigint;
  profit: bigint;
}

/**
 * Liquidates `a` while it is unhealthy and a liquidator profits, as SegmentVault.liquidate does:
 * repay up to the close factor of the largest debt, seize collateral with the bonus (capped at what
 * the account holds), 10 % of the bonus to the insurance fund; when collateral runs out the rest of
 * the debt is realised as bad debt, insurance first, then the pool's suppliers. The liquidator picks
 * the collateral that pays best after slippage and halves the size until a trade pays.
 */
export function liquidate(
  scenario: Scenario,
  pool: SimPool,
  a: SimAccount,
  state: StepState,
  onLiquidation: (e: LiquidationEvent) => void,
  onBadDebt: (e: BadDebtEvent) => void,
): void {
  const { oracle, markets } = state;
  for (let round = 0; round < 200; round++) {
    if (!liquidatable(pool, a, oracle)) return;
    let d = 0;
    for (let i = 1; i < a.debtAssets.length; i++) {
      if (a.debtAmounts[i] * oracle[a.debtAssets[i]] > a.debtAmounts[d] * oracle[a.debtAssets[d]]) d = i;
    }
    const debtAsset = a.debtAssets[d];
    const maxRepay = divUp(a.debtAmounts[d] * scenario.liquidation.closeFactorBps, BPS);
    let best: Candidate | null = null;
    for (let c = 0; c < a.collAssets.length; c++) {
      const candidate = bestTrade(scenario, pool, a, c, debtAsset, maxRepay, state);
      if (candidate && (!best || candidate.profit > best.profit)) best = candidate;
    }
    if (!best) return; // nobody liquidates at a loss: the account stays as it is
    const collAsset = a.collAssets[best.collateralIndex];
    const repaid = best.repaid > a.debtAmounts[d] ? a.debtAmounts[d] : best.repaid;
    a.debtAmounts[d] -= repaid;
    a.collAmounts[best.collateralIndex] -= best.seized;
    pool.cash[debtAsset] += repaid;
    pool.borrowed[debtAsset] -= repaid;
    const toInsuranceUsd = (best.toInsurance * oracle[debtAsset]) / WAD;
    pool.insuranceUsd += toInsuranceUsd;
    markets[collAsset].sell(best.seized);
    markets[debtAsset].buy(repaid + best.toInsurance);
    onLiquidation({
      step: state.step,
      pool: pool.index,
      account: a.id,
      debtAsset,
      collateralAsset: collAsset,
      repaid,
      seized: best.seized,
      repaidUsd: (repaid * oracle[debtAsset]) / WAD,
      toInsuranceUsd,
      penaltyUsd: (best.seized * markets[collAsset].price - repaid * markets[debtAsset].price) / WAD,
      hitsShocked: scenario.shocked.has(debtAsset) || scenario.shocked.has(collAsset),
    });
    if (a.collAmounts.every((x) => x === 0n) && a.debtAmounts.some((x) => x > 0n)) {
      realise(pool, a, oracle, state.step, onBadDebt);
      return;
    }
  }
}

function bestTrade(
  scenario: Scenario,
  pool: SimPool,
  a: SimAccount,
  c: number,
  debtAsset: number,
  maxRepay: bigint,
  { oracle, markets }: StepState,
): Candidate | null {
  const held = a.collAmounts[c];
  const asset = a.collAssets[c];
  const p = pool.params[asset];
  if (held === 0n || !p) return null;
  const debtPrice = oracle[debtAsset];
  const collPrice = oracle[asset];
  const bonus = BPS + p.bonus;
  for (let wanted = maxRepay, tries = 0; wanted > 0n && tries < 12; wanted /= 2n, tries++) {
    let repaid = wanted;
    let seized = (wanted * debtPrice * bonus) / (BPS * collPrice);
    if (seized > held) {
      seized = held;
      repaid = divUp(held * collPrice * BPS, bonus * debtPrice);
    }
    if (seized === 0n || repaid === 0n) return null;
    const proceeds = markets[asset].proceeds(seized);
    // a cost is never negative and proceeds only shrink with the size: nothing smaller can pay either
    if (proceeds < scenario.liquidation.minProfitUsd) return null;
    const toInsurance = (repaid * p.bonus * scenario.liquidation.insuranceShareBps) / (BPS * BPS);
    const cost = markets[debtAsset].cost(repaid + toInsurance);
    if (cost !== null) {
      const profit = proceeds - cost;
      if (profit >= scenario.liquidation.minProfitUsd && profit >= 0n)
        return { collateralIndex: c, repaid, seized, toInsurance, profit };
    }
  }
  return null;
}

/**
 * At the end of the path the protocol closes every account that is still short: its collateral is
 * sold into the market and the rest of its debt written off like realised bad debt (insurance first,
 * then the pool's suppliers). Returns the USD written off.
 */
export function writeOff(pool: SimPool, a: SimAccount, state: StepState, onBadDebt: (e: BadDebtEvent) => void): bigint {
  const shortfall = shortfallOf(a, state.markets);
  if (shortfall === 0n) return 0n;
  const fromInsuranceUsd = absorb(pool, shortfall);
  pool.writtenOffUsd += shortfall;
  for (let i = 0; i < a.debtAssets.length; i++) {
    pool.borrowed[a.debtAssets[i]] -= a.debtAmounts[i];
    a.debtAmounts[i] = 0n;
  }
  a.collAmounts.fill(0n);
  onBadDebt({ step: state.step, pool: pool.index, account: a.id, usd: shortfall, fromInsuranceUsd });
  return shortfall;
}

/** A loss leaves the books as the vault settles it: the insurance fund first, the pool's suppliers for the rest. */
function absorb(pool: SimPool, usd: bigint): bigint {
  const fromInsuranceUsd = usd < pool.insuranceUsd ? usd : pool.insuranceUsd;
  pool.insuranceUsd -= fromInsuranceUsd;
  pool.insuranceUsedUsd += fromInsuranceUsd;
  pool.socialisedUsd += usd - fromInsuranceUsd;
  return fromInsuranceUsd;
}

/** The vault's `_realiseBadDebt`: the account's remaining debt leaves the books; insurance pays first. */
export function realise(
  pool: SimPool,
  a: SimAccount,
  oracle: readonly bigint[],
  step: number,
  onBadDebt: (e: BadDebtEvent) => void,
): void {
  for (let i = 0; i < a.debtAssets.length; i++) {
    const amount = a.debtAmounts[i];
    if (amount === 0n) continue;
    const usd = (amount * oracle[a.debtAssets[i]]) / WAD;
    const fromInsuranceUsd = absorb(pool, usd);
    pool.realisedUsd += usd;
    pool.borrowed[a.debtAssets[i]] -= amount;
    a.debtAmounts[i] = 0n;
    onBadDebt({ step, pool: pool.index, account: a.id, usd, fromInsuranceUsd });
  }
}
