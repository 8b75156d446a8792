import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeFunctionData, toHex, type Hex, type LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { SegmentController } from '#app/contracts';
import { devnetAccount } from '#app/devnet';
import { loadGovernanceSettings } from '../../apps/governance/src/governance.config.js';
import { startGovernanceApp, type GovernanceApp } from '../../apps/governance/src/governance.app.js';
import type { RelayerApp } from '../../apps/relayer/src/relayer.app.js';
import { seg, SegmentWorld } from '../support/segments.js';
import { waitFor } from '../support/wait.js';
import { startWorldRelayer } from '../support/services.js';
import { PROPOSAL_KINDS, type ProposalKind } from '../../apps/governance/src/proposals/proposal.dto.js';

/*
 * Every write endpoint of the governance API and the relayer's, fed generated requests.
 *
 * The choice about valid requests: none is generated. Every request is built invalid on purpose —
 * a valid-shaped body with at least one mutation that the API documents as refused (a wrong type,
 * an out-of-range or fractional number, a string outside its format, an unknown or missing field, a
 * field of another action that is malformed, an array for an object, a deep nesting, a segment,
 * asset, route or chain the hub does not know), or a request that is refused whatever its body (a
 * malformed, unparsable, mistyped or oversized body, a bad or unknown path id, a signature or a
 * transaction not from a governor or the guardian, a guardian transaction the hub would not mine).
 * Mutations that undo one another (a collateral duplicated, then the first of the two removed) can
 * leave the valid body as it was: such a draw is discarded.
 * So every answer must be a 4xx that says why, and after the run nothing may have been stored or
 * sent: the proposals, their signatures, the audit log, the segments on every chain, the hub's
 * mempool and nonces, and the relayer's packet records are exactly as before.
 */

const RUNS = 250;
const BATCH = 8; // requests sent at once per run: RUNS × BATCH ≥ 2,000
const BODY_LIMIT = 100 * 1024; // body-parser's default, which both apps keep

const ACTIONS = PROPOSAL_KINDS;
type Action = ProposalKind;
const SEGMENTS = ['weth', 'crv', 'wbtc'] as const;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaedce6af48a03bbfd25e8cd0364141n;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Path = (string | number)[];

/** The documented formats (README, OpenAPI): generated strings are kept only when they break them. */
const FORMAT = {
  segment: /^[a-z0-9][a-z0-9-]{0,30}$/,
  asset: /^[A-Z0-9]{1,31}$/,
  decimal: /^(0|[1-9]\d{0,29})(\.\d{1,18})?$/,
  baseUnits: /^(0|[1-9]\d{0,38})$/,
  hexId: /^0x[0-9a-fA-F]{64}$/,
  signature: /^0x[0-9a-fA-F]{130}$/,
  signedTransaction: /^0x[0-9a-fA-F]{2,20000}$/,
  action: new RegExp(`^(${ACTIONS.join('|')})$`),
  status: /^(Active|ReduceOnly|Frozen|Retired)$/,
} as const;
type StringKind = keyof typeof FORMAT;
interface IntRange {
  min: number;
  max: number;
}
type FieldKind = { string: StringKind } | { int: IntRange } | 'object' | 'list';

const BPS: IntRange = { min: 0, max: 10_000 };
const UINT32: IntRange = { min: 1, max: 4_294_967_295 };
/** What each field of a proposal is, by its name (the same name means the same kind at every level). */
const named = (kind: FieldKind, ...names: string[]) => Object.fromEntries(names.map((n) => [n, kind]));
const FIELDS: Record<string, FieldKind> = {
  ...named({ string: 'action' }, 'action'),
  ...named({ string: 'segment' }, 'segment', 'srcSegment', 'dstSegment'),
  ...named({ string: 'asset' }, 'borrowAsset', 'asset'),
  ...named({ string: 'decimal' }, 'supplyCap', 'borrowCap', 'globalCapUsd'),
  ...named({ string: 'baseUnits' }, 'capacity', 'refillPerSecond'),
  ...named({ string: 'hexId' }, 'routeId'),
  ...named({ string: 'status' }, 'status'),
  ...named({ int: BPS }, 'ltvBps', 'liqThresholdBps', 'liqBonusBps', 'reserveFactorBps', 'baseBps', 'slope1Bps'),
  ...named({ int: BPS }, 'kinkBps', 'maxLtvChangeBps', 'maxThresholdChangeBps', 'maxBonusChangeBps'),
  ...named({ int: BPS }, 'maxReserveFactorChangeBps', 'maxCapChangeBps'),
  ...named({ int: { min: 0, max: 100_000 } }, 'slope2Bps', 'maxRateChangeBps'),
  ...named({ int: { min: 0, max: 31_536_000 } }, 'minInterval'),
  ...named({ int: { min: 1, max: 10_000 } }, 'maxUtilBps'),
  ...named({ int: UINT32 }, 'srcEid', 'dstEid'),
  ...named({ int: { min: 60, max: 31_536_000 } }, 'deadlineSeconds'),
  ...named('object', 'rates', 'bounds', 'route', 'limits'),
  ...named('list', 'collaterals'),
};
/** Top-level fields a request may leave out (IsOptional: an explicit null counts as left out). */
const OPTIONAL = new Set(['reserveFactorBps', 'rates', 'deadlineSeconds']);
/** The fields each action uses; the others are validated only when present. */
const USES: Record<Action, string[]> = {
  createSegment: ['segment', 'borrowAsset', 'collaterals', 'borrowCap', 'globalCapUsd'],
  setRiskParams: ['segment', 'collaterals', 'borrowCap'],
  setBoundary: ['segment', 'collaterals', 'borrowCap'],
  setStewardBounds: ['segment', 'bounds'],
  setStatus: ['segment', 'status'],
  setGlobalCap: ['segment', 'globalCapUsd'],
  allowRoute: ['route'],
  disableRoute: ['routeId'],
  setRouteLimits: ['routeId', 'limits'],
};
/** Fields that belong to some actions: sent with another action, they must still be well formed. */
const ACTION_FIELDS = [...new Set([...Object.values(USES).flat(), 'bounds'])];
/** Keys Nest strips from every body before validation (prototype pollution): never "unknown". */
const STRIPPED = new Set(['__proto__', 'constructor', 'prototype']);

