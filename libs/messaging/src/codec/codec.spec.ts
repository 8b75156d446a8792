import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { encodeAbiParameters, type Hex } from 'viem';
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
} from './codec.js';

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

describe('Codec.envelope', () => {
  const segment: Hex = `0x${'11'.repeat(32)}`;
  const status = { segment, statusEpoch: 7n, status: 3 };

  it('starts with the version word, the kind word and the body offset', () => {
    const bytes = encodeStatus(status);
    const word = (i: number) => bytes.slice(2 + 64 * i, 2 + 64 * (i + 1));
    expect(word(0)).toBe(`${'0'.repeat(63)}1`); // version 1
    expect(word(1)).toBe(`${'0'.repeat(63)}3`); // SEGMENT_STATUS
    expect(word(2)).toBe(`${'0'.repeat(62)}60`); // the body follows the three head words
    expect(openMessage(bytes).kind).toBe(MessageKind.SEGMENT_STATUS);
  });

  it('refuses another version, a truncated message, a wrong kind and a status out of range', () => {
    const v2 = encodeAbiParameters(
      [{ type: 'uint8' }, { type: 'uint8' }, { type: 'bytes' }],
      [2, MessageKind.SEGMENT_STATUS, '0x'],
    );
    expect(codeOf(() => openMessage(v2))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeStatusMessage(encodeStatus(status).slice(0, 200) as Hex))).toBe('MALFORMED');
    expect(codeOf(() => decodeRiskParamsMessage(encodeStatus(status)))).toBe('UNEXPECTED_KIND');
    expect(codeOf(() => encodeStatus({ ...status, status: 5 }))).toBe('INVALID_FIELD');
    const route = encodeAbiParameters(
      [{ type: 'uint8' }, { type: 'uint8' }, { type: 'bytes' }],
      [1, MessageKind.ROUTE_TRANSFER, '0x'],
    );
    expect(codeOf(() => decodeMessage(route))).toBe('UNEXPECTED_KIND');
  });
});
