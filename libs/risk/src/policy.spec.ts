import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Hex } from 'viem';
import type { AssetRisk, RiskParams, StewardBounds } from '#app/messaging';
import { DEFAULT_POLICY, policyTarget, proposeRiskParams, type PolicyConfig, type PolicyInput } from './policy.js';
import { checkAbiRanges, checkStewardBounds, checkStewardUpdate, validateRiskParams } from './rules.js';
import { MAX_UINT128, MAX_UINT16, WAD } from './units.js';
import { assertRiskError } from './testing.js';

const id = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const rates = { baseBps: 0, slope1Bps: 400, kinkBps: 8000, slope2Bps: 6000 };
const asset = { ltvBps: 8000, liqThresholdBps: 8500, liqBonusBps: 500, supplyCap: 1000n * WAD };
const params = (assets: Partial<AssetRisk>[], borrowCap = 10n ** 12n): RiskParams => ({
  borrowCap,
  reserveFactorBps: 1000,
  rates,
  assets: assets.map((a, i) => ({ assetId: id(i + 1), ...asset, ...a })),
});
const bounds: StewardBounds = {
  maxLtvChangeBps: 500,
  maxThresholdChangeBps: 500,
  maxBonusChangeBps: 200,
  maxReserveFactorChangeBps: 100,
  maxRateChangeBps: 100,
  maxCapChangeBps: 2000,
  minInterval: 3600,
};
const input = (current: RiskParams, vols: number[], extra: Partial<PolicyInput> = {}): PolicyInput => ({
  current,
  bounds,
  assets: current.assets.map((a, i) => ({ assetId: a.assetId, volatility: vols[i], supplied: 0n })),
  borrowed: 0n,
  esShareBps: 0,
  headroomShareBps: 0,
  ...extra,
});
const fields = (p: RiskParams) => p.assets.map((a) => [a.ltvBps, a.liqThresholdBps, a.liqBonusBps, a.supplyCap]);

describe('rules (the controller checks)', () => {
  const old = params([{}]);
  const edit = (a: Partial<AssetRisk>, p: Partial<RiskParams> = {}) => ({
    ...old,
    ...p,
    assets: [{ ...old.assets[0], ...a }],
  });

  it('checks ABI ranges, validity and steward bounds, naming the field', () => {
    expect(checkStewardUpdate(bounds, old, old)).toBeNull();
    const abi = checkAbiRanges(edit({ ltvBps: MAX_UINT16 + 1 }));
    expect([abi?.error, abi?.assetId, abi?.field]).toEqual(['AbiRange', id(1), 'ltv']);
    expect(checkAbiRanges(edit({ supplyCap: MAX_UINT128 + 1n }))?.field).toBe('supplyCap');
    expect(checkAbiRanges(edit({}, { rates: { ...rates, kinkBps: 0.5 } }))?.field).toBe('rates.kink');
    expect(checkAbiRanges(edit({}, { borrowCap: -1n }))?.field).toBe('borrowCap');
    const ids = [id(1)];
    const v = validateRiskParams(ids, edit({ ltvBps: 8600 }));
    expect([v?.error, v?.assetId, v?.field]).toEqual(['InvalidRiskParams', id(1), 'ltv']);
    // 9100·(1e4 + 1000) = 1.001e8 > 1e8; 9090·11000 = 9.999e7 passes
    expect(validateRiskParams(ids, edit({ liqThresholdBps: 9100, liqBonusBps: 1000 }))?.field).toBe('liqThreshold');
    expect(validateRiskParams(ids, edit({ liqThresholdBps: 9090, liqBonusBps: 1000 }))).toBeNull();
    expect(validateRiskParams([id(2)], old)?.field).toBe('assets');
    expect(validateRiskParams(ids, edit({}, { reserveFactorBps: 10_001 }))?.field).toBe('reserveFactor');
    const bad = (next: RiskParams) => checkStewardBounds(bounds, old, next)?.field;
    expect(bad(edit({ ltvBps: 7500 }))).toBeUndefined(); // exactly the bound
    expect(bad(edit({ ltvBps: 7499 }))).toBe('ltv');
    expect(bad(edit({ liqThresholdBps: 9001 }))).toBe('liqThreshold');
    expect(bad(edit({ liqBonusBps: 701 }))).toBe('liqBonus');
    expect(bad(edit({ supplyCap: 1200n * WAD }))).toBeUndefined(); // +20 %
    expect(bad(edit({ supplyCap: 1200n * WAD + 1n }))).toBe('supplyCap');
    expect(bad(edit({}, { borrowCap: 0n }))).toBe('borrowCap');
    expect(bad(edit({}, { reserveFactorBps: 1101 }))).toBe('reserveFactor');
    expect(bad(edit({}, { rates: { ...rates, slope2Bps: 6101 } }))).toBe('rates.slope2');
    expect(bad({ ...old, assets: [] })).toBe('assets');
    // ABI ranges come first, then the bounds, then validity
    const first = (a: Partial<AssetRisk>) => checkStewardUpdate(bounds, old, edit(a))?.error;
    expect(first({ ltvBps: -1 })).toBe('AbiRange');
    expect(first({ ltvBps: 8600, liqThresholdBps: 8500 })).toBe('StewardOutOfBounds');
    expect(first({ ltvBps: 8300, liqThresholdBps: 8200 })).toBe('InvalidRiskParams');
  });
});