// ---------------------------------------------------------------- valid-shaped bodies

const collateral = (asset = 'WETH'): JsonObject => ({
  asset,
  ltvBps: 7000,
  liqThresholdBps: 7500,
  liqBonusBps: 500,
  supplyCap: '1000',
});
const RATES: JsonObject = { baseBps: 0, slope1Bps: 400, kinkBps: 8000, slope2Bps: 7500 };
const BOUNDS: JsonObject = {
  maxLtvChangeBps: 500,
  maxThresholdChangeBps: 500,
  maxBonusChangeBps: 200,
  maxReserveFactorChangeBps: 500,
  maxRateChangeBps: 300,
  maxCapChangeBps: 5000,
  minInterval: 60,
};
const LIMITS: JsonObject = { capacity: '1000000', refillPerSecond: '10', maxUtilBps: 8000 };

function baseBody(action: Action, eids: readonly number[], routeId: Hex): JsonObject {
  const [, s1 = 0, s2 = 0] = eids;
  switch (action) {
    case 'createSegment':
      return {
        action,
        segment: 'fuzz',
        borrowAsset: 'USDC',
        collaterals: [collateral()],
        borrowCap: '1000000',
        globalCapUsd: '5000000',
        reserveFactorBps: 1000,
        rates: { ...RATES },
        bounds: { ...BOUNDS },
        deadlineSeconds: 3600,
      };
    case 'setRiskParams':
    case 'setBoundary':
      return { action, segment: 'weth', collaterals: [collateral()], borrowCap: '1000', reserveFactorBps: 900 };
    case 'setStewardBounds':
      return { action, segment: 'crv', bounds: { ...BOUNDS } };
    case 'setStatus':
      return { action, segment: 'wbtc', status: 'ReduceOnly' };
    case 'setGlobalCap':
      return { action, segment: 'crv', globalCapUsd: '42', deadlineSeconds: 600 };
    case 'allowRoute':
      return {
        action,
        route: { srcEid: s1, srcSegment: 'weth', dstEid: s2, dstSegment: 'crv', asset: 'USDC', ...LIMITS },
      };
    case 'disableRoute':
      return { action, routeId };
    case 'setRouteLimits':
      return { action, routeId, limits: { ...LIMITS } };
  }
}

/** Every path in a body with the kind of field there. */
function fieldPaths(value: Json, path: Path = []): { path: Path; kind: FieldKind }[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => {
    const kind: FieldKind | undefined = typeof key === 'number' ? 'object' : FIELDS[key];
    return kind ? [{ path: [...path, key], kind }, ...fieldPaths(child, [...path, key])] : [];
  });
}

/** The objects of a body (where an unknown key can go). */
function objectPaths(value: Json, path: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const own = Array.isArray(value) ? [] : [path];
  const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return [...own, ...entries.flatMap(([key, child]) => objectPaths(child, [...path, key]))];
}

// ---------------------------------------------------------------- invalid values

const junkJson = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>; // jsonValue() yields JSON values

const unicode = fc.constantFrom(
  '',
  ' ',
  'wéth',
  'ＷＥＴＨ',
  '\u0000',
  '\ud800',
  '\u202eweth',
  'weth\n',
  '🦀',
  'ᴡᴇᴛʜ',
  '١٢٣',
  '1e6',
  '-1',
  '0x10',
  'Infinity',
  'NaN',
  '1,000',
  '01',
  '1.',
  '.5',
  ' 1',
  '0X' + 'ab'.repeat(32),
  'null',
  'undefined',
  '<script>',
  "'; DROP TABLE gov_proposals; --",
);

/** A string outside the field's format: unicode, overlong, empty, near misses. */
function badString(kind: StringKind): fc.Arbitrary<string> {
  return fc
    .oneof(
      unicode,
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.integer({ min: 32, max: 60_000 }).map((n) => 'x'.repeat(n)),
      fc.integer({ min: 31, max: 2_000 }).map((n) => '9'.repeat(n)),
      fc.integer({ min: 0, max: 200 }).map((n) => `0x${'a'.repeat(n)}`),
      fc.stringMatching(/^[A-Za-z0-9.\-_ ]{1,40}$/),
    )
    .filter((s) => !FORMAT[kind].test(s));
}

/** A number the field refuses: out of range (huge, negative), or not a whole number. */
function badInt({ min, max }: IntRange): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(min - 1, max + 1, -1, 1e21, 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, min + 0.5),
    fc.integer({ min: max + 1, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: min - 1 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x) || x < min || x > max),
  );
}

/** A value of the wrong JSON type for a field; never null where null means "left out". */
function wrongType(kind: FieldKind, optional: boolean): fc.Arbitrary<Json> {
  const ok = (v: Json): boolean => {
    if (v === null) return !optional;
    if (kind === 'object') return typeof v !== 'object' || Array.isArray(v);
    if (kind === 'list') return !Array.isArray(v);
    if ('string' in kind) return typeof v !== 'string';
    return typeof v !== 'number';
  };
  return fc
    .oneof(
      junkJson,
      fc.integer().map(String),
      fc.constantFrom<Json>(true, false, null, 0, -1, '', [], {}, [[]], [null], { value: 1 }),
    )
    .filter(ok);
}

