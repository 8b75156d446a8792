import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { encodeAbiParameters, getAddress, type Hex } from 'viem';
import { attestationMessageArb, boundaryMessageArb, riskParamsMessageArb, statusMessageArb } from './arbitraries.js';
import {
  decodeAttestationMessage,
  decodeBoundaryMessage,
  decodeMessage,
  decodeRiskParamsMessage,
  decodeStatusMessage,
  encodeAttestation,
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
} from './codec.js';

const MAX = (bits: number): bigint => (1n << BigInt(bits)) - 1n;
const MAX32 = 2 ** 32 - 1;
const MAX16 = 2 ** 16 - 1;
const id = (byte: string): Hex => `0x${byte.repeat(32)}`;
const ENVELOPE = [{ type: 'uint8' }, { type: 'uint8' }, { type: 'bytes' }] as const;

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof MessageCodecError ? error.code : `not a codec error: ${String(error)}`;
  }
  return undefined;
};

describe('Codec.roundTrip', () => {
  it('reads back every RISK_PARAMS message it writes', () => {
    fc.assert(
      fc.property(riskParamsMessageArb, (m) => expect(decodeRiskParamsMessage(encodeRiskParams(m))).toEqual(m)),
    );
  });
  it('reads back every BOUNDARY message it writes', () => {
    fc.assert(fc.property(boundaryMessageArb, (m) => expect(decodeBoundaryMessage(encodeBoundary(m))).toEqual(m)));
  });
  it('reads back every SEGMENT_STATUS message it writes', () => {
    fc.assert(fc.property(statusMessageArb, (m) => expect(decodeStatusMessage(encodeStatus(m))).toEqual(m)));
  });
  it('reads back every ATTESTATION message it writes, and decodeMessage names its kind', () => {
    fc.assert(
      fc.property(attestationMessageArb, (m) => {
        const bytes = encodeAttestation(m);
        expect(decodeAttestationMessage(bytes)).toEqual(m);
        expect(decodeMessage(bytes)).toEqual({ kind: 'ATTESTATION', message: m });
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
    expect(decodeBoundaryMessage(encodeBoundary(boundary(n)))).toEqual(boundary(n));
    expect(decodeRiskParamsMessage(encodeRiskParams(risk(n)))).toEqual(risk(n));
    expect(decodeAttestationMessage(encodeAttestation(attestation(n)))).toEqual(attestation(n));
    for (const status of Object.values(SegmentStatus)) {
      const m: StatusMessage = { segment: id('dd'), statusEpoch: MAX(64), status };
      expect(decodeMessage(encodeStatus(m))).toEqual({ kind: 'SEGMENT_STATUS', message: m });
    }
  });
});

describe('Codec.envelope', () => {
  const segment: Hex = `0x${'11'.repeat(32)}`;
  const status: StatusMessage = { segment, statusEpoch: 7n, status: SegmentStatus.Frozen };

  it('starts with the version word, the kind word and the body offset', () => {
    const bytes = encodeStatus(status);
    const word = (i: number) => bytes.slice(2 + 64 * i, 2 + 64 * (i + 1));
    expect(word(0)).toBe(`${'0'.repeat(63)}1`); // version 1
    expect(word(1)).toBe(`${'0'.repeat(63)}3`); // SEGMENT_STATUS
    expect(word(2)).toBe(`${'0'.repeat(62)}60`); // the body follows the three head words
    expect(openMessage(bytes).kind).toBe(MessageKind.SEGMENT_STATUS);
  });

  it('refuses another version, a truncated message, a wrong kind and a status out of range', () => {
    const v2 = encodeAbiParameters(ENVELOPE, [2, MessageKind.SEGMENT_STATUS, '0x']);
    expect(codeOf(() => openMessage(v2))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeMessage(v2))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => openMessage('0x'))).toBe('MALFORMED');
    expect(codeOf(() => openMessage(encodeStatus(status).slice(0, 2 + 64 * 3) as Hex))).toBe('MALFORMED'); // Hex minus its tail is Hex
    expect(codeOf(() => decodeStatusMessage(encodeStatus(status).slice(0, 200) as Hex))).toBe('MALFORMED'); // Hex minus its tail is Hex
    expect(codeOf(() => decodeRiskParamsMessage(encodeStatus(status)))).toBe('UNEXPECTED_KIND');
    // an untyped caller can still pass 5; the cast stands in for one
    expect(codeOf(() => encodeStatus({ ...status, status: 5 as SegmentStatus }))).toBe('INVALID_FIELD');
    const body5 = encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint64' }, { type: 'uint8' }], [segment, 7n, 5]);
    const status5 = encodeAbiParameters(ENVELOPE, [1, MessageKind.SEGMENT_STATUS, body5]);
    expect(codeOf(() => decodeStatusMessage(status5))).toBe('MALFORMED');
    const route = encodeAbiParameters(ENVELOPE, [1, MessageKind.ROUTE_TRANSFER, '0x']);
    expect(codeOf(() => decodeMessage(route))).toBe('UNEXPECTED_KIND');
  });
});
