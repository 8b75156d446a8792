import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { generateBook } from './book.js';
import { findScenario } from './files.js';
import { compileScenario, type ActorFile, type AssetFile, type ScenarioFile, type SegmentFile } from './scenario.js';
import { runModel, simulate, type ModelResult } from './simulate.js';
import { WAD } from './wad.js';

const segment = (name: string, asset: string, overrides: Partial<SegmentFile> = {}): SegmentFile => ({
  name,
  borrow: 'USD',
  collaterals: [{ asset, ltvBps: 8000, liqThresholdBps: 8500, liqBonusBps: 500 }],
  supplyUsd: '10000',
  insuranceUsd: '100',
  collateralUsd: '0',
  ...overrides,
});

/** No generated book: one actor pledges 10 ETH at $1000 and borrows $8000; ETH falls to $900, then $500. */
const handFile = (
  eth: AssetFile['oracle'] = [
    [0, '1000'],
    [1, '900'],
    [2, '500'],
  ],
): ScenarioFile => ({
  name: 'hand',
  title: 'Hand-computed',
  summary: 'one ETH whale, one BTC segment beside it',
  sources: ['hand-made'],
  stepMinutes: 1,
  steps: 3,
  shocked: ['ETH'],
  assets: { USD: { oracle: [[0, '1']] }, ETH: { oracle: eth }, BTC: { oracle: [[0, '50000']] } },
  segments: [segment('eth', 'ETH'), segment('btc', 'BTC')],
  book: { seed: 0, borrowers: 0, multiSegmentShare: 0, utilisation: [0, 0] },
  actors: [
    { label: 'whale', segment: 'eth', asset: 'ETH', amount: '10', depositStep: 0, borrowStep: 0, borrowAmount: '8000' },
  ],
});