/** A value the field refuses (its kind's wrong types and, for strings and numbers, out-of-format values). */
function badValue(kind: FieldKind, optional: boolean): fc.Arbitrary<Json> {
  if (kind === 'object' || kind === 'list') return wrongType(kind, optional);
  if ('string' in kind) return fc.oneof(badString(kind.string), wrongType(kind, optional));
  return fc.oneof(badInt(kind.int), wrongType(kind, optional));
}

/**
 * Nesting deeper than any body the API takes (in an unknown field or in place of a known one), as a
 * marker the encoder expands into the nesting itself: a JSON value that deep overflows JSON.stringify.
 */
const deepValue = fc
  .record({ depth: fc.integer({ min: 2, max: 20_000 }), array: fc.boolean() })
  .map(({ depth, array }): Json => `deep-nesting:${depth}:${array ? 'array' : 'object'}`);
const DEEP_MARKER = /"deep-nesting:(\d+):(array|object)"/g;

/** JSON text, deep-nesting markers expanded: `[[[1]]]` or `{"a":{"a":{"a":1}}}` (an unknown key at every level). */
const jsonText = (value: Json): string =>
  JSON.stringify(value).replace(DEEP_MARKER, (_m, depth: string, kind: string) => {
    const n = Number(depth);
    return kind === 'array' ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });

// ---------------------------------------------------------------- mutations (each one alone makes the body invalid)

type Mutation = { set: Path; value: Json } | { remove: Path } | { wrapInArray: Path };

function setAt(body: JsonObject, path: Path, value: Json | undefined): void {
  let node: Json = body;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    const next: Json | undefined = Array.isArray(node) ? node[Number(key)] : node[String(key)];
    if (next === undefined) return; // a mutation before removed the parent: the body is invalid already
    node = next;
  }
  const last = path[path.length - 1];
  if (node === null || typeof node !== 'object' || last === undefined) return;
  if (Array.isArray(node)) {
    if (value === undefined) node.splice(Number(last), 1);
    else node[Number(last)] = value;
  } else if (value === undefined) delete node[String(last)];
  else node[String(last)] = value;
}

function getAt(body: JsonObject, path: Path): Json | undefined {
  let node: Json | undefined = body;
  for (const key of path) {
    if (node === null || node === undefined || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[Number(key)] : node[String(key)];
  }
  return node;
}

function applyMutation(body: JsonObject, m: Mutation): void {
  if ('set' in m) setAt(body, m.set, m.value);
  else if ('remove' in m) setAt(body, m.remove, undefined);
  else {
    const inner = getAt(body, m.wrapInArray);
    if (inner !== undefined) setAt(body, m.wrapInArray, [inner]);
  }
}

const unknownSegment = fc.stringMatching(/^[a-z0-9]{1,20}$/).map((s) => `zz-${s}`);
const unknownAsset = fc.stringMatching(/^[A-Z0-9]{0,20}$/).map((s) => `ZZ${s}`);

/** Values the DTO accepts but the hub refuses: unknown names and chains, broken risk rules, too large. */
function chainMutations(action: Action, eids: readonly number[]): fc.Arbitrary<Mutation>[] {
  const col = ['collaterals', 0];
  const params = [
    unknownAsset.map((a): Mutation => ({ set: [...col, 'asset'], value: a })),
    fc.integer({ min: 7501, max: 10_000 }).map((n): Mutation => ({ set: [...col, 'ltvBps'], value: n })),
    fc.integer({ min: 3334, max: 10_000 }).map((n): Mutation => ({ set: [...col, 'liqBonusBps'], value: n })),
    fc.constant<Mutation>({ set: ['collaterals'], value: [collateral(), collateral()] }),
    fc
      .tuple(fc.nat(), fc.integer({ min: 7, max: 18 }))
      .map(([n, d]): Mutation => ({ set: ['borrowCap'], value: `${n}.${'1'.repeat(d)}` })),
  ];
  const otherEid = fc.integer(UINT32).filter((e) => !eids.includes(e));
  const [, s1 = 0] = eids;
  switch (action) {
    case 'createSegment':
      return [
        fc.constantFrom(...SEGMENTS).map((s): Mutation => ({ set: ['segment'], value: s })),
        unknownAsset.map((a): Mutation => ({ set: ['borrowAsset'], value: a })),
        fc.constant<Mutation>({ set: [...col, 'asset'], value: 'USDC' }),
        ...params,
      ];
    case 'setRiskParams':
      return [
        unknownSegment.map((s): Mutation => ({ set: ['segment'], value: s })),
        fc.constant<Mutation>({ set: [...col, 'asset'], value: 'CRV' }),
        ...params,
      ];
    case 'setBoundary':
      return [unknownSegment.map((s): Mutation => ({ set: ['segment'], value: s })), ...params];
    case 'setStewardBounds':
    case 'setStatus':
    case 'setGlobalCap':
      return [unknownSegment.map((s): Mutation => ({ set: ['segment'], value: s }))];
    case 'allowRoute':
      return [
        otherEid.map((e): Mutation => ({ set: ['route', 'srcEid'], value: e })),
        otherEid.map((e): Mutation => ({ set: ['route', 'dstEid'], value: e })),
        unknownSegment.map((s): Mutation => ({ set: ['route', 'srcSegment'], value: s })),
        unknownSegment.map((s): Mutation => ({ set: ['route', 'dstSegment'], value: s })),
        fc.constant<Mutation>({ set: ['route', 'asset'], value: 'WETH' }),
        fc.constant<Mutation>({ set: ['route', 'capacity'], value: '0' }),
        fc.constant<Mutation>({ set: ['route', 'refillPerSecond'], value: '9'.repeat(39) }),
        fc.constant<Mutation>({
          set: ['route'],
          value: { srcEid: s1, srcSegment: 'weth', dstEid: s1, dstSegment: 'weth', asset: 'USDC', ...LIMITS },
        }),
      ];
    case 'disableRoute':
      return [
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b): Mutation => ({ set: ['routeId'], value: toHex(b) })),
      ];
    case 'setRouteLimits':
      return [
        fc.constant<Mutation>({ set: ['limits', 'capacity'], value: '0' }),
        fc.constant<Mutation>({ set: ['limits', 'capacity'], value: '9'.repeat(39) }),
      ];
  }
}

