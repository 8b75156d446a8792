import type { Address, Hex, WalletClient } from 'viem';
import { revertReason } from '#app/chains';
import { SegmentController, SegmentVault } from '#app/contracts';
import type { RiskParams } from '#app/messaging';
import type { ProposalRecord, RiskRepository } from '#app/persistence';
import type { OracleChain } from '../chains.js';

/**
 * Sends the policy's proposals through the controller's steward role — every field of one update in
 * one call — and follows each until every chain's vault has applied its params epoch (the relayer
 * carries the broadcast to the spokes). The controller re-checks the bounds; a refusal is recorded
 * with its revert reason, never retried blindly.
 */
export class Steward {
  constructor(
    private readonly repo: RiskRepository,
    private readonly hub: OracleChain & { controller: Address; steward: WalletClient },
    private readonly chains: readonly OracleChain[],
  ) {}

  async submit(segment: Hex, params: RiskParams, assessmentId: number): Promise<ProposalRecord> {
    const wallet = this.hub.steward;
    const account = wallet.account;
    if (!account) throw new Error('the steward wallet has no account');
    let id: number;
    try {
      const { request } = await this.hub.client.simulateContract({
        account,
        address: this.hub.controller,
        abi: SegmentController.abi,
        functionName: 'stewardSetRiskParams',
        args: [segment, params],
      });
      const hash = await wallet.writeContract({ ...request, chain: wallet.chain });
      id = await this.repo.insertProposal({
        segment,
        assessmentId,
        params: jsonParams(params),
        status: 'submitted',
        txHash: hash,
      });
      const receipt = await this.hub.client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') {
        await this.repo.updateProposal(id, { status: 'failed', error: `reverted in ${hash}` });
      } else {
        const s = await this.hub.client.readContract({
          address: this.hub.controller,
          abi: SegmentController.abi,
          functionName: 'getSegment',
          args: [segment],
        });
        await this.repo.updateProposal(id, { paramsEpoch: s.paramsEpoch });
      }
    } catch (error) {
      id = await this.repo.insertProposal({
        segment,
        assessmentId,
        params: jsonParams(params),
        status: 'refused',
        error: revertReason(error),
      });
    }
    const [record] = await this.repo.proposals({ segment, limit: 1 });
    if (!record || record.id !== id) throw new Error(`proposal ${id} was not stored`);
    return record;
  }

  /** Moves submitted proposals to `applied` once every chain's vault reached their epoch; returns those. */
  async follow(): Promise<ProposalRecord[]> {
    const applied: ProposalRecord[] = [];
    for (const p of await this.repo.proposals({ status: 'submitted' })) {
      if (p.paramsEpoch === null) continue;
      const epoch = p.paramsEpoch;
      const on: number[] = [];
      for (const chain of this.chains) {
        const cfg = await chain.client.readContract({
          address: chain.vault,
          abi: SegmentVault.abi,
          functionName: 'config',
          args: [p.segment],
        });
        if (cfg.paramsEpoch >= epoch) on.push(chain.eid);
      }
      const done = on.length === this.chains.length;
      if (done || on.length !== p.appliedOn.length) {
        await this.repo.updateProposal(p.id, { appliedOn: on, ...(done ? { status: 'applied' as const } : {}) });
      }
      if (done) applied.push({ ...p, appliedOn: on, status: 'applied' });
    }
    return applied;
  }
}

/** Risk params as JSON (caps as decimal strings). */
export function jsonParams(p: RiskParams): unknown {
  return {
    ...p,
    borrowCap: p.borrowCap.toString(),
    assets: p.assets.map((a) => ({ ...a, supplyCap: a.supplyCap.toString() })),
  };
}
