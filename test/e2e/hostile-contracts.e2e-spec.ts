/**
 * Hostile input against the contracts (reliability suite, issue 9), on a 3-chain devnet with the
 * real LayerZero v2 endpoints: hub 40101 (controller, vault, router), spokes 40102 (A) and 40103
 * (B). Every hostile attempt must be refused — a revert or an ignore, named by a custom error or
 * event — and leave the ledgers it aimed at exactly as they were. Each case counts its refusals
 * and changed ledgers; the last test prints `hostile: <case> rejected=<n> changed=0` per case
 * and asserts the totals.
 *
 * Already covered elsewhere, and not repeated here: lzReceive called by anyone but the endpoint
 * (OnlyEndpoint) and a committed message refused after the peer was removed or moved (NoPeer,
 * OnlyPeer) and an older risk-parameter update executed after a newer one (StaleEpoch) in
 * segment-crosschain; applyFromController by anyone but the controller (NotController) in
 * segment-vault; short, unsorted and non-governor signatures in
 * segment-controller. Cases those suites hold without the "ledgers unchanged" check (non-peer
 * senders, stale and future prices, replays after cancellation and across domains) are here with it.
 *
 * The tests share one world and run in order (the ManualRelay's scan cursor cannot be rewound
 * with anvil snapshots); each leaves nothing undelivered.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  concat,
  decodeErrorResult,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  keccak256,
  maxUint256,
  parseEther,
  parseEventLogs,
  parseUnits,
  toHex,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
  zeroAddress,
  zeroHash,
} from 'viem';
import {
  allErrorsAbi,
  DevPriceFeed,
  EndpointV2,
  HookToken,
  ReceiveUln302,
  SegmentController,
  SegmentRouter,
  SegmentVault,
  SmokeOApp,
} from '#app/contracts';
import { DEVNET_RATES, DEVNET_STEWARD_BOUNDS, type RelayedPacket, type SentPacket } from '#app/devnet';
import {
  addressToBytes32,
  decodeMessage,
  decodePacket,
  encodeActionData,
  encodeAttestation,
  encodeRiskParams,
  encodeRouteConfig,
  encodeRouteTransfer,
  MessageKind,
  ProposalAction,
  routeIdOf,
  signProposal,
  type LzPacket,
  type Proposal,
  type RiskParams,
  type Route,
} from '#app/messaging';
import { asset, Reverted, revertName, seg, SegmentWorld, user, params, withAsset } from '../support/segments.js';

const HUB = 40101;
const SPOKES = [40102, 40103] as const;
const [A, B] = SPOKES;
/** BatchExecutor.Outcome. */
const Outcome = { Delivered: 0, AlreadyDelivered: 1, CommitFailed: 2, ReceiveFailed: 3 } as const;
/** SegmentRouter.TransferState. */
const Transfer = { Sent: 1, Refunded: 3, Credited: 4, RefundSent: 5 } as const;
/** SegmentStatus as the contracts number it. */
const Status = { Active: 1, Frozen: 3 } as const;
const USDC = asset('USDC');
const usdc = (n: string) => parseUnits(n, 6);

let w: SegmentWorld;
const deployer = () => w.role('deployer');

// ------------------------------------------------------------------ tally

type Case = 'non-peer' | 'forged-packet' | 'replay' | 'reentrancy' | 'price-feed' | 'governance-replay';
const tally = new Map<Case, { rejected: number; changed: number }>();

/** Records `rejected` refusals of one case and whether the state it aimed at changed; asserts it did not. */
function settle(kase: Case, rejected: number, before: unknown, after: unknown): void {
  const entry = tally.get(kase) ?? { rejected: 0, changed: 0 };
  entry.rejected += rejected;
  entry.changed += isDeepStrictEqual(before, after) ? 0 : 1;
  tally.set(kase, entry);
  expect(after).toEqual(before);
}

// ------------------------------------------------------------------ helpers

const withLtv = (p: RiskParams, ltvBps: number) => withAsset(p, { ltvBps });

/** Deploys `artifact` on `eid` from the deployer key; returns its address. */
async function deploy(eid: number, artifact: { abi: Abi; bytecode: Hex }, args: readonly unknown[]): Promise<Address> {
  const data = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args });
  const receipt = await w.relay.confirm(eid, w.relay.wallet(eid).sendTransaction({ data }));
  if (!receipt.contractAddress) throw new Error(`deployment on ${eid} created no contract`);
  return getAddress(receipt.contractAddress);
}

/**
 * A fresh SmokeOApp on `eid`, owned by the deployer: a sender we control. Each test deploys its
 * own: a packet its receiver refused to commit stays the first nonce of that path, and the
 * endpoint would refuse every later nonce from the same sender (LZ_InvalidNonce).
 */
const smokeApp = (eid: number) => deploy(eid, SmokeOApp, [w.relay.lz(eid).endpoint, deployer().address]);