/** Mutations of the shape: wrong values, missing and unknown fields, a malformed field of another action. */
function shapeMutations(action: Action, body: JsonObject): fc.Arbitrary<Mutation>[] {
  const fields = fieldPaths(body);
  const top = (p: Path) => p.length === 1 && typeof p[0] === 'string';
  const optional = (p: Path) =>
    top(p) && (OPTIONAL.has(String(p[0])) || (action === 'createSegment' && p[0] === 'bounds'));
  const required = fields.filter((f) => !optional(f.path));
  const objects = objectPaths(body);
  const nestedObjects = fields.filter((f) => f.kind === 'object');
  const foreign = ACTION_FIELDS.filter((f) => !USES[action].includes(f) && body[f] === undefined);
  const out: fc.Arbitrary<Mutation>[] = [
    fc
      .constantFrom(...fields)
      .chain((f) => badValue(f.kind, optional(f.path)).map((value): Mutation => ({ set: f.path, value }))),
    fc.constantFrom(...objects).chain((path) =>
      fc
        .tuple(
          fc.oneof(
            fc.string({ unit: 'grapheme', minLength: 0, maxLength: 20 }),
            fc.constantFrom('then', 'toString', 'x'),
          ),
          junkJson,
        )
        .filter(([key]) => !STRIPPED.has(key) && FIELDS[key] === undefined)
        .map(([key, value]): Mutation => ({ set: [...path, key], value })),
    ),
    fc
      .constantFrom(...objects)
      .chain((path) =>
        fc
          .tuple(fc.constantFrom('deep', 'nested'), deepValue)
          .map(([key, value]): Mutation => ({ set: [...path, key], value })),
      ),
    fc.constant<Mutation>({ set: ['action'], value: 'mintMoney' }),
  ];
  if (required.length > 0) out.push(fc.constantFrom(...required).map((f): Mutation => ({ remove: f.path })));
  if (nestedObjects.length > 0)
    out.push(
      fc.constantFrom(...nestedObjects).map((f): Mutation => ({ wrapInArray: f.path })),
      fc.constantFrom(...nestedObjects).chain((f) => deepValue.map((value): Mutation => ({ set: f.path, value }))),
    );
  if (foreign.length > 0)
    out.push(
      fc.constantFrom(...foreign).chain((name) => {
        const kind = FIELDS[name] ?? 'object';
        return badValue(kind, false).map((value): Mutation => ({ set: [name], value }));
      }),
    );
  return out;
}

// ---------------------------------------------------------------- requests

type Payload =
  | { kind: 'none' }
  | { kind: 'json'; value: Json }
  /** a signature of proposal `over`'s typed data by a random key (not a governor) */
  | { kind: 'forged'; key: Hex; over: 0 | 1 }
  /** a governor's signature of the other proposal's typed data */
  | { kind: 'replayed'; of: 0 | 1 }
  | { kind: 'signedTx'; signer: Hex | 'guardian'; tx: TxVariant; segment: string };

type TxVariant =
  | 'freeze'
  | 'wrongChain'
  | 'noChainId'
  | 'gasTooLow'
  | 'gasOverBlockLimit'
  | 'feeOverBalance'
  | 'feeUnderBaseFee'
  | 'futureNonce'
  | 'withValue'
  | 'otherSegment'
  | 'otherFunction'
  | 'wrongTo';

type Wire =
  | { kind: 'json' }
  | { kind: 'contentType'; type: string }
  | { kind: 'form' }
  | { kind: 'malformed'; how: 'truncate' | 'trailing' | 'quotes' | 'comment' | 'nan' | 'control' | 'bom'; at: number }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'oversized'; pad: number };

type Endpoint = 'proposals' | 'signatures' | 'execute' | 'freeze' | 'retry';

interface FuzzRequest {
  endpoint: Endpoint;
  label: string;
  path: string;
  payload: Payload;
  wire: Wire;
}

const wireArb: fc.Arbitrary<Wire> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Wire>({ kind: 'json' }) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          '',
          'text/plain',
          'application/xml',
          'text/html',
          'multipart/form-data; boundary=zz',
          'application/json; charset=utf-16',
          'application/json; charset=latin1',
          'application/vnd.api+json',
        ),
        fc.stringMatching(/^[a-z]{1,10}\/[a-z+.-]{1,20}$/),
      )
      .map((type): Wire => ({ kind: 'contentType', type })),
  },
  { weight: 1, arbitrary: fc.constant<Wire>({ kind: 'form' }) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        how: fc.constantFrom<Extract<Wire, { kind: 'malformed' }>['how']>(
          'truncate',
          'trailing',
          'quotes',
          'comment',
          'nan',
          'control',
          'bom',
        ),
        at: fc.double({ min: 0, max: 1, noNaN: true }),
      })
      .map((m): Wire => ({ kind: 'malformed', ...m })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes): Wire => ({ kind: 'bytes', bytes })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: BODY_LIMIT + 1, max: 4 * BODY_LIMIT })
      .map((pad): Wire => ({ kind: 'oversized', pad })),
  },
);

const randomKey = fc.bigInt({ min: 1n, max: SECP256K1_N - 1n }).map((k) => toHex(k, { size: 32 }));
const randomId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b));
/** A path segment from a string, short enough for Node's header limit (a longer URL is refused before the app, 431). */
const pathSegment = (s: string): string =>
  encodeURIComponent(
    s.slice(0, 2_000).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'), // a lone surrogate has no URL form
  ) || '%20';
