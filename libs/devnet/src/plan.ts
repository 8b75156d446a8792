import { getContractAddress, type Address, type Hex } from 'viem';

/**
 * One transaction of a deployment plan. Plans are computed from the desired state and what the
 * chain already has, then sent by one signer in nonce order: re-running a plan against a chain
 * that is already wired yields no steps, and `--dry-run` can print a plan without sending it.
 */
export interface PlannedStep {
  /** Human-readable, e.g. `DVN.setDstConfig([40102, 40103])`. */
  label: string;
  /** Absent for a contract creation. */
  to?: Address;
  data: Hex;
  value?: bigint;
  /** For a creation: the key under which the new address is recorded, and that address. */
  creates?: { key: string; address: Address };
}

export interface ChainPlan {
  chain: string;
  from: Address;
  /** The sender's nonce when the plan was made; step i is sent with nonce `startNonce + i`. */
  startNonce: number;
  steps: PlannedStep[];
}

/**
 * Collects steps and predicts creation addresses: each step uses the next nonce of the one
 * sender, so a contract created by step i lives at CREATE(from, startNonce + i) and later
 * steps may already reference it.
 */
export class PlanBuilder {
  readonly steps: PlannedStep[] = [];

  constructor(
    readonly from: Address,
    readonly startNonce: number,
  ) {}

  nextAddress(): Address {
    return getContractAddress({ from: this.from, nonce: BigInt(this.startNonce + this.steps.length) });
  }

  deploy(key: string, label: string, data: Hex): Address {
    const address = this.nextAddress();
    this.steps.push({ label, data, creates: { key, address } });
    return address;
  }

  call(label: string, to: Address, data: Hex, value?: bigint): void {
    this.steps.push({ label, to, data, ...(value ? { value } : {}) });
  }

  build(chain: string): ChainPlan {
    return { chain, from: this.from, startNonce: this.startNonce, steps: this.steps };
  }
}

export function describePlan(plan: ChainPlan): string[] {
  if (plan.steps.length === 0) return [`${plan.chain}: nothing to do`];
  return [
    `${plan.chain}: ${plan.steps.length} transaction(s) from ${plan.from}`,
    ...plan.steps.map((s, i) => `  #${plan.startNonce + i} ${s.label}${s.creates ? ` → ${s.creates.address}` : ''}`),
  ];
}