describe('simulate (hand-computed)', () => {
  // The liquidations of engine.spec.ts: 4000 repaid at $900, then 2000 and 539.682539682539682858 at $500,
  // after which the collateral is gone and 1460.317460317460317142 is realised as bad debt. The ETH fund has
  // received 20 + 10 + 2.698412698412698414 by then.
  const result = simulate(compileScenario(handFile()), { keepEvents: true });

  it('keeps the loss in the ETH segment when segmented: its fund, then its suppliers', () => {
    const s = result.segmented;
    expect(s.badDebtUsd).toBe(1_460_317_460_317_460_317_142n);
    expect(s.realisedUsd).toBe(1_460_317_460_317_460_317_142n);
    expect(s.unrealisedUsd).toBe(0n);
    // the ETH fund: 100 + 32.698412698412698414 all used; its suppliers bear the other 1327.619047619047618728
    expect(s.insurance).toEqual({ startUsd: 200n * WAD, endUsd: 100n * WAD, usedUsd: 132_698_412_698_412_698_414n });
    expect(s.supplierLossUsd).toBe(1_327_619_047_619_047_618_728n);
    expect(s.homes).toEqual([
      {
        segment: 'eth',
        exposed: true,
        supplierLossUsd: 1_327_619_047_619_047_618_728n,
        // net: it paid out 132.698… and took in 32.698… of liquidation fees
        insuranceLossUsd: 100n * WAD,
      },
      { segment: 'btc', exposed: false, supplierLossUsd: 0n, insuranceLossUsd: 0n },
    ]);
    expect(s.contagionUsd).toBe(0n);
    expect(s.contagionSuppliers).toBe(0);
    expect(s.timeline.insuranceUsd).toEqual([
      [100n * WAD, 120n * WAD, 0n],
      [100n * WAD, 100n * WAD, 100n * WAD],
    ]);
  });

  it('spreads the same loss over every segment when shared: one fund of 200, suppliers pro rata to supply', () => {
    const s = result.shared;
    expect(s.badDebtUsd).toBe(1_460_317_460_317_460_317_142n);
    // the fund: 200 + 32.698412698412698414, all of it used; suppliers bear 1460.317… − 232.698…
    expect(s.insurance).toEqual({ startUsd: 200n * WAD, endUsd: 0n, usedUsd: 232_698_412_698_412_698_414n });
    expect(s.supplierLossUsd).toBe(1_227_619_047_619_047_618_728n);
    // each segment supplied half and funded half: ⌊1227.619…728 / 2⌋ of the suppliers' loss, and half of
    // the fund's net loss of 200
    // the fund of 200 ends at 0 (it took in 32.698… of fees and paid out 232.698…): 100 each, net
    const half = { supplierLossUsd: 613_809_523_809_523_809_364n, insuranceLossUsd: 100n * WAD };
    expect(s.homes).toEqual([
      { segment: 'eth', exposed: true, ...half },
      { segment: 'btc', exposed: false, ...half },
    ]);
    // the BTC segment holds no ETH and still loses: contagion, borne by its 50 suppliers
    expect(s.contagionUsd).toBe(713_809_523_809_523_809_364n);
    expect(s.contagionSuppliers).toBe(50);
    expect(s.timeline.contagionUsd).toEqual([0n, 0n, 713_809_523_809_523_809_364n]);
    expect(s.timeline.insuranceUsd).toEqual([[200n * WAD, 220n * WAD, 0n]]);
  });

  it('reports the same liquidations in both layouts', () => {
    for (const s of [result.shared, result.segmented]) {
      expect(s.liquidations).toEqual({
        count: 3,
        accounts: 1,
        // 4000 + 2000 + 539.682539682539682858
        repaidUsd: 6_539_682_539_682_539_682_858n,
        shockedRepaidUsd: 6_539_682_539_682_539_682_858n,
        // (4.666666666666666666 · 900 − 4000) + (4.2 · 500 − 2000) + (566.666666666666667 − 539.682539682539682858)
        penaltyUsd: 326_984_126_984_126_983_542n,
        precisionBps: 10_000,
      });
      expect(s.firstLiquidationStep).toBe(1);
      expect(s.stuckAccounts).toBe(0);
      expect(s.timeline.badDebtUsd).toEqual([0n, 0n, 1_460_317_460_317_460_317_142n]);
      expect(s.events.liquidations.map((e) => [e.step, e.repaid])).toEqual([
        [1, 4000n * WAD],
        [2, 2000n * WAD],
        [2, 539_682_539_682_539_682_858n],
      ]);
      expect(s.events.badDebt.map((e) => [e.step, e.usd])).toEqual([[2, 1_460_317_460_317_460_317_142n]]);
    }
  });

  it('marks a stuck feed’s collateral at the market, writes it off at the end, or leaves it with settle: false', () => {
    // the feed says LUNA is $1 throughout; the market falls to $0.10 with $1000 of depth. 100 LUNA back $50:
    // healthy by the feed (60 ≥ 50), so nobody liquidates; selling 100 LUNA ($10) fetches 1000 · 10 / 1010
    const file: ScenarioFile = {
      ...handFile(),
      shocked: ['LUNA'],
      assets: {
        USD: { oracle: [[0, '1']] },
        LUNA: {
          oracle: [[0, '1']],
          market: [
            [0, '1'],
            [1, '0.1'],
          ],
          depthUsd: '1000',
        },
        BTC: { oracle: [[0, '50000']] },
      },
      segments: [
        segment('luna', 'LUNA', {
          collaterals: [{ asset: 'LUNA', ltvBps: 5500, liqThresholdBps: 6000, liqBonusBps: 1000 }],
          insuranceUsd: '15',
        }),
        segment('btc', 'BTC'),
      ],
      actors: [
        {
          label: 'depositor',
          segment: 'luna',
          asset: 'LUNA',
          amount: '100',
          depositStep: 0,
          borrowStep: 0,
          borrowAmount: '50',
        },
      ],
    };
    const shortfall = 40_099_009_900_990_099_010n; // 50 − 9.900990099009900990
    const settled = simulate(compileScenario(file)).segmented;
    expect(settled.liquidations.count).toBe(0);
    expect(settled.stuckAccounts).toBe(0);
    expect(settled.timeline.badDebtUsd).toEqual([0n, shortfall, shortfall]);
    expect([settled.badDebtUsd, settled.realisedUsd, settled.unrealisedUsd]).toEqual([shortfall, 0n, shortfall]);
    expect(settled.insurance.usedUsd).toBe(15n * WAD);
    expect(settled.supplierLossUsd).toBe(shortfall - 15n * WAD);
    const open = simulate(compileScenario(file), { settle: false }).segmented;
    // the shortfall is still reported, but nobody has paid for it yet
    expect([open.badDebtUsd, open.unrealisedUsd]).toEqual([shortfall, shortfall]);
    expect([open.insurance.usedUsd, open.insurance.endUsd, open.supplierLossUsd]).toEqual([0n, 115n * WAD, 0n]);
  });

  it('counts an unhealthy account no liquidator would touch as stuck', () => {
    // ETH at $800: 8000 · 0.85 < 8000, but the best trade pays $180 and liquidators want $1000
    const file = {
      ...handFile([
        [0, '1000'],
        [1, '800'],
      ]),
      liquidation: { minProfitUsd: '1000' },
    };
    const { shared, segmented } = simulate(compileScenario(file));
    for (const s of [shared, segmented]) {
      expect(s.liquidations.count).toBe(0);
      expect(s.firstLiquidationStep).toBeNull();
      expect(s.stuckAccounts).toBe(1);
      // 10 ETH still fetch $8000 without depth: nothing to write off
      expect(s.badDebtUsd).toBe(0n);
    }
  });

  it('borrows what an actor asks, capped by its borrow limit and by its segment’s cash', () => {
    // ETH holds $1000 while the actor borrows at step 1, then falls to $450 (3825 of liquidation value): the first
    // liquidation repays half the loan, which shows what was lent
    const firstRepaid = (borrow: Partial<ActorFile>, supplyUsd = '10000'): bigint => {
      const file: ScenarioFile = {
        ...handFile([
          [0, '1000'],
          [1, '1000'],
          [2, '450'],
        ]),
        segments: [segment('eth', 'ETH', { supplyUsd }), segment('btc', 'BTC')],
        actors: [
          { label: 'whale', segment: 'eth', asset: 'ETH', amount: '10', depositStep: 0, borrowStep: 1, ...borrow },
        ],
      };
      return simulate(compileScenario(file), { keepEvents: true }).segmented.events.liquidations[0].repaid;
    };
    // 50 % of the 10 · 1000 · 0.8 = 8000 limit: 4000 lent
    expect(firstRepaid({ borrowShareBps: 5000 })).toBe(2000n * WAD);
    // 9000 asked, the limit lent
    expect(firstRepaid({ borrowAmount: '9000' })).toBe(4000n * WAD);
    // 9000 asked of a segment supplying 5000: 5000 lent
    expect(firstRepaid({ borrowAmount: '9000' }, '5000')).toBe(2500n * WAD);
  });
});