describe('policyTarget / proposeRiskParams', () => {
  it('computes targets by hand and clamps them to the steward bounds', () => {
    // σ = 5 %, z = 2.3263478740408408, Hₗ = 3, H_b = 1:
    //   keep = e^(−z·0.05·√3) = e^(−0.2014676) = 0.8175300;  bonus = ⌈400 + 0.25·0.1824700·1e4⌉ = ⌈856.17⌉ = 857
    //   threshold = ⌊1e8·0.8175300/10857⌋ = ⌊7529.98⌋ = 7529;  ltv = ⌊7529·e^(−0.1163174)⌋ = ⌊7529·0.8901926⌋ = 6702
    const current = params([{}]);
    const t = policyTarget(input(current, [0.05]));
    expect(t.assets[0]).toMatchObject({ liqBonusBps: 857, liqThresholdBps: 7529, ltvBps: 6702 });
    expect(t.assets[0].adverseMove).toBeCloseTo(1 - 0.81753003592, 10);
    const d = proposeRiskParams(input(current, [0.05], { lastStewardUpdate: 1000 }));
    expect(fields(d.params)).toEqual([[7500, 8000, 700, 1000n * WAD]]); // each field moved as far as its bound
    expect(d.adjustments.map((a) => [a.field, a.from, a.to, a.rule])).toEqual([
      ['liqThreshold', 7529, 8000, 'maxThresholdChangeBps'],
      ['liqBonus', 857, 700, 'maxBonusChangeBps'],
      ['ltv', 6702, 7500, 'maxLtvChangeBps'],
    ]);
    expect([d.changed, d.blocked, d.notBefore]).toEqual([true, [], 4600]);
    expect(checkStewardUpdate(bounds, current, d.params)).toBeNull();
  });

  it('drops changes inside the deadband', () => {
    const current = params([{ ltvBps: 6710, liqThresholdBps: 7540, liqBonusBps: 850 }]);
    const d = proposeRiskParams(input(current, [0.05])); // targets 6702 / 7529 / 857: all within 25 bps
    expect([d.changed, d.notBefore]).toEqual([false, null]);
    expect(d.adjustments.map((a) => a.rule)).toEqual(['deadband', 'deadband', 'deadband']);
  });

  it('only tightens unless loosen is on, and then keeps threshold·(1 + bonus) ≤ 1 and ltv ≤ threshold', () => {
    // σ = 0: keep = 1, bonus = 400, threshold = min(9300, ⌊1e8/10400⌋) = 9300, ltv = 9300 — all looser
    const current = params([{ ltvBps: 8000, liqThresholdBps: 9090, liqBonusBps: 1000 }]);
    const calm = input(current, [0], { bounds: { ...bounds, maxLtvChangeBps: 2000, maxBonusChangeBps: 0 } });
    const strict = proposeRiskParams(calm);
    expect(strict.changed).toBe(false);
    expect(strict.adjustments.map((a) => a.rule)).toEqual(['tightenOnly', 'tightenOnly', 'tightenOnly']);
    const loose = proposeRiskParams(calm, { ...DEFAULT_POLICY, loosen: true });
    // bonus held at 1000 (max change 0) → threshold ≤ ⌊1e8/11000⌋ = 9090; ltv 9300 follows it down
    expect(fields(loose.params)).toEqual([[9090, 9090, 1000, 1000n * WAD]]);
    expect(loose.adjustments.map((a) => [a.field, a.to, a.rule])).toEqual([
      ['liqBonus', 1000, 'maxBonusChangeBps'],
      ['liqThreshold', 9090, 'thresholdTimesBonus'],
      ['ltv', 9090, 'ltvAboveThreshold'],
    ]);
    expect(checkStewardUpdate(calm.bounds, current, loose.params)).toBeNull();
  });

  it('shrinks caps when ES or headroom share is elevated, raises them only when loosening', () => {
    const current = params([{ supplyCap: 1000n * WAD }], 10n ** 12n);
    const used = (supplied: bigint, borrowed: bigint, es: number) => ({
      ...input(current, [0]),
      assets: [{ assetId: id(1), volatility: 0, supplied }],
      borrowed,
      esShareBps: es,
    });
    // ES share 3000 > 1500: scale = ⌊1500·1e4/3000⌋ = 5000 → supply max(300, 500) = 500 → bounded at 800;
    // borrow max(9e11 used, 5e11) = 9e11 (−10 %, within 20 %)
    const elevated = proposeRiskParams(used(300n * WAD, 9n * 10n ** 11n, 3000));
    expect([elevated.target.elevated, elevated.target.capScaleBps, elevated.target.assets[0].supplyCap]).toEqual([
      true,
      5000,
      500n * WAD,
    ]);
    expect([elevated.params.assets[0].supplyCap, elevated.params.borrowCap]).toEqual([800n * WAD, 9n * 10n ** 11n]);
    // 85 % used ≥ 80 %: +10 % target, kept by tighten-only, taken when loosening
    const busy = used(850n * WAD, 0n, 0);
    expect(proposeRiskParams(busy).params.assets[0].supplyCap).toBe(1000n * WAD);
    expect(proposeRiskParams(busy, { ...DEFAULT_POLICY, loosen: true }).params.assets[0].supplyCap).toBe(1100n * WAD);
  });

  it('is blocked, proposing the current params, when the current params cannot be updated', () => {
    const zeroCap = proposeRiskParams(input(params([{}], 0n), [0.05]));
    expect([zeroCap.changed, zeroCap.blocked.length]).toEqual([false, 1]);
    const bad = params([{ ltvBps: 9000 }]);
    const invalidNow = proposeRiskParams(input(bad, [0.05]));
    expect(invalidNow.blocked[0]).toMatch(/InvalidRiskParams on ltv/);
    expect([invalidNow.params, invalidNow.changed, invalidNow.adjustments]).toEqual([bad, false, []]);
  });

  it('rejects invalid configs and inputs', () => {
    const ok = input(params([{}]), [0.05]);
    assertRiskError(() => policyTarget(ok, { ...DEFAULT_POLICY, confidenceBps: 5000 }), 'INVALID_INPUT');
    assertRiskError(() => policyTarget(ok, { ...DEFAULT_POLICY, minBonusBps: 2000 }), 'INVALID_INPUT');
    assertRiskError(() => policyTarget(ok, { ...DEFAULT_POLICY, liquidationHorizon: -1 }), 'INVALID_INPUT');
    assertRiskError(() => policyTarget({ ...ok, assets: [] }), 'INVALID_INPUT');
    assertRiskError(() => policyTarget({ ...ok, assets: [{ ...ok.assets[0], assetId: id(9) }] }), 'INVALID_INPUT');
    assertRiskError(() => policyTarget({ ...ok, assets: [{ ...ok.assets[0], volatility: NaN }] }), 'INVALID_INPUT');
    assertRiskError(() => policyTarget({ ...ok, esShareBps: -1 }), 'INVALID_INPUT');
    assertRiskError(() => policyTarget({ ...ok, headroomShareBps: 0.5 }), 'INVALID_INPUT');
  });
});