/** Path ids that are not ids: encoded garbage, broken percent escapes, near misses. */
const badPathId = fc.oneof(
  badString('hexId').map(pathSegment),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2e%2e', 'null', '0x', `0x${'g'.repeat(64)}`, `0x${'ab'.repeat(33)}`),
);

interface World {
  eids: readonly number[];
  proposals: readonly [Hex, Hex];
  deliveredGuids: readonly Hex[];
  unknownRouteId: Hex;
}

function proposalRequests(world: World): fc.Arbitrary<FuzzRequest> {
  const mutated = fc.constantFrom(...ACTIONS).chain((action) => {
    const base = baseBody(action, world.eids, world.unknownRouteId);
    const mutations = fc.oneof(...shapeMutations(action, base), ...chainMutations(action, world.eids));
    const unchanged = JSON.stringify(base);
    return fc
      .array(mutations, { minLength: 1, maxLength: 3 })
      .map((ms) => {
        const body = structuredClone(base);
        for (const m of ms) applyMutation(body, m);
        return { label: `proposals:${action}`, value: body };
      })
      .filter(({ value }) => JSON.stringify(value) !== unchanged); // mutations that cancelled out
  });
  // not an object at all: a scalar, a list (a valid-shaped body in an array among them), a deep nesting
  const wholeBody = fc
    .oneof(
      junkJson.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
      deepValue,
      fc.constantFrom(...ACTIONS).map((a): Json => [baseBody(a, world.eids, world.unknownRouteId)]),
    )
    .map((value) => ({ label: 'proposals:body', value }));
  return fc
    .tuple(fc.oneof({ weight: 9, arbitrary: mutated }, { weight: 1, arbitrary: wholeBody }), wireArb)
    .map(([{ label, value }, wire]) => ({
      endpoint: 'proposals' as const,
      label,
      path: '/api/proposals',
      payload: { kind: 'json' as const, value },
      wire,
    }));
}

function signatureRequests(world: World): fc.Arbitrary<FuzzRequest> {
  const [p0, p1] = world.proposals;
  const target = fc.oneof(
    fc.constantFrom({ id: p0, which: 0 as const }, { id: p1, which: 1 as const }),
    fc.constantFrom({ id: p0.toUpperCase().replace('0X', '0x'), which: 0 as const }),
    randomId.map((id) => ({ id, which: 0 as const })),
    badPathId.map((id) => ({ id, which: 0 as const })),
  );
  const payload = (which: 0 | 1): fc.Arbitrary<Payload> =>
    fc.oneof(
      randomKey.map((key): Payload => ({ kind: 'forged', key, over: which })),
      fc.constant<Payload>({ kind: 'replayed', of: which }),
      fc
        .uint8Array({ minLength: 65, maxLength: 65 })
        .map((b): Payload => ({ kind: 'json', value: { signature: toHex(b) } })),
      badValue({ string: 'signature' }, false).map((signature): Payload => ({ kind: 'json', value: { signature } })),
      fc.constant<Payload>({ kind: 'json', value: {} }),
      fc
        .tuple(fc.uint8Array({ minLength: 65, maxLength: 65 }), junkJson)
        .map(([b, extra]): Payload => ({ kind: 'json', value: { signature: toHex(b), by: extra } })),
    );
  return fc
    .tuple(
      target.chain((t) => payload(t.which).map((p) => ({ ...t, p }))),
      wireArb,
    )
    .map(([t, wire]) => ({
      endpoint: 'signatures' as const,
      label: 'signatures',
      path: `/api/proposals/${t.id}/signatures`,
      payload: t.p,
      wire,
    }));
}

function executeRequests(world: World): fc.Arbitrary<FuzzRequest> {
  // nothing is queued: pending proposals (409), unknown ids (404), bad ids (400); the body is not read
  const id = fc.oneof(fc.constantFrom(...world.proposals), randomId, badPathId);
  const payload = fc.oneof(
    fc.constant<Payload>({ kind: 'none' }),
    junkJson.map((value): Payload => ({ kind: 'json', value })),
  );
  return fc.tuple(id, payload, wireArb).map(([i, p, wire]) => ({
    endpoint: 'execute' as const,
    label: 'execute',
    path: `/api/proposals/${i}/execute`,
    payload: p,
    wire,
  }));
}

function freezeRequests(): fc.Arbitrary<FuzzRequest> {
  const segment = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...SEGMENTS) },
    { weight: 1, arbitrary: unknownSegment },
    { weight: 1, arbitrary: badString('segment').map(pathSegment) },
  );
  const guardianVariants = fc.constantFrom<TxVariant>(
    'wrongChain',
    'noChainId',
    'gasTooLow',
    'gasOverBlockLimit',
    'feeOverBalance',
    'feeUnderBaseFee',
    'futureNonce',
    'withValue',
    'otherSegment',
    'otherFunction',
    'wrongTo',
  );
  const payload = (name: string): fc.Arbitrary<Payload> =>
    fc.oneof(
      fc
        .tuple(randomKey, fc.constantFrom<TxVariant>('freeze', 'otherFunction', 'wrongChain'))
        .map(([signer, tx]): Payload => ({ kind: 'signedTx', signer, tx, segment: name })),
      guardianVariants.map((tx): Payload => ({ kind: 'signedTx', signer: 'guardian', tx, segment: name })),
      // the guardian's own freeze of a segment the hub does not have (404, never sent)
      unknownSegment.map((s): Payload => ({ kind: 'signedTx', signer: 'guardian', tx: 'freeze', segment: s })),
      fc
        .uint8Array({ minLength: 0, maxLength: 400 })
        .chain((b) => fc.boolean().map((odd) => (odd ? toHex(b).slice(0, -1) : toHex(b))))
        .map((signedTransaction): Payload => ({ kind: 'json', value: { signedTransaction } })),
      badValue({ string: 'signedTransaction' }, false).map((signedTransaction): Payload => ({
        kind: 'json',
        value: { signedTransaction },
      })),
      fc.constant<Payload>({ kind: 'json', value: { signedTransaction: `0x${'ab'.repeat(10_001)}` } }),
      fc.constant<Payload>({ kind: 'json', value: {} }),
    );
  return fc
    .tuple(
      segment.chain((s) => payload(s).map((p) => ({ s, p }))),
      wireArb,
    )
    .map(([{ s, p }, wire]) => {
      // the guardian's unknown-segment freeze goes to that segment's own path
      const path = p.kind === 'signedTx' && p.signer === 'guardian' && p.tx === 'freeze' ? p.segment : s;
      return { endpoint: 'freeze' as const, label: 'freeze', path: `/api/segments/${path}/freeze`, payload: p, wire };
    });
}

