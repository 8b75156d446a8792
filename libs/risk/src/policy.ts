import type { Hex } from 'viem';
import type { AssetRisk, RiskParams, StewardBounds } from '#app/messaging';
import { invalid } from './errors.js';
import { normalQuantile } from './normal.js';
import { checkAbiRanges, sameAssetId, validateRiskParams } from './rules.js';
import { BPS, BPS_N, MAX_UINT128, MAX_UINT16 } from './units.js';

/**
 * The parameter policy: metrics → target LTV, threshold, bonus and caps per collateral asset, then
 * clamped so the controller's steward rules (rules.ts) accept the result.
 *
 * Targets, per collateral asset, from σ = the daily EWMA volatility of its price in the borrow asset
 * and z = Φ⁻¹(confidence):
 * - adverse move over the liquidation horizon Hₗ: keep = e^(−z·σ·√Hₗ) (the c-quantile price ratio);
 * - bonus = clamp(⌈baseBonus + bonusVolFactor·(1 − keep)·1e4⌉, minBonus, maxBonus): liquidators are
 *   paid more when the price can move more while they sell;
 * - threshold = min(maxThreshold, ⌊1e4·keep·1e4/(1e4 + bonus)⌋): after the c-quantile move over Hₗ
 *   the collateral still covers the debt plus the bonus (threshold·(1 + bonus) ≤ keep ≤ 1);
 * - ltv = ⌊threshold·e^(−z·σ·√H_b)⌋: a c-quantile move over the buffer horizon H_b takes a position
 *   from its borrow limit to at most its threshold;
 * - caps (supply per asset, borrow for the segment): when the segment's ES share of collateral or
 *   its share near liquidation is above its limit the caps shrink towards usage by
 *   scale = min(esLimit/esShare, headroomLimit/headroomShare), never below usage nor above the cap;
 *   otherwise a cap used beyond capRaiseAtUsageBps grows by capRaiseBps; else it holds.
 *
 * Every step is monotone, so higher volatility (or ES share, or headroom share), all else equal,
 * never gives a looser field (lower LTV/threshold/caps, higher bonus). Then per field, in order: a
 * deadband (changes smaller than minChangeBps, or minCapChangeBps of the cap, are dropped), the
 * steward bounds around the current value, and the joint rules (threshold·(1e4 + bonus) ≤ 1e8 by
 * lowering the threshold, or the bonus if the threshold cannot go lower; ltv ≤ threshold by lowering
 * the ltv — the threshold's floor includes ltv's own floor so this always fits). Each clamp is monotone
 * too, so the property survives it. With `loosen` off (the default) a field never moves the loose way.
 * Reserve factor and rates are not this policy's and stay as they are.
 */
export interface PolicyConfig {
  confidenceBps: number;
  /** periods (days) a liquidation takes from the threshold to the sale: Hₗ */
  liquidationHorizon: number;
  /** periods (days) between a position's borrow limit and its threshold: H_b */
  ltvBufferHorizon: number;
  maxLiqThresholdBps: number;
  baseBonusBps: number;
  bonusVolFactor: number;
  minBonusBps: number;
  maxBonusBps: number;
  esShareLimitBps: number;
  headroomShareLimitBps: number;
  capRaiseAtUsageBps: number;
  capRaiseBps: number;
  minChangeBps: number;
  minCapChangeBps: number;
  /**
   * Whether the policy may loosen a field (raise LTV, threshold or a cap, lower the bonus). Off by
   * default: a calm price history is no evidence that an asset is safe (CRV and XVS were calm until
   * they were not), so the oracle only tightens on its own and loosening stays with governance.
   */
  loosen: boolean;
}

export const DEFAULT_POLICY: PolicyConfig = {
  confidenceBps: 9900,
  liquidationHorizon: 3,
  ltvBufferHorizon: 1,
  maxLiqThresholdBps: 9300,
  baseBonusBps: 400,
  bonusVolFactor: 0.25,
  minBonusBps: 100,
  maxBonusBps: 1500,
  esShareLimitBps: 1500,
  headroomShareLimitBps: 2000,
  capRaiseAtUsageBps: 8000,
  capRaiseBps: 1000,
  minChangeBps: 25,
  minCapChangeBps: 100,
  loosen: false,
};