/** Sends `message` through the real endpoint from our SmokeOApp `app` on `srcEid` to `receiver` on `dstEid`. */
async function sendFromSmoke(app: Address, srcEid: number, dstEid: number, receiver: Address, message: Hex) {
  await w.send(srcEid, deployer(), app, SmokeOApp.abi, 'setPeer', [dstEid, addressToBytes32(receiver)]);
  return w.relay.send(srcEid, app, dstEid, message, 600_000n);
}

function packetsOf(receipt: TransactionReceipt): Pick<SentPacket, 'packet' | 'options'>[] {
  return parseEventLogs({ abi: EndpointV2.abi, eventName: 'PacketSent', logs: receipt.logs }).map((l) => ({
    packet: decodePacket(l.args.encodedPayload),
    options: l.args.options,
  }));
}

function toEid(receipt: TransactionReceipt, eid: number): Pick<SentPacket, 'packet' | 'options'> {
  const found = packetsOf(receipt).find((s) => s.packet.dstEid === eid);
  if (!found) throw new Error(`no packet to ${eid}`);
  return found;
}

/** The custom error a call reverted with, by name and arguments; fails if it did not revert. */
async function revertOf(call: Promise<unknown>): Promise<{ name: string; args: readonly unknown[] }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Reverted) return { name: error.errorName, args: error.args };
    throw error;
  }
  throw new Error('expected a revert, but the call succeeded');
}

/** A custom error in raw revert data, by name and arguments. */
function errorOf(data: Hex): { name: string; args: readonly unknown[] } {
  const decoded = decodeErrorResult({ abi: allErrorsAbi, data });
  return { name: decoded.errorName, args: decoded.args ?? [] };
}

/** A relayed packet's outcome and the name of the error that refused it ('' when none). */
function outcomeOf(r: RelayedPacket): { to: Address; outcome: number; error: string } {
  return { to: r.packet.receiverAddress, outcome: r.outcome, error: r.reason === '0x' ? '' : errorOf(r.reason).name };
}

async function relayAllOk(): Promise<RelayedPacket[]> {
  const relayed = await w.relayAll();
  expect(relayed.map(outcomeOf).filter((o) => o.outcome !== Outcome.Delivered)).toEqual([]);
  return relayed;
}

/** A configuration message's segment, kind and epoch; undefined for the other kinds. */
function configEpoch(message: Hex): { segment: Hex; kind: number; epoch: bigint } | undefined {
  const d = decodeMessage(message);
  switch (d.kind) {
    case 'BOUNDARY':
      return { segment: d.message.segment, kind: MessageKind.BOUNDARY, epoch: d.message.boundaryEpoch };
    case 'RISK_PARAMS':
      return { segment: d.message.segment, kind: MessageKind.RISK_PARAMS, epoch: d.message.paramsEpoch };
    case 'SEGMENT_STATUS':
      return { segment: d.message.segment, kind: MessageKind.SEGMENT_STATUS, epoch: d.message.statusEpoch };
    case 'ATTESTATION':
    case 'ROUTE_CONFIG':
    case 'ROUTE_TRANSFER':
    case 'ROUTE_REFUND':
      return undefined;
  }
}

/** Calls EndpointV2.lzReceive directly, as any executor may. */
function lzReceive(eid: number, packet: LzPacket, guid: Hex, message: Hex): Promise<TransactionReceipt> {
  const origin = { srcEid: packet.srcEid, sender: packet.sender, nonce: packet.nonce };
  return w.send(eid, user(1), w.relay.lz(eid).endpoint, EndpointV2.abi, 'lzReceive', [
    origin,
    packet.receiverAddress,
    guid,
    message,
    '0x',
  ]);
}

const controllerRead = <T>(fn: string, args: readonly unknown[] = []) =>
  w.read<T>(HUB, w.controller, SegmentController.abi, fn, args);

/** A router's books for USDC: reserve, totals (debited, credited, refunded), transfer and route counts. */
async function routerBooks(eid: number) {
  return {
    reserve: await w.readRouter<bigint>(eid, 'reserve', [w.token('USDC', eid)]),
    totals: await w.readRouter<readonly bigint[]>(eid, 'totals', [USDC]),
    transfers: await w.readRouter<bigint>(eid, 'transferCount'),
    routes: await w.readRouter<bigint>(eid, 'routeCount'),
  };
}

/** Every segment ledger on every chain plus the controller's record of `name`. */
async function everywhere(name: string) {
  return {
    controller: await controllerRead<unknown>('getSegment', [seg(name)]),
    vaults: await Promise.all(w.eids.map((eid) => w.ledgerSnapshot(eid, seg(name)))),
  };
}

beforeAll(async () => {
  w = await SegmentWorld.start();
  expect([w.hubEid, ...w.eids.filter((e) => e !== w.hubEid)]).toEqual([HUB, ...SPOKES]);
});
afterAll(async () => {
  await w?.stop();
});

// ------------------------------------------------------------------ 1. non-peer senders

/**
 * Well-formed, profitable messages as only a peer may send them: risk parameters at 99 % LTV for
 * spoke A's weth segment, a route B/weth → A/weth with its config and a 500,000 USDC transfer for
 * spoke A's router, and an attestation of a huge weth exposure on B for the hub controller.
 */
