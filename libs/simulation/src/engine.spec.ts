import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
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
import { compileScenario, type AssetFile, type Scenario, type ScenarioFile, type SegmentFile } from './scenario.js';
import { BPS, divUp, WAD } from './wad.js';

/** One USD-lending segment taking ETH (and BTC); ETH falls from $1000. No book: the tests hand the pools their accounts. */
function tinyScenario(
  eth: AssetFile['oracle'],
  options: { ethDepth?: string; btc?: boolean; minProfitUsd?: string } = {},
): Scenario {
  const collaterals = [{ asset: 'ETH', ltvBps: 8000, liqThresholdBps: 8500, liqBonusBps: 500 }];
  if (options.btc) collaterals.push({ asset: 'BTC', ltvBps: 8000, liqThresholdBps: 8500, liqBonusBps: 500 });
  return compileScenario({
    name: 'tiny',
    title: 'Tiny',
    summary: 'hand-computed',
    sources: ['hand-made'],
    stepMinutes: 1,
    steps: Math.max(2, eth!.at(-1)![0] + 1),
    shocked: ['ETH'],
    assets: {
      USD: { oracle: [[0, '1']] },
      ETH: { oracle: eth, ...(options.ethDepth ? { depthUsd: options.ethDepth } : {}) },
      BTC: { oracle: [[0, '50000']] },
    },
    segments: [
      { name: 'eth', borrow: 'USD', collaterals, supplyUsd: '10000', insuranceUsd: '100', collateralUsd: '0' },
    ],
    book: { seed: 0, borrowers: 0, multiSegmentShare: 0, utilisation: [0, 0] },
    ...(options.minProfitUsd ? { liquidation: { minProfitUsd: options.minProfitUsd } } : {}),
  });
}

/** Runs `liquidate` over every account of every pool at one step, collecting the events. */
function stepAt(scenario: Scenario, pools: SimPool[], t: number) {
  const oracle = scenario.assets.map((a) => a.oracle[t]);
  const markets = scenario.assets.map((a) => {
    const m = new Market(a.depthUsd);
    m.reset(a.market[t]);
    return m;
  });
  const liquidations: LiquidationEvent[] = [];
  const badDebt: BadDebtEvent[] = [];
  const state: StepState = { step: t, oracle, markets };
  for (const pool of pools) {
    for (const a of pool.accounts)
      liquidate(
        scenario,
        pool,
        a,
        state,
        (e) => liquidations.push(e),
        (e) => badDebt.push(e),
      );
  }
  return { liquidations, badDebt, state };
}

