import fc from 'fast-check';
import {
  BaseError,
  CallExecutionError,
  decodeErrorResult,
  encodeFunctionData,
  maxUint256,
  parseEventLogs,
  parseUnits,
  toHex,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from 'viem';
import { createChainWalletClient } from '#app/chains';
import { allErrorsAbi, DevPriceFeed, DevToken, SegmentVault } from '#app/contracts';
import { DEVNET_ASSETS, DEVNET_SEGMENTS } from '#app/devnet';
import { asset, seg, user, type SegmentWorld } from '../support/segments.js';

/**
 * The isolation property campaign: random sequences of user operations, price moves, time and
 * liquidations over every segment of the hub vault, with the invariants of DESIGN.md §3 checked
 * after every step:
 *  1. solvency per asset — the vault holds at least what its ledgers say it holds;
 *  2. isolation — a step leaves every segment it does not target exactly as it was;
 *  3. bad debt stays in its segment and is split between its insurance and its suppliers;
 *  4. epochs never go backwards;
 *  6. only the controller configures the vault (a foreign call reverts NotController).
 * fast-check generates the steps; amounts are fractions resolved against the chain's state when
 * a step runs, so a shrunk sequence stays meaningful.
 */

const USERS = 6;
const SUBS = 2;
const SEGMENTS = DEVNET_SEGMENTS.map((s) => ({
  name: s.name,
  id: seg(s.name),
  collateral: s.collaterals[0]?.symbol ?? '',
  borrow: s.borrow,
}));
const MOVABLE = ['WETH', 'CRV', 'WBTC'];

export type Op =
  | { kind: 'supply' | 'withdraw'; user: number; segment: number; fraction: number }
  | {
      kind: 'deposit' | 'withdrawCollateral' | 'borrow' | 'repay';
      user: number;
      sub: number;
      segment: number;
      fraction: number;
    }
  | { kind: 'liquidate'; user: number; target: number; sub: number; segment: number; fraction: number }
  | { kind: 'price'; asset: number; moveBps: number }
  | { kind: 'warp'; seconds: number }
  | { kind: 'foreign'; user: number; payload: Hex };

const userArb = fc.integer({ min: 0, max: USERS - 1 });
const subArb = fc.integer({ min: 0, max: SUBS - 1 });
const segmentArb = fc.integer({ min: 0, max: SEGMENTS.length - 1 });
// mostly within limits, sometimes past them (to exercise the refusals)
const fractionArb = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0.01, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.double({ min: 1, max: 3, noNaN: true }) },
);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('supply' as const),
      user: userArb,
      segment: segmentArb,
      fraction: fractionArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      user: userArb,
      segment: segmentArb,
      fraction: fractionArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      user: userArb,
      sub: subArb,
      segment: segmentArb,
      fraction: fractionArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('withdrawCollateral' as const),
      user: userArb,
      sub: subArb,
      segment: segmentArb,
      fraction: fractionArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('borrow' as const),
      user: userArb,
      sub: subArb,
      segment: segmentArb,
      fraction: fractionArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('repay' as const),
      user: userArb,
      sub: subArb,
      segment: segmentArb,
      fraction: fractionArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('liquidate' as const),
      user: userArb,
      target: userArb,
      sub: subArb,
      segment: segmentArb,
      fraction: fractionArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('price' as const),
      asset: fc.integer({ min: 0, max: MOVABLE.length - 1 }),
      moveBps: fc.integer({ min: -6_000, max: 4_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('warp' as const), seconds: fc.integer({ min: 60, max: 3 * 86_400 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('foreign' as const),
      user: userArb,
      payload: fc.uint8Array({ maxLength: 96 }).map((b) => toHex(b)),
    }),
  },
);

export interface CampaignOptions {
  ops: number;
  seed: number;
  log?: (line: string) => void;
  /** Progress line every this many steps (0: none). */
  progressEvery?: number;
}

export interface CampaignResult {
  seed: number;
  ops: number;
  succeeded: number;
  reverted: Record<string, number>;
  /** Successful steps per kind, and how many bad-debt realisations happened. */
  succeededByKind: Record<string, number>;
  badDebtEvents: number;
  seconds: number;
}

/** A step broke an invariant: names the seed, the step and what was wrong. */
export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

/** Errors a step may legitimately end with: the vault refusing what its rules refuse. */
const EXPECTED = new Set([
  'ZeroAmount',
  'InsufficientShares',
  'InsufficientLiquidity',
  'InsufficientCollateral',
  'Undercollateralised',
  'AccountHealthy',
  'SupplyCapExceeded',
  'BorrowCapExceeded',
  'ERC20InsufficientBalance',
]);

