import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  BaseError,
  decodeFunctionData,
  hashTypedData,
  HttpRequestError,
  parseEventLogs,
  parseTransaction,
  recoverTransactionAddress,
  recoverTypedDataAddress,
  TimeoutError,
  type Address,
  type Hex,
  type TransactionSerialized,
} from 'viem';
import { revertReason } from '#app/chains';
import { SegmentController } from '#app/contracts';
import {
  decodeStoredRiskParams,
  encodeActionData,
  ProposalAction,
  proposalTypedData,
  toBytes32Name,
  type Proposal,
  fromBytes32Name,
} from '#app/messaging';
import { DuplicateSignatureError, type GovernanceProposal } from '#app/persistence';
import {
  controllerSegment,
  hubAsset,
  hubEvents,
  readRoles,
  segmentIds,
  vaultSegment,
  type GovernanceChain,
  type Hub,
} from './chains.js';
import { GovernanceError } from './errors.js';
import type { GovernanceContext } from './governance.context.js';
import { buildAction } from './proposals/action.js';
import { statusName, type CreateProposalDto } from './proposals/proposal.dto.js';
import { RoutesService } from './routes/routes.service.js';

const json = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));
/** A message carrying a proposal to a chain, as the relayer records it. */
interface RelayedMessage {
  guid: Hex;
  stage: string;
  attempts: number;
  lastError: string | null;
}

/** SegmentController.ProposalState. */
const ON_CHAIN = { Executed: 2, Cancelled: 3 } as const;
/** Errors that no retry can fix: the proposal is marked failed. */
const PERMANENT = [
  'ProposalExpired',
  'NonceAlreadyUsed',
  'UnknownAction',
  'SignerNotGovernor',
  'SegmentExists',
  'SegmentNotFound',
];

/**
 * The proposal flow: build the controller's action and its EIP-712 typed data, collect governors'
 * signatures (checked against the governor set on chain), queue at threshold, execute after the
 * timelock, and follow the new epoch to every chain. The controller re-checks all of it.
 */