describe('liquidate (hand-computed, SegmentVault rules)', () => {
  // 10 ETH at $1000 backing $8000 of USD; the segment supplies $10,000 and insures $100
  const scenario = tinyScenario([
    [0, '1000'],
    [1, '900'],
    [2, '500'],
  ]);
  const book: Book = {
    borrowers: 1,
    positions: [{ borrower: 0, segment: 0, asset: 1, collateral: 10n * WAD, debt: 8000n * WAD }],
  };

  it('repays half the debt, seizes it with the bonus and sends 10 % of the bonus to insurance', () => {
    const [pool] = buildPools(scenario, book, 'segmented');
    expect(pool.cash[0]).toBe(2000n * WAD);
    expect(pool.borrowed[0]).toBe(8000n * WAD);
    // step 0: liquidation value 10 · 1000 · 0.85 = 8500 ≥ 8000: healthy, untouched
    expect(stepAt(scenario, [pool], 0).liquidations).toEqual([]);
    // step 1, ETH $900: 9000 · 0.85 = 7650 < 8000
    const { liquidations, badDebt } = stepAt(scenario, [pool], 1);
    // repaid = ⌈8000 · 50 %⌉ = 4000; seized = 4000 · 1 · 1.05 / 900 = 4.666…; to insurance = 4000 · 5 % · 10 % = 20
    // after it: 5.333… ETH · 900 · 0.85 = 4080 ≥ 4000 — healthy again, one liquidation only
    expect(liquidations).toEqual([
      {
        step: 1,
        pool: 0,
        account: 0,
        debtAsset: 0,
        collateralAsset: 1,
        repaid: 4000n * WAD,
        seized: 4_666_666_666_666_666_666n,
        repaidUsd: 4000n * WAD,
        toInsuranceUsd: 20n * WAD,
        // 4.666666666666666666 · 900 − 4000
        penaltyUsd: 199_999_999_999_999_999_400n,
        hitsShocked: true,
      },
    ]);
    expect(badDebt).toEqual([]);
    expect(pool.accounts[0].debtAmounts).toEqual([4000n * WAD]);
    expect(pool.accounts[0].collAmounts).toEqual([5_333_333_333_333_333_334n]);
    expect(pool.insuranceUsd).toBe(120n * WAD);
    expect(pool.cash[0]).toBe(6000n * WAD);
    expect(pool.borrowed[0]).toBe(4000n * WAD);
  });

  it('caps the seizure at the collateral held and realises the rest as bad debt: insurance first, then suppliers', () => {
    const [pool] = buildPools(scenario, book, 'segmented');
    stepAt(scenario, [pool], 1);
    // step 2, ETH $500: 5.333… · 500 · 0.85 = 2266.67 < 4000
    const { liquidations, badDebt } = stepAt(scenario, [pool], 2);
    expect(liquidations.map((e) => [e.repaid, e.seized, e.toInsuranceUsd, e.penaltyUsd])).toEqual([
      // repaid ⌈4000/2⌉ = 2000, seized 2000 · 1.05 / 500 = 4.2 ETH, 2000 · 0.5 % = 10 to insurance, 4.2 · 500 − 2000
      [2000n * WAD, 4_200_000_000_000_000_000n, 10n * WAD, 100n * WAD],
      // 1.133…334 ETH left (566.67 · 0.85 < 2000): 1000 would seize 2.1 ETH, more than held, so seized = held and
      // repaid = ⌈1.133333333333333334 · 500 / 1.05⌉ = ⌈539.682539682539682857…⌉; insurance ⌊repaid / 200⌋
      [
        539_682_539_682_539_682_858n,
        1_133_333_333_333_333_334n,
        2_698_412_698_412_698_414n,
        26_984_126_984_126_984_142n,
      ],
    ]);
    // the collateral is gone with 2000 − 539.682539682539682858 = 1460.317460317460317142 still owed:
    // the fund (100 + 20 + 10 + 2.698412698412698414) pays all it has, the suppliers the rest
    expect(badDebt).toEqual([
      {
        step: 2,
        pool: 0,
        account: 0,
        usd: 1_460_317_460_317_460_317_142n,
        fromInsuranceUsd: 132_698_412_698_412_698_414n,
      },
    ]);
    expect(pool.realisedUsd).toBe(1_460_317_460_317_460_317_142n);
    expect(pool.insuranceUsd).toBe(0n);
    expect(pool.insuranceUsedUsd).toBe(132_698_412_698_412_698_414n);
    expect(pool.socialisedUsd).toBe(1_327_619_047_619_047_618_728n);
    expect(pool.accounts[0].collAmounts).toEqual([0n]);
    expect(pool.accounts[0].debtAmounts).toEqual([0n]);
    expect(pool.borrowed[0]).toBe(0n);
    // cash: 2000 left at the start + 4000 + 2000 + 539.682539682539682858 repaid
    expect(pool.cash[0]).toBe(8_539_682_539_682_539_682_858n);
  });

  it('leaves an account at exactly the threshold alone and liquidates it one wei of debt later', () => {
    const at: Book = { borrowers: 1, positions: [{ ...book.positions[0], debt: 8500n * WAD }] };
    expect(stepAt(scenario, buildPools(scenario, at, 'segmented'), 0).liquidations).toEqual([]);
    const over: Book = { borrowers: 1, positions: [{ ...book.positions[0], debt: 8500n * WAD + 1n }] };
    const [first] = stepAt(scenario, buildPools(scenario, over, 'segmented'), 0).liquidations;
    // ⌈(8500e18 + 1) / 2⌉ = 4250e18 + 1
    expect(first.repaid).toBe(4250n * WAD + 1n);
  });

  it('halves the size until a trade pays against thin depth', () => {
    // 1 ETH at $1000 owes $900; ETH sells into $1000 of depth. ⌈900/2⌉ = 450 would seize $472.50 of ETH that fetches
    // 1000 · 472.5 / 1472.5 = $320.88 for a cost of 450 · 1.005 = $452.25; 225, 112.5 and 56.25 lose too;
    // 28.125 seizes $29.53125 that fetches 1000 · 29.53125 / 1029.53125 = $28.684 > $28.266: it pays
    const thin = tinyScenario([[0, '1000']], { ethDepth: '1000' });
    const account: Book = {
      borrowers: 1,
      positions: [{ borrower: 0, segment: 0, asset: 1, collateral: WAD, debt: 900n * WAD }],
    };
    const { liquidations } = stepAt(thin, buildPools(thin, account, 'segmented'), 0);
    expect(liquidations[0].repaid).toBe(28_125_000_000_000_000_000n);
    // 28.125 · 1.05 / 1000 ETH
    expect(liquidations[0].seized).toBe(29_531_250_000_000_000n);
    // without depth the first trade is the full close factor
    const deep = tinyScenario([[0, '1000']]);
    expect(stepAt(deep, buildPools(deep, account, 'segmented'), 0).liquidations[0].repaid).toBe(450n * WAD);
  });

  it('seizes the collateral that pays best after slippage', () => {
    // $1000 of ETH and $1000 of BTC (0.02 at $50,000) owe $1800: 2000 · 0.85 = 1700 < 1800
    const positions = [
      { borrower: 0, segment: 0, asset: 1, collateral: WAD, debt: 900n * WAD },
      { borrower: 0, segment: 0, asset: 2, collateral: 2n * 10n ** 16n, debt: 900n * WAD },
    ];
    const both: Book = { borrowers: 1, positions };
    // ETH into $1000 of depth pays far less than BTC without slippage: BTC first, 900 · 1.05 / 50000 = 0.0189 BTC
    const thin = tinyScenario([[0, '1000']], { ethDepth: '1000', btc: true });
    const [first] = stepAt(thin, buildPools(thin, both, 'segmented'), 0).liquidations;
    expect([first.collateralAsset, first.repaid, first.seized]).toEqual([2, 900n * WAD, 18_900_000_000_000_000n]);
    // with no depth anywhere both pay the same $40.50 and the first listed (ETH) is taken: 0.945 ETH
    const deep = tinyScenario([[0, '1000']], { btc: true });
    const [even] = stepAt(deep, buildPools(deep, both, 'segmented'), 0).liquidations;
    expect([even.collateralAsset, even.repaid, even.seized]).toEqual([1, 900n * WAD, 945_000_000_000_000_000n]);
  });

  it('lets no liquidation happen below the minimum profit', () => {
    // at $900 the first trade pays 4.666… · 900 − 4020 = $179.99…: enough for $100, not for $200
    const path: AssetFile['oracle'] = [
      [0, '1000'],
      [1, '900'],
    ];
    const low = tinyScenario(path, { minProfitUsd: '100' });
    expect(stepAt(low, buildPools(low, book, 'segmented'), 1).liquidations).toHaveLength(1);
    const high = tinyScenario(path, { minProfitUsd: '200' });
    expect(stepAt(high, buildPools(high, book, 'segmented'), 1).liquidations).toEqual([]);
  });

  it('writes off what the collateral does not fetch at the end, insurance first', () => {
    const thin = tinyScenario([[0, '500']], { ethDepth: '10000' });
    const [pool] = buildPools(thin, book, 'segmented');
    const { state } = stepAt(thin, [], 0);
    // no liquidation ran: 10 ETH at $500 into $10,000 of depth fetch 10000 · 5000 / 15000 = 3333.33; owed 8000
    expect(shortfallOf(pool.accounts[0], state.markets)).toBe(4_666_666_666_666_666_666_667n);
    const events: BadDebtEvent[] = [];
    expect(writeOff(pool, pool.accounts[0], state, (e) => events.push(e))).toBe(4_666_666_666_666_666_666_667n);
    expect(events).toEqual([
      { step: 0, pool: 0, account: 0, usd: 4_666_666_666_666_666_666_667n, fromInsuranceUsd: 100n * WAD },
    ]);
    expect([pool.insuranceUsd, pool.socialisedUsd, pool.writtenOffUsd]).toEqual([
      0n,
      4_566_666_666_666_666_666_667n,
      4_666_666_666_666_666_666_667n,
    ]);
    expect([pool.accounts[0].collAmounts, pool.accounts[0].debtAmounts, pool.borrowed[0]]).toEqual([[0n], [0n], 0n]);
    // a closed account has nothing more to write off
    expect(writeOff(pool, pool.accounts[0], state, (e) => events.push(e))).toBe(0n);
    expect(events).toHaveLength(1);
  });
});