// ---- properties over arbitrary valid params, bounds, configs and metrics ----

const capArb = fc.oneof(
  fc.bigInt({ min: 1n, max: 10n ** 30n }),
  fc.bigInt({ min: MAX_UINT128 - 10n ** 20n, max: MAX_UINT128 }),
);
const assetArb = (n: number) =>
  fc.integer({ min: 1, max: 10_000 }).chain((thr) =>
    fc.record({
      assetId: fc.constant(id(n)),
      liqThresholdBps: fc.constant(thr),
      ltvBps: fc.integer({ min: 1, max: thr }),
      liqBonusBps: fc.integer({ min: 0, max: Math.min(MAX_UINT16, Math.floor(1e8 / thr) - 10_000) }),
      supplyCap: capArb,
    }),
  );
const paramsArb = fc.integer({ min: 1, max: 3 }).chain((k) =>
  fc.record({
    borrowCap: capArb,
    reserveFactorBps: fc.integer({ min: 0, max: 10_000 }),
    rates: fc.record({ baseBps: fc.nat(1e5), slope1Bps: fc.nat(1e5), kinkBps: fc.nat(1e4), slope2Bps: fc.nat(1e5) }),
    assets: fc.tuple(...Array.from({ length: k }, (_, i) => assetArb(i + 1))),
  }),
);
const boundsArb = fc.record({
  maxLtvChangeBps: fc.nat(10_000),
  maxThresholdChangeBps: fc.nat(10_000),
  maxBonusChangeBps: fc.nat(10_000),
  maxReserveFactorChangeBps: fc.nat(10_000),
  maxRateChangeBps: fc.nat(10_000),
  maxCapChangeBps: fc.nat(30_000),
  minInterval: fc.nat(100_000),
});
const configArb = (loosen: boolean): fc.Arbitrary<PolicyConfig> =>
  fc.integer({ min: 0, max: 3000 }).chain((minBonusBps) =>
    fc.record({
      confidenceBps: fc.integer({ min: 5001, max: 9999 }),
      liquidationHorizon: fc.integer({ min: 0, max: 10 }),
      ltvBufferHorizon: fc.integer({ min: 0, max: 5 }),
      maxLiqThresholdBps: fc.nat(10_000),
      baseBonusBps: fc.nat(3000),
      bonusVolFactor: fc.double({ min: 0, max: 2, noNaN: true }),
      minBonusBps: fc.constant(minBonusBps),
      maxBonusBps: fc.integer({ min: minBonusBps, max: 10_000 }),
      esShareLimitBps: fc.integer({ min: 1, max: 10_000 }),
      headroomShareLimitBps: fc.integer({ min: 1, max: 10_000 }),
      capRaiseAtUsageBps: fc.nat(10_000),
      capRaiseBps: fc.nat(10_000),
      minChangeBps: fc.nat(500),
      minCapChangeBps: fc.nat(1000),
      loosen: fc.constant(loosen),
    }),
  );
