import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseUnits, type Hex } from 'viem';
import { DevToken, SegmentVault } from '#app/contracts';
import { encodeActionData, ProposalAction, routeIdOf, type Route } from '#app/messaging';
import { asset, Reverted, revertName, seg, SegmentWorld, user } from '../support/segments.js';

const usdc = (n: string): bigint => parseUnits(n, 6);

interface Ledger {
  cash: bigint;
  insurance: bigint;
  routedOut: bigint;
  routedIn: bigint;
}

/** TransferState in SegmentRouter.sol. */
const State = { None: 0, Sent: 1, Delivered: 2, Refunded: 3, Credited: 4, RefundSent: 5 } as const;

describe('SegmentRouter', () => {
  let w: SegmentWorld;
  let hub: number;
  let s1: number;
  let s2: number;
  const supplier = user(40);
  const borrower = user(41);
  const operator = () => w.role('routeOperator');
  const lp = () => w.role('deployer');

  const route = (r: Partial<Route> & Pick<Route, 'srcEid' | 'srcSegment' | 'dstEid' | 'dstSegment'>): Route => ({
    assetId: asset('USDC'),
    capacity: usdc('50000'),
    refillPerSecond: usdc('100'),
    maxUtilBps: 9_000,
    enabled: true,
    ...r,
  });
  const ledger = (eid: number, segment: string) => w.readVault<Ledger>(eid, 'ledger', [seg(segment)]);
  const supplierAssets = (eid: number, segment: string) => w.readVault<bigint>(eid, 'supplierAssets', [seg(segment)]);
  const transfer = (eid: number, id: Hex) =>
    w.readRouter<{ routeId: Hex; amount: bigint; state: number }>(eid, 'getTransfer', [id]);
  const reserve = (eid: number) => w.readRouter<bigint>(eid, 'reserve', [w.token('USDC', eid)]);
  /** USDC held by the vault and the router of a chain: routing moves it, never creates or destroys it. */
  const held = async (eid: number) =>
    (await w.balanceOf(eid, 'USDC', w.vault(eid))) + (await w.balanceOf(eid, 'USDC', w.router(eid)));
  /** Sends `route` and returns the transfer id from the router's event. */
  const send = async (eid: number, routeId: Hex, amount: bigint): Promise<Hex> => {
    await w.routerCall(eid, operator(), 'route', [routeId, amount]);
    const count = await w.readRouter<bigint>(eid, 'transferCount');
    return w.readRouter<Hex>(eid, 'transferIds', [count - 1n]);
  };
  const supply = async (eid: number, segment: string, amount: bigint) => {
    await w.fund(eid, supplier, 'USDC', amount);
    await w.vaultCall(eid, supplier, 'supply', [seg(segment), amount, supplier.address]);
  };

  beforeAll(async () => {
    w = await SegmentWorld.start();
    hub = w.hubEid;
    [s1, s2] = w.eids.filter((e) => e !== hub) as [number, number];
    for (const eid of w.eids) {
      await supply(eid, 'weth', usdc('100000'));
      await supply(eid, 'wbtc', usdc('10000'));
    }
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('closes every route governance has not allowed, and sends an allowed one to both ends', async () => {
    const r = route({ srcEid: s1, srcSegment: seg('weth'), dstEid: s2, dstSegment: seg('crv') });
    const id = routeIdOf(r);
    expect(await revertName(w.routerCall(s1, operator(), 'route', [id, usdc('1')]))).toBe('RouteNotFound');
    await w.allowRoute(r);
    expect(await w.readRouter<bigint>(hub, 'routeEpoch', [id])).toBe(1n);
    expect(await w.readRouter<bigint>(s1, 'routeEpoch', [id])).toBe(0n); // not delivered yet
    const delivered = await w.relayAll();
    expect(delivered.filter((p) => p.outcome !== 0)).toEqual([]);
    for (const eid of [s1, s2]) {
      expect(await w.readRouter<bigint>(eid, 'routeEpoch', [id])).toBe(1n);
      expect(await w.readRouter<Route>(eid, 'getRoute', [id])).toEqual(r);
    }
  });

  it('moves liquidity between two segments of one chain atomically, leaving the others untouched', async () => {
    const r = route({ srcEid: hub, srcSegment: seg('weth'), dstEid: hub, dstSegment: seg('crv') });
    const { routeId: id } = await w.allowRoute(r);
    const before = { weth: await ledger(hub, 'weth'), crv: await ledger(hub, 'crv'), held: await held(hub) };
    const assets = { weth: await supplierAssets(hub, 'weth'), crv: await supplierAssets(hub, 'crv') };
    const wbtc = await w.ledgerSnapshot(hub, seg('wbtc'));
    const transferId = await send(hub, id, usdc('10000'));

    const weth = await ledger(hub, 'weth');
    const crv = await ledger(hub, 'crv');
    expect(weth.cash).toBe(before.weth.cash - usdc('10000'));
    expect(weth.routedOut).toBe(before.weth.routedOut + usdc('10000'));
    expect(crv.cash).toBe(before.crv.cash + usdc('10000'));
    expect(crv.routedIn).toBe(before.crv.routedIn + usdc('10000'));
    // lending along a route changes neither side's suppliers' claim
    expect(await supplierAssets(hub, 'weth')).toBe(assets.weth);
    expect(await supplierAssets(hub, 'crv')).toBe(assets.crv);
    expect(await w.ledgerSnapshot(hub, seg('wbtc'))).toEqual(wbtc);
    expect(await held(hub)).toBe(before.held);
    expect(await transfer(hub, transferId)).toEqual({ routeId: id, amount: usdc('10000'), state: State.Delivered });
    expect(await w.readRouter<readonly bigint[]>(hub, 'totals', [asset('USDC')])).toEqual([
      usdc('10000'),
      usdc('10000'),
      0n,
    ]);
  });

  it('limits a route by its token bucket: reverts with the wait, then succeeds after the refill', async () => {
    const r = route({
      srcEid: hub,
      srcSegment: seg('weth'),
      dstEid: hub,
      dstSegment: seg('wbtc'),
      capacity: usdc('20000'),
      refillPerSecond: usdc('100'),
    });
    const { routeId: id } = await w.allowRoute(r);
    await send(hub, id, usdc('15000'));
    expect(await revertName(w.routerCall(hub, operator(), 'route', [id, usdc('20001')]))).toBe('AmountOverCapacity');
    let limited: Reverted | undefined;
    try {
      await w.routerCall(hub, operator(), 'route', [id, usdc('20000')]);
    } catch (error) {
      if (error instanceof Reverted) limited = error;
      else throw error;
    }
    expect(limited?.errorName).toBe('RateLimited');
    const [, available, wait] = limited?.args as [Hex, bigint, bigint];
    expect(available).toBeGreaterThanOrEqual(usdc('5000'));
    expect(available).toBeLessThan(usdc('20000'));
    expect(wait).toBe((usdc('20000') - available + usdc('100') - 1n) / usdc('100'));
    const [level, capacity] = await w.readRouter<readonly [bigint, bigint]>(hub, 'bucket', [id]);
    expect(capacity).toBe(usdc('20000'));
    expect(level).toBe(available);
    await w.warp(hub, Number(wait));
    await send(hub, id, usdc('20000'));
    const [after] = await w.readRouter<readonly [bigint, bigint]>(hub, 'bucket', [id]);
    expect(after).toBeLessThan(usdc('500')); // emptied, refilling again
  });

  it('keeps the source segment under its utilisation limit and never moves its insurance fund', async () => {
    const r = route({
      srcEid: s2,
      srcSegment: seg('wbtc'),
      dstEid: s2,
      dstSegment: seg('weth'),
      maxUtilBps: 5_000,
    });
    const { routeId: id } = await w.allowRoute(r);
    await w.relayAll();
    // 10,000 supplied, 4,000 borrowed: moving x keeps 4,000 / (10,000 - x) <= 50 % only for x <= 2,000
    await w.fund(s2, borrower, 'WBTC', parseUnits('1', 8));
    await w.vaultCall(s2, borrower, 'depositCollateral', [seg('wbtc'), 0, asset('WBTC'), parseUnits('1', 8)]);
    await w.vaultCall(s2, borrower, 'borrow', [seg('wbtc'), 0, usdc('4000'), borrower.address]);
    await w.warp(s2, 86_400); // interest: the insurance fund has a claim now
    const before = await ledger(s2, 'wbtc');
    expect(await revertName(w.routerCall(s2, operator(), 'route', [id, usdc('2500')]))).toBe('UtilisationTooHigh');
    expect(await ledger(s2, 'wbtc')).toEqual(before);
    await send(s2, id, usdc('1900'));
    const after = await ledger(s2, 'wbtc');
    expect(after.cash).toBe(before.cash - usdc('1900'));
    expect(after.insurance).toBeGreaterThanOrEqual(before.insurance); // accrued, never taken
    expect(after.insurance).toBeGreaterThan(0n);
  });

  it('credits the destination chain from its reserve, conserving every token', async () => {
    const id = routeIdOf(route({ srcEid: s1, srcSegment: seg('weth'), dstEid: s2, dstSegment: seg('crv') }));
    const before = {
      src: await ledger(s1, 'weth'),
      dst: await ledger(s2, 'crv'),
      srcReserve: await reserve(s1),
      dstReserve: await reserve(s2),
      held: (await held(s1)) + (await held(s2)),
    };
    const transferId = await send(s1, id, usdc('30000'));
    expect((await ledger(s1, 'weth')).routedOut).toBe(before.src.routedOut + usdc('30000'));
    expect(await reserve(s1)).toBe(before.srcReserve + usdc('30000'));
    expect((await transfer(s1, transferId)).state).toBe(State.Sent);
    expect(await ledger(s2, 'crv')).toEqual(before.dst); // in flight

    const delivered = await w.relayAll();
    expect(delivered.filter((p) => p.outcome !== 0)).toEqual([]);
    const dst = await ledger(s2, 'crv');
    expect(dst.cash).toBe(before.dst.cash + usdc('30000'));
    expect(dst.routedIn).toBe(before.dst.routedIn + usdc('30000'));
    expect(await reserve(s2)).toBe(before.dstReserve - usdc('30000'));
    expect((await transfer(s2, transferId)).state).toBe(State.Credited);
    expect((await held(s1)) + (await held(s2))).toBe(before.held);
  });

  it('refunds a transfer the destination reserve cannot cover: the source segment is whole again', async () => {
    const id = routeIdOf(route({ srcEid: s1, srcSegment: seg('weth'), dstEid: s2, dstSegment: seg('crv') }));
    const left = usdc('1000');
    const drained = (await reserve(s2)) - left;
    await w.routerCall(s2, lp(), 'withdrawReserve', [w.token('USDC', s2), drained, lp().address]);
    const before = {
      src: await ledger(s1, 'weth'),
      assets: await supplierAssets(s1, 'weth'),
      dst: await ledger(s2, 'crv'),
      srcReserve: await reserve(s1),
    };
    const transferId = await send(s1, id, usdc('5000'));
    await w.relayAll(); // the transfer arrives, the destination refuses it and sends the refund
    expect((await transfer(s2, transferId)).state).toBe(State.RefundSent);
    expect(await ledger(s2, 'crv')).toEqual(before.dst);
    expect(await reserve(s2)).toBe(left);
    await w.relayAll(); // the refund arrives
    expect((await transfer(s1, transferId)).state).toBe(State.Refunded);
    const src = await ledger(s1, 'weth');
    expect({ cash: src.cash, routedOut: src.routedOut }).toEqual({
      cash: before.src.cash,
      routedOut: before.src.routedOut,
    });
    expect(await supplierAssets(s1, 'weth')).toBe(before.assets);
    expect(await reserve(s1)).toBe(before.srcReserve);
    // the refund is recorded in the source chain's totals
    const [debited, credited, refunded] = await w.readRouter<readonly bigint[]>(s1, 'totals', [asset('USDC')]);
    expect(refunded).toBe(usdc('5000'));
    expect(debited).toBeGreaterThan(credited);
    await w.send(s2, lp(), w.token('USDC', s2), DevToken.abi, 'approve', [w.router(s2), drained]);
    await w.routerCall(s2, lp(), 'fundReserve', [w.token('USDC', s2), drained]);
    expect(await reserve(s2)).toBe(left + drained);
  });

  it('refuses every unauthorised or unconfigured move with a named error', async () => {
    const cross = routeIdOf(route({ srcEid: s1, srcSegment: seg('weth'), dstEid: s2, dstSegment: seg('crv') }));
    const stranger = user(42);
    expect(await revertName(w.routerCall(s1, stranger, 'route', [cross, usdc('1')]))).toBe('NotOperator');
    expect(await revertName(w.routerCall(s2, operator(), 'route', [cross, usdc('1')]))).toBe('NotSourceChain');
    expect(await revertName(w.routerCall(s1, operator(), 'route', [cross, 0n]))).toBe('ZeroAmount');
    expect(
      await revertName(
        w.send(s1, stranger, w.vault(s1), SegmentVault.abi, 'routeOut', [seg('weth'), asset('USDC'), 1n, 10_000]),
      ),
    ).toBe('NotRouter');
    // a route whose proposal was never executed cannot be applied, nor an executed one twice
    const unapproved = route({ srcEid: s1, srcSegment: seg('wbtc'), dstEid: hub, dstSegment: seg('wbtc') });
    const data = encodeActionData({ action: ProposalAction.RouteConfig, route: unapproved });
    expect(await revertName(w.routerCall(hub, stranger, 'applyRoute', [data, 1n, 2n ** 40n]))).toBe(
      'ProposalNotExecuted',
    );
    expect(await w.readRouter<bigint>(hub, 'routeEpoch', [routeIdOf(unapproved)])).toBe(0n);
    // disabling a route closes it at the source once the change arrives; its proposal applies once
    const disable = {
      ...route({ srcEid: s1, srcSegment: seg('weth'), dstEid: s2, dstSegment: seg('crv') }),
      enabled: false,
    };
    const { applyArgs } = await w.allowRoute(disable);
    expect(await revertName(w.routerCall(hub, stranger, 'applyRoute', applyArgs))).toBe('ProposalAlreadyApplied');
    // a transfer sent before the source heard of it: the destination has the route disabled by the
    // time the transfer arrives, refuses it, and the source segment gets it back
    const before = await ledger(s1, 'weth');
    const late = await send(s1, cross, usdc('700'));
    await w.relayAll(); // the disable reaches both ends, then the transfer reaches the destination
    expect((await transfer(s2, late)).state).toBe(State.RefundSent);
    await w.relayAll(); // the refund
    expect((await transfer(s1, late)).state).toBe(State.Refunded);
    const after = await ledger(s1, 'weth');
    expect({ cash: after.cash, routedOut: after.routedOut }).toEqual({
      cash: before.cash,
      routedOut: before.routedOut,
    });
    expect(await revertName(w.routerCall(s1, operator(), 'route', [cross, usdc('1')]))).toBe('RouteDisabled');
    expect(await w.readRouter<bigint>(s1, 'routeEpoch', [cross])).toBe(2n);
  });
});