// ---------------------------------------------------------------- properties

const price = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

interface Random {
  file: ScenarioFile;
  /** the same scenario with another path for the shocked asset (same step-0 price) */
  reshocked: ScenarioFile;
}

/**
 * 2–4 segments lending USD, each against its own asset X0…; the shocked asset Xk crashes or spikes on a
 * random path and other segments may pledge it too (they are exposed). In a `calm` world the other assets
 * wander ±10 % and the book uses at most 60 % of its limits, so nobody outside the shock is ever unhealthy.
 */
const arbRandom = (calm: boolean) =>
  fc
    .record({
      n: fc.integer({ min: 2, max: 4 }),
      k: fc.integer({ min: 0, max: 3 }),
      steps: fc.integer({ min: 2, max: 12 }),
      starts: fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 4, maxLength: 4 }),
      moves: fc.array(
        fc.array(fc.record({ at: fc.integer({ min: 1, max: 11 }), pct: fc.integer({ min: 5, max: 150 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
        { minLength: 6, maxLength: 6 },
      ),
      depths: fc.array(fc.option(fc.integer({ min: 10, max: 1000 })), { minLength: 4, maxLength: 4 }),
      alsoShocked: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      params: fc.array(
        fc.record({
          ltv: fc.integer({ min: 3000, max: 8500 }),
          above: fc.integer({ min: 0, max: 1000 }),
          bonus: fc.integer({ min: 0, max: 1500 }),
          collateralUsd: fc.integer({ min: 1_000, max: 1_000_000 }),
          supplyX: fc.integer({ min: 1, max: 3 }),
          // at least $1: with an empty starting fund the homes report none of the fund's use (see the report)
          insuranceUsd: fc.integer({ min: 1, max: 20_000 }),
        }),
        { minLength: 4, maxLength: 4 },
      ),
      seed: fc.nat(),
      borrowers: fc.integer({ min: 1, max: 20 }),
      multiSegmentShare: fc.double({ min: 0, max: 1, noNaN: true }),
      utilisation: fc.tuple(fc.double({ min: 0.3, max: 1, noNaN: true }), fc.double({ min: 0.3, max: 1, noNaN: true })),
    })
    .map((r): Random => {
      const k = r.k % r.n;
      const symbols = Array.from({ length: r.n }, (_, i) => `X${i}`);
      const totalCollateral = r.params.slice(0, r.n).reduce((a, p) => a + p.collateralUsd, 0);
      const path = (i: number, moves: { at: number; pct: number }[], band: boolean): AssetFile['oracle'] => {
        const points = new Map<number, string>([[0, String(r.starts[i])]]);
        for (const m of moves) {
          // ±10 %: 90 … 110 % of the start
          const pct = band ? 90 + (m.pct % 21) : m.pct;
          if (m.at < r.steps) points.set(m.at, price(r.starts[i] * pct));
        }
        return [...points].sort((a, b) => a[0] - b[0]);
      };
      const assets = (shockMoves: { at: number; pct: number }[]): Record<string, AssetFile> => {
        const out: Record<string, AssetFile> = { USD: { oracle: [[0, '1']] } };
        symbols.forEach((symbol, i) => {
          const shocked = i === k;
          const depth = r.depths[i];
          out[symbol] = { oracle: path(i, shocked ? shockMoves : r.moves[i], calm && !shocked) };
          // depth as a multiple of all the collateral: thin for the shocked asset, never below 10× in a calm world
          if (depth !== null) {
            const multiple = calm && !shocked ? 10 + depth : shocked ? depth / 100 : depth / 10;
            out[symbol].depthUsd = String(Math.ceil(totalCollateral * multiple));
          }
        });
        return out;
      };
      // an asset has one set of parameters wherever it is listed (the shared pool holds them all)
      const paramsOf = (j: number) => {
        const p = r.params[j];
        const thr = Math.min(p.ltv + p.above, 9000);
        return {
          ltvBps: p.ltv,
          liqThresholdBps: thr,
          liqBonusBps: Math.min(p.bonus, Math.floor(100_000_000 / thr) - 10_000),
        };
      };
      const segments = symbols.map((_symbol, i): SegmentFile => {
        const p = r.params[i];
        const pledged = i !== k && r.alsoShocked[i] ? [i, k] : [i];
        return {
          name: `s${i}`,
          borrow: 'USD',
          collaterals: pledged.map((j) => ({ asset: symbols[j], ...paramsOf(j) })),
          supplyUsd: String(p.collateralUsd * p.supplyX),
          insuranceUsd: String(p.insuranceUsd),
          collateralUsd: String(p.collateralUsd),
        };
      });
      const [u0, u1] = r.utilisation.map((u) => (calm ? u * 0.6 : u));
      const file: ScenarioFile = {
        name: 'random',
        title: 'Random',
        summary: 'fast-check',
        sources: ['fast-check'],
        stepMinutes: 1,
        steps: r.steps,
        shocked: [symbols[k]],
        assets: assets(r.moves[4]),
        segments,
        book: {
          seed: r.seed,
          borrowers: r.borrowers,
          multiSegmentShare: r.multiSegmentShare,
          utilisation: [Math.min(u0, u1), Math.max(u0, u1)],
        },
        liquidation: { minProfitUsd: '0' },
      };
      return { file, reshocked: { ...file, assets: assets(r.moves[5]) } };
    });

const sum = (xs: readonly bigint[]): bigint => xs.reduce((a, x) => a + x, 0n);

/** Every dollar of bad debt is borne by a fund or by suppliers, and totals, pools, events and timeline agree. */
function assertAccounts(r: ModelResult): void {
  expect(r.supplierLossUsd + r.insurance.usedUsd).toBe(r.badDebtUsd);
  expect(sum(r.events.badDebt.map((e) => e.usd))).toBe(r.badDebtUsd);
  expect(sum(r.events.badDebt.map((e) => e.fromInsuranceUsd))).toBe(r.insurance.usedUsd);
  const inflows = sum(r.events.liquidations.map((e) => e.toInsuranceUsd));
  expect(r.insurance.endUsd).toBe(r.insurance.startUsd + inflows - r.insurance.usedUsd);
  expect(r.insurance.endUsd).toBeGreaterThanOrEqual(0n);
  for (const p of r.pools) {
    expect(p.realisedUsd + p.unrealisedUsd).toBe(p.insuranceUsedUsd + p.socialisedUsd);
    expect(p.insuranceEndUsd).toBeGreaterThanOrEqual(0n);
  }
  // the timeline ends at the reported bad debt
  expect(r.timeline.badDebtUsd.at(-1)).toBe(r.badDebtUsd);
  // the pools' losses are split among the segments without losing more than a wei per segment
  const n = BigInt(r.homes.length);
  const homesSupplier = sum(r.homes.map((h) => h.supplierLossUsd));
  const homesInsurance = sum(r.homes.map((h) => h.insuranceLossUsd));
  expect(homesSupplier <= r.supplierLossUsd && homesSupplier + n >= r.supplierLossUsd).toBe(true);
  // a fund's loss is its net depletion (payouts less the liquidation fees it took in); a fund that
  // started empty passes on what it paid out
  const fundLoss = sum(
    r.pools.map((p) =>
      p.insuranceStartUsd === 0n
        ? p.insuranceUsedUsd
        : p.insuranceStartUsd > p.insuranceEndUsd
          ? p.insuranceStartUsd - p.insuranceEndUsd
          : 0n,
    ),
  );
  expect(homesInsurance <= fundLoss && homesInsurance + n >= fundLoss).toBe(true);
}

describe('simulate properties', () => {
  it('is deterministic: the same scenario gives the same results, events included', () => {
    const mango = findScenario('mango-2022');
    expect(simulate(mango, { keepEvents: true })).toEqual(simulate(mango, { keepEvents: true }));
    fc.assert(
      fc.property(arbRandom(false), ({ file }) => {
        expect(simulate(compileScenario(file), { keepEvents: true })).toEqual(
          simulate(compileScenario(file), { keepEvents: true }),
        );
      }),
      { numRuns: 30 },
    );
  });

  it('runs both layouts over one book, and accounts for every dollar of bad debt in each', () => {
    fc.assert(
      fc.property(arbRandom(false), ({ file }) => {
        const scenario = compileScenario(file);
        const r = simulate(scenario, { keepEvents: true });
        expect(r.book).toEqual(generateBook(scenario));
        // one book: the same collateral and supply in both layouts (step-0 prices are whole dollars: no rounding)
        const price0 = scenario.assets.map((a) => a.oracle[0]);
        const collateralUsd = sum(r.book.positions.map((p) => (p.collateral * price0[p.asset]) / WAD));
        expect(r.shared.capital.collateralUsd).toBe(collateralUsd);
        expect(r.segmented.capital.collateralUsd).toBe(collateralUsd);
        expect(r.shared.capital.supplyUsd).toBe(r.segmented.capital.supplyUsd);
        // one pool lends to anyone: it never lends less than segments that each lend only their own cash
        expect(r.shared.capital.borrowableUsd).toBeGreaterThanOrEqual(r.segmented.capital.borrowableUsd);
        assertAccounts(r.shared);
        assertAccounts(r.segmented);
        expect(r.shared.pools).toHaveLength(1);
        expect(r.segmented.pools.map((p) => p.name)).toEqual(scenario.segments.map((s) => s.name));
      }),
      { numRuns: 100 },
    );
  });

  it('isolates segments: with calm unshocked assets, a segment holding no shocked asset never loses (segmented)', () => {
    let sharedContagion = 0;
    fc.assert(
      fc.property(arbRandom(true), ({ file }) => {
        const r = simulate(compileScenario(file));
        for (const h of r.segmented.homes.filter((x) => !x.exposed)) {
          expect([h.segment, h.supplierLossUsd, h.insuranceLossUsd]).toEqual([h.segment, 0n, 0n]);
        }
        expect(r.segmented.contagionUsd).toBe(0n);
        expect(r.segmented.contagionSuppliers).toBe(0);
        if (r.shared.contagionUsd > 0n) sharedContagion += 1;
      }),
      { numRuns: 100 },
    );
    // the same books and paths do spread losses to those segments when they share one pool
    expect(sharedContagion).toBeGreaterThan(0);
  });

  it('isolates segments: another path for the shocked asset changes nothing in a segment that does not hold it', () => {
    fc.assert(
      fc.property(arbRandom(false), ({ file, reshocked }) => {
        const a = compileScenario(file);
        const b = compileScenario(reshocked);
        const book = generateBook(a);
        expect(generateBook(b)).toEqual(book);
        const ra = runModel(a, book, 'segmented');
        const rb = runModel(b, book, 'segmented');
        for (const s of a.segments) {
          if (s.exposed) continue;
          expect(rb.pools[s.index]).toEqual(ra.pools[s.index]);
          expect(rb.homes[s.index]).toEqual(ra.homes[s.index]);
          expect(rb.timeline.insuranceUsd[s.index]).toEqual(ra.timeline.insuranceUsd[s.index]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
