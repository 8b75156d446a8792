import { describe, expect, it } from '@jest/globals';
import { PacketV1Codec } from '@layerzerolabs/lz-v2-utilities';
import {
  concat,
  encodeAbiParameters,
  encodeEventTopics,
  keccak256,
  pad,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
  type RpcLog,
} from 'viem';
import { EndpointV2, SendUln302 } from '#app/contracts';
import { SEND_LOG_TOPICS } from '#app/messaging';
import { scanBlock, scanPackets, type ScanTarget } from './packet-scan.js';

const target: ScanTarget = {
  endpoint: '0x1000000000000000000000000000000000000001',
  sendLibrary: '0x2000000000000000000000000000000000000002',
  dvn: '0x3000000000000000000000000000000000000003',
  executor: '0x4000000000000000000000000000000000000004',
};
const stranger: Address = '0x5000000000000000000000000000000000000005';

function encodedPayload(nonce: number): Hex {
  const guid = keccak256(toHex(`guid ${nonce}`));
  const message = toHex(`message ${nonce}`);
  return PacketV1Codec.encode({
    version: 1,
    nonce: String(nonce),
    srcEid: 40101,
    sender: pad('0xaa', { size: 32 }),
    dstEid: 40102,
    receiver: pad('0xbb', { size: 32 }),
    guid,
    message,
    payload: concat([guid, message]),
  }) as Hex;
}

/** A send's three logs as a node returns them (hex fields), in one transaction of one block. */
function send(
  nonce: number,
  at: { block: number; tx: number; firstLogIndex: number },
  paid: { dvns?: Address[]; executor?: Address; emitter?: Address } = {},
): RpcLog[] {
  const log = (logIndex: number, address: Address, topics: Hex[], data: Hex): RpcLog => ({
    address,
    topics: topics as [Hex, ...Hex[]],
    data,
    blockNumber: toHex(at.block),
    blockHash: keccak256(toHex(`block ${at.block}`)),
    transactionHash: keccak256(toHex(`tx ${at.tx}`)),
    transactionIndex: '0x0',
    logIndex: toHex(logIndex),
    removed: false,
  });
  const library = paid.emitter ?? target.sendLibrary;
  return [
    log(
      at.firstLogIndex,
      library,
      encodeEventTopics({ abi: SendUln302.abi, eventName: 'DVNFeePaid' }) as Hex[],
      encodeAbiParameters(
        [{ type: 'address[]' }, { type: 'address[]' }, { type: 'uint256[]' }],
        [paid.dvns ?? [target.dvn], [], [1n]],
      ),
    ),
    log(
      at.firstLogIndex + 1,
      library,
      encodeEventTopics({ abi: SendUln302.abi, eventName: 'ExecutorFeePaid' }) as Hex[],
      encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [paid.executor ?? target.executor, 2n]),
    ),
    log(
      at.firstLogIndex + 2,
      target.endpoint,
      encodeEventTopics({ abi: EndpointV2.abi, eventName: 'PacketSent' }) as Hex[],
      encodeAbiParameters(
        [{ type: 'bytes' }, { type: 'bytes' }, { type: 'address' }],
        [encodedPayload(nonce), '0x0003', target.sendLibrary],
      ),
    ),
  ];
}

/** A client whose node answers `eth_getLogs` with `logs` (and keeps the requests). */
function nodeWith(logs: RpcLog[]): { client: PublicClient; requests: unknown[] } {
  const requests: unknown[] = [];
  const client = {
    request: (request: unknown) => {
      requests.push(request);
      return Promise.resolve(logs);
    },
  } as unknown as PublicClient; // the scan only sends eth_getLogs
  return { client, requests };
}

describe('scanPackets', () => {
  it('asks the node for the endpoint’s and send library’s send logs only, over the range or one block', async () => {
    const { client, requests } = nodeWith([]);
    await scanPackets(client, target, 10n, 20n);
    const hash = keccak256('0x01');
    await scanBlock(client, target, hash);
    const filter = { address: [target.endpoint, target.sendLibrary], topics: [[...SEND_LOG_TOPICS]] };
    expect(requests).toEqual([
      { method: 'eth_getLogs', params: [{ ...filter, fromBlock: '0xa', toBlock: '0x14' }] },
      { method: 'eth_getLogs', params: [{ ...filter, blockHash: hash }] },
    ]);
  });

  it('returns the packets that pay our workers in block and log order, with where they were sent', async () => {
    const logs = [
      ...send(3, { block: 12, tx: 3, firstLogIndex: 0 }),
      ...send(1, { block: 11, tx: 1, firstLogIndex: 0 }),
      ...send(2, { block: 11, tx: 2, firstLogIndex: 3 }),
    ].reverse(); // a node's order is not relied on
    const { client } = nodeWith(logs);
    const packets = await scanPackets(client, target, 11n, 12n);
    expect(packets.map((p) => [p.nonce, p.blockNumber, p.logIndex])).toEqual([
      [1n, 11n, 2],
      [2n, 11n, 5],
      [3n, 12n, 2],
    ]);
    expect(packets[0]).toMatchObject({
      srcEid: 40101,
      dstEid: 40102,
      guid: keccak256(toHex('guid 1')),
      message: toHex('message 1'),
      options: '0x0003',
      sendLibrary: target.sendLibrary,
      txHash: keccak256(toHex('tx 1')),
      blockHash: keccak256(toHex('block 11')),
      assignedToOurDvn: true,
      assignedToOurExecutor: true,
    });
  });

  it('says which of our workers a packet pays, and leaves out the packets that pay neither', async () => {
    const { client } = nodeWith([
      ...send(1, { block: 11, tx: 1, firstLogIndex: 0 }, { dvns: [stranger] }),
      ...send(2, { block: 11, tx: 2, firstLogIndex: 3 }, { executor: stranger }),
      ...send(3, { block: 11, tx: 3, firstLogIndex: 6 }, { dvns: [stranger], executor: stranger }),
    ]);
    const packets = await scanPackets(client, target, 11n, 11n);
    expect(packets.map((p) => [p.nonce, p.assignedToOurDvn, p.assignedToOurExecutor])).toEqual([
      [1n, false, true],
      [2n, true, false],
    ]);
  });

  it('does not take fee logs from a contract other than the send library as payment', async () => {
    const { client } = nodeWith(send(1, { block: 11, tx: 1, firstLogIndex: 0 }, { emitter: stranger }));
    expect(await scanPackets(client, target, 11n, 11n)).toEqual([]);
  });

  it('passes over logs a reorg removed, logs of a pending block and logs it cannot decode', async () => {
    const [dvnFee, executorFee, packetSent] = send(1, { block: 11, tx: 1, firstLogIndex: 0 });
    if (!dvnFee || !executorFee || !packetSent) throw new Error('a send has three logs');
    const kept = send(2, { block: 12, tx: 2, firstLogIndex: 0 });
    const cases: RpcLog[][] = [
      [dvnFee, executorFee, { ...packetSent, removed: true }],
      [dvnFee, executorFee, { ...packetSent, blockNumber: null, blockHash: null, logIndex: null }],
      [dvnFee, executorFee, { ...packetSent, data: `${packetSent.data}00` }],
    ];
    for (const logs of cases) {
      const { client } = nodeWith([...logs, ...kept]);
      expect((await scanPackets(client, target, 11n, 12n)).map((p) => p.nonce)).toEqual([2n]);
    }
  });
});