/** The unit amount a fraction of "a typical position" means, per asset. */
const TYPICAL: Record<string, bigint> = {
  USDC: parseUnits('50000', 6),
  WETH: parseUnits('10', 18),
  CRV: parseUnits('50000', 18),
  WBTC: parseUnits('0.5', 8),
};

const scale = (amount: bigint, fraction: number) => (amount * BigInt(Math.round(fraction * 1_000_000))) / 1_000_000n;

export class IsolationCampaign {
  private readonly users: LocalAccount[] = Array.from({ length: USERS }, (_, i) => user(i));
  private readonly wallets;
  private readonly hub: number;
  private readonly vault: Address;
  private readonly prices = new Map<string, bigint>();
  /** Model: collateral per account key and asset, from our own successful steps. */
  private readonly collateral = new Map<string, bigint>();
  private readonly nonces = new Map<Address, number>();
  result: CampaignResult;

  constructor(
    private readonly w: SegmentWorld,
    private readonly options: CampaignOptions,
  ) {
    this.hub = w.hubEid;
    this.vault = w.vault(this.hub);
    this.wallets = this.users.map((u) => createChainWalletClient(w.relay.chain(this.hub), u));
    for (const a of DEVNET_ASSETS) this.prices.set(a.symbol, a.price);
    this.result = {
      seed: options.seed,
      ops: 0,
      succeeded: 0,
      reverted: {},
      succeededByKind: {},
      badDebtEvents: 0,
      seconds: 0,
    };
  }

  /** Funds every user with every asset and seeds each segment with lenders. */
  async setup(): Promise<void> {
    for (const u of this.users) {
      for (const a of DEVNET_ASSETS) await this.w.fund(this.hub, u, a.symbol, (TYPICAL[a.symbol] ?? 0n) * 10_000n);
    }
    for (const s of SEGMENTS) {
      for (const u of this.users.slice(0, 2)) {
        await this.w.vaultCall(this.hub, u, 'supply', [s.id, (TYPICAL.USDC ?? 0n) * 20n, u.address]);
      }
    }
    await this.resync();
  }

  /** Reads the users' nonces (after setup, or after the chain was reverted to a snapshot). */
  async resync(): Promise<void> {
    for (const u of this.users) {
      this.nonces.set(u.address, await this.w.client(this.hub).getTransactionCount({ address: u.address }));
    }
  }

