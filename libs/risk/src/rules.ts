import type { Hex } from 'viem';
import type { RiskParams, StewardBounds } from '#app/messaging';
import { BPS, BPS_N, MAX_UINT128, MAX_UINT16 } from './units.js';

/**
 * The on-chain rules a steward update must pass, re-implemented check for check and in the same
 * order, so the oracle can refuse what the controller would refuse. `SegmentController.
 * stewardSetRiskParams` runs `SegmentRiskRules.checkStewardUpdate` (the bounds), then `validate`
 * (inside `_setRiskParams`); ABI encoding itself refuses a value outside its Solidity type.
 * The first failing check is returned, named as the contract's revert names it.
 */
export interface RuleViolation {
  error: 'StewardOutOfBounds' | 'InvalidRiskParams' | 'AbiRange';
  /** null for segment-wide fields (the contract reports assetId 0) */
  assetId: Hex | null;
  field: string;
}

const MAX_UINT32 = 0xffff_ffff;

/** Asset ids compare as the contract compares bytes32: case-insensitively (the same string needs no lowering). */
export function sameAssetId(a: Hex, b: Hex): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/** Every field fits its Solidity type (uint16 bps, uint32 rates, uint128 caps). */
export function checkAbiRanges(p: RiskParams): RuleViolation | null {
  const bad = (assetId: Hex | null, field: string): RuleViolation => ({ error: 'AbiRange', assetId, field });
  const fits = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
  if (p.borrowCap < 0n || p.borrowCap > MAX_UINT128) return bad(null, 'borrowCap');
  if (!fits(p.reserveFactorBps, MAX_UINT16)) return bad(null, 'reserveFactor');
  const { baseBps, slope1Bps, kinkBps, slope2Bps } = p.rates;
  const rates = { base: baseBps, slope1: slope1Bps, kink: kinkBps, slope2: slope2Bps };
  for (const [name, v] of Object.entries(rates)) if (!fits(v, MAX_UINT32)) return bad(null, `rates.${name}`);
  for (const a of p.assets) {
    if (!fits(a.ltvBps, MAX_UINT16)) return bad(a.assetId, 'ltv');
    if (!fits(a.liqThresholdBps, MAX_UINT16)) return bad(a.assetId, 'liqThreshold');
    if (!fits(a.liqBonusBps, MAX_UINT16)) return bad(a.assetId, 'liqBonus');
    if (a.supplyCap < 0n || a.supplyCap > MAX_UINT128) return bad(a.assetId, 'supplyCap');
  }
  return null;
}

/** `SegmentRiskRules.validate`: assets match the boundary one for one, ltv ≤ threshold, threshold·(1 + bonus) ≤ 1. */
export function validateRiskParams(collateralIds: readonly Hex[], p: RiskParams): RuleViolation | null {
  const bad = (assetId: Hex | null, field: string): RuleViolation => ({ error: 'InvalidRiskParams', assetId, field });
  if (p.assets.length !== collateralIds.length) return bad(null, 'assets');
  if (p.reserveFactorBps > BPS) return bad(null, 'reserveFactor');
  if (p.rates.kinkBps > BPS) return bad(null, 'rates.kink');
  for (let i = 0; i < collateralIds.length; i++) {
    const a = p.assets[i];
    if (!sameAssetId(a.assetId, collateralIds[i])) return bad(a.assetId, 'assets');
    if (a.ltvBps > a.liqThresholdBps) return bad(a.assetId, 'ltv');
    if (a.liqThresholdBps * (BPS + a.liqBonusBps) > BPS * BPS) return bad(a.assetId, 'liqThreshold');
  }
  return null;
}

const within = (a: number, b: number, max: number) => Math.abs(a - b) <= max;
/** `_withinRelative`: nonzero, and |Δ|·1e4 ≤ old·maxChangeBps. */
const withinRelative = (a: bigint, b: bigint, maxBps: number) =>
  b !== 0n && (a > b ? a - b : b - a) * BPS_N <= a * BigInt(maxBps);

/** `SegmentRiskRules.checkStewardUpdate`: no field moves further than its bound, none of LTV, threshold, caps to zero. */
export function checkStewardBounds(b: StewardBounds, old: RiskParams, next: RiskParams): RuleViolation | null {
  const bad = (assetId: Hex | null, field: string): RuleViolation => ({ error: 'StewardOutOfBounds', assetId, field });
  if (next.assets.length !== old.assets.length) return bad(null, 'assets');
  if (!within(old.reserveFactorBps, next.reserveFactorBps, b.maxReserveFactorChangeBps))
    return bad(null, 'reserveFactor');
  if (!within(old.rates.baseBps, next.rates.baseBps, b.maxRateChangeBps)) return bad(null, 'rates.base');
  if (!within(old.rates.slope1Bps, next.rates.slope1Bps, b.maxRateChangeBps)) return bad(null, 'rates.slope1');
  if (!within(old.rates.kinkBps, next.rates.kinkBps, b.maxRateChangeBps)) return bad(null, 'rates.kink');
  if (!within(old.rates.slope2Bps, next.rates.slope2Bps, b.maxRateChangeBps)) return bad(null, 'rates.slope2');
  if (!withinRelative(old.borrowCap, next.borrowCap, b.maxCapChangeBps)) return bad(null, 'borrowCap');
  for (let i = 0; i < next.assets.length; i++) {
    const o = old.assets[i];
    const n = next.assets[i];
    if (!sameAssetId(o.assetId, n.assetId)) return bad(n.assetId, 'assets');
    if (n.ltvBps === 0) return bad(n.assetId, 'ltv');
    if (n.liqThresholdBps === 0) return bad(n.assetId, 'liqThreshold');
    if (!within(o.ltvBps, n.ltvBps, b.maxLtvChangeBps)) return bad(n.assetId, 'ltv');
    if (!within(o.liqThresholdBps, n.liqThresholdBps, b.maxThresholdChangeBps)) return bad(n.assetId, 'liqThreshold');
    if (!within(o.liqBonusBps, n.liqBonusBps, b.maxBonusChangeBps)) return bad(n.assetId, 'liqBonus');
    if (!withinRelative(o.supplyCap, n.supplyCap, b.maxCapChangeBps)) return bad(n.assetId, 'supplyCap');
  }
  return null;
}

/**
 * Everything `stewardSetRiskParams` checks about the values, in its order: ABI ranges, the bounds
 * against the stored params, then `validate` against the segment's collateral ids (those of `old`).
 * (It also checks the caller and `minInterval`; those are about when and who, not what.)
 */
export function checkStewardUpdate(b: StewardBounds, old: RiskParams, next: RiskParams): RuleViolation | null {
  return (
    checkAbiRanges(next) ??
    checkStewardBounds(b, old, next) ??
    validateRiskParams(
      old.assets.map((a) => a.assetId),
      next,
    )
  );
}
