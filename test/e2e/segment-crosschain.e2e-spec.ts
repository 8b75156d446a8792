/**
 * Segment configuration and attestations crossing chains through the real LayerZero v2 path
 * (DVN quorum verify → ULN commit → EndpointV2.lzReceive via our BatchExecutor): hub 40101 with
 * the controller, spokes 40102 and 40103 with their vaults.
 *
 * The tests share one world and run in order. They cannot run on reverted snapshots: the
 * ManualRelay's scan cursor (how far it has relayed each chain) cannot be rewound with the chains.
 * Instead each test works on the segment it names, leaves nothing undelivered (or asserts what
 * stays undeliverable), and asserts its own preconditions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  decodeErrorResult,
  encodeAbiParameters,
  encodeDeployData,
  getAbiItem,
  parseEther,
  parseEventLogs,
  type Address,
  type Hex,
  type TransactionReceipt,
} from 'viem';
import {
  allErrorsAbi,
  CodecHarness,
  describeRevertData,
  EndpointV2,
  ReceiveUln302,
  SegmentController,
  SegmentVault,
  SmokeOApp,
} from '#app/contracts';
import { type RelayedPacket, type SentPacket } from '#app/devnet';
import { addressToBytes32, decodePacket, ProposalAction, type RiskParams } from '#app/messaging';
import { asset, revertName, seg, SegmentWorld, user, params, withAsset } from '../support/segments.js';

/** SegmentStatus and SegmentMessages kinds as the contracts number them. */
const Status = { Active: 1, ReduceOnly: 2, Frozen: 3 } as const;
const RISK_PARAMS_KIND = 1;
/** BatchExecutor.Outcome. */
const Outcome = { Delivered: 0, AlreadyDelivered: 1, CommitFailed: 2, ReceiveFailed: 3 } as const;

const HUB = 40101;
const SPOKES = [40102, 40103] as const;
const [SPOKE_A, SPOKE_B] = SPOKES;

let w: SegmentWorld;

interface VaultConfig {
  status: number;
  paramsEpoch: bigint;
  boundaryEpoch: bigint;
  statusEpoch: bigint;
  reserveFactorBps: number;
  borrowCap: bigint;
  rates: RiskParams['rates'];
  collateralIds: readonly Hex[];
}
const configOf = (eid: number, name: string) => w.readVault<VaultConfig>(eid, 'config', [seg(name)]);

interface ControllerSegment {
  status: number;
  paramsEpoch: bigint;
  boundaryEpoch: bigint;
  statusEpoch: bigint;
  globalCap: bigint;
  globalCollateral: bigint;
}
const controllerSegment = (name: string) =>
  w.read<ControllerSegment>(HUB, w.controller, SegmentController.abi, 'getSegment', [seg(name)]);

/** A segment's risk parameters as one vault holds them (the shape the controller takes them in). */
async function vaultRiskParams(eid: number, name: string): Promise<RiskParams> {
  const cfg = await configOf(eid, name);
  const assets = await Promise.all(
    cfg.collateralIds.map(async (assetId) => {
      const c = await w.readVault<RiskParams['assets'][number]>(eid, 'collateralConfig', [seg(name), assetId]);
      return {
        assetId,
        ltvBps: c.ltvBps,
        liqThresholdBps: c.liqThresholdBps,
        liqBonusBps: c.liqBonusBps,
        supplyCap: c.supplyCap,
      };
    }),
  );
  return { borrowCap: cfg.borrowCap, reserveFactorBps: cfg.reserveFactorBps, rates: cfg.rates, assets };
}

/** Every LayerZero packet a transaction sent, with the executor options it paid for. */
function packetsOf(receipt: TransactionReceipt): Pick<SentPacket, 'packet' | 'options'>[] {
  return parseEventLogs({ abi: EndpointV2.abi, eventName: 'PacketSent', logs: receipt.logs }).map((l) => ({
    packet: decodePacket(l.args.encodedPayload),
    options: l.args.options,
  }));
}

/** A relay outcome in a form that reads well in a failed assertion. */
function summary(r: RelayedPacket) {
  const silent = r.outcome === Outcome.ReceiveFailed ? 'no revert data (out of gas?)' : '';
  return { dstEid: r.dstEid, outcome: r.outcome, reason: r.reason === '0x' ? silent : describeRevertData(r.reason) };
}