export interface PolicyAssetInput {
  assetId: Hex;
  /** daily σ of ln(collateral price / borrow-asset price), EWMA */
  volatility: number;
  /** collateral supplied in the segment, token units */
  supplied: bigint;
}

/** Everything the policy reads: with this and the config a reviewer recomputes the decision exactly. */
export interface PolicyInput {
  current: RiskParams;
  bounds: StewardBounds;
  /** in the order of `current.assets` */
  assets: readonly PolicyAssetInput[];
  /** debt in the segment, borrow-asset token units */
  borrowed: bigint;
  /** the segment's ES / collateral value, bps (rounded up) */
  esShareBps: number;
  /** collateral value within the headroom margin / collateral value, bps */
  headroomShareBps: number;
  /** unix seconds of the last steward update, 0 for none */
  lastStewardUpdate?: number;
}

export interface AssetTarget {
  assetId: Hex;
  volatility: number;
  /** 1 − e^(−z·σ·√Hₗ) and 1 − e^(−z·σ·√H_b) */
  adverseMove: number;
  ltvBuffer: number;
  ltvBps: number;
  liqThresholdBps: number;
  liqBonusBps: number;
  supplyCap: bigint;
}

export interface PolicyTarget {
  z: number;
  elevated: boolean;
  capScaleBps: number;
  borrowCap: bigint;
  assets: AssetTarget[];
}

export type ClampRule =
  | 'deadband'
  | 'tightenOnly'
  | 'maxLtvChangeBps'
  | 'maxThresholdChangeBps'
  | 'maxBonusChangeBps'
  | 'maxCapChangeBps'
  | 'nonZero'
  | 'bpsRange'
  | 'uint16'
  | 'uint128'
  | 'thresholdTimesBonus'
  | 'ltvAboveThreshold';

export type ClampedField = 'ltv' | 'liqThreshold' | 'liqBonus' | 'supplyCap' | 'borrowCap';

/** One step from the target towards the proposal: `field` went from `from` to `to` because of `rule`. */
export interface Adjustment {
  assetId: Hex | null;
  field: ClampedField;
  from: number | bigint;
  to: number | bigint;
  rule: ClampRule;
}

export interface PolicyDecision {
  params: RiskParams;
  /** the proposal differs from the current params */
  changed: boolean;
  /** why no steward update can be proposed at all (the proposal is then the current params) */
  blocked: string[];
  target: PolicyTarget;
  adjustments: Adjustment[];
  /** earliest unix second the controller accepts a steward update (minInterval), null when never updated */
  notBefore: number | null;
}

function checkConfig(c: PolicyConfig): void {
  const bps = (v: number) => Number.isInteger(v) && v >= 0 && v <= BPS;
  invalid(
    !bps(c.confidenceBps) || c.confidenceBps <= 5000 || c.confidenceBps >= BPS,
    'policy confidenceBps must be in (5000, 10000)',
  );
  invalid(!(c.liquidationHorizon >= 0 && c.ltvBufferHorizon >= 0), 'policy horizons must be ≥ 0');
  invalid(!bps(c.maxLiqThresholdBps) || !bps(c.baseBonusBps) || !(c.bonusVolFactor >= 0), 'policy bps out of range');
  invalid(!bps(c.minBonusBps) || !bps(c.maxBonusBps) || c.minBonusBps > c.maxBonusBps, 'policy bonus range');
  invalid(
    !bps(c.esShareLimitBps) ||
      c.esShareLimitBps === 0 ||
      !bps(c.headroomShareLimitBps) ||
      c.headroomShareLimitBps === 0,
    'policy limits',
  );
  invalid(
    !bps(c.capRaiseAtUsageBps) || !bps(c.capRaiseBps) || !bps(c.minChangeBps) || !bps(c.minCapChangeBps),
    'policy cap settings',
  );
  invalid(typeof c.loosen !== 'boolean', 'policy loosen must be a boolean');
}

