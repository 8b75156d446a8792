import { BaseError, ContractFunctionRevertedError } from 'viem';

/** Why a call reverted, as the contract named it (`StewardTooSoon(…)`), or the transport's message. */
export function revertReason(error: unknown): string {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName) {
      const args = (revert.data.args ?? []).map((a) => (typeof a === 'bigint' ? a.toString() : String(a)));
      return `${revert.data.errorName}(${args.join(', ')})`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
