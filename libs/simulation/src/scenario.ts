import { SimulationError } from './errors.js';
import { keyPointPath, syntheticPaths, type KeyPoint } from './paths.js';
import { BPS, parseWad } from './wad.js';

/**
 * A scenario file (JSON) as users write it; README.md documents every field. Amounts and prices are
 * decimal strings (exact), ratios are basis points, steps count from 0.
 */
export interface ScenarioFile {
  name: string;
  title: string;
  summary: string;
  /** where the path and the mechanics come from */
  sources: string[];
  /** what is interpolated or assumed, in words */
  assumptions?: string[];
  /** wall-clock minutes one step stands for (charts and timings) */
  stepMinutes: number;
  steps: number;
  /** the assets whose price moves the scenario is about ("the crashing asset") */
  shocked: string[];
  assets: Record<string, AssetFile>;
  /** a generated path instead of key points (synthetic correlated crashes) */
  synthetic?: SyntheticFile;
  segments: SegmentFile[];
  book: BookFile;
  actors?: ActorFile[];
  liquidation?: { closeFactorBps?: number; insuranceShareBps?: number; minProfitUsd?: string };
  correlation?: { window?: number; threshold?: number };
}

export interface AssetFile {
  /** the price feed's answers: key points [step, USD], linear in between, flat after the last */
  oracle?: KeyPoint[];
  /** where liquidators can actually sell, when it differs from the feed (stuck or manipulated feeds) */
  market?: KeyPoint[];
  /** USD on each side of a constant-product pool; absent: no slippage */
  depthUsd?: string;
  /** the devnet asset that stands in for this one in `scenario play --devnet` */
  devnet?: string;
}

export interface SyntheticFile {
  seed: number;
  /** the asset that crashes; the others follow it with beta = `correlation` */
  lead: string;
  /** pairwise correlation of every two assets' returns, calm and crash alike, in [0, 1] */
  correlation: number;
  /** per-step volatility of the noise, bps */
  volBps: number;
  /** the lead's total fall over the crash, bps (e.g. 6000 for −60 %) */
  crashBps: number;
  crashFrom: number;
  crashSteps: number;
  /** starting prices (USD) */
  start: Record<string, string>;
}

export interface CollateralFile {
  asset: string;
  ltvBps: number;
  liqThresholdBps: number;
  liqBonusBps: number;
}

export interface SegmentFile {
  name: string;
  borrow: string;
  collaterals: CollateralFile[];
  /** liquidity supplied to the segment (USD at step 0) */
  supplyUsd: string;
  /** the segment's insurance fund (USD); the shared pool's fund is the sum */
  insuranceUsd: string;
  /** the book's collateral in this segment (USD at step 0) */
  collateralUsd: string;
}

export interface BookFile {
  seed: number;
  borrowers: number;
  /** suppliers per segment (losses are shared pro rata among them) */
  suppliersPerSegment?: number;
  /** share of borrowers with positions in two or three segments, [0, 1] */
  multiSegmentShare: number;
  /** each position borrows this share of its borrow limit, drawn uniformly from [min, max] */
  utilisation: [number, number];
}

/** One account outside the generated book: a whale or an attacker. */
export interface ActorFile {
  label: string;
  segment: string;
  asset: string;
  /** collateral deposited (token units, decimal) */
  amount: string;
  depositStep: number;
  /** borrows at this step: `borrowAmount` units of the borrow asset, or `borrowShareBps` of its limit */
  borrowStep?: number;
  borrowAmount?: string;
  borrowShareBps?: number;
}

/** The scenario the simulator runs: every field checked, prices per step, amounts as bigint. */
export interface Scenario {
  name: string;
  title: string;
  summary: string;
  sources: readonly string[];
  assumptions: readonly string[];
  stepMinutes: number;
  steps: number;
  /** generated paths (with noise) rather than key points */
  synthetic: boolean;
  /** the generated paths' correlation (null for key-point paths) */
  syntheticCorrelation: number | null;
  assets: readonly ScenarioAsset[];
  shocked: ReadonlySet<number>;
  segments: readonly ScenarioSegment[];
  book: Required<BookFile>;
  actors: readonly ScenarioActor[];
  liquidation: { closeFactorBps: bigint; insuranceShareBps: bigint; minProfitUsd: bigint };
  correlation: { window: number; threshold: number };
}