async function profitableMessages() {
  const current = await w.readVault<{ paramsEpoch: bigint; boundaryEpoch: bigint }>(A, 'config', [seg('weth')]);
  const riskParams = encodeRiskParams({
    segment: seg('weth'),
    paramsEpoch: current.paramsEpoch + 100n,
    boundaryEpoch: current.boundaryEpoch,
    params: withAsset(params('weth'), { ltvBps: 9_900, liqThresholdBps: 9_900, liqBonusBps: 0 }),
  });
  const route: Route = {
    srcEid: B,
    srcSegment: seg('weth'),
    dstEid: A,
    dstSegment: seg('weth'),
    assetId: USDC,
    capacity: usdc('10000000'),
    refillPerSecond: usdc('10000000'),
    maxUtilBps: 10_000,
    enabled: true,
  };
  const routeId = routeIdOf(route);
  const routeConfig = encodeRouteConfig({ routeId, epoch: 1n, route });
  const transfer = encodeRouteTransfer({
    transferId: keccak256(toHex('hostile transfer')),
    routeId,
    srcEid: B,
    srcSegment: seg('weth'),
    dstEid: A,
    dstSegment: seg('weth'),
    assetId: USDC,
    amount: usdc('500000'),
  });
  const now = (await w.client(B).getBlock()).timestamp;
  const attestation = encodeAttestation({
    eid: B,
    blockNumber: 1n << 60n,
    timestamp: now,
    segments: [
      {
        segment: seg('weth'),
        collateralValue: parseEther('1000000000000'),
        totalBorrowed: 0n,
        idle: 0n,
        insurance: 0n,
        badDebt: 0n,
        accounts: 1,
        paramsEpoch: current.paramsEpoch,
        boundaryEpoch: current.boundaryEpoch,
        statusEpoch: 0n,
      },
    ],
  });
  return { riskParams, routeId, routeConfig, transfer, attestation };
}

describe('Hostile.nonPeer', () => {
  it('never lets an OApp that is not the configured peer reach a vault, a router or the controller', async () => {
    // Our SmokeOApps send them through the real endpoints: the risk parameters from the hub (the
    // right chain, not the controller) and from spoke B (a chain the vault has no peer on). Each
    // receiver's allowInitializePath says no, so the ULN cannot commit the verification
    // (LZ_PathNotInitializable) and nothing reaches the OApp.
    const { riskParams, routeId, routeConfig, transfer, attestation } = await profitableMessages();
    const state = async () => ({
      vault: await w.ledgerSnapshot(A, seg('weth')),
      router: await routerBooks(A),
      routeEpoch: await w.readRouter<bigint>(A, 'routeEpoch', [routeId]),
      controller: await controllerRead<unknown>('getSegment', [seg('weth')]),
      attestation: await controllerRead<unknown>('attestation', [seg('weth'), B]),
    });
    const before = await state();

    const [fromHub, fromB] = [await smokeApp(HUB), await smokeApp(B)];
    await sendFromSmoke(fromHub, HUB, A, w.vault(A), riskParams);
    await sendFromSmoke(fromHub, HUB, A, w.router(A), routeConfig);
    await sendFromSmoke(fromB, B, A, w.vault(A), riskParams);
    await sendFromSmoke(fromB, B, A, w.router(A), transfer);
    await sendFromSmoke(fromB, B, HUB, w.controller, attestation);
    const relayed = (await w.relayAll()).map(outcomeOf);
    const refused = (to: Address) => ({ to, outcome: Outcome.CommitFailed, error: 'LZ_PathNotInitializable' });
    expect(relayed).toEqual([
      refused(w.vault(A)),
      refused(w.router(A)),
      refused(w.vault(A)),
      refused(w.router(A)),
      refused(w.controller),
    ]);
    settle('non-peer', relayed.length, before, await state());
  });
});

// ------------------------------------------------------------------ 2. forged packets

