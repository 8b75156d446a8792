import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { encodeAbiParameters, getAddress, type AbiParameter, type Hex } from 'viem';
import { CodecHarness } from '#app/contracts';
import {
  ATTESTATION_MESSAGE,
  BOUNDARY_MESSAGE,
  RISK_PARAMS_MESSAGE,
  ROUTE_CONFIG_MESSAGE,
  ROUTE_REFUND_MESSAGE,
  ROUTE_TRANSFER_MESSAGE,
  STATUS_MESSAGE,
} from './abi.js';
import {
  attestationMessageArb,
  boundaryMessageArb,
  riskParamsMessageArb,
  routeConfigMessageArb,
  routeRefundMessageArb,
  routeTransferMessageArb,
  statusMessageArb,
} from './arbitraries.js';
import {
  decodeAttestation,
  decodeBoundary,
  decodeMessage,
  decodeRiskParams,
  decodeStatus,
  decodeRouteConfig,
  decodeRouteRefund,
  decodeRouteTransfer,
  encodeAttestation,
  encodeRouteConfig,
  encodeRouteRefund,
  encodeRouteTransfer,
  encodeBoundary,
  encodeRiskParams,
  encodeStatus,
  MessageCodecError,
  MessageKind,
  openMessage,
  SegmentStatus,
  type AttestationMessage,
  type BoundaryMessage,
  type RiskParamsMessage,
  type StatusMessage,
} from './index.js';

const MAX = (bits: number): bigint => (1n << BigInt(bits)) - 1n;
const MAX32 = 2 ** 32 - 1;
const MAX16 = 2 ** 16 - 1;
const id = (byte: string): Hex => `0x${byte.repeat(32)}`;
const word = (n: number | bigint): string => n.toString(16).padStart(64, '0');
const ENVELOPE = [{ type: 'uint8' }, { type: 'uint8' }, { type: 'bytes' }] as const;

/** What a call throws, as its codec code; anything else fails the comparison with a readable value. */
const failure = (fn: () => unknown): { code: string; hasCause: boolean } | string => {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof MessageCodecError)) return `not a codec error: ${String(error)}`;
    return { code: error.code, hasCause: error.cause !== undefined };
  }
  return 'did not throw';
};
const codeOf = (fn: () => unknown): string => {
  const f = failure(fn);
  return typeof f === 'string' ? f : f.code;
};

describe('Codec.roundTrip', () => {
  it('reads back every RISK_PARAMS message it writes', () => {
    fc.assert(
      fc.property(riskParamsMessageArb, (m) => {
        const bytes = encodeRiskParams(m);
        expect(decodeRiskParams(bytes)).toEqual(m);
        expect(decodeMessage(bytes)).toEqual({ kind: 'RISK_PARAMS', message: m });
      }),
    );
  });
  it('reads back every BOUNDARY message it writes', () => {
    fc.assert(
      fc.property(boundaryMessageArb, (m) => {
        const bytes = encodeBoundary(m);
        expect(decodeBoundary(bytes)).toEqual(m);
        expect(decodeMessage(bytes)).toEqual({ kind: 'BOUNDARY', message: m });
      }),
    );
  });
  it('reads back every SEGMENT_STATUS message it writes', () => {
    fc.assert(
      fc.property(statusMessageArb, (m) => {
        const bytes = encodeStatus(m);
        expect(decodeStatus(bytes)).toEqual(m);
        expect(decodeMessage(bytes)).toEqual({ kind: 'SEGMENT_STATUS', message: m });
      }),
    );
  });
  it('reads back every ATTESTATION message it writes', () => {
    fc.assert(
      fc.property(attestationMessageArb, (m) => {
        const bytes = encodeAttestation(m);
        expect(decodeAttestation(bytes)).toEqual(m);
        expect(decodeMessage(bytes)).toEqual({ kind: 'ATTESTATION', message: m });
      }),
    );
  });
});

describe('Codec.roundTrip (routing)', () => {
  it('reads back every ROUTE_CONFIG, ROUTE_TRANSFER and ROUTE_REFUND message it writes', () => {
    fc.assert(
      fc.property(routeConfigMessageArb, routeTransferMessageArb, routeRefundMessageArb, (config, transfer, refund) => {
        expect(decodeRouteConfig(encodeRouteConfig(config))).toEqual(config);
        expect(decodeMessage(encodeRouteConfig(config))).toEqual({ kind: 'ROUTE_CONFIG', message: config });
        expect(decodeRouteTransfer(encodeRouteTransfer(transfer))).toEqual(transfer);
        expect(decodeMessage(encodeRouteTransfer(transfer))).toEqual({ kind: 'ROUTE_TRANSFER', message: transfer });
        expect(decodeRouteRefund(encodeRouteRefund(refund))).toEqual(refund);
        expect(decodeMessage(encodeRouteRefund(refund))).toEqual({ kind: 'ROUTE_REFUND', message: refund });
      }),
    );
  });
});