function capTarget(cap: bigint, used: bigint, scaleBps: number, elevated: boolean, c: PolicyConfig): bigint {
  if (elevated) {
    const scaled = (cap * BigInt(scaleBps)) / BPS_N;
    const floor = used > scaled ? used : scaled;
    return floor < cap ? floor : cap;
  }
  if (used * BPS_N >= cap * BigInt(c.capRaiseAtUsageBps)) return (cap * (BPS_N + BigInt(c.capRaiseBps))) / BPS_N;
  return cap;
}

/** The unclamped targets (see the file comment). */
export function policyTarget(input: PolicyInput, config: PolicyConfig = DEFAULT_POLICY): PolicyTarget {
  checkConfig(config);
  invalid(
    input.assets.length !== input.current.assets.length,
    'one policy asset input per asset of the current params',
  );
  invalid(!Number.isInteger(input.esShareBps) || input.esShareBps < 0, 'esShareBps must be a non-negative integer');
  invalid(
    !Number.isInteger(input.headroomShareBps) || input.headroomShareBps < 0,
    'headroomShareBps must be a non-negative integer',
  );
  const z = normalQuantile(config.confidenceBps / BPS);
  const esScale =
    input.esShareBps > config.esShareLimitBps ? Math.floor((config.esShareLimitBps * BPS) / input.esShareBps) : BPS;
  const hrScale =
    input.headroomShareBps > config.headroomShareLimitBps
      ? Math.floor((config.headroomShareLimitBps * BPS) / input.headroomShareBps)
      : BPS;
  const elevated = input.esShareBps > config.esShareLimitBps || input.headroomShareBps > config.headroomShareLimitBps;
  const capScaleBps = Math.min(esScale, hrScale);
  const assets = input.assets.map((a, i): AssetTarget => {
    const cur = input.current.assets[i];
    invalid(
      !sameAssetId(a.assetId, cur.assetId),
      () => `policy input ${i} is ${a.assetId}, params have ${cur.assetId}`,
    );
    invalid(!(a.volatility >= 0 && Number.isFinite(a.volatility)), () => `${a.assetId}: volatility ${a.volatility}`);
    const keep = Math.exp(-z * a.volatility * Math.sqrt(config.liquidationHorizon));
    const bufferKeep = Math.exp(-z * a.volatility * Math.sqrt(config.ltvBufferHorizon));
    const bonusRaw = Math.ceil(config.baseBonusBps + config.bonusVolFactor * (1 - keep) * BPS);
    const liqBonusBps = Math.min(config.maxBonusBps, Math.max(config.minBonusBps, bonusRaw));
    const liqThresholdBps = Math.min(config.maxLiqThresholdBps, Math.floor((BPS * keep * BPS) / (BPS + liqBonusBps)));
    return {
      assetId: cur.assetId,
      volatility: a.volatility,
      adverseMove: 1 - keep,
      ltvBuffer: 1 - bufferKeep,
      ltvBps: Math.floor(liqThresholdBps * bufferKeep),
      liqThresholdBps,
      liqBonusBps,
      supplyCap: capTarget(cur.supplyCap, a.supplied, capScaleBps, elevated, config),
    };
  });
  const borrowCap = capTarget(input.current.borrowCap, input.borrowed, capScaleBps, elevated, config);
  return { z, elevated, capScaleBps, borrowCap, assets };
}

interface Bound {
  value: number;
  rule: ClampRule;
}
type Note = (field: ClampedField, from: number | bigint, to: number | bigint, rule: ClampRule) => void;

const highest = (bounds: Bound[]): Bound => bounds.reduce((m, b) => (b.value > m.value ? b : m));
const lowest = (bounds: Bound[]): Bound => bounds.reduce((m, b) => (b.value < m.value ? b : m));

function clampBps(field: ClampedField, value: number, lo: Bound, hi: Bound, note: Note): number {
  if (value < lo.value) {
    note(field, value, lo.value, lo.rule);
    return lo.value;
  }
  if (value > hi.value) {
    note(field, value, hi.value, hi.rule);
    return hi.value;
  }
  return value;
}