// ---------------------------------------------------------------- properties

const SYMBOLS = ['USD', 'A', 'B', 'C'] as const;

const price = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** Random small scenarios: 1–3 segments over four assets, any asset lent or pledged, random paths and depths. */
const arbScenario = fc
  .record({
    steps: fc.integer({ min: 2, max: 12 }),
    starts: fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 4, maxLength: 4 }),
    moves: fc.array(
      fc.array(fc.record({ at: fc.integer({ min: 1, max: 11 }), pct: fc.integer({ min: 5, max: 200 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
      { minLength: 4, maxLength: 4 },
    ),
    depths: fc.array(fc.option(fc.integer({ min: 1_000, max: 100_000_000 })), { minLength: 4, maxLength: 4 }),
    segments: fc.array(
      fc.record({
        borrow: fc.integer({ min: 0, max: 3 }),
        pledged: fc.subarray([0, 1, 2, 3], { minLength: 1 }),
        ltv: fc.integer({ min: 3000, max: 8500 }),
        above: fc.integer({ min: 0, max: 1000 }),
        bonus: fc.integer({ min: 0, max: 1500 }),
        collateralUsd: fc.integer({ min: 1_000, max: 1_000_000 }),
        supplyX: fc.integer({ min: 1, max: 3 }),
        insuranceUsd: fc.integer({ min: 0, max: 50_000 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    seed: fc.nat(),
    borrowers: fc.integer({ min: 1, max: 15 }),
    multiSegmentShare: fc.double({ min: 0, max: 1, noNaN: true }),
    // mostly well used limits, so that paths liquidate and leave bad debt often
    utilisation: fc.tuple(fc.double({ min: 0.3, max: 1, noNaN: true }), fc.double({ min: 0.3, max: 1, noNaN: true })),
    closeFactorBps: fc.integer({ min: 1000, max: 10_000 }),
    minProfitUsd: fc.constantFrom('0', '5'),
  })
  .map((r): ScenarioFile => {
    const assets: Record<string, AssetFile> = {};
    SYMBOLS.forEach((symbol, i) => {
      const points = new Map<number, string>([[0, String(r.starts[i])]]);
      for (const m of r.moves[i]) if (m.at < r.steps) points.set(m.at, price(r.starts[i] * m.pct));
      const oracle = [...points].sort((a, b) => a[0] - b[0]);
      const depth = r.depths[i];
      assets[symbol] = depth === null ? { oracle } : { oracle, depthUsd: String(depth) };
    });
    // an asset has one set of parameters wherever it is listed (the shared pool holds them all): the first
    // segment that lists it sets them
    const paramsOf = new Map<number, { ltvBps: number; liqThresholdBps: number; liqBonusBps: number }>();
    const segments = r.segments.map((s, i): SegmentFile => {
      const pledged = s.pledged.filter((a) => a !== s.borrow);
      if (pledged.length === 0) pledged.push((s.borrow + 1) % 4);
      const thr = Math.min(s.ltv + s.above, 9000);
      const bonus = Math.min(s.bonus, Math.floor(100_000_000 / thr) - 10_000);
      return {
        name: `s${i}`,
        borrow: SYMBOLS[s.borrow],
        collaterals: pledged.map((a) => {
          const params = paramsOf.get(a) ?? { ltvBps: s.ltv, liqThresholdBps: thr, liqBonusBps: bonus };
          paramsOf.set(a, params);
          return { asset: SYMBOLS[a], ...params };
        }),
        // supply ≥ collateral ≥ any debt the book can draw
        supplyUsd: String(s.collateralUsd * s.supplyX),
        insuranceUsd: String(s.insuranceUsd),
        collateralUsd: String(s.collateralUsd),
      };
    });
    const [u0, u1] = r.utilisation;
    return {
      name: 'random',
      title: 'Random',
      summary: 'fast-check',
      sources: ['fast-check'],
      stepMinutes: 1,
      steps: r.steps,
      shocked: ['A'],
      assets,
      segments,
      book: {
        seed: r.seed,
        borrowers: r.borrowers,
        multiSegmentShare: r.multiSegmentShare,
        utilisation: [Math.min(u0, u1), Math.max(u0, u1)],
      },
      liquidation: { closeFactorBps: r.closeFactorBps, minProfitUsd: r.minProfitUsd },
    };
  });

const perAsset = (n: number, accounts: readonly SimAccount[], side: 'coll' | 'debt'): bigint[] => {
  const out = new Array<bigint>(n).fill(0n);
  for (const a of accounts) {
    const assets = side === 'coll' ? a.collAssets : a.debtAssets;
    const amounts = side === 'coll' ? a.collAmounts : a.debtAmounts;
    assets.forEach((asset, i) => (out[asset] += amounts[i]));
  }
  return out;
};

/**
 * Drives one model over the whole path with the engine's own functions, as runModel does, checking the
 * books of every pool after every step and after the final write-off. Returns what did not add up.
 */
function driveAndCheck(scenario: Scenario, book: Book, model: Model): string[] {
  const problems: string[] = [];
  const ok = (holds: boolean, what: string) => {
    if (!holds && problems.length < 10) problems.push(`${model}: ${what}`);
  };
  const n = scenario.assets.length;
  const pools = buildPools(scenario, book, model);
  const price0 = scenario.assets.map((a) => a.oracle[0]);
  const supplied = pools.map((p) => {
    const s = new Array<bigint>(n).fill(0n);
    for (const h of p.homes) s[h.borrow] += (h.supplyUsd * WAD) / price0[h.borrow];
    return s;
  });
  const lent = pools.map((p) => perAsset(n, p.accounts, 'debt'));
  const pledged = pools.map((p) => perAsset(n, p.accounts, 'coll'));
  const repaid = pools.map(() => new Array<bigint>(n).fill(0n));
  const removed = pools.map(() => new Array<bigint>(n).fill(0n));
  const toInsurance = pools.map(() => 0n);
  const badUsd = pools.map(() => 0n);
  const badFromInsurance = pools.map(() => 0n);
  const markets = scenario.assets.map((a) => new Market(a.depthUsd));
  const oracle = new Array<bigint>(n).fill(0n);
  const indexOf = (poolIndex: number) => (model === 'shared' ? 0 : poolIndex);

  const onLiquidation = (t: number) => (e: LiquidationEvent) => {
    const i = indexOf(e.pool);
    const pool = pools[i];
    const a = pool.accounts[e.account];
    ok(e.step === t, `event of step ${e.step} at step ${t}`);
    repaid[i][e.debtAsset] += e.repaid;
    removed[i][e.collateralAsset] += e.seized;
    toInsurance[i] += e.toInsuranceUsd;
    // before the trade the account was unhealthy by the feed
    const before: SimAccount = {
      ...a,
      collAmounts: a.collAmounts.map((x, j) => (a.collAssets[j] === e.collateralAsset ? x + e.seized : x)),
      debtAmounts: a.debtAmounts.map((x, j) => (a.debtAssets[j] === e.debtAsset ? x + e.repaid : x)),
    };
    const pos = positionOf(pool, before, oracle);
    ok(pos.liquidationValue < pos.debtValue, `step ${t}: liquidated a healthy account ${a.id}`);
    // at most the close factor of the debt it repaid, rounded up, and something
    const debtBefore = before.debtAmounts[before.debtAssets.indexOf(e.debtAsset)];
    const cap = divUp(debtBefore * scenario.liquidation.closeFactorBps, BPS);
    ok(e.repaid > 0n && e.repaid <= cap, `step ${t}: repaid ${e.repaid} of at most ${cap}`);
    // never seizes more than the repaid value plus the bonus, at feed prices
    const bonus = pool.params[e.collateralAsset]!.bonus;
    ok(
      e.seized * oracle[e.collateralAsset] * BPS <= e.repaid * oracle[e.debtAsset] * (BPS + bonus),
      `step ${t}: seized ${e.seized} for ${e.repaid} repaid`,
    );
    // the insurance share of the bonus, in USD of the debt asset
    const share = (e.repaid * bonus * scenario.liquidation.insuranceShareBps) / (BPS * BPS);
    ok(e.toInsuranceUsd === (share * oracle[e.debtAsset]) / WAD, `step ${t}: ${e.toInsuranceUsd} to insurance`);
  };
  const onBadDebt = (e: BadDebtEvent) => {
    const i = indexOf(e.pool);
    badUsd[i] += e.usd;
    badFromInsurance[i] += e.fromInsuranceUsd;
    ok(e.fromInsuranceUsd <= e.usd, `insurance paid ${e.fromInsuranceUsd} of ${e.usd}`);
  };

  const checkBooks = (when: string) =>
    pools.forEach((p, i) => {
      const debts = perAsset(n, p.accounts, 'debt');
      const colls = perAsset(n, p.accounts, 'coll');
      for (let k = 0; k < n; k++) {
        // outstanding loans are the accounts' debts; cash moves only by what was lent and repaid
        ok(p.borrowed[k] === debts[k], `${when}, pool ${i}, asset ${k}: borrowed ${p.borrowed[k]} ≠ debts ${debts[k]}`);
        ok(
          p.cash[k] === supplied[i][k] - lent[i][k] + repaid[i][k],
          `${when}, pool ${i}, asset ${k}: cash ${p.cash[k]}`,
        );
        // collateral leaves an account only when seized (or closed at the end)
        ok(colls[k] === pledged[i][k] - removed[i][k], `${when}, pool ${i}, asset ${k}: collateral ${colls[k]}`);
      }
      // the fund: what it started with, plus the liquidation shares, minus what it paid; never negative
      ok(p.insuranceUsd === p.insuranceStartUsd + toInsurance[i] - p.insuranceUsedUsd, `${when}, pool ${i}: fund`);
      ok(p.insuranceUsd >= 0n, `${when}, pool ${i}: negative fund ${p.insuranceUsd}`);
      // every dollar of bad debt is borne by the fund or by the suppliers, and was reported as an event
      ok(p.realisedUsd + p.writtenOffUsd === p.insuranceUsedUsd + p.socialisedUsd, `${when}, pool ${i}: loss split`);
      ok(badUsd[i] === p.realisedUsd + p.writtenOffUsd, `${when}, pool ${i}: bad-debt events ${badUsd[i]}`);
      ok(badFromInsurance[i] === p.insuranceUsedUsd, `${when}, pool ${i}: insurance events`);
      // bad debt is realised as soon as an account's collateral runs out
      for (const a of p.accounts) {
        if (a.collAmounts.every((x) => x === 0n))
          ok(
            a.debtAmounts.every((x) => x === 0n),
            `${when}, pool ${i}: account ${a.id} owes without collateral`,
          );
      }
    });

  for (let t = 0; t < scenario.steps; t++) {
    for (const a of scenario.assets) {
      oracle[a.index] = a.oracle[t];
      markets[a.index].reset(a.market[t]);
    }
    const state: StepState = { step: t, oracle, markets };
    for (const pool of pools)
      for (const a of pool.accounts) liquidate(scenario, pool, a, state, onLiquidation(t), onBadDebt);
    checkBooks(`step ${t}`);
  }
  const last: StepState = { step: scenario.steps - 1, oracle, markets };
  pools.forEach((pool, i) => {
    for (const a of pool.accounts) {
      const held = [...a.collAmounts];
      if (writeOff(pool, a, last, onBadDebt) > 0n) a.collAssets.forEach((asset, j) => (removed[i][asset] += held[j]));
      // after the write-off nothing is short
      ok(shortfallOf(a, markets) === 0n, `pool ${i}: account ${a.id} still short after the write-off`);
    }
  });
  checkBooks('after the write-off');
  return problems;
}

describe('engine properties', () => {
  it('keeps every pool’s books: loans, cash, collateral, insurance and bad debt add up at every step (both models)', () => {
    fc.assert(
      fc.property(arbScenario, (file) => {
        const scenario = compileScenario(file);
        const book = generateBook(scenario);
        expect([...driveAndCheck(scenario, book, 'shared'), ...driveAndCheck(scenario, book, 'segmented')]).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
