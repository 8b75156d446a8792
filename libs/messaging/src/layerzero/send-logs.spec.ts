import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeEventLog, encodeAbiParameters, encodeEventTopics, getAddress, type Address, type Hex } from 'viem';
import { BatchExecutor, EndpointV2, SendUln302 } from '#app/contracts';
import { DeliveryOutcome, packetOutcomes } from './delivery.js';
import { decodeSendLog } from './send-logs.js';

const hexBytes = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((b): Hex => `0x${Buffer.from(b).toString('hex')}`);
const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => getAddress(`0x${Buffer.from(b).toString('hex')}`));
const uint256 = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });

/** A log as the contracts emit it: the event's selector topic and its parameters encoded by viem. */
function packetSentLog(encodedPayload: Hex, options: Hex, sendLibrary: Address) {
  return {
    topics: encodeEventTopics({ abi: EndpointV2.abi, eventName: 'PacketSent' }) as [Hex, ...Hex[]],
    data: encodeAbiParameters(
      [{ type: 'bytes' }, { type: 'bytes' }, { type: 'address' }],
      [encodedPayload, options, sendLibrary],
    ),
  };
}

describe('decodeSendLog', () => {
  it('reads PacketSent as viem decodes it, for any payload, options and library', () => {
    fc.assert(
      fc.property(hexBytes(300), hexBytes(80), address, (payload, options, library) => {
        const log = packetSentLog(payload, options, library);
        const viem = decodeEventLog({ abi: EndpointV2.abi, eventName: 'PacketSent', ...log });
        expect(decodeSendLog(log.topics, log.data)).toEqual({ eventName: 'PacketSent', ...viem.args });
      }),
    );
  });

  it("reads the send library's fee logs as viem decodes them (addresses in lower case)", () => {
    fc.assert(
      fc.property(
        fc.array(address, { maxLength: 5 }),
        fc.array(address, { maxLength: 5 }),
        fc.array(uint256, { maxLength: 5 }),
        address,
        uint256,
        (required, optional, fees, executor, fee) => {
          const dvnLog = {
            topics: encodeEventTopics({ abi: SendUln302.abi, eventName: 'DVNFeePaid' }) as [Hex, ...Hex[]],
            data: encodeAbiParameters(
              [{ type: 'address[]' }, { type: 'address[]' }, { type: 'uint256[]' }],
              [required, optional, fees],
            ),
          };
          const viem = decodeEventLog({ abi: SendUln302.abi, eventName: 'DVNFeePaid', ...dvnLog }).args;
          expect(decodeSendLog(dvnLog.topics, dvnLog.data)).toEqual({
            eventName: 'DVNFeePaid',
            requiredDVNs: viem.requiredDVNs.map((a) => a.toLowerCase()),
            optionalDVNs: viem.optionalDVNs.map((a) => a.toLowerCase()),
          });
          const executorLog = {
            topics: encodeEventTopics({ abi: SendUln302.abi, eventName: 'ExecutorFeePaid' }) as [Hex, ...Hex[]],
            data: encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [executor, fee]),
          };
          expect(decodeSendLog(executorLog.topics, executorLog.data)).toEqual({
            eventName: 'ExecutorFeePaid',
            executor: executor.toLowerCase(),
          });
        },
      ),
    );
  });

  it('passes over logs of other events, and data that is not a valid encoding of the event', () => {
    const library = getAddress('0x00000000000000000000000000000000000000aa');
    const { topics, data } = packetSentLog('0x0102', '0x03', library);
    const word = (n: bigint) => n.toString(16).padStart(64, '0');
    const outcome = encodeEventTopics({ abi: BatchExecutor.abi, eventName: 'PacketOutcome' }) as Hex[];
    const cases: [readonly Hex[], Hex][] = [
      [outcome.slice(0, 1), data], // another event's selector
      [[...topics, topics[0]], data], // an indexed topic PacketSent does not have
      [topics, `${data}00`], // not whole words
      [topics, data.slice(0, -64) as Hex], // the second bytes cut short
      [topics, `0x${word(0x61n)}${data.slice(66)}`], // an offset that is not word-aligned
      [topics, `0x${word(2n ** 200n)}${data.slice(66)}`], // an offset far past the data
      [topics, `0x${data.slice(2, 130)}${'f'.repeat(24)}${data.slice(154)}`], // an address with high bytes set
      [topics, `${data.slice(0, -2)}01` as Hex], // the options' padding not zero
    ];
    for (const [t, d] of cases) expect(decodeSendLog(t, d)).toBeUndefined();
    expect(decodeSendLog(topics, data)).toEqual({
      eventName: 'PacketSent',
      encodedPayload: '0x0102',
      options: '0x03',
      sendLibrary: library,
    });
  });
});

describe('packetOutcomes', () => {
  const executor = getAddress('0x00000000000000000000000000000000000000e1');
  const outcomeLog = (guid: Hex, outcome: DeliveryOutcome, reason: Hex, from: Address = executor) => ({
    address: from,
    topics: encodeEventTopics({
      abi: BatchExecutor.abi,
      eventName: 'PacketOutcome',
      args: { guid, srcEid: 40101 },
    }) as [Hex, ...Hex[]],
    data: encodeAbiParameters([{ type: 'uint64' }, { type: 'uint8' }, { type: 'bytes' }], [7n, outcome, reason]),
  });

  it("reads each packet's outcome and revert reason from the executor's logs only", () => {
    const guid = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;
    const error = '0x08c379a0' as Hex; // an Error(string) selector, as a receiver's revert starts
    const other = getAddress('0x00000000000000000000000000000000000000f2');
    const logs = [
      outcomeLog(guid(1), DeliveryOutcome.Delivered, '0x'),
      { address: other, topics: [guid(9)], data: '0x' as Hex }, // a receiver's own log in between
      outcomeLog(guid(2), DeliveryOutcome.ReceiveFailed, error),
      outcomeLog(guid(3), DeliveryOutcome.Delivered, '0x', other), // the same event from another contract
    ];
    expect(packetOutcomes(logs, executor)).toEqual(
      new Map([
        [guid(1), { outcome: DeliveryOutcome.Delivered, reason: '0x' }],
        [guid(2), { outcome: DeliveryOutcome.ReceiveFailed, reason: error }],
      ]),
    );
  });

  it('refuses an outcome the contract does not define', () => {
    const guid: Hex = `0x${'ab'.repeat(32)}`;
    expect(() => packetOutcomes([outcomeLog(guid, 9 as DeliveryOutcome, '0x')], executor)).toThrow(
      'unknown delivery outcome 9',
    );
  });
});
