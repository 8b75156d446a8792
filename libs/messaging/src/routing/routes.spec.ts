import { describe, expect, it } from '@jest/globals';
import { keccak256, toHex, type Hex } from 'viem';
import { routeIdOf, type Route } from '../governance/actions.js';
import { checkConservation, TransferState, type RouterSnapshot, type TransferRecord } from './routes.js';

const id = (label: string): Hex => keccak256(toHex(label));
const USDC = id('USDC');
const route: Route = {
  srcEid: 1,
  srcSegment: id('weth'),
  dstEid: 2,
  dstSegment: id('crv'),
  assetId: USDC,
  capacity: 1_000n,
  refillPerSecond: 1n,
  maxUtilBps: 9_000,
  enabled: true,
};
const routeId = routeIdOf(route);
const state = { routeId, route, epoch: 1n, available: 0n, capacity: route.capacity };
const transfer = (label: string, amount: bigint, s: TransferState): TransferRecord => ({
  transferId: id(label),
  routeId,
  amount,
  state: s,
});
const chain = (
  eid: number,
  transfers: TransferRecord[],
  debited = 0n,
  credited = 0n,
  refunded = 0n,
): RouterSnapshot => ({
  eid,
  routes: [state],
  transfers,
  totals: new Map([[USDC, { debited, credited, refunded }]]),
});

describe('checkConservation', () => {
  it('holds when every debit is credited, refunded or still in flight', () => {
    const report = checkConservation([
      chain(
        1,
        [
          transfer('a', 100n, TransferState.Sent),
          transfer('b', 50n, TransferState.Refunded),
          transfer('c', 30n, TransferState.Sent),
        ],
        180n,
        0n,
        50n,
      ),
      chain(2, [transfer('a', 100n, TransferState.Credited), transfer('b', 50n, TransferState.RefundSent)], 0n, 100n),
    ]);
    expect(report.holds).toBe(true);
    expect(report.assets).toEqual([
      { assetId: USDC, debited: 180n, credited: 100n, refunded: 50n, inFlight: 30n, holds: true },
    ]);
    expect(report.inFlight.map((t) => [t.transferId, t.destination])).toEqual([[id('c'), TransferState.None]]);
  });

  it('counts a refused transfer as in flight until its refund lands at the source', () => {
    const report = checkConservation([
      chain(1, [transfer('a', 100n, TransferState.Sent)], 100n),
      chain(2, [transfer('a', 100n, TransferState.RefundSent)]),
    ]);
    expect(report.holds).toBe(true);
    expect(report.inFlight).toEqual([
      expect.objectContaining({ transferId: id('a'), amount: 100n, destination: TransferState.RefundSent }),
    ]);
  });

  it('fails when the totals and the transfer records disagree', () => {
    // credited twice on the destination's totals: a duplicate delivery
    const duplicated = checkConservation([
      chain(1, [transfer('a', 100n, TransferState.Sent)], 100n),
      chain(2, [transfer('a', 100n, TransferState.Credited)], 0n, 200n),
    ]);
    expect(duplicated.holds).toBe(false);
    expect(duplicated.assets[0]).toMatchObject({ debited: 100n, credited: 200n, inFlight: 0n, holds: false });
    // a debit with no record: lost
    const lost = checkConservation([chain(1, [], 100n), chain(2, [])]);
    expect(lost.holds).toBe(false);
  });

  it('names records no correct router could have written', () => {
    const report = checkConservation([
      chain(1, []),
      chain(2, [transfer('ghost', 10n, TransferState.Credited)], 0n, 10n),
    ]);
    expect(report.holds).toBe(false);
    expect(report.anomalies).toEqual([`transfer ${id('ghost')} on 2 was never sent by a source router`]);
  });
});