@Injectable()
export class GovernanceService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('Governance');
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly busy = new Set<string>();

  constructor(
    private readonly ctx: GovernanceContext,
    private readonly routes: RoutesService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.ctx.settings.pollMs);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private get hub(): Hub {
    return this.ctx.hub;
  }

  private async chainTime(): Promise<number> {
    return Number((await this.hub.client.getBlock()).timestamp);
  }

  private typedData(p: Pick<GovernanceProposal, 'action' | 'data' | 'nonce' | 'deadline'>) {
    const proposal: Proposal = {
      action: p.action as Proposal['action'],
      data: p.data,
      nonce: p.nonce,
      deadline: BigInt(p.deadline),
    };
    return proposalTypedData(this.hub.controller, this.hub.chainId, proposal);
  }

  async create(dto: CreateProposalDto) {
    const { input, segment } = await buildAction(this.hub, this.ctx.chains, dto);
    const nonce = BigInt(`0x${randomBytes(32).toString('hex')}`);
    const deadline = (await this.chainTime()) + (dto.deadlineSeconds ?? this.ctx.settings.defaultDeadlineSeconds);
    const data = encodeActionData(input);
    const typed = this.typedData({ action: input.action, data, nonce, deadline });
    const id = hashTypedData(typed);
    await this.ctx.repo.insertProposal({
      id,
      kind: dto.action,
      action: input.action,
      segment,
      data,
      nonce,
      deadline,
      request: json(dto),
    });
    this.log.log({ at: 'Governance#create', id, kind: dto.action, segment });
    return { ...(await this.view(id)), typedData: json(typed) };
  }

  private async load(id: Hex): Promise<GovernanceProposal> {
    const p = await this.ctx.repo.proposal(id);
    if (!p) throw new GovernanceError('NOT_FOUND', `proposal: no proposal ${id}`);
    return p;
  }

  async sign(id: Hex, signature: Hex) {
    const p = await this.load(id);
    if (p.status === 'expired') throw new GovernanceError('GONE', `proposal: ${id} expired at ${p.deadline}`);
    if (p.status !== 'pending') throw new GovernanceError('CONFLICT', `proposal: ${id} is ${p.status}, not pending`);
    if ((await this.chainTime()) > p.deadline) {
      await this.ctx.repo.transition(
        id,
        'expired',
        { error: 'deadline passed before the threshold was reached' },
        null,
      );
      throw new GovernanceError('GONE', `proposal: ${id} expired at ${p.deadline}`);
    }
    let signer: Address;
    try {
      signer = await recoverTypedDataAddress({ ...this.typedData(p), signature });
    } catch (cause) {
      throw new GovernanceError('INVALID', 'signature: not a valid signature', { cause });
    }
    const roles = await readRoles(this.hub);
    if (!roles.governors.some((g) => g.toLowerCase() === signer.toLowerCase()))
      throw new GovernanceError('FORBIDDEN', `signature: signed by ${signer}, who is not a governor of the controller`);
    try {
      await this.ctx.repo.addSignature(id, signer, signature);
    } catch (error) {
      if (error instanceof DuplicateSignatureError)
        throw new GovernanceError('CONFLICT', `signature: ${signer} already signed ${id}`, { cause: error });
      throw error;
    }
    this.log.log({ at: 'Governance#sign', id, signer });
    if ((await this.ctx.repo.signatures(id)).length >= roles.threshold) await this.queue(p);
    return this.view(id);
  }

  /** Sends `queue` with the signatures sorted by signer, as the controller requires. */
  private async queue(p: GovernanceProposal): Promise<void> {
    if (this.busy.has(p.id)) return;
    this.busy.add(p.id);
    try {
      const signatures = (await this.ctx.repo.signatures(p.id)).map((s) => s.signature); // sorted by signer
      const args = [p.action, p.data, p.nonce, BigInt(p.deadline), signatures] as const;
      const hash = await this.send('queue', args);
      const receipt = await this.hub.client.waitForTransactionReceipt({ hash });
      const [queued] = parseEventLogs({ abi: SegmentController.abi, eventName: 'ProposalQueued', logs: receipt.logs });
      await this.ctx.repo.transition(
        p.id,
        'queued',
        { queueTx: hash, eta: Number(queued?.args.eta ?? 0), error: null },
        null,
      );
      this.log.log({ at: 'Governance#queue', id: p.id, tx: hash, eta: Number(queued?.args.eta ?? 0) });
    } catch (error) {
      await this.refused(p, 'queue', error);
    } finally {
      this.busy.delete(p.id);
    }
  }

  async execute(id: Hex) {
    const p = await this.load(id);
    if (p.status === 'executed') throw new GovernanceError('CONFLICT', `proposal: ${id} is already executed`);
    if (p.status !== 'queued') throw new GovernanceError('CONFLICT', `proposal: ${id} is ${p.status}, not queued`);
    const now = await this.chainTime();
    if (p.eta !== null && now < p.eta)
      throw new GovernanceError('CONFLICT', `proposal: timelock until ${p.eta} (${p.eta - now} s from now)`);
    await this.executeQueued(p);
    return this.view(id);
  }

  /** Executes a queued proposal; a RouteConfig one is then applied on the hub router. */
  private async executeQueued(p: GovernanceProposal): Promise<void> {
    if (this.busy.has(p.id)) return;
    this.busy.add(p.id);
    try {
      const hash = await this.send('execute', [p.action, p.data, p.nonce, BigInt(p.deadline)] as const);
      await this.hub.client.waitForTransactionReceipt({ hash });
      await this.ctx.repo.transition(p.id, 'executed', { executeTx: hash, error: null }, null);
      this.log.log({ at: 'Governance#execute', id: p.id, tx: hash });
    } catch (error) {
      if (await this.settledOnChain(p)) return;
      await this.refused(p, 'execute', error);
      throw new GovernanceError('CHAIN', `execute: ${revertReason(error)}`, { cause: error });
    } finally {
      this.busy.delete(p.id);
    }
    await this.routes.apply(await this.load(p.id));
  }

  /**
   * A queued proposal that someone else executed (anyone may) or a governor cancelled on the
   * controller: the record catches up with the chain, and an executed route is applied.
   */
  private async settledOnChain(p: GovernanceProposal): Promise<boolean> {
    const [state] = await this.hub.client.readContract({
      address: this.hub.controller,
      abi: SegmentController.abi,
      functionName: 'proposals',
      args: [p.id],
    });
    if (state === ON_CHAIN.Executed) {
      // executed after it was queued: searched from the block of our queue transaction when we sent it
      const queued = p.queueTx
        ? (await this.hub.client.getTransactionReceipt({ hash: p.queueTx }).catch(() => undefined))?.blockNumber
        : undefined;
      const [executed] = await hubEvents(
        this.hub,
        this.ctx.settings,
        (fromBlock, toBlock) =>
          this.hub.client.getContractEvents({
            address: this.hub.controller,
            abi: SegmentController.abi,
            eventName: 'ProposalExecuted',
            args: { id: p.id },
            fromBlock,
            toBlock,
          }),
        queued,
      );
      const tx = executed?.transactionHash;
      await this.ctx.repo.transition(p.id, 'executed', { ...(tx ? { executeTx: tx } : {}), error: null }, null);
      this.log.log({ at: 'Governance#execute', id: p.id, tx, executedBy: 'another account' });
      await this.routes.apply(await this.load(p.id));
      return true;
    }
    if (state === ON_CHAIN.Cancelled) {
      await this.ctx.repo.transition(p.id, 'failed', { error: 'cancelled by a governor on the controller' }, null);
      return true;
    }
    return false;
  }

  private async send(functionName: 'queue' | 'execute', args: readonly unknown[]): Promise<Hex> {
    const account = this.hub.executor.account;
    if (!account) throw new GovernanceError('CHAIN', 'the executor wallet has no account');
    // simulated first: a refusal carries the controller's named error and costs nothing
    const { request } = await this.hub.client.simulateContract({
      account,
      address: this.hub.controller,
      abi: SegmentController.abi,
      functionName,
      args,
    } as never);
    return this.hub.executor.writeContract(request as never);
  }

  private async refused(p: GovernanceProposal, step: string, error: unknown): Promise<void> {
    const reason = revertReason(error);
    this.log.warn({ at: `Governance#${step}`, id: p.id, reason });
    const permanent = PERMANENT.some((name) => reason.startsWith(name));
    await this.ctx.repo.transition(p.id, permanent ? 'failed' : p.status, { error: `${step}: ${reason}` }, null);
  }

  /**
   * Executes what is due (or notices that someone else did), expires what missed its deadline and
   * applies executed routes on the hub router; runs every GOV_POLL_MS.
   */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = await this.chainTime();
      for (const p of await this.ctx.repo.proposals({ status: 'pending' })) {
        if (now > p.deadline) await this.ctx.repo.transition(p.id, 'expired', { error: 'deadline passed' }, null);
      }
      for (const p of await this.ctx.repo.proposals({ status: 'queued' })) {
        if (p.eta === null || now < p.eta) continue;
        if (this.ctx.settings.autoExecute)
          await this.executeQueued(p).catch(() => undefined); // recorded by refused()
        else await this.settledOnChain(p);
      }
      for (const p of await this.ctx.repo.proposals({ status: 'executed' }))
        if (p.action === ProposalAction.RouteConfig) await this.routes.apply(p); // once; retried when it failed
    } catch (error) {
      this.log.warn({ at: 'Governance#tick', reason: revertReason(error) });
    } finally {
      this.ticking = false;
    }
  }

  /** Freezes a segment now with the guardian's own signed transaction; the controller checks the sender. */
  async freeze(segmentName: string, signedTransaction: Hex) {
    const segment = toBytes32Name(segmentName);
    let tx: ReturnType<typeof parseTransaction>;
    let from: Address;
    try {
      tx = parseTransaction(signedTransaction as TransactionSerialized);
      from = await recoverTransactionAddress({ serializedTransaction: signedTransaction as TransactionSerialized });
    } catch (cause) {
      throw new GovernanceError('INVALID', 'signedTransaction: not a signed transaction', { cause });
    }
    if (tx.to?.toLowerCase() !== this.hub.controller.toLowerCase())
      throw new GovernanceError('INVALID', `signedTransaction: must call the controller ${this.hub.controller}`);
    let call: ReturnType<typeof decodeFunctionData<typeof SegmentController.abi>>;
    try {
      call = decodeFunctionData({ abi: SegmentController.abi, data: tx.data ?? '0x' });
    } catch (cause) {
      throw new GovernanceError('INVALID', 'signedTransaction: must call freeze(segment)', { cause });
    }
    if (call.functionName !== 'freeze' || call.args[0] !== segment)
      throw new GovernanceError('INVALID', `signedTransaction: must call freeze("${segmentName}")`);
    const roles = await readRoles(this.hub);
    if (from.toLowerCase() !== roles.guardian.toLowerCase())
      throw new GovernanceError('FORBIDDEN', `signedTransaction: signed by ${from}, not the guardian`);
    await this.existing(segment, segmentName);
    const hash = await this.sendGuardianTransaction(tx, from, signedTransaction as TransactionSerialized);
    const receipt = await this.hub.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new GovernanceError('CHAIN', `freeze reverted in ${hash}`);
    await this.ctx.repo.record('segment.frozen', from, { segment: segmentName, tx: hash });
    this.log.log({ at: 'Governance#freeze', segment: segmentName, tx: hash });
    return { segment: segmentName, tx: hash };
  }

  /**
   * Sends the guardian's transaction only when the hub would mine it: signed for the hub's chain, at
   * the guardian's next nonce, and with gas and value a dry run on the hub accepts. Anything else
   * would fail on chain or wait in the mempool for ever, holding the request open; it is refused.
   */
  private async sendGuardianTransaction(
    tx: ReturnType<typeof parseTransaction>,
    from: Address,
    serialized: TransactionSerialized,
  ): Promise<Hex> {
    if (tx.chainId !== this.hub.chainId)
      throw new GovernanceError(
        'INVALID',
        `signedTransaction: signed for chain ${tx.chainId ?? 'none'}, the hub is chain ${this.hub.chainId}`,
      );
    const next = await this.hub.client.getTransactionCount({ address: from, blockTag: 'pending' });
    const nonce = tx.nonce ?? 0;
    if (nonce !== next)
      throw new GovernanceError(
        nonce < next ? 'CONFLICT' : 'INVALID',
        `signedTransaction: nonce ${nonce}, the guardian's next nonce is ${next}`,
      );
    try {
      await this.hub.client.call({
        account: from,
        to: this.hub.controller,
        data: tx.data,
        value: tx.value,
        gas: tx.gas,
      });
      return await this.hub.client.sendRawTransaction({ serializedTransaction: serialized });
    } catch (cause) {
      const unreachable =
        !(cause instanceof BaseError) ||
        cause.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) !== null;
      if (unreachable) throw new GovernanceError('CHAIN', `freeze: ${revertReason(cause)}`, { cause });
      // the hub answered and refused it (a revert, too little gas, a fee under the base fee…): the request's fault
      throw new GovernanceError('INVALID', `signedTransaction: the hub refuses it: ${revertReason(cause)}`, { cause });
    }
  }

  // ---------------------------------------------------------------- reads

  async view(id: Hex, threshold?: number, chainTime?: number) {
    const p = await this.load(id);
    const [signatures, roles, routeConfig] = await Promise.all([
      this.ctx.repo.signatures(id),
      threshold === undefined ? readRoles(this.hub) : { threshold },
      p.action === ProposalAction.RouteConfig ? this.routes.proposalRoute(p) : null,
    ]);
    return {
      id: p.id,
      kind: p.kind,
      action: p.action,
      segment: p.segment,
      status: p.status,
      request: p.request,
      signatures: signatures.map((s) => ({ signer: s.signer, at: s.createdAt.toISOString() })),
      threshold: roles.threshold,
      eta: p.eta,
      deadline: p.deadline,
      /** The hub's clock (latest block time) that `eta` and `deadline` count against. */
      chainTime: chainTime ?? (await this.chainTime()),
      queueTx: p.queueTx,
      executeTx: p.executeTx,
      error: p.error,
      createdAt: p.createdAt.toISOString(),
      /** RouteConfig proposals: the route proposed and how far the hub router has got with it. */
      route: routeConfig?.route ?? null,
      propagation: routeConfig
        ? routeConfig.propagation
        : p.status === 'executed' && p.segment
          ? await this.propagation(p.segment, p.executeTx)
          : this.ctx.chains.map((c) => ({ eid: c.eid, name: c.name, applied: false })),
    };
  }

  async list() {
    // the governor set is read once for the whole list
    const [proposals, roles, now] = await Promise.all([
      this.ctx.repo.proposals(),
      readRoles(this.hub),
      this.chainTime(),
    ]);
    return Promise.all(proposals.map((p) => this.view(p.id, roles.threshold, now)));
  }

  /**
   * Per chain: has the vault applied the controller's current epochs for this segment, and where
   * is the message that carries them (the relayer's record of the packet the execute transaction
   * sent to that chain; null on the hub, or when no relayer is configured or it has none)?
   */
  async propagation(segmentName: string, executeTx?: Hex | null) {
    const id = toBytes32Name(segmentName);
    const [c, messages] = await Promise.all([
      controllerSegment(this.hub, id),
      executeTx ? this.packetsSentBy(executeTx) : new Map<number, RelayedMessage>(),
    ]);
    return Promise.all(
      this.ctx.chains.map(async (chain) => {
        const v = await vaultSegment(chain, id);
        const applied =
          !!v &&
          v.config.paramsEpoch >= c.paramsEpoch &&
          v.config.boundaryEpoch >= c.boundaryEpoch &&
          v.config.statusEpoch >= c.statusEpoch;
        return { eid: chain.eid, name: chain.name, applied, message: messages.get(chain.eid) ?? null };
      }),
    );
  }

  /** The relayer's records of the packets a transaction sent, by destination (empty without a relayer). */
  private async packetsSentBy(txHash: Hex): Promise<Map<number, RelayedMessage>> {
    const url = this.ctx.settings.relayerUrl;
    const out = new Map<number, RelayedMessage>();
    if (!url) return out;
    try {
      const res = await fetch(`${url}/packets?srcTx=${txHash}&limit=100`, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) return out;
      for (const p of (await res.json()) as (RelayedMessage & { dstEid: number })[]) {
        out.set(p.dstEid, { guid: p.guid, stage: p.stage, attempts: p.attempts, lastError: p.lastError });
      }
    } catch (error) {
      this.log.warn({ at: 'Governance#packetsSentBy', txHash, reason: revertReason(error) });
    }
    return out;
  }

  async segments() {
    const ids = await segmentIds(this.hub);
    return Promise.all(ids.map((id) => this.segment(id)));
  }

  async segmentByName(name: string) {
    const id = toBytes32Name(name);
    return this.segment(id, await this.existing(id, name));
  }

  /** The controller's record of a segment; 404 when it has none. */
  private async existing(id: Hex, name: string) {
    const c = await controllerSegment(this.hub, id);
    if (c.status === 0) throw new GovernanceError('NOT_FOUND', `segment: no segment "${name}"`);
    return c;
  }

  private async segment(id: Hex, known?: Awaited<ReturnType<typeof controllerSegment>>) {
    const c = known ?? (await controllerSegment(this.hub, id));
    const params = decodeStoredRiskParams(c.params);
    const [chains, borrow] = await Promise.all([
      Promise.all(
        this.ctx.chains.map(async (chain) => ({
          ...(await this.chainState(chain, id, c)),
          attestation: await this.attestation(id, chain.eid),
        })),
      ),
      hubAsset(this.hub, c.borrowAssetId),
    ]);
    return {
      name: fromBytes32Name(id),
      id,
      status: statusName(c.status),
      paramsEpoch: Number(c.paramsEpoch),
      boundaryEpoch: Number(c.boundaryEpoch),
      statusEpoch: Number(c.statusEpoch),
      borrowAsset: fromBytes32Name(c.borrowAssetId),
      /** Decimals of the borrow asset: amounts in `chains` (insurance, …) are in its base units. */
      borrowDecimals: borrow?.decimals ?? null,
      collaterals: c.collateralIds.map(fromBytes32Name),
      globalCapUsd: c.globalCap.toString(),
      globalCollateralUsd: c.globalCollateral.toString(),
      params: {
        borrowCap: params.borrowCap.toString(),
        reserveFactorBps: params.reserveFactorBps,
        assets: params.assets.map((a) => ({
          asset: fromBytes32Name(a.assetId),
          ltvBps: a.ltvBps,
          liqThresholdBps: a.liqThresholdBps,
          liqBonusBps: a.liqBonusBps,
        })),
      },
      chains,
    };
  }

  private async chainState(chain: GovernanceChain, id: Hex, c: Awaited<ReturnType<typeof controllerSegment>>) {
    const v = await vaultSegment(chain, id);
    if (!v)
      return {
        eid: chain.eid,
        name: chain.name,
        status: null,
        paramsEpoch: null,
        boundaryEpoch: null,
        statusEpoch: null,
        applied: false,
        utilisationBps: 0,
        insurance: '0',
      };
    const supplied = v.ledger.cash + v.borrowed - v.ledger.insurance;
    return {
      eid: chain.eid,
      name: chain.name,
      status: statusName(v.config.status),
      paramsEpoch: Number(v.config.paramsEpoch),
      boundaryEpoch: Number(v.config.boundaryEpoch),
      statusEpoch: Number(v.config.statusEpoch),
      applied:
        v.config.paramsEpoch >= c.paramsEpoch &&
        v.config.boundaryEpoch >= c.boundaryEpoch &&
        v.config.statusEpoch >= c.statusEpoch,
      utilisationBps: supplied > 0n ? Number((v.borrowed * 10_000n) / supplied) : 0,
      insurance: v.ledger.insurance.toString(),
    };
  }

  /** The controller's latest attestation of a segment from one chain (null before the first). */
  private async attestation(id: Hex, eid: number) {
    const a = await this.hub.client.readContract({
      address: this.hub.controller,
      abi: SegmentController.abi,
      functionName: 'attestation',
      args: [id, eid],
    });
    if (a.blockNumber === 0n) return null;
    return {
      blockNumber: a.blockNumber.toString(),
      at: new Date(Number(a.timestamp) * 1000).toISOString(),
      collateralValueUsd: a.snapshot.collateralValue.toString(),
      totalBorrowed: a.snapshot.totalBorrowed.toString(),
    };
  }

  /** The risk-parameter history of a segment from the controller's events (governance and steward). */
  async history(name: string) {
    const id = toBytes32Name(name);
    await this.existing(id, name);
    const logs = await hubEvents(this.hub, this.ctx.settings, (fromBlock, toBlock) =>
      this.hub.client.getContractEvents({
        address: this.hub.controller,
        abi: SegmentController.abi,
        eventName: 'RiskParamsChanged',
        args: { segment: id },
        fromBlock,
        toBlock,
      }),
    );
    // the parameters of each epoch: the controller's state at the block that set them
    return Promise.all(
      logs.map(async (l) => {
        const at = await this.hub.client.readContract({
          address: this.hub.controller,
          abi: SegmentController.abi,
          functionName: 'getSegment',
          args: [id],
          blockNumber: l.blockNumber,
        });
        const block = await this.hub.client.getBlock({ blockNumber: l.blockNumber });
        return {
          paramsEpoch: Number(l.args.paramsEpoch ?? 0),
          bySteward: l.args.bySteward ?? false,
          block: Number(l.blockNumber),
          at: new Date(Number(block.timestamp) * 1000).toISOString(),
          assets: decodeStoredRiskParams(at.params).assets.map((a) => ({
            asset: fromBytes32Name(a.assetId),
            ltvBps: a.ltvBps,
            liqThresholdBps: a.liqThresholdBps,
          })),
        };
      }),
    );
  }

  async chainsView() {
    return Promise.all(
      this.ctx.chains.map(async (c) => {
        const head = await c.client.getBlockNumber().catch(() => null);
        return {
          eid: c.eid,
          name: c.name,
          chainId: c.chainId,
          role: c.role,
          reachable: head !== null,
          head: head?.toString() ?? null,
        };
      }),
    );
  }

  async audit(proposalId?: Hex) {
    return (await this.ctx.repo.auditLog(proposalId ? { proposalId } : {})).map((a) => ({
      ...a,
      at: a.at.toISOString(),
    }));
  }

  /** In-flight messages from the relayer's API (empty when none is configured or it is unreachable). */
  async messages() {
    const url = this.ctx.settings.relayerUrl;
    if (!url) return [];
    try {
      const res = await fetch(`${url}/packets?limit=50`, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) return [];
      return (await res.json()) as unknown[];
    } catch {
      return [];
    }
  }

  async correlation() {
    const url = this.ctx.settings.riskUrl;
    if (!url) return null;
    try {
      const res = await fetch(`${url}/correlation`, { signal: AbortSignal.timeout(2_000) });
      return res.ok ? await res.json() : null;
    } catch {
      return null;
    }
  }
}