/** The RISK_PARAMS wire bytes (SegmentMessages.encodeRiskParams), with the struct layout taken from the codec ABI. */
const riskParamsMessageType = getAbiItem({ abi: CodecHarness.abi, name: 'encodeRiskParams' }).inputs[0];
function riskParamsMessage(segment: Hex, paramsEpoch: bigint, boundaryEpoch: bigint, p: RiskParams): Hex {
  const body = encodeAbiParameters([riskParamsMessageType], [{ segment, paramsEpoch, boundaryEpoch, params: p }]);
  return encodeAbiParameters([{ type: 'uint8' }, { type: 'uint8' }, { type: 'bytes' }], [1, RISK_PARAMS_KIND, body]);
}

async function relayAllOk(): Promise<RelayedPacket[]> {
  const relayed = await w.relayAll();
  expect(relayed.map(summary).filter((r) => r.outcome !== Outcome.Delivered)).toEqual([]);
  return relayed;
}

beforeAll(async () => {
  w = await SegmentWorld.start();
  expect([w.hubEid, ...w.eids.filter((e) => e !== w.hubEid)]).toEqual([HUB, ...SPOKES]);
});
afterAll(async () => {
  await w?.stop();
});

describe('Segments.crossChain', () => {
  it('carries a governance SetRiskParams from the hub to both spokes', async () => {
    const next: RiskParams = {
      ...withAsset(params('weth'), { ltvBps: 7_000, liqThresholdBps: 7_800, liqBonusBps: 700 }),
      borrowCap: 30_000_000_000_000n,
      reserveFactorBps: 1_500,
      rates: { baseBps: 100, slope1Bps: 500, kinkBps: 7_500, slope2Bps: 6_000 },
    };
    const receipt = await w.govern({ action: ProposalAction.SetRiskParams, segment: seg('weth'), params: next });
    const { paramsEpoch, boundaryEpoch } = await controllerSegment('weth');
    // one packet per spoke, carrying exactly SegmentMessages.encodeRiskParams of the new state
    const sent = packetsOf(receipt);
    expect(sent.map((s) => s.packet.dstEid).sort()).toEqual([...SPOKES]);
    for (const { packet } of sent) {
      expect(packet.message).toBe(riskParamsMessage(seg('weth'), paramsEpoch, boundaryEpoch, next));
      expect(packet.sender).toBe(addressToBytes32(w.controller));
    }
    for (const eid of SPOKES) expect((await configOf(eid, 'weth')).paramsEpoch).toBe(paramsEpoch - 1n);

    const relayed = await relayAllOk();
    expect(relayed.map((r) => r.dstEid).sort()).toEqual([...SPOKES]);
    for (const eid of [HUB, ...SPOKES]) {
      expect({ eid, paramsEpoch: (await configOf(eid, 'weth')).paramsEpoch }).toEqual({ eid, paramsEpoch });
      expect({ eid, params: await vaultRiskParams(eid, 'weth') }).toEqual({ eid, params: next });
    }
  });

  it('carries a guardian freeze to both spokes, and governance’s unfreeze after it', async () => {
    await w.send(HUB, w.role('guardian'), w.controller, SegmentController.abi, 'freeze', [seg('crv')]);
    const frozen = await controllerSegment('crv');
    expect((await configOf(HUB, 'crv')).status).toBe(Status.Frozen);
    for (const eid of SPOKES) expect((await configOf(eid, 'crv')).status).toBe(Status.Active);

    await relayAllOk();
    const borrower = user(1);
    for (const eid of SPOKES) {
      expect({ eid, ...(await configOf(eid, 'crv')) }).toMatchObject({
        eid,
        status: Status.Frozen,
        statusEpoch: frozen.statusEpoch,
      });
      await w.fund(eid, borrower, 'CRV', parseEther('10'));
      expect(await revertName(w.vaultCall(eid, borrower, 'depositCollateral', [seg('crv'), 0, asset('CRV'), 1n]))).toBe(
        'OperationNotAllowed',
      );
    }

    await w.govern({ action: ProposalAction.SetStatus, segment: seg('crv'), status: Status.Active });
    await relayAllOk();
    for (const eid of [HUB, ...SPOKES]) {
      expect({ eid, ...(await configOf(eid, 'crv')) }).toMatchObject({
        eid,
        status: Status.Active,
        statusEpoch: frozen.statusEpoch + 1n,
      });
    }
  });

  it('refuses a risk-parameter update delivered after a newer one (StaleEpoch)', async () => {
    // LayerZero v2 lets a receiver execute a later nonce before an earlier one, provided every
    // nonce up to it is committed on the endpoint (the lazy inbound nonce only moves over
    // committed payloads). So: DVN-verify both packets, commit the older one without executing
    // it, execute the newer one, then the older one. The vault must keep the newer parameters.
    const base = params('wbtc');
    const a = withAsset(base, { ltvBps: 7_000 });
    const b = withAsset(base, { ltvBps: 6_500 });
    const first = await w.govern({ action: ProposalAction.SetRiskParams, segment: seg('wbtc'), params: a });
    const epochA = (await controllerSegment('wbtc')).paramsEpoch;
    const second = await w.govern({ action: ProposalAction.SetRiskParams, segment: seg('wbtc'), params: b });
    const epochB = (await controllerSegment('wbtc')).paramsEpoch;
    expect(epochB).toBe(epochA + 1n);
    const toSpoke = (r: TransactionReceipt, eid: number) => {
      const found = packetsOf(r).find((s) => s.packet.dstEid === eid);
      if (!found) throw new Error(`no packet to ${eid}`);
      return found;
    };
    const older = toSpoke(first, SPOKE_A);
    const newer = toSpoke(second, SPOKE_A);
    expect(newer.packet.nonce).toBe(older.packet.nonce + 1n);

    await w.relay.verify(SPOKE_A, [older.packet, newer.packet]);
    await w.send(
      SPOKE_A,
      w.role('deployer'),
      w.relay.lz(SPOKE_A).receiveUln302,
      ReceiveUln302.abi,
      'commitVerification',
      [older.packet.header, older.packet.payloadHash],
    );
    const [newerOutcome] = await w.relay.deliver(SPOKE_A, [newer]);
    expect(newerOutcome?.outcome).toBe(Outcome.Delivered);
    expect((await configOf(SPOKE_A, 'wbtc')).paramsEpoch).toBe(epochB);

    const [olderOutcome] = await w.relay.deliver(SPOKE_A, [older]);
    expect(olderOutcome?.outcome).toBe(Outcome.ReceiveFailed);
    const stale = decodeErrorResult({ abi: allErrorsAbi, data: olderOutcome?.reason ?? '0x' });
    expect({ name: stale.errorName, args: stale.args }).toEqual({
      name: 'StaleEpoch',
      args: [seg('wbtc'), RISK_PARAMS_KIND, epochA, epochB],
    });
    expect((await configOf(SPOKE_A, 'wbtc')).paramsEpoch).toBe(epochB);
    expect(await vaultRiskParams(SPOKE_A, 'wbtc')).toEqual(b);

    // The relayer's regular pass: the other spoke gets both in order; on this spoke the newer one
    // is already delivered and the older one stays refused however often it is retried.
    const relayed = await w.relayAll();
    const staleReason = describeRevertData(olderOutcome?.reason);
    expect(relayed.map((r) => ({ guid: r.packet.guid, ...summary(r) }))).toEqual([
      { guid: older.packet.guid, dstEid: SPOKE_A, outcome: Outcome.ReceiveFailed, reason: staleReason },
      { guid: newer.packet.guid, dstEid: SPOKE_A, outcome: Outcome.AlreadyDelivered, reason: '' },
      { guid: toSpoke(first, SPOKE_B).packet.guid, dstEid: SPOKE_B, outcome: Outcome.Delivered, reason: '' },
      { guid: toSpoke(second, SPOKE_B).packet.guid, dstEid: SPOKE_B, outcome: Outcome.Delivered, reason: '' },
    ]);
    expect(await vaultRiskParams(SPOKE_B, 'wbtc')).toEqual(b);
    expect((await configOf(SPOKE_B, 'wbtc')).paramsEpoch).toBe(epochB);
  });

  it('never lets a message from an OApp that is not the vault’s peer reach it', async () => {
    // Two SmokeOApps send a well-formed RISK_PARAMS (LTV 99 %, a far newer epoch) to the spoke
    // vault: one on the hub chain (right chain, wrong sender) and one on the other spoke (a
    // chain the vault has no peer for). The endpoint asks the vault `allowInitializePath`, which
    // is true only for the peer, so the verification is never committed (LZ_PathNotInitializable)
    // and OApp's OnlyPeer / NoPeer checks in lzReceive are not even reached (a later test does,
    // on a path the real peer had initialised).
    const current = await configOf(SPOKE_A, 'weth');
    const before = await vaultRiskParams(SPOKE_A, 'weth');
    const forged = riskParamsMessage(
      seg('weth'),
      current.paramsEpoch + 100n,
      current.boundaryEpoch,
      withAsset(before, { ltvBps: 9_900, liqThresholdBps: 9_900, liqBonusBps: 0 }),
    );
    const deployer = w.role('deployer');
    for (const srcEid of [HUB, SPOKE_B]) {
      const deploy = await w.relay.confirm(
        srcEid,
        w.relay.wallet(srcEid).sendTransaction({
          data: encodeDeployData({ ...SmokeOApp, args: [w.relay.lz(srcEid).endpoint, deployer.address] }),
        }),
      );
      const app = deploy.contractAddress as Address; // a successful deployment has one
      await w.send(srcEid, deployer, app, SmokeOApp.abi, 'setPeer', [SPOKE_A, addressToBytes32(w.vault(SPOKE_A))]);
      await w.relay.send(srcEid, app, SPOKE_A, forged, 600_000n);
    }

    const relayed = await w.relayAll();
    const pathNotInitializable = {
      dstEid: SPOKE_A,
      outcome: Outcome.CommitFailed,
      reason: 'LZ_PathNotInitializable()',
    };
    expect(relayed.map(summary)).toEqual([pathNotInitializable, pathNotInitializable]);
    expect(await configOf(SPOKE_A, 'weth')).toEqual(current);
    expect(await vaultRiskParams(SPOKE_A, 'weth')).toEqual(before);
  });

  it('refuses lzReceive from anyone but the endpoint (OnlyEndpoint)', async () => {
    const current = await configOf(SPOKE_A, 'weth');
    const intruder = user(2);
    const message = riskParamsMessage(seg('weth'), current.paramsEpoch + 1n, current.boundaryEpoch, params('weth'));
    const origin = { srcEid: HUB, sender: addressToBytes32(w.controller), nonce: 1_000n };
    const call = w.send(SPOKE_A, intruder, w.vault(SPOKE_A), SegmentVault.abi, 'lzReceive', [
      origin,
      `0x${'11'.repeat(32)}`,
      message,
      intruder.address,
      '0x',
    ]);
    expect(await revertName(call)).toBe('OnlyEndpoint');
    expect(await configOf(SPOKE_A, 'weth')).toEqual(current);
  });

  it('refuses a committed controller message once the peer is removed (NoPeer) or moved (OnlyPeer), and applies it when restored', async () => {
    // A path initialised by the old peer stays initialised, so the endpoint commits the packet;
    // then the vault's own lzReceive checks are what refuse it after its owner changes the peer.
    const next = withAsset(params('crv'), { ltvBps: 5_000 });
    const receipt = await w.govern({ action: ProposalAction.SetRiskParams, segment: seg('crv'), params: next });
    const { paramsEpoch } = await controllerSegment('crv');
    const toA = packetsOf(receipt).find((s) => s.packet.dstEid === SPOKE_A);
    if (!toA) throw new Error(`no packet to ${SPOKE_A}`);
    const deployer = w.role('deployer');
    const setHubPeer = (peer: Hex) =>
      w.send(SPOKE_A, deployer, w.vault(SPOKE_A), SegmentVault.abi, 'setPeer', [HUB, peer]);
    const redeliver = async () =>
      summary({ ...(await w.relay.deliver(SPOKE_A, [toA]))[0], dstEid: SPOKE_A, packet: toA.packet });

    await setHubPeer(`0x${'0'.repeat(64)}`);
    const relayed = await w.relayAll();
    expect(relayed.map(summary).sort((x, y) => x.dstEid - y.dstEid)).toEqual([
      { dstEid: SPOKE_A, outcome: Outcome.ReceiveFailed, reason: `NoPeer(${HUB})` },
      { dstEid: SPOKE_B, outcome: Outcome.Delivered, reason: '' },
    ]);

    await setHubPeer(addressToBytes32(user(5).address));
    expect(await redeliver()).toEqual({
      dstEid: SPOKE_A,
      outcome: Outcome.ReceiveFailed,
      reason: `OnlyPeer(${HUB}, ${addressToBytes32(w.controller)})`,
    });
    expect((await configOf(SPOKE_A, 'crv')).paramsEpoch).toBe(paramsEpoch - 1n);

    await setHubPeer(addressToBytes32(w.controller));
    expect(await redeliver()).toEqual({ dstEid: SPOKE_A, outcome: Outcome.Delivered, reason: '' });
    for (const eid of SPOKES) {
      expect({ eid, paramsEpoch: (await configOf(eid, 'crv')).paramsEpoch }).toEqual({ eid, paramsEpoch });
      expect({ eid, params: await vaultRiskParams(eid, 'crv') }).toEqual({ eid, params: next });
    }
  });

  it('records a spoke vault’s attestation on the hub', async () => {
    const eid = SPOKE_B;
    const borrower = user(3);
    await w.fund(eid, borrower, 'CRV', parseEther('1000'));
    await w.vaultCall(eid, borrower, 'depositCollateral', [seg('crv'), 0, asset('CRV'), parseEther('1000')]);
    const fee = await w.readVault<bigint>(eid, 'quoteAttest', [[seg('crv')]]);
    expect(fee).toBeGreaterThan(0n);
    const receipt = await w.send(eid, borrower, w.vault(eid), SegmentVault.abi, 'attest', [[seg('crv')]], fee);
    const [sent] = packetsOf(receipt);
    const [attested] = parseEventLogs({ abi: SegmentVault.abi, eventName: 'Attested', logs: receipt.logs });
    expect(attested?.args).toEqual({ guid: sent?.packet.guid, segments: 1n });
    const block = await w.client(eid).getBlock({ blockNumber: receipt.blockNumber });
    const spokeCfg = await configOf(eid, 'crv');

    const relayed = await relayAllOk();
    expect(relayed.map(summary)).toEqual([{ dstEid: HUB, outcome: Outcome.Delivered, reason: '' }]);
    const recorded = await w.read<unknown>(HUB, w.controller, SegmentController.abi, 'attestation', [seg('crv'), eid]);
    expect(recorded).toMatchObject({
      blockNumber: receipt.blockNumber,
      timestamp: block.timestamp,
      snapshot: {
        segment: seg('crv'),
        collateralValue: parseEther('600'), // 1000 CRV at $0.60
        accounts: 1,
        paramsEpoch: spokeCfg.paramsEpoch,
        boundaryEpoch: spokeCfg.boundaryEpoch,
        statusEpoch: spokeCfg.statusEpoch,
      },
    });
    expect(
      await w.read<readonly number[]>(HUB, w.controller, SegmentController.abi, 'attestedChains', [seg('crv')]),
    ).toEqual([eid]);
    expect((await controllerSegment('crv')).globalCollateral).toBe(parseEther('600'));
  });

  // The attestation's delivery on the hub changes the status on the controller and the hub vault
  // at once; the broadcast to the spokes (one LayerZero send each, more gas than an attestation
  // pays for) goes out with `flushStatus`, which anyone may call (the relayer's keeper does).
  it('turns a segment ReduceOnly everywhere past its global cap, and Active again only 5 % under it', async () => {
    await assertCapScenario({
      name: 'weth',
      symbol: 'WETH',
      decimals: 18,
      capUsd: 100_000n,
      priceUsd: 3_000n,
      // whole units: 40 → $120,000 (over); 32 → $96,000 (95-100 %: holds); 31 → $93,000 (restores)
      units: { deposit: 400n, holdAt: 320n, restoreAt: 310n, per: 10n },
      deliver: deliverAsPaid,
    });
  });

  it('refuses a flush when no status is waiting (NothingToFlush)', async () => {
    const call = w.send(HUB, user(6), w.controller, SegmentController.abi, 'flushStatus', [seg('wbtc')]);
    expect(await revertName(call)).toBe('NothingToFlush');
  });
});

