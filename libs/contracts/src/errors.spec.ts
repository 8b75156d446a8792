import { describe, expect, it } from '@jest/globals';
import { decodeErrorResult, encodeErrorResult } from 'viem';
import { allErrorsAbi, BatchExecutor, EndpointV2 } from '#app/contracts';

describe('allErrorsAbi', () => {
  it('decodes an error raised by the endpoint and one of ours from the same ABI', () => {
    const lz = encodeErrorResult({ abi: EndpointV2.abi, errorName: 'LZ_InvalidNonce', args: [7n] });
    const ours = encodeErrorResult({ abi: BatchExecutor.abi, errorName: 'NotOperator', args: ['0x000000000000000000000000000000000000dEaD'] });
    expect(decodeErrorResult({ abi: allErrorsAbi, data: lz })).toMatchObject({ errorName: 'LZ_InvalidNonce', args: [7n] });
    expect(decodeErrorResult({ abi: allErrorsAbi, data: ours }).errorName).toBe('NotOperator');
  });

  it('lists each error signature once', () => {
    const signatures = allErrorsAbi.map((e) => `${e.name}(${e.inputs.map((i) => i.type).join(',')})`);
    expect(new Set(signatures).size).toBe(signatures.length);
  });
});
