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
import { attestationMessageArb, boundaryMessageArb, riskParamsMessageArb, statusMessageArb } from './arbitraries.js';
import {
  decodeAttestationMessage,
  decodeBoundaryMessage,
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

const SAMPLES = 30;
const SEED = 424_242;

describe('Codec.contracts', () => {
  let anvil: AnvilInstance;
  let client: PublicClient;
  let harness: Address;

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
    const receipt = await client.waitForTransactionReceipt({ hash });
    harness = receipt.contractAddress as Address; // a creation receipt carries the new address
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  const harnessAbi: Abi = CodecHarness.abi; // widened: `read` calls any harness function by name
  const read = (functionName: string, args: readonly unknown[]): Promise<unknown> =>
    client.readContract({ address: harness, abi: harnessAbi, functionName, args });

  /** For each sample: TS bytes decode on chain to the same values; the contract's bytes equal TS's and decode in TS. */
  async function bothWays<M>(
    arb: fc.Arbitrary<M>,
    encode: (m: M) => Hex,
    decode: (h: Hex) => M,
    contractEncode: string,
    contractDecode: string,
  ): Promise<number> {
    let checked = 0;
    for (const m of fc.sample(arb, { numRuns: SAMPLES, seed: SEED })) {
      const ours = encode(m);
      expect(await read(contractDecode, [ours])).toEqual(m);
      const theirs = (await read(contractEncode, [m])) as Hex; // every harness encodeX returns `bytes`
      expect(theirs).toBe(ours);
      expect(decode(theirs)).toEqual(m);
      checked += 1;
    }
    return checked;
  }

  it('agrees with SegmentMessages.sol on RISK_PARAMS, both ways', async () => {
    expect(
      await bothWays(
        riskParamsMessageArb,
        encodeRiskParams,
        decodeRiskParamsMessage,
        'encodeRiskParams',
        'decodeRiskParams',
      ),
    ).toBe(SAMPLES);
  });
  it('agrees on BOUNDARY, both ways', async () => {
    expect(
      await bothWays(boundaryMessageArb, encodeBoundary, decodeBoundaryMessage, 'encodeBoundary', 'decodeBoundary'),
    ).toBe(SAMPLES);
  });
  it('agrees on SEGMENT_STATUS, both ways', async () => {
    expect(await bothWays(statusMessageArb, encodeStatus, decodeStatusMessage, 'encodeStatus', 'decodeStatus')).toBe(
      SAMPLES,
    );
  });
  it('agrees on ATTESTATION, both ways', async () => {
    expect(
      await bothWays(
        attestationMessageArb,
        encodeAttestation,
        decodeAttestationMessage,
        'encodeAttestation',
        'decodeAttestation',
      ),
    ).toBe(SAMPLES);
  });

  it('the contracts and TS both refuse a version-2 envelope', async () => {
    const v2 = encodeAbiParameters(
      [{ type: 'uint8' }, { type: 'uint8' }, { type: 'bytes' }],
      [2, MessageKind.SEGMENT_STATUS, '0x'],
    );
    const refused = await read('open', [v2]).then(
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
