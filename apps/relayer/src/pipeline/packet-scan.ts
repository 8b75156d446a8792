import {
  hexToBigInt,
  hexToNumber,
  isAddressEqual,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
  type RpcLog,
} from 'viem';
import { decodePacket, decodeSendLog, SEND_LOG_TOPICS, type LzPacket, type SendLog } from '#app/messaging';

/** A packet seen in a `PacketSent` log, with where it was seen and which of our workers it pays. */
export interface ObservedPacket extends LzPacket {
  options: Hex;
  sendLibrary: Address;
  blockNumber: bigint;
  blockHash: Hex;
  txHash: Hex;
  logIndex: number;
  /** Our DVN is among the required or optional DVNs the send library charged for this packet. */
  assignedToOurDvn: boolean;
  /** Our executor was charged for this packet. */
  assignedToOurExecutor: boolean;
}

export interface ScanTarget {
  endpoint: Address;
  sendLibrary: Address;
  dvn: Address;
  executor: Address;
}

/**
 * Reads `PacketSent` from the endpoint and the send library's fee logs over a block range and
 * returns the packets that pay our DVN or executor. The send library emits a packet's fee logs
 * just before the endpoint emits its `PacketSent` in the same transaction, so fee logs are
 * attributed to the next `PacketSent` of their transaction.
 */
export async function scanPackets(
  client: PublicClient,
  target: ScanTarget,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<ObservedPacket[]> {
  return packetsOf(await sendLogs(client, target, { fromBlock: toHex(fromBlock), toBlock: toHex(toBlock) }), target);
}

/** `scanPackets` over the one block with this hash (its logs, whatever the chain's head is now). */
export async function scanBlock(client: PublicClient, target: ScanTarget, blockHash: Hex): Promise<ObservedPacket[]> {
  return packetsOf(await sendLogs(client, target, { blockHash }), target);
}

/**
 * The endpoint's and the send library's logs of a LayerZero send, over a range or in one block,
 * as the node returns them: decoded here (`decodeSendLog`), not by viem's generic event decoder.
 */
function sendLogs(
  client: PublicClient,
  target: ScanTarget,
  where: { fromBlock: Hex; toBlock: Hex } | { blockHash: Hex },
): Promise<RpcLog[]> {
  return client.request({
    method: 'eth_getLogs',
    params: [{ address: [target.endpoint, target.sendLibrary], topics: [[...SEND_LOG_TOPICS]], ...where }],
  });
}

interface ScannedLog {
  address: Address;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hex;
  logIndex: number;
  decoded: SendLog;
}

function packetsOf(raw: readonly RpcLog[], target: ScanTarget): ObservedPacket[] {
  const logs: ScannedLog[] = [];
  for (const log of raw) {
    // a log of a pending block, or one a reorg removed, is not a packet (yet)
    if (log.removed || !log.blockNumber || !log.blockHash || !log.transactionHash || !log.logIndex) continue;
    const decoded = decodeSendLog(log.topics, log.data);
    if (!decoded) continue;
    logs.push({
      address: log.address,
      blockNumber: hexToBigInt(log.blockNumber),
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      logIndex: hexToNumber(log.logIndex),
      decoded,
    });
  }
  logs.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  const packets: ObservedPacket[] = [];
  let pending: { tx: Hex; dvns: Address[]; executors: Address[] } = { tx: '0x', dvns: [], executors: [] };
  for (const log of logs) {
    if (log.transactionHash !== pending.tx) pending = { tx: log.transactionHash, dvns: [], executors: [] };
    const event = log.decoded;
    switch (event.eventName) {
      case 'DVNFeePaid':
        if (isAddressEqual(log.address, target.sendLibrary))
          pending.dvns.push(...event.requiredDVNs, ...event.optionalDVNs);
        break;
      case 'ExecutorFeePaid':
        if (isAddressEqual(log.address, target.sendLibrary)) pending.executors.push(event.executor);
        break;
      case 'PacketSent': {
        if (!isAddressEqual(log.address, target.endpoint)) break;
        const ours = {
          assignedToOurDvn: pending.dvns.some((d) => isAddressEqual(d, target.dvn)),
          assignedToOurExecutor: pending.executors.some((e) => isAddressEqual(e, target.executor)),
        };
        pending = { tx: log.transactionHash, dvns: [], executors: [] };
        if (!ours.assignedToOurDvn && !ours.assignedToOurExecutor) break;
        packets.push({
          ...decodePacket(event.encodedPayload),
          options: event.options,
          sendLibrary: event.sendLibrary,
          blockNumber: log.blockNumber,
          blockHash: log.blockHash,
          txHash: log.transactionHash,
          logIndex: log.logIndex,
          ...ours,
        });
        break;
      }
    }
  }
  return packets;
}