type Deliver = (attestation: Pick<SentPacket, 'packet' | 'options'>) => Promise<RelayedPacket[]>;

/**
 * The relayer's regular pass: the attestation executes with the gas its sender paid for; a status
 * change it caused is flushed to the spokes and relayed.
 */
const deliverAsPaid: Deliver = async () => {
  const toHub = await w.relayAll();
  expect(toHub.map(summary)).toEqual([{ dstEid: HUB, outcome: Outcome.Delivered, reason: '' }]);
  for (const name of ['weth', 'crv', 'wbtc']) {
    const pending = await w.read<boolean>(HUB, w.controller, SegmentController.abi, 'statusPending', [seg(name)]);
    if (pending) await w.send(HUB, user(6), w.controller, SegmentController.abi, 'flushStatus', [seg(name)]);
  }
  return w.relayAll(); // what the hub broadcast in response
};

interface CapScenario {
  name: string;
  symbol: string;
  decimals: number;
  capUsd: bigint;
  priceUsd: bigint;
  /** Collateral held on the spoke at each step, in units of 1/`per` token. */
  units: { deposit: bigint; holdAt: bigint; restoreAt: bigint; per: bigint };
  deliver: Deliver;
}

/**
 * On spoke A: a global cap, a deposit worth more than it, then withdrawals to between 95 % and
 * 100 % of the cap and to under 95 %, each followed by an attestation and the hub's response.
 */