const volArb = fc.double({ min: 0, max: 0.5, noNaN: true });
const caseArb = (loosen: boolean) =>
  fc.record({
    current: paramsArb,
    bounds: boundsArb,
    config: configArb(loosen),
    vols: fc.array(fc.tuple(volArb, volArb), { minLength: 3, maxLength: 3 }),
    supplied: fc.array(fc.bigInt({ min: 0n, max: 10n ** 31n }), { minLength: 3, maxLength: 3 }),
    borrowed: fc.bigInt({ min: 0n, max: 10n ** 31n }),
    esShareBps: fc.nat(10_000),
    headroomShareBps: fc.nat(10_000),
  });
type Case = ReturnType<typeof caseArb> extends fc.Arbitrary<infer C> ? C : never;
/** the proposal for case `c`, each asset's volatility picked from its pair by `vol` */
const propose = (c: Case, vol: (pair: [number, number]) => number) =>
  proposeRiskParams(
    {
      ...c,
      assets: c.current.assets.map((a, i) => ({
        assetId: a.assetId,
        volatility: vol(c.vols[i]),
        supplied: c.supplied[i],
      })),
    },
    c.config,
  );

describe.each([false, true])('policy properties (loosen: %p)', (loosen) => {
  it('never loosens when volatility rises', () => {
    fc.assert(
      fc.property(caseArb(loosen), (c) => {
        const low = propose(c, ([a, b]) => Math.min(a, b)).params;
        const high = propose(c, ([a, b]) => Math.max(a, b)).params;
        high.assets.forEach((h, i) => {
          const l = low.assets[i];
          expect(h.ltvBps).toBeLessThanOrEqual(l.ltvBps);
          expect(h.liqThresholdBps).toBeLessThanOrEqual(l.liqThresholdBps);
          expect(h.liqBonusBps).toBeGreaterThanOrEqual(l.liqBonusBps);
          expect(h.supplyCap <= l.supplyCap).toBe(true);
        });
        expect(high.borrowCap <= low.borrowCap).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('proposes only what the controller accepts, and with loosen off never moves a field the loose way', () => {
    let changed = 0;
    fc.assert(
      fc.property(caseArb(loosen), (c) => {
        const d = propose(c, ([a]) => a);
        expect(d.blocked).toEqual([]);
        if (d.changed) changed++;
        expect(checkStewardUpdate(c.bounds, c.current, d.params)).toBeNull();
        if (loosen) return;
        d.params.assets.forEach((n, i) => {
          const o = c.current.assets[i];
          expect(n.ltvBps).toBeLessThanOrEqual(o.ltvBps);
          expect(n.liqThresholdBps).toBeLessThanOrEqual(o.liqThresholdBps);
          expect(n.liqBonusBps).toBeGreaterThanOrEqual(o.liqBonusBps);
          expect(n.supplyCap <= o.supplyCap).toBe(true);
        });
        expect(d.params.borrowCap <= c.current.borrowCap).toBe(true);
      }),
      { numRuns: 200 },
    );
    expect(changed).toBeGreaterThan(50); // the property is about real proposals, not the status quo
  });
});
