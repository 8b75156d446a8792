import type { Address, Hex } from 'viem';
import { encodeFunctionData } from 'viem';
import { SegmentController, SegmentVault } from '#app/contracts';
import type { RelayerChain } from '../chains/relayer-chain.js';

export interface AttesterOptions {
  /** How often each chain's vault attests its segments to the hub; 0 turns the keeper off. */
  intervalMs: number;
}

/**
 * The attestation keeper: on each chain with a segment vault, every `intervalMs` it calls
 * `attest(allSegments)` paying the quoted LayerZero fee, so the hub's view of every segment
 * (collateral, debt, insurance, epochs) and its global-cap check stay current. The packets it
 * creates travel through this same relayer like any other. On the hub it also sends the status
 * changes the global cap decided while attestations were recorded.
 */
export class Attester {
  private readonly lastRun = new Map<number, number>();

  constructor(private readonly options: AttesterOptions) {}

  /**
   * Attests when the interval has passed, and on the hub sends any status change the global cap
   * made while recording attestations (`flushStatus`). Returns what it did.
   */
  async tick(chain: RelayerChain, now = Date.now()): Promise<{ attested: number; flushed: number }> {
    const flushed = chain.segmentController ? await this.flush(chain, chain.segmentController) : 0;
    return { attested: await this.attest(chain, now), flushed };
  }

  private async attest(chain: RelayerChain, now: number): Promise<number> {
    const vault = chain.segmentVault;
    if (!vault || this.options.intervalMs === 0) return 0;
    const last = this.lastRun.get(chain.eid);
    if (last !== undefined && now - last < this.options.intervalMs) return 0;
    this.lastRun.set(chain.eid, now); // a failure waits for the next interval rather than retrying in a loop
    const segments = await this.segments(chain, vault);
    if (segments.length === 0) return 0;
    const fee = await chain.client.readContract({
      address: vault,
      abi: SegmentVault.abi,
      functionName: 'quoteAttest',
      args: [segments],
    });
    const receipt = await chain.sender.send({
      to: vault,
      data: encodeFunctionData({ abi: SegmentVault.abi, functionName: 'attest', args: [segments] }),
      value: fee,
      gas: 300_000n + 120_000n * BigInt(segments.length),
      label: `SegmentVault.attest(${segments.length})`,
    });
    if (receipt.status !== 'success') throw new Error(`attest reverted in ${receipt.transactionHash}`);
    return segments.length;
  }

  private async flush(chain: RelayerChain, controller: Address): Promise<number> {
    const count = await chain.client.readContract({
      address: controller,
      abi: SegmentController.abi,
      functionName: 'segmentCount',
    });
    let flushed = 0;
    for (let i = 0n; i < count; i++) {
      const segment = await chain.client.readContract({
        address: controller,
        abi: SegmentController.abi,
        functionName: 'segmentIds',
        args: [i],
      });
      const pending = await chain.client.readContract({
        address: controller,
        abi: SegmentController.abi,
        functionName: 'statusPending',
        args: [segment],
      });
      if (!pending) continue;
      const receipt = await chain.sender.send({
        to: controller,
        data: encodeFunctionData({ abi: SegmentController.abi, functionName: 'flushStatus', args: [segment] }),
        gas: 1_500_000n,
        label: 'SegmentController.flushStatus',
      });
      if (receipt.status !== 'success') throw new Error(`flushStatus reverted in ${receipt.transactionHash}`);
      flushed += 1;
    }
    return flushed;
  }

  private async segments(chain: RelayerChain, vault: Address): Promise<Hex[]> {
    const count = await chain.client.readContract({
      address: vault,
      abi: SegmentVault.abi,
      functionName: 'segmentCount',
    });
    return Promise.all(
      Array.from({ length: Number(count) }, (_, i) =>
        chain.client.readContract({
          address: vault,
          abi: SegmentVault.abi,
          functionName: 'segmentIds',
          args: [BigInt(i)],
        }),
      ),
    );
  }
}