describe('Codec.extremes', () => {
  const asset = (i: number) => ({
    assetId: id(`a${i}`),
    ltvBps: MAX16,
    liqThresholdBps: MAX16 - i,
    liqBonusBps: i,
    supplyCap: MAX(128) - BigInt(i),
  });
  const local = (i: number) => ({
    assetId: id(`b${i}`),
    // checksummed, as the decoder returns addresses
    token: getAddress(`0x${'ff'.repeat(20)}`),
    feed: getAddress(`0x${'00'.repeat(19)}0${i}`),
    maxStaleness: MAX32,
  });
  const snapshot = (i: number) => ({
    segment: id(`c${i}`),
    collateralValue: MAX(256),
    totalBorrowed: MAX(256) - 1n,
    idle: 0n,
    insurance: BigInt(i),
    badDebt: MAX(255),
    accounts: MAX32,
    paramsEpoch: MAX(64),
    boundaryEpoch: 0n,
    statusEpoch: MAX(64) - BigInt(i),
  });
  const risk = (n: number): RiskParamsMessage => ({
    segment: id('ff'),
    paramsEpoch: MAX(64),
    boundaryEpoch: MAX(64),
    params: {
      borrowCap: MAX(128),
      reserveFactorBps: MAX16,
      rates: { baseBps: MAX32, slope1Bps: 0, kinkBps: MAX32, slope2Bps: 1 },
      assets: Array.from({ length: n }, (_, i) => asset(i)),
    },
  });
  const boundary = (n: number): BoundaryMessage => ({
    segment: id('ee'),
    boundaryEpoch: MAX(64),
    borrowAsset: local(9),
    collaterals: Array.from({ length: n }, (_, i) => local(i)),
  });
  const attestation = (n: number): AttestationMessage => ({
    eid: MAX32,
    blockNumber: MAX(64),
    timestamp: MAX(64),
    segments: Array.from({ length: n }, (_, i) => snapshot(i)),
  });

  it.each([0, 1, 7])('round-trips maximal values with %i array elements', (n) => {
    expect(decodeBoundary(encodeBoundary(boundary(n)))).toEqual(boundary(n));
    expect(decodeRiskParams(encodeRiskParams(risk(n)))).toEqual(risk(n));
    expect(decodeAttestation(encodeAttestation(attestation(n)))).toEqual(attestation(n));
    for (const s of Object.values(SegmentStatus)) {
      const m: StatusMessage = { segment: id('dd'), statusEpoch: MAX(64), status: s };
      expect(decodeMessage(encodeStatus(m))).toEqual({ kind: 'SEGMENT_STATUS', message: m });
    }
  });
});

describe('Codec.abi', () => {
  /** A parameter without solc's `internalType`s, so ours and the compiler's compare field for field. */
  const shape = (p: AbiParameter): unknown => ({
    type: p.type,
    name: p.name,
    ...('components' in p ? { components: p.components.map(shape) } : {}),
  });
  const harness = (name: string): AbiParameter => {
    const item = CodecHarness.abi.find((i) => i.type === 'function' && i.name === name);
    if (item?.type !== 'function' || !item.inputs[0]) throw new Error(`CodecHarness has no ${name}(struct)`);
    return { ...item.inputs[0], name: 'message' }; // the harness calls its argument `m`
  };

  it('declares each message exactly as the compiled SegmentMessages.sol structs', () => {
    expect(shape(RISK_PARAMS_MESSAGE)).toEqual(shape(harness('encodeRiskParams')));
    expect(shape(BOUNDARY_MESSAGE)).toEqual(shape(harness('encodeBoundary')));
    expect(shape(STATUS_MESSAGE)).toEqual(shape(harness('encodeStatus')));
    expect(shape(ATTESTATION_MESSAGE)).toEqual(shape(harness('encodeAttestation')));
    expect(shape(ROUTE_CONFIG_MESSAGE)).toEqual(shape(harness('encodeRouteConfig')));
    expect(shape(ROUTE_TRANSFER_MESSAGE)).toEqual(shape(harness('encodeRouteTransfer')));
    expect(shape(ROUTE_REFUND_MESSAGE)).toEqual(shape(harness('encodeRouteRefund')));
  });
});