describe('Hostile.forgedPacket', () => {
  it('cannot execute a packet whose payload differs from the one the DVNs verified', async () => {
    // A real controller packet to spoke A is DVN-verified and committed, but not executed yet.
    // The forger then offers the endpoint the same origin and nonce with a better message (LTV
    // 79 % instead of 70 %), and the genuine message under another guid; and hands the forged
    // one to our batch executor, which first tries to commit the forged payload hash.
    const genuine = withLtv(params('wbtc'), 7_000);
    const receipt = await w.govern({ action: ProposalAction.SetRiskParams, segment: seg('wbtc'), params: genuine });
    const { packet, options } = toEid(receipt, A);
    await w.relay.verify(A, [packet]);
    await w.send(A, deployer(), w.relay.lz(A).receiveUln302, ReceiveUln302.abi, 'commitVerification', [
      packet.header,
      packet.payloadHash,
    ]);
    const decoded = decodeMessage(packet.message);
    if (decoded.kind !== 'RISK_PARAMS') throw new Error(`expected RISK_PARAMS, got ${decoded.kind}`);
    const forged = encodeRiskParams({ ...decoded.message, params: withLtv(genuine, 7_900) });
    const otherGuid = keccak256(concat([packet.guid, '0x01']));
    const before = await w.ledgerSnapshot(A, seg('wbtc'));

    // the endpoint holds the verified hash for this nonce and names both hashes
    const notFound = (guid: Hex, message: Hex) => ({
      name: 'LZ_PayloadHashNotFound',
      args: [packet.payloadHash, keccak256(concat([guid, message]))],
    });
    const direct = [
      await revertOf(lzReceive(A, packet, packet.guid, forged)),
      await revertOf(lzReceive(A, packet, otherGuid, packet.message)),
    ];
    expect(direct).toEqual([notFound(packet.guid, forged), notFound(otherGuid, packet.message)]);
    const [batched] = await w.relay.deliver(A, [{ packet: { ...packet, message: forged }, options }]);
    expect({ outcome: batched?.outcome, error: errorOf(batched?.reason ?? '0x').name }).toEqual({
      outcome: Outcome.CommitFailed,
      error: 'LZ_ULN_Verifying',
    });
    settle('forged-packet', direct.length + 1, before, await w.ledgerSnapshot(A, seg('wbtc')));

    // the genuine packet is still there, and executes as it was sent
    await relayAllOk();
    const { paramsEpoch } = await controllerRead<{ paramsEpoch: bigint }>('getSegment', [seg('wbtc')]);
    for (const eid of SPOKES) {
      const cfg = await w.readVault<{ paramsEpoch: bigint }>(eid, 'config', [seg('wbtc')]);
      const collateral = await w.readVault<{ ltvBps: number }>(eid, 'collateralConfig', [seg('wbtc'), asset('WBTC')]);
      expect({ eid, paramsEpoch: cfg.paramsEpoch, ltv: collateral.ltvBps }).toEqual({ eid, paramsEpoch, ltv: 7_000 });
    }
  });
});

// ------------------------------------------------------------------ 3. replays

/**
 * Route A/weth → B/crv, allowed by governance: one transfer credited on B and a second, larger than
 * B's reserve, refused by B and refunded to A. Returns the three packets as they crossed.
 */
async function creditAndRefund(): Promise<{ credited: LzPacket; refused: LzPacket; refund: LzPacket }> {
  const route: Route = {
    srcEid: A,
    srcSegment: seg('weth'),
    dstEid: B,
    dstSegment: seg('crv'),
    assetId: USDC,
    capacity: usdc('2000000'),
    refillPerSecond: usdc('1000'),
    maxUtilBps: 9_000,
    enabled: true,
  };
  const { routeId } = await w.allowRoute(route);
  await relayAllOk();
  const supplier = user(30);
  await w.fund(A, supplier, 'USDC', usdc('2000000'));
  await w.vaultCall(A, supplier, 'supply', [seg('weth'), usdc('2000000'), supplier.address]);
  const reserveB = await w.readRouter<bigint>(B, 'reserve', [w.token('USDC', B)]);
  const operator = w.role('routeOperator');
  const credited = toEid(await w.routerCall(A, operator, 'route', [routeId, usdc('1000')]), B).packet;
  await relayAllOk();
  const refused = toEid(await w.routerCall(A, operator, 'route', [routeId, reserveB]), B).packet;
  // B refuses it (its reserve is 1,000 short) and sends the refund, relayed back to A in the same pass
  const refund = (await relayAllOk()).find((r) => r.dstEid === A)?.packet;
  if (!refund) throw new Error('B sent no refund');
  return { credited, refused, refund };
}

/** The transfer id a ROUTE_TRANSFER or ROUTE_REFUND carries. */
function transferIdOf(p: LzPacket): Hex {
  const d = decodeMessage(p.message);
  if (d.kind !== 'ROUTE_TRANSFER' && d.kind !== 'ROUTE_REFUND') throw new Error(`unexpected ${d.kind}`);
  return d.message.transferId;
}

