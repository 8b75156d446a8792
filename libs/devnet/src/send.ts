import {
  BaseError,
  ContractFunctionRevertedError,
  type Account,
  type Chain,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { describeRevertData } from '#app/contracts';
import { DevnetError, DevnetErrorCode } from './errors.js';
import type { ChainPlan } from './plan.js';

export interface SendOptions {
  /** Gas limit for contract creations and calls; devnet blocks are large, unused gas is not charged. */
  deployGas?: bigint;
  callGas?: bigint;
  onStep?: (line: string) => void;
}

/**
 * Sends a plan's steps in nonce order without waiting for each receipt (anvil mines on arrival),
 * then checks every receipt. A reverted step is replayed as a call to report its decoded error.
 */
export async function sendPlan(
  plan: ChainPlan,
  wallet: WalletClient<Transport, Chain, Account>,
  client: PublicClient,
  options: SendOptions = {},
): Promise<Hash[]> {
  if (plan.steps.length === 0) return [];
  const nonce = await client.getTransactionCount({ address: plan.from, blockTag: 'pending' });
  if (nonce !== plan.startNonce) {
    throw new DevnetError(
      DevnetErrorCode.StepFailed,
      `${plan.chain}: plan was made at nonce ${plan.startNonce} but ${plan.from} is at ${nonce}; something else sent from this key — plan again`,
    );
  }
  const fees = await client.estimateFeesPerGas();
  const hashes: Hash[] = [];
  for (const [i, step] of plan.steps.entries()) {
    const hash = await wallet.sendTransaction({
      to: step.to ?? null,
      data: step.data,
      value: step.value ?? 0n,
      nonce: plan.startNonce + i,
      gas: step.to ? (options.callGas ?? 5_000_000n) : (options.deployGas ?? 20_000_000n),
      maxFeePerGas: fees.maxFeePerGas * 2n,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    hashes.push(hash);
  }
  const receipts = await Promise.all(
    hashes.map((hash) => client.waitForTransactionReceipt({ hash, pollingInterval: 50 })),
  );
  for (const [i, receipt] of receipts.entries()) {
    const step = plan.steps[i];
    if (!step) continue;
    if (receipt.status !== 'success') {
      const reason = await revertReason(client, plan.from, step.to, step.data);
      throw new DevnetError(
        DevnetErrorCode.StepFailed,
        `${plan.chain}: step #${plan.startNonce + i} ${step.label} reverted: ${reason}`,
      );
    }
    if (step.creates && receipt.contractAddress?.toLowerCase() !== step.creates.address.toLowerCase()) {
      throw new DevnetError(
        DevnetErrorCode.StepFailed,
        `${plan.chain}: ${step.label} was created at ${receipt.contractAddress}, planned ${step.creates.address}`,
      );
    }
    options.onStep?.(`${plan.chain}: ✓ ${step.label}`);
  }
  return hashes;
}

async function revertReason(
  client: PublicClient,
  from: `0x${string}`,
  to: `0x${string}` | undefined,
  data: `0x${string}`,
): Promise<string> {
  try {
    await client.call({ account: from, to: to ?? null, data });
    return 'reverted when mined, succeeds now (ordering or gas)';
  } catch (error) {
    return describeRevert(error);
  }
}

/** The most specific description of a revert: a decoded custom error when one of ours or LayerZero's matches. */
export function describeRevert(error: unknown): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
      return `${reverted.data.errorName}(${(reverted.data.args ?? []).map(String).join(', ')})`;
    }
    const raw = error.walk((e) => typeof (e as { data?: unknown }).data === 'string') as {
      data?: `0x${string}`;
    } | null;
    if (raw?.data && raw.data.length >= 10) return describeRevertData(raw.data);
    return error.shortMessage;
  }
  return String(error);
}