function deadband(field: ClampedField, target: number, current: number, band: number, note: Note): number {
  if (target === current || Math.abs(target - current) >= band) return target;
  note(field, target, current, 'deadband');
  return current;
}

/** With `loosen` off, a field that would move the loose way stays where it is (`looser(target, current)`). */
function tightenOnly<T extends number | bigint>(
  field: ClampedField,
  target: T,
  current: T,
  looser: boolean,
  c: PolicyConfig,
  note: Note,
): T {
  if (c.loosen || !looser) return target;
  note(field, target, current, 'tightenOnly');
  return current;
}

function clampAsset(o: AssetRisk, t: AssetTarget, b: StewardBounds, c: PolicyConfig, note: Note): AssetRisk {
  const thrLo = highest([
    { value: 1, rule: 'nonZero' },
    { value: o.liqThresholdBps - b.maxThresholdChangeBps, rule: 'maxThresholdChangeBps' },
    // the ltv cannot follow the threshold below its own floor, so neither may the threshold
    { value: o.ltvBps - b.maxLtvChangeBps, rule: 'maxLtvChangeBps' },
  ]);
  const thrHi = lowest([
    { value: o.liqThresholdBps + b.maxThresholdChangeBps, rule: 'maxThresholdChangeBps' },
    { value: BPS, rule: 'bpsRange' },
  ]);
  let thr = deadband('liqThreshold', t.liqThresholdBps, o.liqThresholdBps, c.minChangeBps, note);
  thr = tightenOnly('liqThreshold', thr, o.liqThresholdBps, thr > o.liqThresholdBps, c, note);
  thr = clampBps('liqThreshold', thr, thrLo, thrHi, note);
  let bonus = deadband('liqBonus', t.liqBonusBps, o.liqBonusBps, c.minChangeBps, note);
  bonus = tightenOnly('liqBonus', bonus, o.liqBonusBps, bonus < o.liqBonusBps, c, note);
  bonus = clampBps(
    'liqBonus',
    bonus,
    highest([
      { value: 0, rule: 'bpsRange' },
      { value: o.liqBonusBps - b.maxBonusChangeBps, rule: 'maxBonusChangeBps' },
    ]),
    lowest([
      { value: o.liqBonusBps + b.maxBonusChangeBps, rule: 'maxBonusChangeBps' },
      { value: MAX_UINT16, rule: 'uint16' },
    ]),
    note,
  );
  // ⌊1e8 / x⌋ of integers x ≤ 75535 in doubles: a non-integer quotient is ≥ 1/x from the next integer,
  // far beyond the 1e-12 rounding error, so Math.floor is exact
  const thrMax = Math.floor((BPS * BPS) / (BPS + bonus));
  if (thr > thrMax) {
    const to = Math.max(thrLo.value, thrMax);
    note('liqThreshold', thr, to, 'thresholdTimesBonus');
    thr = to;
  }
  const bonusMax = Math.floor((BPS * BPS) / thr) - BPS;
  if (bonus > bonusMax) {
    note('liqBonus', bonus, bonusMax, 'thresholdTimesBonus');
    bonus = bonusMax;
  }
  let ltv = deadband('ltv', t.ltvBps, o.ltvBps, c.minChangeBps, note);
  ltv = tightenOnly('ltv', ltv, o.ltvBps, ltv > o.ltvBps, c, note);
  ltv = clampBps(
    'ltv',
    ltv,
    highest([
      { value: 1, rule: 'nonZero' },
      { value: o.ltvBps - b.maxLtvChangeBps, rule: 'maxLtvChangeBps' },
    ]),
    lowest([
      { value: o.ltvBps + b.maxLtvChangeBps, rule: 'maxLtvChangeBps' },
      { value: BPS, rule: 'bpsRange' },
    ]),
    note,
  );
  if (ltv > thr) {
    note('ltv', ltv, thr, 'ltvAboveThreshold');
    ltv = thr;
  }
  const supplyCap = clampCap('supplyCap', t.supplyCap, o.supplyCap, b, c, note);
  return { assetId: o.assetId, ltvBps: ltv, liqThresholdBps: thr, liqBonusBps: bonus, supplyCap };
}

