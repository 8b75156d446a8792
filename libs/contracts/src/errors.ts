import { decodeErrorResult, type Abi, type Hex } from 'viem';

export type AbiError = Extract<Abi[number], { type: 'error' }>;
import * as artifacts from './generated/index.js';

/**
 * Every custom error declared by any contract we deploy (ours and LayerZero's), deduplicated by
 * signature. Errors raised inside the endpoint or a message library bubble up through the
 * caller, so decoding a revert needs all of them, not only the called contract's ABI.
 */
export const allErrorsAbi: readonly AbiError[] = (() => {
  const seen = new Map<string, AbiError>();
  for (const artifact of Object.values(artifacts)) {
    for (const item of artifact.abi as Abi) {
      if (item.type !== 'error') continue;
      const signature = `${item.name}(${item.inputs.map((i) => i.type).join(',')})`;
      if (!seen.has(signature)) seen.set(signature, item);
    }
  }
  return [...seen.values()];
})();

/**
 * Names the custom error in raw revert data, e.g. `LZ_InvalidNonce(7)`, searching every ABI we
 * deploy; a standard `Error(string)` is shown as its message. Unknown selectors are reported as such.
 */
export function describeRevertData(data: Hex | undefined): string {
  if (!data || data === '0x') return 'reverted without data';
  try {
    const decoded = decodeErrorResult({ abi: allErrorsAbi, data });
    return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(', ')})`;
  } catch {
    return `unknown error ${data.slice(0, 10)}`;
  }
}