describe('Hostile.replay', () => {
  it('refuses every configuration message the vault already applied, replayed under new nonces (StaleEpoch)', async () => {
    // LayerZero never executes one nonce twice (the first check below). A replay can only come
    // as the same bytes under a new nonce from the peer — a compromised or redeployed controller.
    // We play that peer honestly: spoke A's vault owner points the hub peer at our SmokeOApp for
    // the duration, the SmokeOApp sends every crv message the controller ever sent to A, byte
    // for byte, and the peer is restored. The vault's epochs are what must refuse them.
    await w.send(HUB, w.role('guardian'), w.controller, SegmentController.abi, 'freeze', [seg('crv')]);
    await w.govern({ action: ProposalAction.SetStatus, segment: seg('crv'), status: Status.Active });
    await w.govern({
      action: ProposalAction.SetRiskParams,
      segment: seg('crv'),
      params: withLtv(params('crv'), 5_000),
    });
    await relayAllOk();

    const controller32 = addressToBytes32(w.controller);
    const history = (
      await w.client(HUB).getContractEvents({
        address: w.relay.lz(HUB).endpoint,
        abi: EndpointV2.abi,
        eventName: 'PacketSent',
        fromBlock: 0n,
      })
    )
      .map((l) => decodePacket(l.args.encodedPayload as Hex)) // PacketSent always carries it
      .filter((p) => p.sender === controller32 && p.dstEid === A)
      .map((packet) => ({ packet, config: configEpoch(packet.message) }))
      .filter(({ config }) => config?.segment === seg('crv'));
    const { BOUNDARY, RISK_PARAMS, SEGMENT_STATUS } = MessageKind;
    expect(history.map((h) => h.config?.kind)).toEqual([
      BOUNDARY,
      RISK_PARAMS,
      SEGMENT_STATUS,
      SEGMENT_STATUS,
      RISK_PARAMS,
    ]);
    const cfg = await w.readVault<{ paramsEpoch: bigint; boundaryEpoch: bigint; statusEpoch: bigint }>(A, 'config', [
      seg('crv'),
    ]);
    const currentEpoch: Record<number, bigint> = {
      [BOUNDARY]: cfg.boundaryEpoch,
      [RISK_PARAMS]: cfg.paramsEpoch,
      [SEGMENT_STATUS]: cfg.statusEpoch,
    };
    const before = await w.ledgerSnapshot(A, seg('crv'));

    // the same packet again: the endpoint cleared its payload hash when it executed it
    const frozen = history[2].packet; // the guardian's freeze, listed above
    expect(await revertOf(lzReceive(A, frozen, frozen.guid, frozen.message))).toEqual({
      name: 'LZ_PayloadHashNotFound',
      args: [zeroHash, frozen.payloadHash],
    });

    const replayer = await smokeApp(HUB);
    await w.send(A, deployer(), w.vault(A), SegmentVault.abi, 'setPeer', [HUB, addressToBytes32(replayer)]);
    for (const { packet } of history) await sendFromSmoke(replayer, HUB, A, w.vault(A), packet.message);
    const relayed = await w.relayAll();
    await w.send(A, deployer(), w.vault(A), SegmentVault.abi, 'setPeer', [HUB, controller32]);
    expect(await w.readVault<Hex>(A, 'peers', [HUB])).toBe(controller32);

    expect(relayed.map((r) => ({ outcome: r.outcome, ...errorOf(r.reason) }))).toEqual(
      history.map(({ config }) => ({
        outcome: Outcome.ReceiveFailed,
        name: 'StaleEpoch',
        args: [seg('crv'), config?.kind, config?.epoch, currentEpoch[config?.kind ?? 0]],
      })),
    );
    settle('replay', relayed.length + 1, before, await w.ledgerSnapshot(A, seg('crv')));
    expect((await w.readVault<{ status: number }>(A, 'config', [seg('crv')])).status).toBe(Status.Active);
  });

  it('ignores a route transfer or refund whose id the router has seen (DuplicateIgnored)', async () => {
    // As above, each router's peer is pointed at our SmokeOApp on the other spoke for the
    // duration, which replays both ROUTE_TRANSFERs to B and the ROUTE_REFUND to A byte for byte
    // under new nonces: no second credit, no second refund, no second refund message.
    const { credited, refused, refund } = await creditAndRefund();
    const [t1, t2] = [transferIdOf(credited), transferIdOf(refused)];
    expect(transferIdOf(refund)).toBe(t2);
    const stateOf = (id: Hex, eid: number) => w.readRouter<{ state: number }>(eid, 'getTransfer', [id]);
    const [t1OnB, t2OnB, t2OnA] = [await stateOf(t1, B), await stateOf(t2, B), await stateOf(t2, A)];
    expect([t1OnB.state, t2OnB.state, t2OnA.state]).toEqual([
      Transfer.Credited,
      Transfer.RefundSent,
      Transfer.Refunded,
    ]);

    const state = async () => ({
      src: await w.ledgerSnapshot(A, seg('weth')),
      dst: await w.ledgerSnapshot(B, seg('crv')),
      routers: [await routerBooks(A), await routerBooks(B)],
      transfers: [await stateOf(t1, B), await stateOf(t2, B), await stateOf(t1, A), await stateOf(t2, A)],
    });
    const before = await state();
    const fromBlock = new Map<number, bigint>([
      [A, await w.client(A).getBlockNumber()],
      [B, await w.client(B).getBlockNumber()],
    ]);
    const setRouterPeer = (eid: number, peerEid: number, peer: Address) =>
      w.routerCall(eid, deployer(), 'setPeer', [peerEid, addressToBytes32(peer)]);
    const replayers = { [A]: await smokeApp(A), [B]: await smokeApp(B) };
    await setRouterPeer(B, A, replayers[A]);
    await setRouterPeer(A, B, replayers[B]);
    await sendFromSmoke(replayers[A], A, B, w.router(B), credited.message);
    await sendFromSmoke(replayers[A], A, B, w.router(B), refused.message);
    await sendFromSmoke(replayers[B], B, A, w.router(A), refund.message);
    const relayed = await relayAllOk();
    await setRouterPeer(B, A, w.router(A));
    await setRouterPeer(A, B, w.router(B));
    expect(relayed).toHaveLength(3);
    expect(await w.relayAll()).toEqual([]); // the replayed transfer sent no second refund

    const ignored = async (eid: number) =>
      (
        await w.client(eid).getContractEvents({
          address: w.router(eid),
          abi: SegmentRouter.abi,
          eventName: 'DuplicateIgnored',
          fromBlock: fromBlock.get(eid),
        })
      ).map((l) => l.args);
    const duplicates = [...(await ignored(B)), ...(await ignored(A))];
    expect(duplicates).toEqual([
      { transferId: t1, kind: MessageKind.ROUTE_TRANSFER },
      { transferId: t2, kind: MessageKind.ROUTE_TRANSFER },
      { transferId: t2, kind: MessageKind.ROUTE_REFUND },
    ]);
    settle('replay', duplicates.length, before, await state());
  });
});

