import { getAddress, toEventSelector, type Address, type Hex } from 'viem';
import { AbiWords, AbiWordsError } from './abi-words.js';

/**
 * The logs a LayerZero v2 send leaves, which a relayer reads for every packet on every chain:
 * the send library's `DVNFeePaid` and `ExecutorFeePaid`, then the endpoint's `PacketSent`. All of
 * their parameters are unindexed, so each is one ABI-encoded tuple in the log's data, read here
 * word by word. A relayer reads thousands of these a second; viem's generic `parseEventLogs` spent
 * a twentieth of its main thread on them.
 */
export type SendLog =
  | { eventName: 'PacketSent'; encodedPayload: Hex; options: Hex; sendLibrary: Address }
  /** Addresses in lower case. */
  | { eventName: 'DVNFeePaid'; requiredDVNs: Address[]; optionalDVNs: Address[] }
  /** The executor's address in lower case. */
  | { eventName: 'ExecutorFeePaid'; executor: Address };

export const PACKET_SENT_TOPIC = toEventSelector('PacketSent(bytes,bytes,address)');
export const DVN_FEE_PAID_TOPIC = toEventSelector('DVNFeePaid(address[],address[],uint256[])');
export const EXECUTOR_FEE_PAID_TOPIC = toEventSelector('ExecutorFeePaid(address,uint256)');
/** The first topics of the three logs (an `eth_getLogs` topic filter for any of them). */
export const SEND_LOG_TOPICS: readonly Hex[] = [PACKET_SENT_TOPIC, DVN_FEE_PAID_TOPIC, EXECUTOR_FEE_PAID_TOPIC];

/**
 * The send log `topics` and `data` carry, or undefined for any other log, or for one whose data
 * is not a valid encoding of its event's parameters (it is not a log these contracts emit).
 */
export function decodeSendLog(topics: readonly Hex[], data: Hex): SendLog | undefined {
  if (topics.length !== 1) return undefined; // no indexed parameters: the selector alone
  try {
    const words = new AbiWords(data);
    switch (topics[0]) {
      case PACKET_SENT_TOPIC:
        return {
          eventName: 'PacketSent',
          encodedPayload: words.bytesAt(0),
          options: words.bytesAt(1),
          sendLibrary: getAddress(words.address(2)),
        };
      case DVN_FEE_PAID_TOPIC:
        words.arrayAt(2, (i) => words.uint(i)); // the fees: read to check the encoding
        return {
          eventName: 'DVNFeePaid',
          requiredDVNs: words.arrayAt(0, (i) => words.address(i)),
          optionalDVNs: words.arrayAt(1, (i) => words.address(i)),
        };
      case EXECUTOR_FEE_PAID_TOPIC:
        words.uint(1);
        return { eventName: 'ExecutorFeePaid', executor: words.address(0) };
      default:
        return undefined;
    }
  } catch (error) {
    if (error instanceof AbiWordsError) return undefined;
    throw error;
  }
}
