import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SimulationError, type SimulationErrorCode } from './errors.js';
import { bundledScenarioDir, findScenario, readScenarioDir, readScenarioFile } from './files.js';
import { compileScenario, type ScenarioFile } from './scenario.js';
import { WAD } from './wad.js';

/** `fn` throws a SimulationError with `code`; returns it for the message checks. */
function assertSimulationError(fn: () => unknown, code: SimulationErrorCode): SimulationError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SimulationError);
  expect((caught as SimulationError).code).toBe(code);
  return caught as SimulationError;
}

/** A small scenario that compiles: two segments lending USD, one whale. Every case below breaks one field. */
const valid = (): ScenarioFile => ({
  name: 'tiny-1.0',
  title: 'Tiny',
  summary: 'ETH falls 45 % over three steps',
  sources: ['hand-made'],
  stepMinutes: 10,
  steps: 4,
  shocked: ['ETH'],
  assets: {
    USD: { oracle: [[0, '1']] },
    ETH: {
      oracle: [
        [0, '2000'],
        [3, '1100'],
      ],
      depthUsd: '5_000_000',
      devnet: 'WETH',
    },
    BTC: { oracle: [[0, '60000']] },
  },
  segments: [
    {
      name: 'eth',
      borrow: 'USD',
      collaterals: [{ asset: 'ETH', ltvBps: 8000, liqThresholdBps: 8500, liqBonusBps: 500 }],
      supplyUsd: '1000000',
      insuranceUsd: '10000',
      collateralUsd: '800000',
    },
    {
      name: 'btc',
      borrow: 'USD',
      collaterals: [{ asset: 'BTC', ltvBps: 7000, liqThresholdBps: 7500, liqBonusBps: 600 }],
      supplyUsd: '500000',
      insuranceUsd: '5000',
      collateralUsd: '400000',
    },
  ],
  book: { seed: 1, borrowers: 10, multiSegmentShare: 0.2, utilisation: [0.2, 0.6] },
  actors: [
    {
      label: 'whale',
      segment: 'eth',
      asset: 'ETH',
      amount: '100',
      depositStep: 0,
      borrowStep: 1,
      borrowShareBps: 5000,
    },
  ],
});