  async run(ops: readonly Op[]): Promise<CampaignResult> {
    const started = performance.now();
    for (const [index, op] of ops.entries()) {
      const before = await this.state();
      const outcome = await this.step(op).catch((error: unknown) => {
        throw new InvariantViolation(
          `seed ${this.options.seed}, step ${index} ${JSON.stringify(op)}: the step failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      });
      const after = await this.state();
      this.check(index, op, outcome, before, after);
      this.result.ops += 1;
      if (outcome.error === undefined) {
        this.result.succeeded += 1;
        this.result.succeededByKind[op.kind] = (this.result.succeededByKind[op.kind] ?? 0) + 1;
        if (outcome.receipt) {
          this.result.badDebtEvents += parseEventLogs({
            abi: SegmentVault.abi,
            eventName: 'BadDebtRealised',
            logs: outcome.receipt.logs,
          }).length;
        }
      } else this.result.reverted[outcome.error] = (this.result.reverted[outcome.error] ?? 0) + 1;
      const every = this.options.progressEvery ?? 0;
      if (every > 0 && (index + 1) % every === 0) {
        this.options.log?.(`  ${index + 1}/${ops.length} steps, ${this.result.succeeded} succeeded`);
      }
    }
    this.result.seconds = (performance.now() - started) / 1000;
    return this.result;
  }

  // ------------------------------------------------------------------ steps

  private async step(op: Op): Promise<{ receipt?: TransactionReceipt; error?: string; target?: number }> {
    switch (op.kind) {
      case 'price':
        return this.movePrice(op.asset, op.moveBps);
      case 'warp':
        await this.w.warp(this.hub, op.seconds);
        for (const symbol of this.prices.keys()) await this.setFeed(symbol); // a live oracle keeps feeds fresh
        return {};
      case 'foreign':
        return this.foreign(op.user, op.payload);
      case 'supply':
      case 'withdraw':
      case 'deposit':
      case 'withdrawCollateral':
      case 'borrow':
      case 'repay':
      case 'liquidate':
        return this.userStep(op);
    }
  }

  private async userStep(op: Exclude<Op, { kind: 'price' | 'warp' | 'foreign' }>) {
    const s = SEGMENTS[op.segment];
    const u = this.users[op.user];
    if (!s || !u) throw new Error('generated indices are in range');
    const sub = 'sub' in op ? op.sub : 0;
    const args = await this.argsFor(op, s, u, sub);
    if (!args) return { target: op.segment, error: 'nothing to do' };
    const outcome = await this.transact(u, args.fn, args.args);
    if (outcome.receipt) this.recordCollateral(outcome.receipt);
    return { ...outcome, target: op.segment };
  }

  private async argsFor(
    op: Exclude<Op, { kind: 'price' | 'warp' | 'foreign' }>,
    s: (typeof SEGMENTS)[number],
    u: LocalAccount,
    sub: number,
  ): Promise<{ fn: string; args: readonly unknown[] } | undefined> {
    const read = <T>(fn: string, args: readonly unknown[]) => this.w.readVault<T>(this.hub, fn, args);
    switch (op.kind) {
      case 'supply':
        return { fn: 'supply', args: [s.id, scale(TYPICAL.USDC ?? 0n, op.fraction) + 1n, u.address] };
      case 'withdraw': {
        const shares = await read<bigint>('supplySharesOf', [s.id, u.address]);
        return shares === 0n
          ? undefined
          : {
              fn: 'withdraw',
              args: [s.id, op.fraction >= 1 ? maxUint256 : scale(shares, op.fraction) + 1n, u.address],
            };
      }
      case 'deposit':
        return {
          fn: 'depositCollateral',
          args: [s.id, sub, asset(s.collateral), scale(TYPICAL[s.collateral] ?? 0n, op.fraction) + 1n],
        };
      case 'withdrawCollateral': {
        const held = await read<bigint>('collateralOf', [
          await read<Hex>('accountKey', [s.id, u.address, sub]),
          asset(s.collateral),
        ]);
        return held === 0n
          ? undefined
          : {
              fn: 'withdrawCollateral',
              args: [s.id, sub, asset(s.collateral), scale(held, op.fraction) + 1n, u.address],
            };
      }
      case 'borrow': {
        const p = await read<{ borrowLimit: bigint; debtValue: bigint }>('position', [s.id, u.address, sub]);
        const room = p.borrowLimit > p.debtValue ? (p.borrowLimit - p.debtValue) / 10n ** 12n : 0n; // 1e18 USD → USDC at $1
        return room === 0n ? undefined : { fn: 'borrow', args: [s.id, sub, scale(room, op.fraction) + 1n, u.address] };
      }
      case 'repay': {
        const debt = await read<bigint>('debtOf', [s.id, u.address, sub]);
        return debt === 0n
          ? undefined
          : {
              fn: 'repay',
              args: [s.id, u.address, sub, op.fraction >= 1 ? maxUint256 : scale(debt, op.fraction) + 1n],
            };
      }
      case 'liquidate': {
        const target = this.users[op.target];
        if (!target) throw new Error('generated indices are in range');
        const debt = await read<bigint>('debtOf', [s.id, target.address, sub]);
        return debt === 0n
          ? undefined
          : { fn: 'liquidate', args: [s.id, target.address, sub, asset(s.collateral), scale(debt, op.fraction) + 1n] };
      }
    }
  }

  private async movePrice(index: number, moveBps: number) {
    const symbol = MOVABLE[index] ?? 'WETH';
    const initial = DEVNET_ASSETS.find((a) => a.symbol === symbol)?.price ?? 1n;
    const current = this.prices.get(symbol) ?? initial;
    const next = (current * BigInt(10_000 + moveBps)) / 10_000n;
    // keep prices between 1 % and 10x of where they started: a book, not a degenerate one
    this.prices.set(symbol, next < initial / 100n ? initial / 100n : next > initial * 10n ? initial * 10n : next);
    await this.setFeed(symbol);
    return {};
  }

  private async setFeed(symbol: string) {
    await this.w.send(this.hub, this.w.role('deployer'), this.w.feed(symbol), DevPriceFeed.abi, 'setAnswer', [
      this.prices.get(symbol),
    ]);
  }

  /** Invariant 6, checked on the spot: configuration from anyone but the controller reverts. */
  private async foreign(index: number, payload: Hex) {
    const u = this.users[index];
    if (!u) throw new Error('generated indices are in range');
    const error = await this.callError(
      u.address,
      encodeFunctionData({ abi: SegmentVault.abi, functionName: 'applyFromController', args: [payload] }),
    );
    if (error !== 'NotController')
      throw new InvariantViolation(`a foreign applyFromController ended with ${error ?? 'success'}`);
    return {};
  }

  /** Sends without simulation (fast); a failed receipt is replayed as a call to name its error. */
  private async transact(u: LocalAccount, fn: string, args: readonly unknown[]) {
    const index = this.users.indexOf(u);
    const wallet = this.wallets[index];
    if (!wallet) throw new Error('every user has a wallet');
    const vaultAbi: Abi = SegmentVault.abi; // widened: fn and args come from argsFor, which mirrors the ABI
    const data = encodeFunctionData({ abi: vaultAbi, functionName: fn, args });
    const nonce = this.nonces.get(u.address) ?? 0;
    this.nonces.set(u.address, nonce + 1);
    const hash = await wallet.sendTransaction({ to: this.vault, data, gas: 1_500_000n, nonce });
    const receipt = await this.w.client(this.hub).waitForTransactionReceipt({ hash, pollingInterval: 5 });
    if (receipt.status === 'success') return { receipt };
    return { error: (await this.callError(u.address, data)) ?? 'reverted, but the replay succeeded' };
  }

  private async callError(from: Address, data: Hex): Promise<string | undefined> {
    try {
      await this.w.client(this.hub).call({ account: from, to: this.vault, data });
      return undefined;
    } catch (error) {
      const raw = error instanceof BaseError ? error.walk((e) => e instanceof CallExecutionError) : undefined;
      const revert = (raw as { cause?: { data?: Hex } } | undefined)?.cause?.data ?? findData(error);
      if (!revert) return `no revert data (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
      try {
        return decodeErrorResult({ abi: allErrorsAbi, data: revert }).errorName;
      } catch {
        return `unknown ${revert.slice(0, 10)}`;
      }
    }
  }

  private recordCollateral(receipt: TransactionReceipt) {
    for (const log of parseEventLogs({ abi: SegmentVault.abi, logs: receipt.logs })) {
      if (log.eventName === 'CollateralDeposited')
        this.addCollateral(log.args.segment, log.args.owner, log.args.sub, log.args.amount);
      if (log.eventName === 'CollateralWithdrawn')
        this.addCollateral(log.args.segment, log.args.owner, log.args.sub, -log.args.amount);
      if (log.eventName === 'Liquidated')
        this.addCollateral(log.args.segment, log.args.owner, log.args.sub, -log.args.seized);
    }
  }

  private addCollateral(segment: Hex, owner: Address, sub: bigint | number, amount: bigint) {
    const key = `${segment}:${owner.toLowerCase()}:${sub}`;
    this.collateral.set(key, (this.collateral.get(key) ?? 0n) + amount);
  }

  // ------------------------------------------------------------------ invariants

  private async state() {
    const snapshots = await Promise.all(SEGMENTS.map((s) => this.w.ledgerSnapshot(this.hub, s.id)));
    const balances = await Promise.all(
      DEVNET_ASSETS.map((a) =>
        this.w.read<bigint>(this.hub, this.w.token(a.symbol), DevToken.abi, 'balanceOf', [this.vault]),
      ),
    );
    return { snapshots: snapshots as SegmentSnapshot[], balances };
  }

  private check(
    index: number,
    op: Op,
    outcome: { receipt?: TransactionReceipt; error?: string; target?: number },
    before: Awaited<ReturnType<IsolationCampaign['state']>>,
    after: Awaited<ReturnType<IsolationCampaign['state']>>,
  ) {
    const fail = (what: string) => {
      throw new InvariantViolation(`seed ${this.options.seed}, step ${index} ${JSON.stringify(op)}: ${what}`);
    };
    if (outcome.error !== undefined && outcome.error !== 'nothing to do' && !EXPECTED.has(outcome.error)) {
      fail(`unexpected revert ${outcome.error}`);
    }
    // 1. solvency per asset
    DEVNET_ASSETS.forEach((a, i) => {
      const owed = SEGMENTS.reduce((sum, s, j) => {
        const snap = after.snapshots[j];
        if (!snap) return sum;
        const cash = s.borrow === a.symbol ? snap.ledger.cash : 0n;
        const deposited = s.collateral === a.symbol ? (snap.collaterals[0]?.deposited ?? 0n) : 0n;
        return sum + cash + deposited;
      }, 0n);
      if ((after.balances[i] ?? 0n) < owed) fail(`insolvent in ${a.symbol}: holds ${after.balances[i]}, owes ${owed}`);
    });
    SEGMENTS.forEach((s, j) => {
      const b = before.snapshots[j];
      const a = after.snapshots[j];
      if (!a || !b) return;
      // 2. isolation: untouched segments (all of them for price moves and time) are unchanged
      if (outcome.target !== j && !deepEqual(a, b)) fail(`segment ${s.name} changed though the step did not touch it`);
      // 4. epochs never go backwards
      for (const k of ['paramsEpoch', 'boundaryEpoch', 'statusEpoch'] as const) {
        if (a.config[k] < b.config[k]) fail(`${s.name} ${k} went back from ${b.config[k]} to ${a.config[k]}`);
      }
      // 3. bad debt: only the target segment, split exactly between its insurance and its suppliers
      const realised = outcome.receipt
        ? parseEventLogs({ abi: SegmentVault.abi, eventName: 'BadDebtRealised', logs: outcome.receipt.logs })
        : [];
      for (const e of realised) {
        if (e.args.segment !== SEGMENTS[outcome.target ?? -1]?.id)
          fail(`bad debt realised in ${e.args.segment}, not the step's segment`);
        if (e.args.fromInsurance + e.args.fromSuppliers !== e.args.amount) fail('bad debt not fully borne');
      }
      const mine = realised.filter((e) => e.args.segment === s.id).reduce((sum, e) => sum + e.args.amount, 0n);
      if (a.ledger.badDebt - b.ledger.badDebt !== mine)
        fail(`${s.name} bad debt moved by ${a.ledger.badDebt - b.ledger.badDebt}, events say ${mine}`);
    });
  }

  /** The model's collateral for every account it has seen equals the vault's. */
  async checkModel(): Promise<void> {
    for (const [key, expected] of this.collateral) {
      const [segment, owner, sub] = key.split(':') as [Hex, Address, string]; // built by addCollateral
      const s = SEGMENTS.find((x) => x.id === segment);
      if (!s) continue;
      const accountKey = await this.w.readVault<Hex>(this.hub, 'accountKey', [segment, owner, Number(sub)]);
      const held = await this.w.readVault<bigint>(this.hub, 'collateralOf', [accountKey, asset(s.collateral)]);
      if (held !== expected)
        throw new InvariantViolation(`seed ${this.options.seed}: ${key} holds ${held}, the model says ${expected}`);
    }
  }
}

interface SegmentSnapshot {
  config: { paramsEpoch: bigint; boundaryEpoch: bigint; statusEpoch: bigint };
  ledger: { cash: bigint; badDebt: bigint };
  collaterals: { deposited: bigint }[];
}

function deepEqual(a: unknown, b: unknown): boolean {
  return (
    JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ===
    JSON.stringify(b, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
  );
}

function findData(error: unknown): Hex | undefined {
  let e: unknown = error;
  for (let i = 0; i < 10 && e; i++) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === 'string' && data.startsWith('0x')) return data as Hex; // a revert payload
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs `ops` generated steps from `seed` on a fresh hub snapshot; on a violation fast-check
 * shrinks the sequence (each attempt from the same snapshot) and the error names seed and step.
 */
export async function runIsolationCampaign(w: SegmentWorld, options: CampaignOptions): Promise<CampaignResult> {
  const prepared = new IsolationCampaign(w, options);
  await prepared.setup();
  let snapshot = (await w.rpc(w.hubEid, 'evm_snapshot')) as string; // anvil returns the id as a hex string
  let runs = 0;
  let result: CampaignResult | undefined;
  let failure: unknown;
  await fc
    .assert(
      fc.asyncProperty(fc.array(opArb, { minLength: options.ops, maxLength: options.ops }), async (ops) => {
        let campaign = prepared;
        if (runs > 0) {
          // shrinking: every attempt starts from the state right after setup
          await w.rpc(w.hubEid, 'evm_revert', [snapshot]);
          snapshot = (await w.rpc(w.hubEid, 'evm_snapshot')) as string; // a reverted snapshot is gone
          campaign = new IsolationCampaign(w, { ...options, progressEvery: 0 });
          await campaign.resync();
        }
        runs += 1;
        try {
          result = await campaign.run(ops);
          await campaign.checkModel();
        } catch (error) {
          failure = error;
          throw error;
        }
      }),
      // no shrinking: each attempt replays thousands of transactions; the seed and step name the failure
      { seed: options.seed, numRuns: 1, endOnFailure: true },
    )
    .catch((error: unknown) => {
      throw failure ?? error;
    });
  if (!result) throw new Error('the campaign did not run');
  return result;
}