// ------------------------------------------------------------------ 4–5. a hostile collateral and its feed

describe('Hostile.collateral', () => {
  // A throwaway segment 'hook' lending USDC against HOOK, a HookToken registered on every chain
  // through governance like any asset. The token is the attacker's account too: it holds a
  // HOOK position of its own, armed to call the vault back in the middle of a transfer.
  const HOOK = asset('HOOK');
  const hookSeg = seg('hook');
  const attacker = user(60);
  const honest = user(61);
  const liquidator = user(62);
  const MAX_STALENESS = 3_600;
  const PRICE = 10n * 10n ** 8n; // $10, 8 decimals
  let token: Address;
  let feed: Address;

  const asToken = (target: Address, data: Hex) =>
    w.send(HUB, attacker, token, HookToken.abi, 'execute', [target, data]);
  const vaultAbi: Abi = SegmentVault.abi; // widened: calldata for any vault function by name
  const vaultData = (functionName: string, args: readonly unknown[]) =>
    encodeFunctionData({ abi: vaultAbi, functionName, args });
  const arm = (functionName: string, args: readonly unknown[]) =>
    w.send(HUB, attacker, token, HookToken.abi, 'arm', [w.vault(HUB), vaultData(functionName, args)]);
  const accountOf = (owner: Address) => w.readVault<Hex>(HUB, 'accountKey', [hookSeg, owner, 0]);
  const account = async (owner: Address) => ({
    collateral: await w.readVault<bigint>(HUB, 'collateralOf', [await accountOf(owner), HOOK]),
    debt: await w.readVault<bigint>(HUB, 'debtOf', [hookSeg, owner, 0]),
  });
  const state = async () => ({
    ledger: await w.ledgerSnapshot(HUB, hookSeg),
    token: await account(token),
    honest: await account(honest.address),
    held: await w.read<bigint>(HUB, token, HookToken.abi, 'balanceOf', [w.vault(HUB)]),
    usdc: await w.balanceOf(HUB, 'USDC', w.vault(HUB)),
  });

  beforeAll(async () => {
    const hooks = new Map<number, Address>();
    for (const eid of w.eids) {
      const t = await deploy(eid, HookToken, ['Hook', 'HOOK', 18, attacker.address]);
      const f = await deploy(eid, DevPriceFeed, ['HOOK / USD', 8, PRICE, deployer().address]);
      await w.govern({
        action: ProposalAction.RegisterAsset,
        assetId: HOOK,
        eid,
        token: t,
        feed: f,
        maxStaleness: MAX_STALENESS,
      });
      hooks.set(eid, t);
      if (eid === HUB) [token, feed] = [t, f];
    }
    const p: RiskParams = {
      borrowCap: usdc('1000000'),
      reserveFactorBps: 1_000,
      rates: DEVNET_RATES,
      assets: [
        { assetId: HOOK, ltvBps: 5_000, liqThresholdBps: 6_000, liqBonusBps: 1_000, supplyCap: parseEther('1000000') },
      ],
    };
    await w.govern({
      action: ProposalAction.CreateSegment,
      segment: hookSeg,
      borrowAssetId: USDC,
      collateralIds: [HOOK],
      params: p,
      bounds: DEVNET_STEWARD_BOUNDS,
      globalCapUsd: 0n,
    });
    await relayAllOk(); // boundary and parameters on both spokes
    for (const eid of SPOKES) {
      const listed = await w.readVault<{ token: Address; listed: boolean }>(eid, 'collateralConfig', [hookSeg, HOOK]);
      expect({ eid, token: listed.token, listed: listed.listed }).toEqual({ eid, token: hooks.get(eid), listed: true });
    }

    // on the hub: liquidity, the token's own position, an honest borrower
    const lender = user(63);
    await w.fund(HUB, lender, 'USDC', usdc('100000'));
    await w.vaultCall(HUB, lender, 'supply', [hookSeg, usdc('100000'), lender.address]);
    await w.send(HUB, attacker, token, HookToken.abi, 'mint', [token, parseEther('1000')]);
    await asToken(
      token,
      encodeFunctionData({ abi: HookToken.abi, functionName: 'approve', args: [w.vault(HUB), maxUint256] }),
    );
    await asToken(w.vault(HUB), vaultData('depositCollateral', [hookSeg, 0, HOOK, parseEther('100')]));
    await w.send(HUB, attacker, token, HookToken.abi, 'mint', [honest.address, parseEther('100')]);
    await w.send(HUB, honest, token, HookToken.abi, 'approve', [w.vault(HUB), maxUint256]);
    await w.vaultCall(HUB, honest, 'depositCollateral', [hookSeg, 0, HOOK, parseEther('50')]);
    await w.vaultCall(HUB, honest, 'borrow', [hookSeg, 0, usdc('200'), honest.address]); // $500 collateral, limit $250
    await w.fund(HUB, liquidator, 'USDC', usdc('10000'));
  });

  it('refuses a collateral token that re-enters the vault during its transfer (ReentrancyGuardReentrantCall)', async () => {
    const before = await state();
    const names: string[] = [];
    // 1. deposit re-entering deposit: without the guard the outer deposit, which counts what
    //    arrived by balance difference, would also count the inner one: collateral booked twice
    await arm('depositCollateral', [hookSeg, 0, HOOK, parseEther('100')]);
    names.push(
      await revertName(asToken(w.vault(HUB), vaultData('depositCollateral', [hookSeg, 0, HOOK, parseEther('100')]))),
    );
    // 2. withdrawal re-entering withdrawal (the vault's checks-effects-interactions order would
    //    hold here too; the guard refuses it before anything is checked)
    await arm('withdrawCollateral', [hookSeg, 0, HOOK, parseEther('100'), token]);
    names.push(
      await revertName(
        asToken(w.vault(HUB), vaultData('withdrawCollateral', [hookSeg, 0, HOOK, parseEther('100'), token])),
      ),
    );
    // 3. an honest user's deposit, hijacked by the token to borrow against its own position:
    //    nothing runs inside another account's operation
    await arm('borrow', [hookSeg, 0, usdc('400'), token]);
    names.push(await revertName(w.vaultCall(HUB, honest, 'depositCollateral', [hookSeg, 0, HOOK, parseEther('1')])));
    expect(names).toEqual(Array(3).fill('ReentrancyGuardReentrantCall'));
    settle('reentrancy', names.length, before, await state());

    // disarmed, the same honest deposit goes through: it was the re-entry that was refused
    await w.send(HUB, attacker, token, HookToken.abi, 'arm', [zeroAddress, '0x']);
    await w.vaultCall(HUB, honest, 'depositCollateral', [hookSeg, 0, HOOK, parseEther('1')]);
    expect((await account(honest.address)).collateral).toBe(before.honest.collateral + parseEther('1'));
  });

  it('refuses to borrow or liquidate on a stale, future, zero or negative price (StalePrice, InvalidPrice)', async () => {
    // At $0 the honest borrower would look insolvent and lose all collateral to a liquidator;
    // a negative answer would become a huge unsigned price; a stale one hides a crash.
    const setAnswerAt = (answer: bigint, at: bigint) =>
      w.send(HUB, deployer(), feed, DevPriceFeed.abi, 'setAnswerAt', [answer, at]);
    const now = async () => (await w.client(HUB).getBlock()).timestamp;
    const before = await state();
    const cases: [string, () => Promise<unknown>, string][] = [
      ['stale', async () => setAnswerAt(PRICE, (await now()) - BigInt(MAX_STALENESS) - 1n), 'StalePrice'],
      ['future', async () => setAnswerAt(PRICE, (await now()) + 3_600n), 'StalePrice'],
      ['zero', async () => setAnswerAt(0n, await now()), 'InvalidPrice'],
      ['negative', async () => setAnswerAt(-PRICE, await now()), 'InvalidPrice'],
    ];
    const seen: Record<string, string[]> = {};
    for (const [label, setPrice, expected] of cases) {
      await setPrice();
      seen[label] = [
        await revertName(w.vaultCall(HUB, honest, 'borrow', [hookSeg, 0, usdc('1'), honest.address])),
        await revertName(w.vaultCall(HUB, liquidator, 'liquidate', [hookSeg, honest.address, 0, HOOK, usdc('100')])),
      ];
      expect({ label, errors: seen[label] }).toEqual({ label, errors: [expected, expected] });
    }
    settle('price-feed', Object.values(seen).flat().length, before, await state());

    // a fresh, sane price again: the account is healthy, and liquidation says so by name
    await setAnswerAt(PRICE, await now());
    expect(
      await revertName(w.vaultCall(HUB, liquidator, 'liquidate', [hookSeg, honest.address, 0, HOOK, usdc('100')])),
    ).toBe('AccountHealthy');
  });
});