/** [what is wrong, how to break the valid file, the field the message must start with, a fragment of the reason] */
const MALFORMED: [string, (f: ScenarioFile) => void, string, string][] = [
  ['an unknown top-level field', (f) => Object.assign(f, { colour: 'red' }), 'colour', 'unknown field'],
  ['an upper-case name', (f) => (f.name = 'Tiny'), 'name', 'lower-case'],
  ['a single step', (f) => (f.steps = 1), 'steps', 'whole number in [2, 100000], got 1'],
  ['no sources', (f) => (f.sources = []), 'sources', 'at least one source'],
  ['a blank source', (f) => (f.sources = ['ok', ' ']), 'sources[1]', 'non-empty string'],
  ['no assets', (f) => (f.assets = {}), 'assets', 'at least one asset'],
  [
    'oracle key points going back in time',
    (f) =>
      (f.assets.ETH.oracle = [
        [0, '2000'],
        [2, '1500'],
        [2, '1000'],
      ]),
    'assets.ETH.oracle[2]',
    'steps must increase',
  ],
  [
    'an oracle price that is not a decimal',
    (f) =>
      (f.assets.ETH.oracle = [
        [0, '2000'],
        [3, '1e3'],
      ]),
    'assets.ETH.oracle[1]',
    '"1e3" is not a decimal number',
  ],
  ['a zero oracle price', (f) => (f.assets.ETH.oracle = [[0, '0']]), 'assets.ETH.oracle[0]', 'positive'],
  ['a key point past the end', (f) => (f.assets.BTC.oracle = [[4, '60000']]), 'assets.BTC.oracle[0]', '0 ≤ step < 4'],
  ['a market price with a comma', (f) => (f.assets.ETH.market = [[0, '2,000']]), 'assets.ETH.market[0]', '"2,000"'],
  ['zero depth', (f) => (f.assets.ETH.depthUsd = '0'), 'assets.ETH.depthUsd', 'must be positive'],
  ['a negative supply', (f) => (f.segments[1].supplyUsd = '-5'), 'segments[1].supplyUsd', '"-5" is not a decimal'],
  ['19 decimals', (f) => (f.segments[0].insuranceUsd = '0.1234567890123456789'), 'segments[0].insuranceUsd', 'decimal'],
  [
    'a numeric amount',
    (f) => Object.assign(f.segments[0], { collateralUsd: 800000 }),
    'segments[0].collateralUsd',
    'string',
  ],
  [
    'no oracle and no synthetic section',
    (f) => delete f.assets.BTC.oracle,
    'assets.BTC.oracle',
    'key points are required',
  ],
  [
    'an unknown shocked asset',
    (f) => (f.shocked = ['ETH', 'SOL']),
    'shocked[1]',
    'unknown asset "SOL" (assets: USD, ETH, BTC)',
  ],
  ['nothing shocked', (f) => (f.shocked = []), 'shocked', 'name the asset'],
  ['no segments', (f) => (f.segments = []), 'segments', 'at least one segment'],
  ['a duplicate segment name', (f) => (f.segments[1].name = 'eth'), 'segments[1].name', '"eth" appears twice'],
  ['an unknown borrow asset', (f) => (f.segments[1].borrow = 'DAI'), 'segments[1].borrow', 'unknown asset "DAI"'],
  ['a segment without collateral', (f) => (f.segments[0].collaterals = []), 'segments[0].collaterals', 'at least one'],
  [
    'the borrow asset as collateral',
    (f) => (f.segments[0].collaterals[0].asset = 'USD'),
    'segments[0].collaterals[0].asset',
    'cannot also be collateral',
  ],
  [
    'the same collateral twice',
    (f) => f.segments[0].collaterals.push({ ...f.segments[0].collaterals[0] }),
    'segments[0].collaterals',
    'listed twice',
  ],
  [
    'a fractional LTV',
    (f) => (f.segments[0].collaterals[0].ltvBps = 80.5),
    'segments[0].collaterals[0].ltvBps',
    'got 80.5',
  ],
  [
    'a threshold above 100 %',
    (f) => (f.segments[1].collaterals[0].liqThresholdBps = 10_001),
    'segments[1].collaterals[0].liqThresholdBps',
    '[0, 10000], got 10001',
  ],
  [
    'a threshold below the LTV',
    (f) => (f.segments[0].collaterals[0].liqThresholdBps = 7999),
    'segments[0].collaterals[0].liqThresholdBps',
    'at least ltvBps',
  ],
  [
    'threshold × (1 + bonus) over 100 %',
    // 9600 · 1.05 = 10080 bps: a full liquidation would need more than the collateral is worth
    (f) => Object.assign(f.segments[0].collaterals[0], { liqThresholdBps: 9600, liqBonusBps: 500 }),
    'segments[0].collaterals[0].liqBonusBps',
    'threshold × (1 + bonus)',
  ],
  ['no book', (f) => delete (f as Partial<ScenarioFile>).book, 'book', 'must be an object'],
  ['a one-sided utilisation', (f) => Object.assign(f.book, { utilisation: [0.5] }), 'book.utilisation', '[min, max]'],
  [
    'utilisation min above max',
    (f) => (f.book.utilisation = [0.9, 0.1]),
    'book.utilisation',
    'min must not exceed max',
  ],
  ['utilisation above 1', (f) => (f.book.utilisation = [0.2, 1.5]), 'book.utilisation[1]', '[0, 1], got 1.5'],
  ['a negative seed', (f) => (f.book.seed = -1), 'book.seed', 'got -1'],
  ['a share of NaN', (f) => (f.book.multiSegmentShare = Number.NaN), 'book.multiSegmentShare', '[0, 1]'],
  [
    'an actor in an unknown segment',
    (f) => (f.actors![0].segment = 'sol'),
    'actors[0].segment',
    'unknown segment "sol"',
  ],
  [
    'an actor depositing a collateral its segment does not take',
    (f) => (f.actors![0].asset = 'BTC'),
    'actors[0].asset',
    'BTC is not collateral of segment eth',
  ],
  ['an actor with two borrow sizes', (f) => (f.actors![0].borrowAmount = '10'), 'actors[0]', 'exactly one of'],
  ['an actor borrowing before depositing', (f) => (f.actors![0].depositStep = 2), 'actors[0].borrowStep', 'precede'],
  ['an actor borrowing after the end', (f) => (f.actors![0].borrowStep = 4), 'actors[0].borrowStep', '[0, 3], got 4'],
  [
    'a close factor over 100 %',
    (f) => (f.liquidation = { closeFactorBps: 20_000 }),
    'liquidation.closeFactorBps',
    'got 20000',
  ],
  ['a bad minimum profit', (f) => (f.liquidation = { minProfitUsd: '$50' }), 'liquidation.minProfitUsd', '"$50"'],
  ['a correlation threshold of 2', (f) => (f.correlation = { threshold: 2 }), 'correlation.threshold', 'got 2'],
  ['a one-return window', (f) => (f.correlation = { window: 1 }), 'correlation.window', 'got 1'],
  ['a null asset', (f) => ((f.assets as Record<string, unknown>).BTC = null), 'assets.BTC', 'must be an object'],
  ['a null segment', (f) => ((f.segments as unknown[])[1] = null), 'segments[1]', 'must be an object'],
  ['actors that are not a list', (f) => ((f as { actors: unknown }).actors = {}), 'actors', 'must be a list'],
  [
    'one asset with two sets of parameters',
    (f) => f.segments[1].collaterals.push({ asset: 'ETH', ltvBps: 7000, liqThresholdBps: 8500, liqBonusBps: 500 }),
    'segments[1].collaterals',
    'ETH has other parameters in segment eth',
  ],
];

