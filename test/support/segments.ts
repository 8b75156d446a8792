import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  maxUint256,
  parseEther,
  toHex,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { createChainWalletClient } from '#app/chains';
import { allErrorsAbi, DevPriceFeed, DevToken, SegmentController, SegmentRouter, SegmentVault } from '#app/contracts';
import {
  anvilRpc,
  deploySegmentStack,
  DEVNET_MNEMONIC,
  DEVNET_SEGMENTS,
  devnetAccount,
  devnetRiskParams,
  hubOf,
  ManualRelay,
  segmentContracts,
  startDevnet,
  type Devnet,
  type DevnetRole,
  type RelayedPacket,
} from '#app/devnet';
import {
  encodeActionData,
  ProposalAction,
  routeIdOf,
  TransferState,
  signProposal,
  toBytes32Name,
  type ActionInput,
  type RiskParams,
  type Route,
  type RouterSnapshot,
} from '#app/messaging';

/** The devnet's risk parameters of one of its demo segments (`weth`, `crv`, `wbtc`). */
export function params(name: string): RiskParams {
  const segment = DEVNET_SEGMENTS.find((s) => s.name === name);
  if (!segment) throw new Error(`no devnet segment ${name}`);
  return devnetRiskParams(segment);
}

/** `params` with its collateral assets changed by `change`. */
export function withAsset(p: RiskParams, change: Partial<RiskParams['assets'][number]>): RiskParams {
  return { ...p, assets: p.assets.map((a) => ({ ...a, ...change })) };
}

export const seg = (name: string): Hex => toBytes32Name(name);
export const asset = (symbol: string): Hex => toBytes32Name(symbol);

/** An enabled USDC route from one devnet segment to another, with its limits. */
export function usdcRoute(
  srcEid: number,
  src: string,
  dstEid: number,
  dst: string,
  limits: Pick<Route, 'capacity' | 'refillPerSecond' | 'maxUtilBps'>,
): Route {
  return {
    srcEid,
    srcSegment: seg(src),
    dstEid,
    dstSegment: seg(dst),
    assetId: asset('USDC'),
    ...limits,
    enabled: true,
  };
}

/**
 * What each segment lent (`out`) and was lent (`in`) along `routes`, by `eid:segment`, from the
 * routers' transfer records: a source counts a transfer still sent or delivered (not refunded), a
 * destination one delivered or credited. Transfers `skip` names are left out.
 */
export function routedPerSegment(
  snapshots: readonly RouterSnapshot[],
  routes: readonly Route[],
  skip: ReadonlySet<Hex> = new Set(),
): Map<string, { out: bigint; in: bigint }> {
  const moved = new Map<string, { out: bigint; in: bigint }>();
  const bump = (eid: number, segment: Hex, key: 'out' | 'in', amount: bigint) => {
    const m = moved.get(`${eid}:${segment}`) ?? { out: 0n, in: 0n };
    m[key] += amount;
    moved.set(`${eid}:${segment}`, m);
  };
  const byId = new Map(routes.map((r) => [routeIdOf(r), r]));
  for (const t of snapshots.flatMap((s) => s.transfers)) {
    const r = byId.get(t.routeId);
    if (!r || skip.has(t.transferId)) continue;
    if (t.state === TransferState.Sent || t.state === TransferState.Delivered)
      bump(r.srcEid, r.srcSegment, 'out', t.amount);
    if (t.state === TransferState.Delivered || t.state === TransferState.Credited)
      bump(r.dstEid, r.dstSegment, 'in', t.amount);
  }
  return moved;
}

/** Test users: anvil mnemonic accounts from index 20 on (0–9 are devnet roles), funded on demand. */
export function user(index: number): LocalAccount {
  return mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: 20 + index });
}

export interface SegmentWorldOptions {
  chains?: number;
  /** Governance timelock after bootstrap (0: proposals execute at once). */
  timelockSeconds?: number;
}

/**
 * A devnet with the segment stack deployed and the bootstrap delivered to every spoke, plus the
 * handful of calls segment tests make: fund users, act as them, move prices, govern, relay.
 */
export class SegmentWorld {
  readonly relay: ManualRelay;
  readonly hubEid: number;
  readonly eids: number[];
  private funded = new Set<string>();
  /** The deadline of the last proposal `govern` ran (applyRoute names the proposal by it). */
  private lastDeadline = 0n;

  private constructor(
    readonly devnet: Devnet,
    /** The world's own directory; none when it runs on someone else's devnet (`attach`). */
    private readonly dir?: string,
  ) {
    this.relay = new ManualRelay(devnet);
    this.hubEid = hubOf(devnet.manifest).eid;
    this.eids = devnet.manifest.chains.map((c) => c.eid);
  }

