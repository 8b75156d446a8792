import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseUnits, type Hex } from 'viem';
import { DevToken, EndpointV2 } from '#app/contracts';
import {
  addressToBytes32,
  checkConservation,
  readRouterSnapshot,
  type ConservationReport,
  type Route,
  type RouterSnapshot,
} from '#app/messaging';
import { asset, Reverted, routedPerSegment, seg, SegmentWorld, usdcRoute, user } from '../support/segments.js';
import { RelayerProcess } from '../support/relayer-process.js';
import { waitFor } from '../support/wait.js';

const usdc = (n: string | number): bigint => parseUnits(String(n), 6);

interface Ledger {
  cash: bigint;
  routedOut: bigint;
  routedIn: bigint;
}

describe('Routing with the relayer in the loop', () => {
  let w: SegmentWorld;
  let relayer: RelayerProcess;
  let hub: number;
  let s1: number;
  let s2: number;
  const supplier = user(50);
  const operator = () => w.role('routeOperator');
  const lp = () => w.role('deployer');

  const route = (srcEid: number, src: string, dstEid: number, dst: string): Route =>
    usdcRoute(srcEid, src, dstEid, dst, { capacity: usdc(40_000), refillPerSecond: usdc(1_000), maxUtilBps: 9_500 });
  const ledger = (eid: number, segment: Hex) => w.readVault<Ledger>(eid, 'ledger', [segment]);
  const reserve = (eid: number) => w.readRouter<bigint>(eid, 'reserve', [w.token('USDC', eid)]);
  const snapshots = (): Promise<RouterSnapshot[]> =>
    Promise.all(w.eids.map((eid) => readRouterSnapshot(w.client(eid), w.router(eid), eid)));
  /** USDC held by every vault and router: routing moves it between them, never in or out. */
  const usdcHeld = async (): Promise<bigint> => {
    let sum = 0n;
    for (const eid of w.eids) {
      sum += (await w.balanceOf(eid, 'USDC', w.vault(eid))) + (await w.balanceOf(eid, 'USDC', w.router(eid)));
    }
    return sum;
  };
  const inboundNonce = (dstEid: number, srcEid: number): Promise<bigint> =>
    w.read<bigint>(dstEid, endpointOf(dstEid), EndpointV2.abi, 'inboundNonce', [
      w.router(dstEid),
      srcEid,
      addressToBytes32(w.router(srcEid)),
    ]);
  const endpointOf = (eid: number) => {
    const chain = w.devnet.manifest.chains.find((c) => c.eid === eid);
    if (!chain) throw new Error(`no chain ${eid}`);
    return chain.layerZero.endpoint;
  };
  const settled = async (what: string, timeoutMs = 90_000): Promise<ConservationReport> => {
    let last: ConservationReport | undefined;
    try {
      return await waitFor(
        what,
        async () => {
          last = checkConservation(await snapshots());
          return last.inFlight.length === 0 ? last : undefined;
        },
        timeoutMs,
        250,
      );
    } catch (error) {
      const stuck = (last?.inFlight ?? []).map((t) => `${t.srcEid}->${t.dstEid} ${t.amount} at ${t.destination}`);
      const packets = await relayer.stuck().catch((e: unknown) => [`relayer unreachable: ${String(e)}`]);
      throw new Error(
        `${(error as Error).message}; still in flight: ${stuck.join(', ')}; relayer packets not delivered: ${packets.join('; ')}`,
      );
    }
  };
  /** Governance allows the route; the relayer carries the config to both ends. */
  const allow = async (r: Route): Promise<Hex> => {
    const { routeId } = await w.allowRoute(r);
    for (const eid of new Set([r.srcEid, r.dstEid])) {
      await waitFor(`route config on ${eid}`, async () =>
        (await w.readRouter<bigint>(eid, 'routeEpoch', [routeId])) >= 1n ? true : undefined,
      );
    }
    return routeId;
  };

  beforeAll(async () => {
    w = await SegmentWorld.start();
    hub = w.hubEid;
    [s1, s2] = w.eids.filter((e) => e !== hub) as [number, number];
    for (const eid of w.eids) {
      for (const segment of ['weth', 'crv', 'wbtc']) {
        await w.fund(eid, supplier, 'USDC', usdc(200_000));
        await w.vaultCall(eid, supplier, 'supply', [seg(segment), usdc(200_000), supplier.address]);
      }
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RELAYER_MANIFEST: w.devnet.manifestPath,
      RELAYER_DATA_DIR: join(w.devnet.manifestPath, '..', 'relayer-db'),
      RELAYER_HTTP_PORT: '0',
      RELAYER_POLL_MS: '50',
      RELAYER_RETRY_BASE_MS: '100',
      RELAYER_RETRY_MAX_MS: '1000',
      RELAYER_MAX_ATTEMPTS: '100',
      RELAYER_ATTEST_INTERVAL_MS: '0',
    };
    delete env.DATABASE_URL; // its own embedded database, whatever the suite runs on
    relayer = new RelayerProcess('relayer', env);
    await relayer.start();
  });
  afterAll(async () => {
    await relayer?.kill();
    await w?.stop();
  });

  it('delivers a transfer in flight exactly once after the relayer is killed and restarted', async () => {
    const r = route(s1, 'weth', s2, 'crv');
    const id = await allow(r);
    const before = {
      dst: await ledger(s2, seg('crv')),
      nonce: await inboundNonce(s2, s1),
      held: await usdcHeld(),
    };
    const amounts = [usdc(1_500), usdc(2_500), usdc(3_000)];
    await w.routerCall(s1, operator(), 'route', [id, amounts[0]]);
    await relayer.kill(); // mid-stream: the first transfer may be anywhere between sent and delivered
    for (const amount of amounts.slice(1)) await w.routerCall(s1, operator(), 'route', [id, amount]);
    const inFlight = checkConservation(await snapshots()).inFlight;
    expect(inFlight.length).toBeGreaterThanOrEqual(2); // nobody delivers while the relayer is down
    await w.warp(s1, 1); // the source chain moves on while the relayer is away

    await relayer.start();
    const report = await settled('transfers credited after the restart');
    expect(report.holds).toBe(true);
    const total = amounts.reduce((a, b) => a + b, 0n);
    const dst = await ledger(s2, seg('crv'));
    expect(dst.routedIn - before.dst.routedIn).toBe(total); // each credited once, none twice
    expect(dst.cash - before.dst.cash).toBe(total);
    expect(await inboundNonce(s2, s1)).toBe(before.nonce + BigInt(amounts.length));
    expect(await usdcHeld()).toBe(before.held);
  });

  it('conserves liquidity across chains over 200 random routes, refunds and relayer kills', async () => {
    const routes = [
      route(hub, 'weth', hub, 'crv'),
      route(s1, 'weth', s2, 'crv'),
      route(s2, 'wbtc', hub, 'weth'),
      route(hub, 'crv', s1, 'wbtc'),
      route(s1, 'crv', hub, 'wbtc'),
    ];
    const ids: Hex[] = [];
    for (const r of routes) ids.push(await allow(r));
    const segmentsOf = w.eids.flatMap((eid) => ['weth', 'crv', 'wbtc'].map((s) => ({ eid, segment: seg(s) })));
    const baseline = new Map<string, Ledger>();
    for (const { eid, segment } of segmentsOf) baseline.set(`${eid}:${segment}`, await ledger(eid, segment));
    const heldBefore = await usdcHeld();
    const earlier = new Set((await snapshots()).flatMap((snap) => snap.transfers.map((t) => t.transferId)));
    let lpNet = 0n; // what the LP put into reserves less what it took out
    const counts = { routed: 0, refusedOnChain: 0, drains: 0, refills: 0, kills: 0, checks: 0 };

    type Op =
      | { kind: 'route'; route: number; amount: number }
      | { kind: 'drain'; chain: number }
      | { kind: 'refill'; chain: number }
      | { kind: 'kill' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 16,
        arbitrary: fc.record({
          kind: fc.constant('route' as const),
          route: fc.nat(routes.length - 1),
          amount: fc.integer({ min: 1, max: 6_000 }),
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('drain' as const), chain: fc.nat(2) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('refill' as const), chain: fc.nat(2) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const) }) },
    );

    const apply = async (op: Op): Promise<void> => {
      switch (op.kind) {
        case 'route': {
          try {
            await w.routerCall(routes[op.route].srcEid, operator(), 'route', [ids[op.route], usdc(op.amount)]);
            counts.routed += 1;
          } catch (error) {
            // the bucket, the source's utilisation or its cash may refuse a move: a named revert, nothing moved
            if (!(error instanceof Reverted)) throw error;
            expect(['RateLimited', 'UtilisationTooHigh', 'InsufficientLiquidity']).toContain(error.errorName);
            counts.refusedOnChain += 1;
          }
          return;
        }
        case 'drain': {
          // leave a destination reserve too small for most transfers: they come back as refunds
          // the relayer keeps crediting transfers from this reserve meanwhile, so a read can be stale
          // by the time the withdrawal mines: the router refuses it and the drain reads again
          const eid = w.eids[op.chain];
          for (let attempt = 1; ; attempt += 1) {
            const take = (await reserve(eid)) - usdc(500);
            if (take <= 0n) return;
            try {
              await w.routerCall(eid, lp(), 'withdrawReserve', [w.token('USDC', eid), take, lp().address]);
            } catch (error) {
              // refused in simulation by name, or (a credit landed between simulation and mining) on chain
              const stale =
                (error instanceof Reverted && error.errorName === 'ReserveTooSmall') ||
                (error instanceof Error && error.message === 'withdrawReserve reverted on chain');
              if (!stale || attempt === 5) throw error;
              continue;
            }
            lpNet -= take;
            counts.drains += 1;
            return;
          }
        }
        case 'refill': {
          const eid = w.eids[op.chain];
          const amount = usdc(200_000);
          await w.fund(eid, lp(), 'USDC', amount);
          await w.send(eid, lp(), w.token('USDC', eid), DevToken.abi, 'approve', [w.router(eid), amount]);
          await w.routerCall(eid, lp(), 'fundReserve', [w.token('USDC', eid), amount]);
          lpNet += amount;
          counts.refills += 1;
          return;
        }
        case 'kill': {
          await relayer.kill();
          await relayer.start();
          counts.kills += 1;
          return;
        }
      }
    };

    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 200, maxLength: 200 }), async (ops) => {
        const started = Date.now();
        const spent: Record<string, number> = {};
        for (const [i, op] of ops.entries()) {
          const t0 = Date.now();
          await apply(op);
          spent[op.kind] = (spent[op.kind] ?? 0) + Date.now() - t0;
          if (i % 50 === 49) {
            process.stdout.write(
              `routing property: ${i + 1} ops in ${Date.now() - started} ms ${JSON.stringify(spent)}\n`,
            );
          }
          if (i % 5 === 4) for (const eid of w.eids) await w.warp(eid, 60); // buckets refill over time
          if (i % 25 === 24) {
            // at any moment, transfers settled or not: debited = credited + in flight + refunded
            const report = checkConservation(await snapshots());
            expect(report.anomalies).toEqual([]);
            expect(report.holds).toBe(true);
            counts.checks += 1;
          }
        }
      }),
      { numRuns: 1, endOnFailure: true, seed: Number(process.env.ROUTING_SEED ?? Date.now() % 2 ** 31), verbose: true },
    );

    // refunds are paid from the source chain's reserve: top every reserve up so all can settle
    for (const chain of [0, 1, 2]) await apply({ kind: 'refill', chain });
    const opsDone = Date.now();
    const report = await settled('every transfer credited or refunded', 180_000);
    process.stdout.write(`routing property: settled ${Date.now() - opsDone} ms after the last operation\n`);
    expect(report.anomalies).toEqual([]);
    expect(report.holds).toBe(true);
    const usdcAsset = report.assets.find((a) => a.assetId === asset('USDC'));
    expect(usdcAsset?.debited).toBe((usdcAsset?.credited ?? 0n) + (usdcAsset?.refunded ?? 0n));
    expect(counts.routed).toBeGreaterThan(50);

    // every segment's ledger moved by exactly what the transfer records say
    const snaps = await snapshots();
    const expected = routedPerSegment(snaps, routes, earlier); // not the previous test's transfers
    for (const { eid, segment } of segmentsOf) {
      const now = await ledger(eid, segment);
      const was = baseline.get(`${eid}:${segment}`)!;
      const e = expected.get(`${eid}:${segment}`) ?? { out: 0n, in: 0n };
      expect({
        segment: `${eid}:${segment}`,
        out: now.routedOut - was.routedOut,
        in: now.routedIn - was.routedIn,
      }).toEqual({
        segment: `${eid}:${segment}`,
        out: e.out,
        in: e.in,
      });
    }
    expect(await usdcHeld()).toBe(heldBefore + lpNet);
    process.stdout.write(`routing property: ${JSON.stringify(counts)}, refunded ${usdcAsset?.refunded ?? 0n}\n`);
  }, 420_000);
});
