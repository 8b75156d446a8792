import { isAddressEqual, type Address, type GetLogsReturnType, type Hex, type PublicClient } from 'viem';
import { EndpointV2, SendUln302 } from '#app/contracts';
import { decodePacket, type LzPacket } from '#app/messaging';

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

const SCAN_EVENTS = [
  EndpointV2.abi.find((i) => i.type === 'event' && i.name === 'PacketSent'),
  SendUln302.abi.find((i) => i.type === 'event' && i.name === 'DVNFeePaid'),
  SendUln302.abi.find((i) => i.type === 'event' && i.name === 'ExecutorFeePaid'),
].filter((e) => e !== undefined);

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
  const logs = await client.getLogs({
    address: [target.endpoint, target.sendLibrary],
    events: SCAN_EVENTS,
    fromBlock,
    toBlock,
    strict: true,
  });
  return packetsOf(logs, target);
}

/** `scanPackets` over the one block with this hash (its logs, whatever the chain's head is now). */
export async function scanBlock(client: PublicClient, target: ScanTarget, blockHash: Hex): Promise<ObservedPacket[]> {
  const logs = await client.getLogs({
    address: [target.endpoint, target.sendLibrary],
    events: SCAN_EVENTS,
    blockHash,
    strict: true,
  });
  return packetsOf(logs, target);
}

function packetsOf(
  unsorted: GetLogsReturnType<undefined, typeof SCAN_EVENTS, true>,
  target: ScanTarget,
): ObservedPacket[] {
  const logs = [...unsorted].sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  const packets: ObservedPacket[] = [];
  let pending: { tx: Hex; dvns: Address[]; executors: Address[] } = { tx: '0x', dvns: [], executors: [] };
  for (const log of logs) {
    if (log.transactionHash !== pending.tx) pending = { tx: log.transactionHash, dvns: [], executors: [] };
    switch (log.eventName) {
      case 'DVNFeePaid':
        if (isAddressEqual(log.address, target.sendLibrary))
          pending.dvns.push(...log.args.requiredDVNs, ...log.args.optionalDVNs);
        break;
      case 'ExecutorFeePaid':
        if (isAddressEqual(log.address, target.sendLibrary)) pending.executors.push(log.args.executor);
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
          ...decodePacket(log.args.encodedPayload),
          options: log.args.options,
          sendLibrary: log.args.sendLibrary,
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