/** Deadband, then the relative bound |Δ|·1e4 ≤ old·maxCapChangeBps (integers: |Δ| ≤ ⌊old·max/1e4⌋), nonzero, uint128. */
function clampCap(
  field: ClampedField,
  target: bigint,
  old: bigint,
  b: StewardBounds,
  c: PolicyConfig,
  note: Note,
): bigint {
  let cap = target;
  const diff = cap > old ? cap - old : old - cap;
  if (diff !== 0n && diff * BPS_N < old * BigInt(c.minCapChangeBps)) {
    note(field, cap, old, 'deadband');
    cap = old;
  }
  cap = tightenOnly(field, cap, old, cap > old, c, note);
  const delta = (old * BigInt(b.maxCapChangeBps)) / BPS_N;
  const lo =
    old - delta >= 1n
      ? { value: old - delta, rule: 'maxCapChangeBps' as const }
      : { value: 1n, rule: 'nonZero' as const };
  const hi =
    old + delta <= MAX_UINT128
      ? { value: old + delta, rule: 'maxCapChangeBps' as const }
      : { value: MAX_UINT128, rule: 'uint128' as const };
  if (cap < lo.value) {
    note(field, cap, lo.value, lo.rule);
    return lo.value;
  }
  if (cap > hi.value) {
    note(field, cap, hi.value, hi.rule);
    return hi.value;
  }
  return cap;
}

function blockedReasons(current: RiskParams): string[] {
  const reasons: string[] = [];
  const invalidNow =
    checkAbiRanges(current) ??
    validateRiskParams(
      current.assets.map((a) => a.assetId),
      current,
    );
  if (invalidNow) reasons.push(`current params fail ${invalidNow.error} on ${invalidNow.field}`);
  if (current.borrowCap === 0n) reasons.push('borrowCap is 0: a steward update can neither keep it nor move it');
  for (const a of current.assets) {
    if (a.ltvBps === 0) reasons.push(`${a.assetId}: ltv is 0 and a steward update must set it above 0`);
    if (a.liqThresholdBps === 0)
      reasons.push(`${a.assetId}: liqThreshold is 0 and a steward update must set it above 0`);
    if (a.supplyCap === 0n)
      reasons.push(`${a.assetId}: supplyCap is 0: a steward update can neither keep it nor move it`);
  }
  return reasons;
}

function sameParams(a: RiskParams, b: RiskParams): boolean {
  return (
    a.borrowCap === b.borrowCap &&
    a.assets.every((x, i) => {
      const y = b.assets[i];
      return (
        x.ltvBps === y.ltvBps &&
        x.liqThresholdBps === y.liqThresholdBps &&
        x.liqBonusBps === y.liqBonusBps &&
        x.supplyCap === y.supplyCap
      );
    })
  );
}

/** Targets, clamped to what the steward may do now; with the full trail of why each field landed where it did. */
export function proposeRiskParams(input: PolicyInput, config: PolicyConfig = DEFAULT_POLICY): PolicyDecision {
  const target = policyTarget(input, config);
  const { current, bounds } = input;
  const notBefore = input.lastStewardUpdate ? input.lastStewardUpdate + bounds.minInterval : null;
  const blocked = blockedReasons(current);
  if (blocked.length > 0) return { params: current, changed: false, blocked, target, adjustments: [], notBefore };
  const adjustments: Adjustment[] = [];
  const assets = current.assets.map((o, i) => {
    const note: Note = (field, from, to, rule) => adjustments.push({ assetId: o.assetId, field, from, to, rule });
    return clampAsset(o, target.assets[i], bounds, config, note); // one target per asset
  });
  const noteSegment: Note = (field, from, to, rule) => adjustments.push({ assetId: null, field, from, to, rule });
  const borrowCap = clampCap('borrowCap', target.borrowCap, current.borrowCap, bounds, config, noteSegment);
  const params: RiskParams = { ...current, borrowCap, assets };
  return { params, changed: !sameParams(params, current), blocked, target, adjustments, notBefore };
}