export interface ScenarioAsset {
  index: number;
  symbol: string;
  /** feed price per step (USD, 18 decimals) */
  oracle: readonly bigint[];
  /** market price per step (the feed's unless the file says otherwise) */
  market: readonly bigint[];
  depthUsd: bigint | null;
  devnet: string | null;
}

export interface ScenarioCollateral {
  asset: number;
  ltvBps: bigint;
  liqThresholdBps: bigint;
  liqBonusBps: bigint;
}

export interface ScenarioSegment {
  index: number;
  name: string;
  borrow: number;
  collaterals: readonly ScenarioCollateral[];
  supplyUsd: bigint;
  insuranceUsd: bigint;
  collateralUsd: bigint;
  /** holds or lends a shocked asset */
  exposed: boolean;
}

export interface ScenarioActor {
  label: string;
  segment: number;
  asset: number;
  amount: bigint;
  depositStep: number;
  borrowStep: number | null;
  borrowAmount: bigint | null;
  borrowShareBps: bigint | null;
}

/** The vault's constants (SegmentVault.CLOSE_FACTOR_BPS, LIQUIDATION_INSURANCE_SHARE_BPS). */
export const VAULT_LIQUIDATION = { closeFactorBps: 5_000n, insuranceShareBps: 1_000n } as const;
/** The risk oracle's defaults (RISK_CORRELATION_THRESHOLD, RISK_CORRELATION_WINDOW). */
export const ORACLE_CORRELATION = { window: 29, threshold: 0.8 } as const;

const fail = (field: string, why: string): never => {
  throw new SimulationError('INVALID_SCENARIO', `${field}: ${why}`);
};

function objectAt<T>(v: T, field: string): T {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be an object');
  return v;
}