/** The valid file with its key-point ETH and BTC paths replaced by a synthetic section. */
const synthetic = (overrides: Partial<NonNullable<ScenarioFile['synthetic']>> = {}): ScenarioFile => {
  const f = valid();
  delete f.assets.ETH.oracle;
  delete f.assets.BTC.oracle;
  f.synthetic = {
    seed: 3,
    lead: 'ETH',
    correlation: 0.5,
    volBps: 100,
    crashBps: 5000,
    crashFrom: 1,
    crashSteps: 2,
    start: { ETH: '2000', BTC: '60000' },
    ...overrides,
  };
  return f;
};

describe('compileScenario', () => {
  it('compiles a valid file: prices per step, bigint amounts, exposure and the vault defaults', () => {
    const s = compileScenario(valid());
    expect(s.assets.map((a) => a.symbol)).toEqual(['USD', 'ETH', 'BTC']);
    // ETH: 2000 → 1100 linear over 3 steps, 300 a step
    expect(s.assets[1].oracle).toEqual([2000n * WAD, 1700n * WAD, 1400n * WAD, 1100n * WAD]);
    expect(s.assets[1].market).toBe(s.assets[1].oracle);
    expect(s.assets[1].depthUsd).toBe(5_000_000n * WAD);
    expect(s.assets[1].devnet).toBe('WETH');
    expect(s.assets[0].depthUsd).toBeNull();
    expect([...s.shocked]).toEqual([1]);
    // only the ETH segment holds the shocked asset
    expect(s.segments.map((x) => x.exposed)).toEqual([true, false]);
    expect(s.segments[0].collaterals[0]).toEqual({
      asset: 1,
      ltvBps: 8000n,
      liqThresholdBps: 8500n,
      liqBonusBps: 500n,
    });
    expect(s.segments[1].supplyUsd).toBe(500_000n * WAD);
    expect(s.book.suppliersPerSegment).toBe(50);
    expect(s.actors[0]).toEqual({
      label: 'whale',
      segment: 0,
      asset: 1,
      amount: 100n * WAD,
      depositStep: 0,
      borrowStep: 1,
      borrowAmount: null,
      borrowShareBps: 5000n,
    });
    // SegmentVault's CLOSE_FACTOR_BPS and LIQUIDATION_INSURANCE_SHARE_BPS; the risk oracle's window and threshold
    expect(s.liquidation).toEqual({ closeFactorBps: 5000n, insuranceShareBps: 1000n, minProfitUsd: 0n });
    expect(s.correlation).toEqual({ window: 29, threshold: 0.8 });
    expect(s.synthetic).toBe(false);
    expect(s.syntheticCorrelation).toBeNull();
  });

  it.each(MALFORMED)('rejects %s, naming the field', (_what, breakIt, field, reason) => {
    const file = valid();
    breakIt(file);
    const error = assertSimulationError(() => compileScenario(file), 'INVALID_SCENARIO');
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toContain(reason);
  });

  it('accepts threshold × (1 + bonus) of exactly 100 % and rejects one basis point more', () => {
    const at = valid();
    Object.assign(at.segments[0].collaterals[0], { ltvBps: 8000, liqThresholdBps: 8000, liqBonusBps: 2500 });
    expect(compileScenario(at).segments[0].collaterals[0].liqBonusBps).toBe(2500n);
    const over = valid();
    Object.assign(over.segments[0].collaterals[0], { ltvBps: 8000, liqThresholdBps: 8001, liqBonusBps: 2500 });
    const error = assertSimulationError(() => compileScenario(over), 'INVALID_SCENARIO');
    expect(error.message).toMatch(/^segments\[0\]\.collaterals\[0\]\.liqBonusBps: /);
  });

  it('reads a market path apart from the feed, underscores in amounts and overridden liquidation rules', () => {
    const f = valid();
    f.assets.ETH.market = [[1, '1500']];
    f.liquidation = { closeFactorBps: 10_000, insuranceShareBps: 0, minProfitUsd: '12.5' };
    f.correlation = { window: 5, threshold: 0.9 };
    const s = compileScenario(f);
    expect(s.assets[1].market).toEqual([1500n * WAD, 1500n * WAD, 1500n * WAD, 1500n * WAD]);
    expect(s.assets[1].oracle[3]).toBe(1100n * WAD);
    expect(s.liquidation).toEqual({
      closeFactorBps: 10_000n,
      insuranceShareBps: 0n,
      minProfitUsd: 12_500_000_000_000_000_000n,
    });
    expect(s.correlation).toEqual({ window: 5, threshold: 0.9 });
  });

  it('builds synthetic paths for assets without key points, and checks the synthetic section', () => {
    const s = compileScenario(synthetic());
    expect(s.synthetic).toBe(true);
    expect(s.syntheticCorrelation).toBe(0.5);
    expect(s.assets[1].oracle[0]).toBe(2000n * WAD);
    expect(s.assets[2].oracle[0]).toBe(60_000n * WAD);
    expect(s.assets[1].oracle).toHaveLength(4);
    // USD keeps its key points
    expect(s.assets[0].oracle).toEqual([WAD, WAD, WAD, WAD]);
    const cases: [Partial<NonNullable<ScenarioFile['synthetic']>>, string][] = [
      [{ lead: 'SOL' }, 'synthetic.lead: unknown asset "SOL"'],
      [{ correlation: 1.2 }, 'synthetic.correlation: '],
      [{ crashFrom: 4 }, 'synthetic.crashFrom: '],
      [{ crashSteps: 0 }, 'synthetic.crashSteps: '],
      // steps 4, crash from 1: only steps 2 and 3 remain for it
      [{ crashFrom: 1, crashSteps: 3 }, 'synthetic.crashSteps: must be a whole number in [1, 2]'],
      [{ start: { ETH: '0', BTC: '60000' } }, 'synthetic.start.ETH: a price must be positive'],
      [{ crashBps: 10_000 }, 'synthetic.crashBps: '],
      [{ start: { ETH: '2000', BTC: '60000', SOL: '150' } }, 'synthetic.start.SOL: unknown asset'],
      [{ start: { ETH: '2000', BTC: 'lots' } }, 'synthetic.start.BTC: "lots" is not a decimal'],
      // BTC has neither key points nor a start price
      [{ start: { ETH: '2000' } }, 'assets.BTC.oracle: key points are required'],
    ];
    for (const [override, message] of cases) {
      const error = assertSimulationError(() => compileScenario(synthetic(override)), 'INVALID_SCENARIO');
      expect(error.message.startsWith(message)).toBe(true);
    }
  });
});

