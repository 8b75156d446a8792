import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  BaseError,
  ContractFunctionRevertedError,
  encodeAbiParameters,
  encodeDeployData,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
} from 'viem';
import { createChainPublicClient, createChainWalletClient, type ChainConfig } from '#app/chains';
import { CodecHarness, describeRevertData } from '#app/contracts';
import { devnetAccount, startAnvil, type AnvilInstance } from '#app/devnet';
import { routeIdOf } from '../governance/actions.js';
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
} from './index.js';

const SAMPLES = 60;
const SEED = 424_242;
const { abi } = CodecHarness;

describe('Codec.contracts', () => {
  let anvil: AnvilInstance;
  let client: PublicClient;
  let address: Address;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 31_999 });
    const config: ChainConfig = {
      name: 'codec',
      chainId: 31_999,
      eid: 49_999,
      rpcUrls: [anvil.rpcUrl],
      confirmations: 1,
      contracts: {},
    };
    client = createChainPublicClient(config);
    const wallet = createChainWalletClient(config, devnetAccount('deployer'));
    const hash = await wallet.sendTransaction({ data: encodeDeployData({ ...CodecHarness }) });
    const { contractAddress } = await client.waitForTransactionReceipt({ hash });
    if (!contractAddress) throw new Error('CodecHarness deployment returned no contract address');
    address = contractAddress;
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  interface Sides<M> {
    encode(m: M): Hex;
    decode(h: Hex): M;
    contractEncode(m: M): Promise<Hex>;
    contractDecode(h: Hex): Promise<unknown>;
  }

  /** For each sample: our bytes decode on chain to the same values; the contract's bytes equal ours and decode here. */
  async function bothWays<M>(arb: fc.Arbitrary<M>, sides: Sides<M>): Promise<number> {
    const samples = fc.sample(arb, { numRuns: SAMPLES, seed: SEED });
    for (const m of samples) {
      const ours = sides.encode(m);
      expect(await sides.contractDecode(ours)).toEqual(m);
      const theirs = await sides.contractEncode(m);
      expect(theirs).toBe(ours);
      expect(sides.decode(theirs)).toEqual(m);
    }
    return samples.length;
  }

  it('agrees with SegmentMessages.sol on RISK_PARAMS, both ways', async () => {
    const checked = await bothWays(riskParamsMessageArb, {
      encode: encodeRiskParams,
      decode: decodeRiskParams,
      contractEncode: (m) => client.readContract({ address, abi, functionName: 'encodeRiskParams', args: [m] }),
      contractDecode: (h) => client.readContract({ address, abi, functionName: 'decodeRiskParams', args: [h] }),
    });
    expect(checked).toBe(SAMPLES);
  });
  it('agrees on BOUNDARY, both ways', async () => {
    const checked = await bothWays(boundaryMessageArb, {
      encode: encodeBoundary,
      decode: decodeBoundary,
      contractEncode: (m) => client.readContract({ address, abi, functionName: 'encodeBoundary', args: [m] }),
      contractDecode: (h) => client.readContract({ address, abi, functionName: 'decodeBoundary', args: [h] }),
    });
    expect(checked).toBe(SAMPLES);
  });
  it('agrees on SEGMENT_STATUS, both ways', async () => {
    const checked = await bothWays(statusMessageArb, {
      encode: encodeStatus,
      decode: decodeStatus,
      contractEncode: (m) => client.readContract({ address, abi, functionName: 'encodeStatus', args: [m] }),
      contractDecode: (h) => client.readContract({ address, abi, functionName: 'decodeStatus', args: [h] }),
    });
    expect(checked).toBe(SAMPLES);
  });
  it('agrees on ROUTE_CONFIG, ROUTE_TRANSFER and ROUTE_REFUND, both ways', async () => {
    const harnessAbi: Abi = CodecHarness.abi;
    const read = (functionName: string, args: readonly unknown[]) =>
      client.readContract({ address, abi: harnessAbi, functionName, args });
    const checked = [
      await bothWays(routeConfigMessageArb, {
        encode: encodeRouteConfig,
        decode: decodeRouteConfig,
        contractEncode: (m) => read('encodeRouteConfig', [m]) as Promise<Hex>,
        contractDecode: (h) => read('decodeRouteConfig', [h]),
      }),
      await bothWays(routeTransferMessageArb, {
        encode: encodeRouteTransfer,
        decode: decodeRouteTransfer,
        contractEncode: (m) => read('encodeRouteTransfer', [m]) as Promise<Hex>,
        contractDecode: (h) => read('decodeRouteTransfer', [h]),
      }),
      await bothWays(routeRefundMessageArb, {
        encode: encodeRouteRefund,
        decode: decodeRouteRefund,
        contractEncode: (m) => read('encodeRouteRefund', [m]) as Promise<Hex>,
        contractDecode: (h) => read('decodeRouteRefund', [h]),
      }),
    ];
    expect(checked).toEqual([SAMPLES, SAMPLES, SAMPLES]);
    // a route's id is the same on chain and here
    for (const { route } of fc.sample(routeConfigMessageArb, { numRuns: 5, seed: SEED })) {
      expect(await read('routeId', [route])).toBe(routeIdOf(route));
    }
  });
  it('agrees on ATTESTATION, both ways', async () => {
    const checked = await bothWays(attestationMessageArb, {
      encode: encodeAttestation,
      decode: decodeAttestation,
      contractEncode: (m) => client.readContract({ address, abi, functionName: 'encodeAttestation', args: [m] }),
      contractDecode: (h) => client.readContract({ address, abi, functionName: 'decodeAttestation', args: [h] }),
    });
    expect(checked).toBe(SAMPLES);
  });

  it('the contracts and TS both refuse a version-2 envelope', async () => {
    const v2 = encodeAbiParameters(
      [{ type: 'uint8' }, { type: 'uint8' }, { type: 'bytes' }],
      [2, MessageKind.SEGMENT_STATUS, '0x'],
    );
    const refused = await client.readContract({ address, abi, functionName: 'open', args: [v2] }).then(
      () => 'accepted',
      (error: unknown) => {
        const revert =
          error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
        return revert instanceof ContractFunctionRevertedError ? describeRevertData(revert.raw) : String(error);
      },
    );
    expect(refused).toBe('UnsupportedVersion(2)');
    expect(() => openMessage(v2)).toThrow(MessageCodecError);
    expect(() => openMessage(v2)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
  });
});