// ------------------------------------------------------------------ 6. governance signatures

/** Another chain's controller domain: the devnet's governors also run a SegmentController on `eid`. */
function controllerOn(eid: number): Promise<Address> {
  return deploy(eid, SegmentController, [
    w.relay.lz(eid).endpoint,
    deployer().address,
    w.vault(eid), // its vault and risk rules are never reached by `queue`
    w.vault(eid),
    [w.role('governor1').address, w.role('governor2').address, w.role('governor3').address],
    2,
    0,
    w.role('guardian').address,
    w.role('riskSteward').address,
  ]);
}

describe('Hostile.governanceReplay', () => {
  it('refuses signatures replayed on another chain’s controller, after cancellation and after execution', async () => {
    // Three proposals on wbtc, each signed by two governors: a freeze signed for the hub and for
    // a second controller on spoke B, replayed on the other one; a freeze queued and cancelled,
    // then executed or re-queued; a risk-parameter change executed, then re-queued or re-executed.
    // Any one of them getting through would change wbtc on the controller and on every vault.
    const governors = [w.role('governor1'), w.role('governor2')];
    const hubChain = w.relay.chain(HUB).chainId;
    const queue = (controller: Address, eid: number, p: Proposal, signatures: readonly Hex[]) =>
      w.send(eid, user(9), controller, SegmentController.abi, 'queue', [
        p.action,
        p.data,
        p.nonce,
        p.deadline,
        signatures,
      ]);
    const execute = (p: Proposal) =>
      w.send(HUB, user(9), w.controller, SegmentController.abi, 'execute', [p.action, p.data, p.nonce, p.deadline]);
    const deadline = (await w.client(HUB).getBlock()).timestamp + 86_400n;
    const draft = (label: string, data: Proposal['data'], action: Proposal['action']): Proposal => ({
      action,
      data,
      nonce: BigInt(keccak256(toHex(`hostile:${label}`))),
      deadline,
    });
    const freeze = encodeActionData({ action: ProposalAction.SetStatus, segment: seg('wbtc'), status: Status.Frozen });

    const other = await controllerOn(B);
    const crossed = draft('cross-domain', freeze, ProposalAction.SetStatus);
    const forHub = await signProposal(w.controller, hubChain, crossed, governors);
    const forOther = await signProposal(other, w.relay.chain(B).chainId, crossed, governors);

    // After cancellation: queued with real signatures, cancelled by a governor
    const cancelled = draft('cancelled', freeze, ProposalAction.SetStatus);
    const cancelledSigs = await signProposal(w.controller, hubChain, cancelled, governors);
    await queue(w.controller, HUB, cancelled, cancelledSigs);
    const cancelledId = await controllerRead<Hex>('hashProposal', [
      cancelled.action,
      cancelled.data,
      cancelled.nonce,
      deadline,
    ]);
    await w.send(HUB, w.role('governor3'), w.controller, SegmentController.abi, 'cancel', [cancelledId]);

    // After execution: a risk-parameter change, executed and delivered
    const executed = draft(
      'executed',
      encodeActionData({
        action: ProposalAction.SetRiskParams,
        segment: seg('wbtc'),
        params: withLtv(params('wbtc'), 6_500),
      }),
      ProposalAction.SetRiskParams,
    );
    const executedSigs = await signProposal(w.controller, hubChain, executed, governors);
    await queue(w.controller, HUB, executed, executedSigs);
    await execute(executed);
    await relayAllOk();

    const before = await everywhere('wbtc');
    const names = [
      await revertName(queue(other, B, crossed, forHub)),
      await revertName(queue(w.controller, HUB, crossed, forOther)),
      await revertName(execute(cancelled)),
      await revertName(queue(w.controller, HUB, cancelled, cancelledSigs)),
      await revertName(queue(w.controller, HUB, executed, executedSigs)),
      await revertName(execute(executed)),
    ];
    expect(names).toEqual([
      'SignerNotGovernor',
      'SignerNotGovernor',
      'ProposalNotQueued',
      'NonceAlreadyUsed',
      'NonceAlreadyUsed',
      'ProposalNotQueued',
    ]);
    expect(await w.relayAll()).toEqual([]); // nothing was broadcast
    settle('governance-replay', names.length, before, await everywhere('wbtc'));
    // the cross-domain signatures were genuine, just for the other domain: there they queue
    await queue(other, B, crossed, forOther);
  });
});

// ------------------------------------------------------------------ report

describe('Hostile.report', () => {
  it('refused every hostile input and changed no ledger', () => {
    const expected: Record<Case, number> = {
      'non-peer': 5,
      'forged-packet': 3,
      replay: 9,
      reentrancy: 3,
      'price-feed': 8,
      'governance-replay': 6,
    };
    const report = Object.keys(expected).map((kase) => {
      const t = tally.get(kase as Case) ?? { rejected: 0, changed: 0 };
      process.stdout.write(`hostile: ${kase} rejected=${t.rejected} changed=${t.changed}\n`);
      return [kase, t] as const;
    });
    expect(Object.fromEntries(report)).toEqual(
      Object.fromEntries(Object.entries(expected).map(([kase, rejected]) => [kase, { rejected, changed: 0 }])),
    );
  });
});
