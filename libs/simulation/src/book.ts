import { SimulationError } from './errors.js';
import { seededRandom } from './random.js';
import type { Scenario } from './scenario.js';
import { BPS, WAD } from './wad.js';

/** One borrower's position in one segment: the unit both layouts are built from. */
export interface BookPosition {
  borrower: number;
  segment: number;
  asset: number;
  /** collateral, token units (18 decimals) */
  collateral: bigint;
  /** debt in the segment's borrow asset (18 decimals) */
  debt: bigint;
}

export interface Book {
  borrowers: number;
  positions: readonly BookPosition[];
}

/** Weights carry 1e6 resolution into the bigint split of each segment's collateral. */
const WEIGHT_SCALE = 1_000_000;

/**
 * The accounts of a scenario, drawn once from its seed and shared by both layouts: each borrower
 * holds a position in one segment, or (with `multiSegmentShare`) in two or three; sizes are skewed
 * (a few large accounts, many small) and scaled so each segment holds exactly its `collateralUsd`;
 * each position borrows a uniform share of its limit at step 0's prices.
 */
export function generateBook(scenario: Scenario): Book {
  const { segments, assets, book } = scenario;
  const next = seededRandom(book.seed);
  const weightTotal = segments.reduce((s, x) => s + Number(x.collateralUsd / WAD), 0);
  const pickSegment = (exclude: ReadonlySet<number>): number => {
    const open = segments.filter((s) => !exclude.has(s.index));
    const total = open.reduce((s, x) => s + Number(x.collateralUsd / WAD), 0);
    let r = next() * (total > 0 ? total : open.length);
    for (const s of open) {
      r -= total > 0 ? Number(s.collateralUsd / WAD) : 1;
      if (r < 0) return s.index;
    }
    return open[open.length - 1].index;
  };
  const drafts: { borrower: number; segment: number; asset: number; weight: number; usePpm: bigint }[] = [];
  for (let b = 0; b < book.borrowers && weightTotal > 0; b++) {
    const held = new Set<number>();
    const count = next() < book.multiSegmentShare ? 2 + Math.floor(next() * 2) : 1;
    for (let k = 0; k < Math.min(count, segments.length); k++) {
      const segment = pickSegment(held);
      held.add(segment);
      const collaterals = segments[segment].collaterals;
      const asset = collaterals[Math.floor(next() * collaterals.length)].asset;
      // Pareto-like sizes (α ≈ 1.4), capped so one account never dwarfs a whole segment
      const weight = Math.min(Math.pow(1 - next(), -1 / 1.4), 200);
      const [uMin, uMax] = book.utilisation;
      const usePpm = BigInt(Math.round((uMin + (uMax - uMin) * next()) * 1e6));
      drafts.push({ borrower: b, segment, asset, weight, usePpm });
    }
  }
  const positions: BookPosition[] = [];
  for (const s of segments) {
    const mine = drafts.filter((d) => d.segment === s.index);
    const weights = mine.map((d) => BigInt(Math.max(1, Math.round(d.weight * WEIGHT_SCALE))));
    const total = weights.reduce((a, w) => a + w, 0n);
    let debtUsd = 0n;
    mine.forEach((d, i) => {
      const usd = (s.collateralUsd * weights[i]) / total;
      const c = s.collaterals.find((x) => x.asset === d.asset);
      if (!c) throw new SimulationError('INVALID_INPUT', `asset ${d.asset} not in segment ${s.name}`);
      const price = assets[d.asset].oracle[0];
      const limitUsd = (usd * c.ltvBps) / BPS;
      const debt = (((limitUsd * d.usePpm) / 1_000_000n) * WAD) / assets[s.borrow].oracle[0];
      debtUsd += (debt * assets[s.borrow].oracle[0]) / WAD;
      positions.push({ borrower: d.borrower, segment: s.index, asset: d.asset, collateral: (usd * WAD) / price, debt });
    });
    if (debtUsd > s.supplyUsd) {
      throw new SimulationError(
        'INVALID_SCENARIO',
        `segments[${s.index}] (${s.name}): the book borrows about $${debtUsd / WAD} but only $${s.supplyUsd / WAD} is supplied; raise supplyUsd or lower book.utilisation`,
      );
    }
  }
  positions.sort((a, b) => a.borrower - b.borrower || a.segment - b.segment);
  return { borrowers: book.borrowers, positions };
}