function int(v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail(field, `must be a whole number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v as number;
}

function ratio(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(field, `must be a number in [0, 1], got ${JSON.stringify(v)}`);
  return v as number;
}

function text(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(field, 'must be a non-empty string');
  return v as string;
}

function amount(v: unknown, field: string): bigint {
  return parseWad(text(v, field), field);
}

function bps(v: unknown, field: string): bigint {
  return BigInt(int(v, field, 0, 10_000));
}

const SCENARIO_FIELDS: readonly string[] = [
  'name',
  'title',
  'summary',
  'sources',
  'assumptions',
  'stepMinutes',
  'steps',
  'shocked',
  'assets',
  'synthetic',
  'segments',
  'book',
  'actors',
  'liquidation',
  'correlation',
  '$comment',
];

/**
 * Checks a parsed scenario file and builds its per-step prices. Every error names the field
 * (`segments[1].collaterals[0].liqThresholdBps: …`), so a user fixes their own file without reading code.
 */
export function compileScenario(file: ScenarioFile): Scenario {
  if (typeof file !== 'object' || file === null) fail('scenario', 'must be a JSON object');
  for (const key of Object.keys(file)) {
    if (!SCENARIO_FIELDS.includes(key)) fail(key, 'unknown field');
  }
  const name = text(file.name, 'name');
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) fail('name', 'lower-case letters, digits, dots and dashes only');
  const steps = int(file.steps, 'steps', 2, 100_000);
  const stepMinutes = int(file.stepMinutes, 'stepMinutes', 1);
  if (!Array.isArray(file.sources) || file.sources.length === 0) fail('sources', 'cite at least one source');
  file.sources.forEach((s, i) => text(s, `sources[${i}]`));
  if (typeof file.assets !== 'object' || file.assets === null) fail('assets', 'must be an object keyed by symbol');
  const symbols = Object.keys(file.assets);
  if (symbols.length === 0) fail('assets', 'list at least one asset');
  const indexOf = (symbol: unknown, field: string): number => {
    const i = symbols.indexOf(text(symbol, field));
    if (i < 0) fail(field, `unknown asset "${String(symbol)}" (assets: ${symbols.join(', ')})`);
    return i;
  };
  const generated = file.synthetic ? syntheticFrom(file.synthetic, symbols, steps) : null;
  const assets = symbols.map((symbol, index): ScenarioAsset => {
    const field = `assets.${symbol}`;
    const a = objectAt(file.assets[symbol], field);
    const oracle = a.oracle
      ? keyPointPath(a.oracle, steps, `${field}.oracle`)
      : (generated?.get(symbol) ?? fail(`${field}.oracle`, 'key points are required (or a synthetic section)'));
    const market = a.market ? keyPointPath(a.market, steps, `${field}.market`) : oracle;
    const depthUsd = a.depthUsd === undefined ? null : amount(a.depthUsd, `${field}.depthUsd`);
    if (depthUsd === 0n) fail(`${field}.depthUsd`, 'must be positive (omit it for no slippage)');
    return { index, symbol, oracle, market, depthUsd, devnet: a.devnet ?? null };
  });
  if (!Array.isArray(file.shocked) || file.shocked.length === 0)
    fail('shocked', 'name the asset(s) the scenario shocks');
  const shocked = new Set(file.shocked.map((s, i) => indexOf(s, `shocked[${i}]`)));
  if (!Array.isArray(file.segments) || file.segments.length === 0) fail('segments', 'list at least one segment');
  const segmentNames = new Set<string>();
  const segments = file.segments.map((entry, index): ScenarioSegment => {
    const field = `segments[${index}]`;
    const s = objectAt(entry, field);
    const segName = text(s.name, `${field}.name`);
    if (segmentNames.has(segName)) fail(`${field}.name`, `"${segName}" appears twice`);
    segmentNames.add(segName);
    const borrow = indexOf(s.borrow, `${field}.borrow`);
    if (!Array.isArray(s.collaterals) || s.collaterals.length === 0) fail(`${field}.collaterals`, 'list at least one');
    const collaterals = s.collaterals.map((entry, j): ScenarioCollateral => {
      const cf = `${field}.collaterals[${j}]`;
      const c = objectAt(entry, cf);
      const asset = indexOf(c.asset, `${cf}.asset`);
      if (asset === borrow) fail(`${cf}.asset`, 'the borrow asset cannot also be collateral');
      const col = {
        asset,
        ltvBps: bps(c.ltvBps, `${cf}.ltvBps`),
        liqThresholdBps: bps(c.liqThresholdBps, `${cf}.liqThresholdBps`),
        liqBonusBps: bps(c.liqBonusBps, `${cf}.liqBonusBps`),
      };
      if (col.liqThresholdBps < col.ltvBps) fail(`${cf}.liqThresholdBps`, 'must be at least ltvBps');
      // the vault's rule: a liquidation with its bonus must not need more than the collateral's value
      if (col.liqThresholdBps * (BPS + col.liqBonusBps) > BPS * BPS)
        fail(`${cf}.liqBonusBps`, 'threshold × (1 + bonus) must stay at or under 100 %');
      return col;
    });
    const assetSet = new Set(collaterals.map((c) => c.asset));
    if (assetSet.size !== collaterals.length) fail(`${field}.collaterals`, 'an asset is listed twice');
    return {
      index,
      name: segName,
      borrow,
      collaterals,
      supplyUsd: amount(s.supplyUsd, `${field}.supplyUsd`),
      insuranceUsd: amount(s.insuranceUsd, `${field}.insuranceUsd`),
      collateralUsd: amount(s.collateralUsd, `${field}.collateralUsd`),
      exposed: shocked.has(borrow) || collaterals.some((c) => shocked.has(c.asset)),
    };
  });
  // one shared pool holds every segment's collateral: an asset needs one set of parameters
  const byAsset = new Map<number, { segment: string; c: ScenarioCollateral }>();
  for (const seg of segments) {
    for (const c of seg.collaterals) {
      const seen = byAsset.get(c.asset);
      if (
        seen &&
        (seen.c.ltvBps !== c.ltvBps ||
          seen.c.liqThresholdBps !== c.liqThresholdBps ||
          seen.c.liqBonusBps !== c.liqBonusBps)
      )
        fail(
          `segments[${seg.index}].collaterals`,
          `${symbols[c.asset]} has other parameters in segment ${seen.segment}; the shared pool needs one set per asset`,
        );
      byAsset.set(c.asset, { segment: seg.name, c });
    }
  }
  const b = objectAt(file.book, 'book');
  const utilisation = b.utilisation;
  if (!Array.isArray(utilisation) || utilisation.length !== 2) fail('book.utilisation', 'must be [min, max]');
  const [uMin, uMax] = [ratio(utilisation[0], 'book.utilisation[0]'), ratio(utilisation[1], 'book.utilisation[1]')];
  if (uMin > uMax) fail('book.utilisation', 'min must not exceed max');
  const book: Required<BookFile> = {
    seed: int(b.seed, 'book.seed', 0),
    borrowers: int(b.borrowers, 'book.borrowers', 0, 10_000_000),
    suppliersPerSegment: int(b.suppliersPerSegment ?? 50, 'book.suppliersPerSegment', 1, 100_000),
    multiSegmentShare: ratio(b.multiSegmentShare, 'book.multiSegmentShare'),
    utilisation: [uMin, uMax],
  };
  if (file.actors !== undefined && !Array.isArray(file.actors)) fail('actors', 'must be a list');
  const actors = (file.actors ?? []).map((entry, i): ScenarioActor => {
    const field = `actors[${i}]`;
    const a = objectAt(entry, field);
    const segment = segments.findIndex((s) => s.name === a.segment);
    if (segment < 0) fail(`${field}.segment`, `unknown segment "${String(a.segment)}"`);
    const asset = indexOf(a.asset, `${field}.asset`);
    if (!segments[segment].collaterals.some((c) => c.asset === asset))
      fail(`${field}.asset`, `${symbols[asset]} is not collateral of segment ${segments[segment].name}`);
    const borrowStep = a.borrowStep === undefined ? null : int(a.borrowStep, `${field}.borrowStep`, 0, steps - 1);
    if ((a.borrowAmount === undefined) === (a.borrowShareBps === undefined) && borrowStep !== null)
      fail(field, 'give exactly one of borrowAmount and borrowShareBps');
    const depositStep = int(a.depositStep, `${field}.depositStep`, 0, steps - 1);
    if (borrowStep !== null && borrowStep < depositStep) fail(`${field}.borrowStep`, 'must not precede depositStep');
    return {
      label: text(a.label, `${field}.label`),
      segment,
      asset,
      amount: amount(a.amount, `${field}.amount`),
      depositStep,
      borrowStep,
      borrowAmount: a.borrowAmount === undefined ? null : amount(a.borrowAmount, `${field}.borrowAmount`),
      borrowShareBps: a.borrowShareBps === undefined ? null : bps(a.borrowShareBps, `${field}.borrowShareBps`),
    };
  });
  const liq = file.liquidation ?? {};
  const cor = file.correlation ?? {};
  return {
    name,
    title: text(file.title, 'title'),
    summary: text(file.summary, 'summary'),
    sources: file.sources,
    assumptions: file.assumptions ?? [],
    stepMinutes,
    steps,
    synthetic: generated !== null,
    syntheticCorrelation: file.synthetic && generated ? file.synthetic.correlation : null,
    assets,
    shocked,
    segments,
    book,
    actors,
    liquidation: {
      closeFactorBps:
        liq.closeFactorBps === undefined
          ? VAULT_LIQUIDATION.closeFactorBps
          : bps(liq.closeFactorBps, 'liquidation.closeFactorBps'),
      insuranceShareBps:
        liq.insuranceShareBps === undefined
          ? VAULT_LIQUIDATION.insuranceShareBps
          : bps(liq.insuranceShareBps, 'liquidation.insuranceShareBps'),
      minProfitUsd: liq.minProfitUsd === undefined ? 0n : amount(liq.minProfitUsd, 'liquidation.minProfitUsd'),
    },
    correlation: {
      window: cor.window === undefined ? ORACLE_CORRELATION.window : int(cor.window, 'correlation.window', 2),
      threshold:
        cor.threshold === undefined ? ORACLE_CORRELATION.threshold : ratio(cor.threshold, 'correlation.threshold'),
    },
  };
}

function syntheticFrom(s: SyntheticFile, symbols: readonly string[], steps: number): Map<string, bigint[]> {
  const field = 'synthetic';
  if (!symbols.includes(s.lead)) fail(`${field}.lead`, `unknown asset "${String(s.lead)}"`);
  const crashFrom = int(s.crashFrom, `${field}.crashFrom`, 0, steps - 2);
  const start = new Map<string, bigint>();
  for (const [symbol, price] of Object.entries(s.start ?? {})) {
    if (!symbols.includes(symbol)) fail(`${field}.start.${symbol}`, 'unknown asset');
    const p = amount(price, `${field}.start.${symbol}`);
    if (p === 0n) fail(`${field}.start.${symbol}`, 'a price must be positive');
    start.set(symbol, p);
  }
  return syntheticPaths({
    seed: int(s.seed, `${field}.seed`, 0),
    lead: s.lead,
    correlation: ratio(s.correlation, `${field}.correlation`),
    volBps: int(s.volBps, `${field}.volBps`, 0, 5_000),
    crashBps: int(s.crashBps, `${field}.crashBps`, 0, 9_999),
    crashFrom,
    crashSteps: int(s.crashSteps, `${field}.crashSteps`, 1, steps - 1 - crashFrom),
    start,
    steps,
  });
}
