import type { Hex } from 'viem';
import { collateralIndex, correlatedPairs, segmentCorrelation } from '#app/risk';
import type { Scenario } from './scenario.js';
import { toNumber } from './wad.js';

export interface CorrelationAlert {
  window: number;
  threshold: number;
  /** the first step at which two segments' collateral indexes correlate at or above the threshold */
  firstStep: number | null;
  /** the pair that fired first, and its ρ */
  pair: { a: string; b: string; rho: number } | null;
  /** steps the alert was on */
  stepsOn: number;
  /** why no alert was computed (key-point paths are straight lines: their correlation means nothing) */
  skipped: string | null;
}

/**
 * When the risk oracle's correlation alert would fire on this path: each segment's collateral index
 * (libs/risk `collateralIndex`, weighted by its collateral at step 0) is rolled through
 * `segmentCorrelation` with the oracle's window and threshold, as the oracle does every assessment.
 */
export function correlationAlert(scenario: Scenario): CorrelationAlert {
  const { window, threshold } = scenario.correlation;
  const segments = scenario.segments.filter((s) => s.collaterals.length > 0);
  const none = (skipped: string) => ({ window, threshold, firstStep: null, pair: null, stepsOn: 0, skipped });
  if (!scenario.synthetic) return none('key-point paths carry no noise to correlate');
  if (segments.length < 2) return none('fewer than two segments');
  if (scenario.steps <= window + 1) return none(`the path is shorter than the window (${window} returns)`);
  const ids = segments.map((s): Hex => `0x${s.index.toString(16).padStart(64, '0')}`);
  const indexes = segments.map((s, i) => {
    const prices = s.collaterals.map((c) => Float64Array.from(scenario.assets[c.asset].oracle, toNumber));
    const weights = s.collaterals.map(() => toNumber(s.collateralUsd) / s.collaterals.length);
    return { segment: ids[i], levels: collateralIndex(prices, weights) };
  });
  let firstStep: number | null = null;
  let pair: CorrelationAlert['pair'] = null;
  let stepsOn = 0;
  for (let t = window; t < scenario.steps; t++) {
    const m = segmentCorrelation(indexes, window, t);
    // a flat index (a stable asset) has no correlation: NaN never passes the threshold
    const pairs = correlatedPairs(m, threshold).filter((p) => Number.isFinite(p.rho));
    if (pairs.length === 0) continue;
    stepsOn += 1;
    if (firstStep === null) {
      firstStep = t;
      const name = (id: Hex) => segments[ids.indexOf(id)].name;
      pair = { a: name(pairs[0].a), b: name(pairs[0].b), rho: pairs[0].rho };
    }
  }
  return { window, threshold, firstStep, pair, stepsOn, skipped: null };
}