function retryRequests(world: World): fc.Arbitrary<FuzzRequest> {
  const guid = fc.oneof(
    ...(world.deliveredGuids.length > 0 ? [fc.constantFrom(...world.deliveredGuids)] : []),
    randomId,
    badPathId,
  );
  const payload = fc.oneof(
    fc.constant<Payload>({ kind: 'none' }),
    junkJson.map((value): Payload => ({ kind: 'json', value })),
  );
  return fc.tuple(guid, payload, wireArb).map(([g, p, wire]) => ({
    endpoint: 'retry' as const,
    label: 'retry',
    path: `/packets/${g}/retry`,
    payload: p,
    wire,
  }));
}

// ---------------------------------------------------------------- on the wire

function formBody(value: Json): string {
  const entries = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  const fields = entries.map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : jsonText(v)]);
  return new URLSearchParams([...fields, ['fuzz_unknown_field', '1']]).toString(); // an unknown field: always refused
}

function malformed(text: string, how: Extract<Wire, { kind: 'malformed' }>['how'], at: number): string {
  const cut = Math.min(text.length - 1, Math.max(1, Math.floor(at * text.length)));
  switch (how) {
    case 'truncate':
      return text.length > 1 ? text.slice(0, cut) : '{';
    case 'trailing':
      return `${text},`;
    case 'quotes':
      return text.includes('"') ? text.replaceAll('"', "'") : `{'${text}'}`;
    case 'comment':
      return `/* fuzz */${text}`;
    case 'nan':
      return '{"action": NaN, "segment": undefined}';
    case 'control':
      return `{"action":"set\u0001Status","segment":"weth${text.slice(0, cut)}`;
    case 'bom':
      return `\ufeff${text}`;
  }
}

function encode(value: Json | undefined, wire: Wire): { headers: Record<string, string>; body?: string | Uint8Array } {
  const text = value === undefined ? '' : jsonText(value);
  switch (wire.kind) {
    case 'json':
      return value === undefined ? { headers: {} } : { headers: { 'content-type': 'application/json' }, body: text };
    case 'contentType':
      // fetch adds text/plain to a string body: bytes go out with no content type at all
      return wire.type === ''
        ? { headers: {}, body: new TextEncoder().encode(text) }
        : { headers: { 'content-type': wire.type }, body: text };
    case 'form':
      return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: formBody(value ?? null) };
    case 'malformed':
      return { headers: { 'content-type': 'application/json' }, body: malformed(text || '{}', wire.how, wire.at) };
    case 'bytes':
      return { headers: { 'content-type': 'application/json' }, body: wire.bytes };
    case 'oversized':
      return {
        headers: { 'content-type': 'application/json' },
        body: jsonText(
          value !== null && typeof value === 'object' && !Array.isArray(value)
            ? { ...value, pad: 'x'.repeat(wire.pad) }
            : { value: value ?? null, pad: 'x'.repeat(wire.pad) },
        ),
      };
  }
}

// ---------------------------------------------------------------- the suite

interface ProposalView {
  id: Hex;
  status: string;
  signatures: { signer: string }[];
  error: string | null;
  typedData: TypedData;
}

interface TypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: Hex };
  types: { Proposal: { name: string; type: string }[] };
  primaryType: 'Proposal';
  message: { action: number; data: Hex; nonce: string; deadline: string };
}

interface Outcome {
  request: FuzzRequest;
  status: number;
  text: string;
}

/** A 4xx must be JSON with a message a person can read (a string, or a list of them). */
function problem(o: Outcome): string | null {
  if (o.status < 400 || o.status >= 500) return `answered ${o.status}`;
  let body: unknown;
  try {
    body = JSON.parse(o.text);
  } catch {
    return `a ${o.status} without a JSON body`;
  }
  const message = body !== null && typeof body === 'object' && 'message' in body ? body.message : undefined;
  const readable = (m: unknown) => typeof m === 'string' && m.trim().length > 0;
  if (readable(message) || (Array.isArray(message) && message.length > 0 && message.every(readable))) return null;
  return `a ${o.status} without a message`;
}