async function assertCapScenario(c: CapScenario): Promise<void> {
  const { name, units } = c;
  const amount = (u: bigint) => (u * 10n ** BigInt(c.decimals)) / units.per;
  const usd = (u: bigint) => parseEther(String((u * c.priceUsd) / units.per));
  const statuses = () =>
    Promise.all([
      controllerSegment(name).then((s) => s.status),
      ...[HUB, ...SPOKES].map(async (eid) => (await configOf(eid, name)).status),
    ]);
  expect((await controllerSegment(name)).globalCollateral).toBe(0n);
  await w.govern({
    action: ProposalAction.SetGlobalCap,
    segment: seg(name),
    globalCapUsd: parseEther(String(c.capUsd)),
  });
  expect(await w.relayAll()).toEqual([]); // no exposure yet, nothing to broadcast
  expect(await statuses()).toEqual([1, 1, 1, 1]);

  const eid = SPOKE_A;
  const whale = user(4);
  /** Attests spoke A's segment, lets the hub respond; returns where the hub broadcast to. */
  const attest = async (expectedUsd: bigint) => {
    const fee = await w.readVault<bigint>(eid, 'quoteAttest', [[seg(name)]]);
    const receipt = await w.send(eid, whale, w.vault(eid), SegmentVault.abi, 'attest', [[seg(name)]], fee);
    const [attestation] = packetsOf(receipt);
    if (!attestation) throw new Error('attest sent no packet');
    const broadcast = await c.deliver(attestation);
    expect(broadcast.map(summary).filter((r) => r.outcome !== Outcome.Delivered)).toEqual([]);
    expect((await controllerSegment(name)).globalCollateral).toBe(expectedUsd);
    return broadcast.map((r) => r.dstEid).sort();
  };
  const withdrawTo = (from: bigint, to: bigint) =>
    w.vaultCall(eid, whale, 'withdrawCollateral', [seg(name), 0, asset(c.symbol), amount(from - to), whale.address]);

  // over the cap: the hub turns ReduceOnly and broadcasts it to both spokes
  await w.fund(eid, whale, c.symbol, amount(units.deposit));
  await w.vaultCall(eid, whale, 'depositCollateral', [seg(name), 0, asset(c.symbol), amount(units.deposit)]);
  expect(await attest(usd(units.deposit))).toEqual([...SPOKES]);
  expect(await statuses()).toEqual([2, 2, 2, 2]);
  const reduceOnlyEpoch = (await controllerSegment(name)).statusEpoch;
  for (const spoke of SPOKES) {
    await w.fund(spoke, user(6), c.symbol, amount(units.per));
    expect(
      await revertName(w.vaultCall(spoke, user(6), 'depositCollateral', [seg(name), 0, asset(c.symbol), 1n])),
    ).toBe('OperationNotAllowed');
  }

  // under the cap but above 95 % of it: ReduceOnly holds (hysteresis), nothing is broadcast
  await withdrawTo(units.deposit, units.holdAt);
  expect(await attest(usd(units.holdAt))).toEqual([]);
  expect(await statuses()).toEqual([2, 2, 2, 2]);
  expect((await controllerSegment(name)).statusEpoch).toBe(reduceOnlyEpoch);

  // at or under 95 % of the cap: Active again, everywhere
  await withdrawTo(units.holdAt, units.restoreAt);
  expect(await attest(usd(units.restoreAt))).toEqual([...SPOKES]);
  expect(await statuses()).toEqual([1, 1, 1, 1]);
  expect((await configOf(SPOKE_B, name)).statusEpoch).toBe(reduceOnlyEpoch + 1n);
  await w.vaultCall(SPOKE_B, user(6), 'depositCollateral', [seg(name), 0, asset(c.symbol), amount(units.per)]);
}