describe('Codec.vector', () => {
  it('writes a SEGMENT_STATUS message word for word as abi.encode(1, 3, abi.encode(m))', () => {
    const m: StatusMessage = { segment: id('11'), statusEpoch: 7n, status: SegmentStatus.Frozen };
    const body = `${'11'.repeat(32)}${word(7)}${word(3)}`; // segment, statusEpoch, status Frozen
    // version 1, kind SEGMENT_STATUS, body offset (after three head words), body length (three words)
    const expected: Hex = `0x${word(1)}${word(3)}${word(0x60)}${word(0x60)}${body}`;
    expect(encodeStatus(m)).toBe(expected);
    expect(openMessage(expected)).toEqual({ kind: MessageKind.SEGMENT_STATUS, body: `0x${body}` });
    expect(decodeStatus(expected)).toEqual(m);
  });

  it('starts a RISK_PARAMS message with version 1, kind 1 and the body offset', () => {
    const m: RiskParamsMessage = {
      segment: id('22'),
      paramsEpoch: 2n,
      boundaryEpoch: 1n,
      params: {
        borrowCap: 10n ** 24n,
        reserveFactorBps: 1000,
        rates: { baseBps: 0, slope1Bps: 400, kinkBps: 8000, slope2Bps: 6000 },
        assets: [],
      },
    };
    expect(encodeRiskParams(m).slice(0, 2 + 64 * 3)).toBe(`0x${word(1)}${word(1)}${word(0x60)}`);
  });
});

describe('Codec.rejects', () => {
  const segment = id('11');
  const status: StatusMessage = { segment, statusEpoch: 7n, status: SegmentStatus.Frozen };
  const statusBody = (fields: readonly [Hex, bigint, number]) =>
    encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint64' }, { type: 'uint8' }], fields);
  const wrap = (kind: number, body: Hex) => encodeAbiParameters(ENVELOPE, [1, kind, body]);

  it('refuses version 2, in every decoder', () => {
    const v2 = encodeAbiParameters(ENVELOPE, [2, MessageKind.SEGMENT_STATUS, statusBody([segment, 7n, 1])]);
    expect(codeOf(() => openMessage(v2))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeMessage(v2))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeStatus(v2))).toBe('UNSUPPORTED_VERSION');
  });

  it('refuses a truncated message as MALFORMED, keeping the viem error as cause', () => {
    const full = encodeStatus(status);
    expect(failure(() => openMessage('0x'))).toEqual({ code: 'MALFORMED', hasCause: true });
    const headOnly = full.slice(0, 2 + 64 * 3) as Hex; // a prefix of a Hex string is Hex
    expect(failure(() => decodeStatus(headOnly))).toEqual({ code: 'MALFORMED', hasCause: true });
    expect(codeOf(() => decodeStatus(full.slice(0, -64) as Hex))).toBe('MALFORMED'); // same
  });

  it('refuses a kind other than the one asked for, and the kind without a body type', () => {
    expect(codeOf(() => decodeRiskParams(encodeStatus(status)))).toBe('UNEXPECTED_KIND');
    expect(codeOf(() => decodeRouteRefund(encodeStatus(status)))).toBe('UNEXPECTED_KIND');
    expect(codeOf(() => decodeMessage(wrap(MessageKind.GLOBAL_CAP, '0x')))).toBe('UNEXPECTED_KIND');
    expect(codeOf(() => decodeMessage(wrap(99, '0x')))).toBe('UNEXPECTED_KIND');
  });

  it('refuses to write a value its Solidity field cannot hold', () => {
    // an untyped caller can still pass 5; the cast stands in for one
    expect(codeOf(() => encodeStatus({ ...status, status: 5 as SegmentStatus }))).toBe('INVALID_FIELD');
    expect(codeOf(() => encodeStatus({ ...status, statusEpoch: MAX(64) + 1n }))).toBe('INVALID_FIELD');
    expect(codeOf(() => encodeStatus({ ...status, segment: '0x11' }))).toBe('INVALID_FIELD');
    const token = getAddress(`0x${'ab'.repeat(20)}`);
    const local = { assetId: segment, token, feed: token, maxStaleness: 2 ** 32 };
    const boundary = { segment, boundaryEpoch: 1n, borrowAsset: local, collaterals: [] };
    expect(failure(() => encodeBoundary(boundary))).toEqual({ code: 'INVALID_FIELD', hasCause: true });
  });

  it('refuses what Solidity would refuse to decode: an enum out of range, dirty high bytes', () => {
    expect(codeOf(() => decodeStatus(wrap(3, statusBody([segment, 7n, 5]))))).toBe('MALFORMED');
    const epochAbove64Bits: Hex = `0x${'11'.repeat(32)}${word((1n << 64n) + 7n)}${word(1)}`;
    expect(codeOf(() => decodeStatus(wrap(3, epochAbove64Bits)))).toBe('MALFORMED');

    const token = getAddress(`0x${'ab'.repeat(20)}`);
    const local = { assetId: segment, token, feed: token, maxStaleness: 60 };
    const clean = encodeBoundary({ segment, boundaryEpoch: 1n, borrowAsset: local, collaterals: [local] });
    const dirty = clean.replace(`${'00'.repeat(12)}${'ab'.repeat(20)}`, `${'00'.repeat(11)}01${'ab'.repeat(20)}`);
    expect(dirty).not.toBe(clean);
    expect(codeOf(() => decodeBoundary(dirty as Hex))).toBe('MALFORMED'); // Hex with one nibble changed is Hex
    expect(codeOf(() => decodeBoundary(`${clean}${'00'.repeat(32)}`))).toBe('MALFORMED');
  });
});