describe('Api.fuzz', () => {
  let w: SegmentWorld;
  let relayer: RelayerApp;
  let gov: GovernanceApp;
  let world: World;
  let typed: readonly [TypedData, TypedData];
  let replayed: readonly [Hex, Hex];
  let hubChainId: number;
  let guardianNonce: number;

  const getJson = async <T>(url: string): Promise<T> => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  const sign = (account: LocalAccount, t: TypedData): Promise<Hex> =>
    account.signTypedData({
      ...t,
      message: { ...t.message, nonce: BigInt(t.message.nonce), deadline: BigInt(t.message.deadline) },
    });

  beforeAll(async () => {
    w = await SegmentWorld.start({ chains: 3, timelockSeconds: 3 });
    const dir = join(w.devnet.manifestPath, '..');
    relayer = await startWorldRelayer(w);
    gov = await startGovernanceApp(
      loadGovernanceSettings({
        GOV_MANIFEST: w.devnet.manifestPath,
        GOV_DATA_DIR: join(dir, 'governance-db'),
        GOV_HTTP_PORT: '0',
        GOV_POLL_MS: '200',
        GOV_RATE_LIMIT: '1000000', // the limiter has its own case below: here it must not hide validation
        GOV_RELAYER_URL: relayer.url,
      }),
      false,
    );
    // two pending proposals the signature and execute requests aim at (valid, made before the run)
    const created: ProposalView[] = [];
    for (const body of [
      { action: 'setGlobalCap', segment: 'crv', globalCapUsd: '1' },
      { action: 'setStatus', segment: 'weth', status: 'ReduceOnly' },
    ]) {
      const res = await fetch(`${gov.url}/api/proposals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      created.push((await res.json()) as ProposalView);
    }
    const [a, b] = created as [ProposalView, ProposalView];
    typed = [a.typedData, b.typedData];
    // a governor's signature of one proposal, sent for the other, recovers someone else
    replayed = [
      await sign(devnetAccount('governor1'), b.typedData),
      await sign(devnetAccount('governor2'), a.typedData),
    ];
    hubChainId = await w.client(w.hubEid).getChainId();
    guardianNonce = await w.client(w.hubEid).getTransactionCount({
      address: devnetAccount('guardian').address,
      blockTag: 'pending',
    });
    // the relayer has found the bootstrap broadcast and settled every packet before the state is taken
    const packets = await waitFor(
      'the relayer to record the bootstrap packets as delivered',
      async () => {
        const ready = await fetch(`${relayer.url}/ready`);
        const list = await getJson<{ guid: Hex; stage: string }[]>(`${relayer.url}/packets?limit=1000`);
        return ready.ok && list.length > 0 && list.every((p) => p.stage === 'delivered') ? list : undefined;
      },
      60_000,
    );
    world = {
      eids: w.eids,
      proposals: [a.id, b.id],
      deliveredGuids: packets.map((p) => p.guid),
      unknownRouteId: toHex(crypto.getRandomValues(new Uint8Array(32))),
    };
  });

  afterAll(async () => {
    await gov?.close();
    await relayer?.close();
    await w?.stop();
  });

  /** Everything a write could change: the governance database, the chains, the relayer's records. */
  const state = async () => {
    const hub = w.client(w.hubEid);
    const [proposals, audit, segments, packets] = await Promise.all([
      getJson<ProposalView[]>(`${gov.url}/api/proposals`),
      getJson<{ id: number }[]>(`${gov.url}/api/audit`),
      getJson<{ name: string; status: string; chains: unknown[] }[]>(`${gov.url}/api/segments`),
      getJson<{ guid: Hex; stage: string; attempts: number; lastError: string | null; nextAttemptAt: string }[]>(
        `${relayer.url}/packets?limit=1000`,
      ),
    ]);
    return {
      proposals: proposals.map((p) => ({
        id: p.id,
        status: p.status,
        signatures: p.signatures.length,
        error: p.error,
      })),
      audit: { entries: audit.length, newest: audit[0]?.id ?? null },
      segments,
      segmentCount: await w.read<bigint>(w.hubEid, w.controller, SegmentController.abi, 'segmentCount'),
      onChainProposals: await Promise.all(
        world.proposals.map((id) =>
          w.read<readonly unknown[]>(w.hubEid, w.controller, SegmentController.abi, 'proposals', [id]),
        ),
      ),
      routes: await Promise.all(w.eids.map((eid) => w.readRouter<bigint>(eid, 'routeCount'))),
      nonces: await Promise.all(
        (['governanceExecutor', 'guardian', 'relayer'] as const).map((r) =>
          hub.getTransactionCount({ address: devnetAccount(r).address, blockTag: 'pending' }),
        ),
      ),
      mempool: await w.rpc(w.hubEid, 'txpool_status'),
      packets: [...packets]
        .sort((x, y) => x.guid.localeCompare(y.guid))
        .map((p) => ({
          guid: p.guid,
          stage: p.stage,
          attempts: p.attempts,
          lastError: p.lastError,
          next: p.nextAttemptAt,
        })),
    };
  };

  const signedTx = async (p: Extract<Payload, { kind: 'signedTx' }>): Promise<Hex> => {
    const account = p.signer === 'guardian' ? devnetAccount('guardian') : privateKeyToAccount(p.signer);
    const call = (functionName: 'freeze' | 'flushStatus', segment: string) =>
      encodeFunctionData({ abi: SegmentController.abi, functionName, args: [seg(segment)] });
    const name = FORMAT.segment.test(p.segment) ? p.segment : 'weth'; // a path that is no name: a freeze of weth
    const other = SEGMENTS.find((s) => s !== name) ?? 'weth';
    const base = {
      type: 'eip1559' as const,
      chainId: hubChainId,
      nonce: p.signer === 'guardian' ? guardianNonce : 0,
      to: w.controller,
      data: call('freeze', name),
      gas: 500_000n,
      maxFeePerGas: 100_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      value: 0n,
    };
    const variants: Record<TxVariant, Partial<typeof base> | { type: 'legacy'; gasPrice: bigint }> = {
      freeze: {},
      wrongChain: { chainId: hubChainId + 1 },
      noChainId: { type: 'legacy', gasPrice: 100_000_000_000n },
      gasTooLow: { gas: 21_000n },
      gasOverBlockLimit: { gas: 10n ** 12n },
      feeOverBalance: { maxFeePerGas: 10n ** 36n, maxPriorityFeePerGas: 10n ** 36n },
      feeUnderBaseFee: { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n },
      futureNonce: { nonce: base.nonce + 1 },
      withValue: { value: 1n },
      otherSegment: { data: call('freeze', other) },
      otherFunction: { data: call('flushStatus', name) },
      wrongTo: { to: devnetAccount('deployer').address },
    };
    const v = variants[p.tx];
    if ('gasPrice' in v) {
      const { nonce, to, data, gas, value } = base; // no chain id: signed without EIP-155 replay protection
      return account.signTransaction({ type: 'legacy', nonce, to, data, gas, value, gasPrice: v.gasPrice });
    }
    return account.signTransaction({ ...base, ...v });
  };

  const render = async (r: FuzzRequest): Promise<Json | undefined> => {
    const p = r.payload;
    switch (p.kind) {
      case 'none':
        return undefined;
      case 'json':
        return p.value;
      case 'forged':
        return { signature: await sign(privateKeyToAccount(p.key), typed[p.over]) };
      case 'replayed':
        return { signature: replayed[p.of] };
      case 'signedTx':
        return { signedTransaction: await signedTx(p) };
    }
  };

  const send = async (r: FuzzRequest): Promise<Outcome> => {
    const { headers, body } = encode(await render(r), r.wire);
    const base = r.endpoint === 'retry' ? relayer.url : gov.url;
    const res = await fetch(`${base}${r.path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
    return { request: r, status: res.status, text: await res.text() };
  };

  it('answers every generated write with a 4xx that says why, and stores and sends nothing', async () => {
    const started = Date.now();
    const before = await state();
    const requests = fc.oneof(
      { weight: 5, arbitrary: proposalRequests(world) },
      { weight: 2, arbitrary: signatureRequests(world) },
      { weight: 1, arbitrary: executeRequests(world) },
      { weight: 2, arbitrary: freezeRequests() },
      { weight: 1, arbitrary: retryRequests(world) },
    );
    const counts = { requests: 0, '2xx': 0, '4xx': 0, '5xx': 0, other: 0 };
    const byLabel = new Map<string, number>();
    const byWire = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(requests, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const outcomes = await Promise.all(batch.map(send));
        for (const o of outcomes) {
          counts.requests += 1;
          const bucket =
            o.status >= 500 ? '5xx' : o.status >= 400 ? '4xx' : o.status >= 200 && o.status < 300 ? '2xx' : 'other';
          counts[bucket] += 1;
          byLabel.set(o.request.label, (byLabel.get(o.request.label) ?? 0) + 1);
          byWire.set(o.request.wire.kind, (byWire.get(o.request.wire.kind) ?? 0) + 1);
        }
        const bad = outcomes.flatMap((o) => {
          const why = problem(o);
          if (!why) return [];
          const sent = JSON.stringify(o.request.payload, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v));
          return [
            `${why}: POST ${o.request.path} [${o.request.wire.kind}] ${sent.slice(0, 400)} → ${o.text.slice(0, 400)}`,
          ];
        });
        if (bad.length > 0) throw new Error(bad.join('\n'));
      }),
      { numRuns: RUNS },
    );
    const after = await state();
    const stored =
      after.proposals.length -
      before.proposals.length +
      after.proposals.reduce((n, p) => n + p.signatures, 0) -
      before.proposals.reduce((n, p) => n + p.signatures, 0) +
      (after.audit.entries - before.audit.entries) +
      after.packets.filter((p, i) => JSON.stringify(p) !== JSON.stringify(before.packets[i])).length +
      (['segments', 'segmentCount', 'onChainProposals', 'routes', 'nonces', 'mempool'] as const).filter(
        (k) =>
          JSON.stringify(after[k], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) !==
          JSON.stringify(before[k], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      ).length;
    process.stdout.write(
      `api-fuzz: requests=${counts.requests} 4xx=${counts['4xx']} 2xx=${counts['2xx']} 5xx=${counts['5xx']} stored=${stored}\n` +
        `api-fuzz: ${[...byLabel].map(([k, n]) => `${k}=${n}`).join(' ')}; wire ${[...byWire].map(([k, n]) => `${k}=${n}`).join(' ')}; ${Date.now() - started} ms\n`,
    );
    expect(counts.requests).toBeGreaterThanOrEqual(RUNS * BATCH);
    expect({ '5xx': counts['5xx'], '2xx': counts['2xx'], other: counts.other }).toEqual({
      '5xx': 0,
      '2xx': 0,
      other: 0,
    });
    expect(after).toEqual(before);
    expect(stored).toBe(0);
    // every write endpoint and every action kind had its share
    for (const label of [...ACTIONS.map((a) => `proposals:${a}`), 'signatures', 'execute', 'freeze', 'retry'])
      expect({ label, enough: (byLabel.get(label) ?? 0) >= 20 }).toEqual({ label, enough: true });
  });

  it('answers a client over GOV_RATE_LIMIT with 429 and a message, and keeps reads open', async () => {
    const limited = await startGovernanceApp(
      loadGovernanceSettings({
        GOV_MANIFEST: w.devnet.manifestPath,
        GOV_DATA_DIR: join(w.devnet.manifestPath, '..', 'governance-limited-db'),
        GOV_HTTP_PORT: '0',
        GOV_RATE_LIMIT: '3',
      }),
      false,
    );
    try {
      const write = () =>
        fetch(`${limited.url}/api/proposals`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await write()).status);
      const over = await write();
      expect([...statuses, over.status]).toEqual([400, 400, 400, 429]);
      expect(((await over.json()) as { message: string }).message).toMatch(
        /more than 3 writes a minute; retry in \d+ s/,
      );
      expect((await fetch(`${limited.url}/api/proposals`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