describe('scenario files', () => {
  it('compiles every bundled file, each citing at least one source and named after its file', () => {
    const files = readdirSync(bundledScenarioDir()).filter((f) => f.endsWith('.json'));
    const scenarios = readScenarioDir();
    expect(scenarios.map((s) => `${s.name}.json`)).toEqual([...files].sort());
    expect(scenarios.length).toBeGreaterThanOrEqual(9);
    for (const s of scenarios) {
      expect(s.sources.length).toBeGreaterThanOrEqual(1);
      expect(s.shocked.size).toBeGreaterThanOrEqual(1);
      // a shocked asset makes at least one segment exposed and at least one segment is not (else no contagion to measure)
      expect(s.segments.some((x) => x.exposed)).toBe(true);
      expect(s.segments.some((x) => !x.exposed)).toBe(true);
      for (const a of s.assets) {
        expect(a.oracle).toHaveLength(s.steps);
        expect(a.market).toHaveLength(s.steps);
      }
    }
  });

  it('finds a bundled scenario by name and lists the known names for an unknown one', () => {
    expect(findScenario('mango-2022').title).toMatch(/Mango/);
    const names = readScenarioDir().map((s) => s.name);
    const error = assertSimulationError(() => findScenario('terra-2022'), 'UNKNOWN_SCENARIO');
    expect(error.message).toContain('no scenario "terra-2022"');
    for (const name of names) expect(error.message).toContain(name);
  });

  it('reads a file of the user’s own by path, naming the file in its errors', () => {
    const mine = mkdtempSync(join(tmpdir(), 'scenario-spec-'));
    const dir = mkdtempSync(join(tmpdir(), 'scenario-spec-'));
    const good = join(mine, 'mine.json');
    writeFileSync(good, JSON.stringify({ ...valid(), name: 'mine' }));
    expect(findScenario(good).name).toBe('mine');
    const broken = valid();
    broken.book.utilisation = [0.9, 0.1];
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(broken));
    const invalid = assertSimulationError(() => readScenarioFile(bad), 'INVALID_SCENARIO');
    expect(invalid.message).toBe(`${bad}: book.utilisation: min must not exceed max`);
    const garbled = join(dir, 'garbled.json');
    writeFileSync(garbled, '{ "name": ');
    expect(assertSimulationError(() => readScenarioFile(garbled), 'INVALID_SCENARIO').message).toMatch(
      /garbled\.json: not readable JSON/,
    );
    // by name from a directory of the user's own
    expect(findScenario('mine', mine).name).toBe('mine');
  });
});