  static async start(options: SegmentWorldOptions = {}): Promise<SegmentWorld> {
    const dir = mkdtempSync(join(tmpdir(), 'segment-world-'));
    const devnet = await startDevnet({ chains: options.chains ?? 3, manifestPath: join(dir, 'manifest.json') });
    try {
      await deploySegmentStack(devnet, { timelockSeconds: options.timelockSeconds ?? 0 });
      const world = new SegmentWorld(devnet, dir);
      const relayed = await world.relayAll();
      const failed = relayed.filter((r) => r.outcome !== 0);
      if (failed.length > 0)
        throw new Error(`bootstrap delivery failed: ${JSON.stringify(failed.map((f) => f.reason))}`);
      return world;
    } catch (error) {
      await devnet.stop();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * The calls of a world on a devnet that someone else started, deployed the segment stack on and
   * delivers for (the chaos harness and its relayers); stopping that devnet stays theirs.
   */
  static attach(devnet: Devnet): SegmentWorld {
    return new SegmentWorld(devnet);
  }

  async stop(): Promise<void> {
    if (!this.dir) throw new Error('an attached world does not own its devnet');
    await this.devnet.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private chain(eid: number) {
    const chain = this.devnet.manifest.chains.find((c) => c.eid === eid);
    if (!chain) throw new Error(`no chain ${eid}`);
    return chain;
  }

  client(eid = this.hubEid): PublicClient {
    return this.relay.client(eid);
  }

  vault(eid = this.hubEid): Address {
    return segmentContracts(this.chain(eid)).vault;
  }

  router(eid = this.hubEid): Address {
    return segmentContracts(this.chain(eid)).router;
  }

  routerCall(
    eid: number,
    account: LocalAccount,
    functionName: string,
    args: readonly unknown[],
    value?: bigint,
  ): Promise<TransactionReceipt> {
    return this.send(eid, account, this.router(eid), SegmentRouter.abi, functionName, args, value);
  }

  readRouter<T>(eid: number, functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.read<T>(eid, this.router(eid), SegmentRouter.abi, functionName, args);
  }

  /**
   * Governance allows (or changes) a route: the proposal runs through the controller, then the
   * hub router applies it and sends it to the routers at both ends (relay them to deliver).
   */
  async allowRoute(route: Route): Promise<{ routeId: Hex; applyArgs: readonly [Hex, bigint, bigint] }> {
    const nonce = BigInt(toHex(crypto.getRandomValues(new Uint8Array(16))));
    await this.govern({ action: ProposalAction.RouteConfig, route }, nonce);
    const applyArgs = [
      encodeActionData({ action: ProposalAction.RouteConfig, route }),
      nonce,
      this.lastDeadline,
    ] as const;
    await this.routerCall(this.hubEid, devnetAccount('deployer'), 'applyRoute', applyArgs);
    return { routeId: routeIdOf(route), applyArgs };
  }

  get controller(): Address {
    return segmentContracts(this.chain(this.hubEid)).controller as Address; // the hub has one
  }

  token(symbol: string, eid = this.hubEid): Address {
    return segmentContracts(this.chain(eid)).token(symbol);
  }

  feed(symbol: string, eid = this.hubEid): Address {
    return segmentContracts(this.chain(eid)).feed(symbol);
  }

  /** anvil's own JSON-RPC methods (setBalance, increaseTime, snapshot…). */
  async rpc(eid: number, method: string, params: unknown[] = []): Promise<unknown> {
    return anvilRpc(this.chain(eid).rpcUrl, method, params);
  }

  /** Moves the chain's clock forward and mines a block. */
  async warp(eid: number, seconds: number): Promise<void> {
    await this.rpc(eid, 'evm_increaseTime', [seconds]);
    await this.rpc(eid, 'evm_mine');
  }

  /** Sends a contract call as `account` and waits for it; a revert throws a `Reverted` naming the custom error. */
  async send(
    eid: number,
    account: LocalAccount,
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
    value?: bigint,
  ): Promise<TransactionReceipt> {
    await this.ensureGas(eid, account.address);
    const client = this.client(eid);
    try {
      const { request } = await client.simulateContract({
        account,
        address,
        abi,
        functionName,
        args,
        ...(value ? { value } : {}),
      } as never); // one helper for every ABI: viem cannot infer a union of all of them
      const wallet = createChainWalletClient(this.relay.chain(eid), account);
      // simulateContract's request, for this account; a generous fixed gas limit (anvil charges
      // only what is used) so a call that simulated fine cannot fail on an estimate
      const hash = await wallet.writeContract({ ...(request as object), gas: 5_000_000n } as never);
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      if (receipt.status !== 'success') throw new Error(`${functionName} reverted on chain`);
      return receipt;
    } catch (error) {
      throw Reverted.from(error) ?? error;
    }
  }

  /** A user call on the vault. */
  vaultCall(
    eid: number,
    account: LocalAccount,
    functionName: string,
    args: readonly unknown[],
  ): Promise<TransactionReceipt> {
    return this.send(eid, account, this.vault(eid), SegmentVault.abi, functionName, args);
  }

  async read<T>(
    eid: number,
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[] = [],
  ): Promise<T> {
    return (await this.client(eid).readContract({ address, abi, functionName, args })) as T; // see send()
  }

  readVault<T>(eid: number, functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.read<T>(eid, this.vault(eid), SegmentVault.abi, functionName, args);
  }

  /** A view of the hub's controller. */
  readController<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.read<T>(this.hubEid, this.controller, SegmentController.abi, functionName, args);
  }

  private async ensureGas(eid: number, address: Address): Promise<void> {
    const key = `${eid}:${address}`;
    if (this.funded.has(key)) return;
    await this.rpc(eid, 'anvil_setBalance', [address, toHex(parseEther('1000'))]);
    this.funded.add(key);
  }

  /** Mints `amount` of `symbol` to `account` and approves the vault for all of it. */
  async fund(eid: number, account: LocalAccount, symbol: string, amount: bigint): Promise<void> {
    await this.send(eid, devnetAccount('deployer'), this.token(symbol, eid), DevToken.abi, 'mint', [
      account.address,
      amount,
    ]);
    await this.send(eid, account, this.token(symbol, eid), DevToken.abi, 'approve', [this.vault(eid), maxUint256]);
  }

  balanceOf(eid: number, symbol: string, holder: Address): Promise<bigint> {
    return this.read<bigint>(eid, this.token(symbol, eid), DevToken.abi, 'balanceOf', [holder]);
  }

  /** Sets a feed's answer (8 decimals) now. */
  async setPrice(eid: number, symbol: string, price: bigint): Promise<void> {
    await this.send(eid, devnetAccount('deployer'), this.feed(symbol, eid), DevPriceFeed.abi, 'setAnswer', [price]);
  }

  async setPriceEverywhere(symbol: string, price: bigint): Promise<void> {
    for (const eid of this.eids) await this.setPrice(eid, symbol, price);
  }

  /**
   * Runs a proposal through the controller: two devnet governors sign, it is queued, the clock
   * passes the timelock, it is executed. Returns the execute receipt.
   */
  async govern(input: ActionInput, nonce?: bigint): Promise<TransactionReceipt> {
    const client = this.client(this.hubEid);
    const deadline = (await client.getBlock()).timestamp + 86_400n;
    this.lastDeadline = deadline;
    const proposal = {
      action: input.action,
      data: encodeActionData(input),
      nonce: nonce ?? BigInt(toHex(crypto.getRandomValues(new Uint8Array(16)))),
      deadline,
    };
    const signatures = await signProposal(this.controller, this.chain(this.hubEid).chainId, proposal, [
      devnetAccount('governor1'),
      devnetAccount('governor2'),
    ]);
    const anyone = devnetAccount('deployer');
    await this.send(this.hubEid, anyone, this.controller, SegmentController.abi, 'queue', [
      proposal.action,
      proposal.data,
      proposal.nonce,
      proposal.deadline,
      signatures,
    ]);
    const delay = await this.read<number>(this.hubEid, this.controller, SegmentController.abi, 'delay');
    if (delay > 0) await this.warp(this.hubEid, delay);
    return this.send(this.hubEid, anyone, this.controller, SegmentController.abi, 'execute', [
      proposal.action,
      proposal.data,
      proposal.nonce,
      proposal.deadline,
    ]);
  }

  /** As a devnet role. */
  role(role: DevnetRole): LocalAccount {
    return devnetAccount(role);
  }

  /** Relays every pending packet from every chain (hub first); returns each packet's outcome. */
  async relayAll(): Promise<RelayedPacket[]> {
    const out: RelayedPacket[] = [];
    for (const eid of this.eids) out.push(...(await this.relay.relayPending(eid)));
    return out;
  }

  /** Everything the vault holds about one segment, for exact before/after comparisons. */
  async ledgerSnapshot(eid: number, segment: Hex): Promise<unknown> {
    const [config, ledger, supplierAssets, totalBorrowed] = await Promise.all([
      this.readVault<{ collateralIds: readonly Hex[] }>(eid, 'config', [segment]),
      this.readVault<unknown>(eid, 'ledger', [segment]),
      this.readVault<bigint>(eid, 'supplierAssets', [segment]),
      this.readVault<bigint>(eid, 'totalBorrowed', [segment]),
    ]);
    const collaterals = await Promise.all(
      config.collateralIds.map((id) => this.readVault<unknown>(eid, 'collateralConfig', [segment, id])),
    );
    return { config, ledger, supplierAssets, totalBorrowed, collaterals };
  }
}

/** A revert with its custom error decoded against every ABI we deploy. */
export class Reverted extends Error {
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
    options?: ErrorOptions,
  ) {
    super(`reverted with ${errorName}(${args.map(String).join(', ')})`, options);
  }

  static from(error: unknown): Reverted | undefined {
    if (!(error instanceof BaseError)) return undefined;
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
    if (revert.data) return new Reverted(revert.data.errorName, revert.data.args ?? [], { cause: error });
    const raw = revert.raw;
    if (!raw) return new Reverted(revert.reason ?? 'unknown', [], { cause: error });
    try {
      const decoded = decodeErrorResult({ abi: allErrorsAbi, data: raw });
      return new Reverted(decoded.errorName, decoded.args ?? [], { cause: error });
    } catch {
      return new Reverted(`unknown ${raw.slice(0, 10)}`, [], { cause: error });
    }
  }
}

/** Resolves to the custom error's name a call reverted with; fails if it did not revert. */
export async function revertName(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Reverted) return error.errorName;
    throw error;
  }
  throw new Error('expected a revert, but the call succeeded');
}
