import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseUnits, type Hex } from 'viem';
import type { Route } from '#app/messaging';
import { utilisationBps } from '#app/risk';
import { loadRiskOracleSettings } from '../../apps/risk-oracle/src/risk-oracle.config.js';
import { startRiskOracleApp } from '../../apps/risk-oracle/src/risk-oracle.app.js';
import type { RoutingRound } from '../../apps/risk-oracle/src/routing/routing-planner.service.js';
import { asset, seg, SegmentWorld, user } from '../support/segments.js';
import { waitFor } from '../support/wait.js';

/** The CLI as users run it: the compiled `segctl` (npm test builds it first). */
const SEGCTL = join(process.cwd(), 'dist/apps/cli/src/main.js');
const usdc = (n: string): bigint => parseUnits(n, 6);
/** `3,499.5 USDC` as printed → base units. */
const printed = (text: string): bigint => usdc(text.replace(/,/g, '').replace(/ USDC$/, ''));

interface Ledger {
  cash: bigint;
  insurance: bigint;
  routedOut: bigint;
  routedIn: bigint;
}

describe('segctl route (and the risk oracle’s routing planner) on a devnet', () => {
  let w: SegmentWorld;
  let hub: number;
  let spoke: number;
  let routeId: Hex;
  /** Runs the CLI without blocking this process (the risk oracle may be serving in it). */
  const segctl = (...args: string[]): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [SEGCTL, ...args, '--manifest', w.devnet.manifestPath],
        { encoding: 'utf8', timeout: 60_000 },
        (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
      );
    });
  const ledger = (eid: number, segment: string) => w.readVault<Ledger>(eid, 'ledger', [seg(segment)]);
  /** The vault's utilisation of a segment: borrowed / (borrowed + cash − insurance). */
  const utilisation = async (eid: number, segment: string) => {
    const l = await ledger(eid, segment);
    const borrowed = await w.readVault<bigint>(eid, 'totalBorrowed', [seg(segment)]);
    return utilisationBps(borrowed, l.cash - l.insurance);
  };

  beforeAll(async () => {
    if (!existsSync(SEGCTL)) throw new Error(`${SEGCTL} is missing: run \`npm run build\` first (npm test does)`);
    w = await SegmentWorld.start({ chains: 2 });
    hub = w.hubEid;
    spoke = w.eids.find((e) => e !== hub) as number; // a 2-chain world has one spoke
    // idle liquidity on the hub (weth: 100,000 supplied, nothing borrowed), a busy segment on the
    // spoke (wbtc: 10,000 supplied, 9,500 borrowed against 1 WBTC → 95 %)
    const supplier = user(60);
    const borrower = user(61);
    await w.fund(hub, supplier, 'USDC', usdc('100000'));
    await w.vaultCall(hub, supplier, 'supply', [seg('weth'), usdc('100000'), supplier.address]);
    await w.fund(spoke, supplier, 'USDC', usdc('10000'));
    await w.vaultCall(spoke, supplier, 'supply', [seg('wbtc'), usdc('10000'), supplier.address]);
    await w.fund(spoke, borrower, 'WBTC', parseUnits('1', 8));
    await w.vaultCall(spoke, borrower, 'depositCollateral', [seg('wbtc'), 0n, asset('WBTC'), parseUnits('1', 8)]);
    await w.vaultCall(spoke, borrower, 'borrow', [seg('wbtc'), 0n, usdc('9500'), borrower.address]);
    const route: Route = {
      srcEid: hub,
      srcSegment: seg('weth'),
      dstEid: spoke,
      dstSegment: seg('wbtc'),
      assetId: asset('USDC'),
      capacity: usdc('5000'),
      refillPerSecond: usdc('1'),
      maxUtilBps: 9_000,
      enabled: true,
    };
    routeId = (await w.allowRoute(route)).routeId;
    expect((await w.relayAll()).filter((p) => p.outcome !== 0)).toEqual([]); // the config reaches the spoke
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('route ls shows the route on both chains, with its limits and the full bucket on the source', async () => {
    const r = await segctl('route', 'ls');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(`${routeId}  weth@hub → wbtc@spoke-1  (cross chain)`);
    expect(r.out).toMatch(
      /^ {2}hub +epoch 1 {2}enabled +capacity 5,000 USDC {2}refill 1 USDC\/s {2}source max utilisation 90\.00 % {2}bucket 5,000 USDC \/ 5,000 USDC$/m,
    );
    expect(r.out).toMatch(/^ {2}spoke-1 +epoch 1 {2}enabled +capacity 5,000 USDC .*90\.00 %$/m);
  });

  it('route send moves liquidity along the route: debited at the source, credited once relayed', async () => {
    const before = { src: await ledger(hub, 'weth'), dst: await ledger(spoke, 'wbtc') };
    const r = await segctl('route', 'send', routeId, '1500.5');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^sent 1,500\.5 USDC from weth@hub to wbtc@spoke-1 \(fee [\d.]+ ETH, tx 0x[0-9a-f]{64}\)$/m);
    const transferId = /^transfer (0x[0-9a-f]{64})$/m.exec(r.out)?.[1];
    expect(transferId).toBeDefined();
    const src = await ledger(hub, 'weth');
    expect(src.cash).toBe(before.src.cash - usdc('1500.5'));
    expect(src.routedOut).toBe(before.src.routedOut + usdc('1500.5'));

    const inFlight = await segctl('route', 'transfers');
    expect(inFlight).toMatchObject({ code: 0, err: '' });
    expect(inFlight.out).toContain(`${transferId}  weth@hub → wbtc@spoke-1  1,500.5 USDC  Sent on hub`);
    expect(inFlight.out).toMatch(/^in flight: 1$/m);
    expect(inFlight.out).toContain(
      'conservation USDC: debited 1,500.5 USDC = credited 0 USDC + in flight 1,500.5 USDC + refunded 0 USDC  holds',
    );

    expect((await w.relayAll()).filter((p) => p.outcome !== 0)).toEqual([]);
    const dst = await ledger(spoke, 'wbtc');
    expect(dst.cash).toBe(before.dst.cash + usdc('1500.5'));
    expect(dst.routedIn).toBe(before.dst.routedIn + usdc('1500.5'));
    const credited = await segctl('route', 'transfers', '--route', routeId, '--state', 'credited');
    expect(credited).toMatchObject({ code: 0, err: '' });
    expect(credited.out).toContain(
      `${transferId}  weth@hub → wbtc@spoke-1  1,500.5 USDC  Sent on hub, Credited on spoke-1`,
    );
    expect(credited.out).toMatch(/^in flight: none$/m);
    expect(credited.out).toContain(
      'conservation USDC: debited 1,500.5 USDC = credited 1,500.5 USDC + in flight 0 USDC + refunded 0 USDC  holds',
    );
  });

  it('route send over the bucket says what the bucket has and how long to wait, moves nothing and exits non-zero', async () => {
    const before = await ledger(hub, 'weth');
    const r = await segctl('route', 'send', routeId, '4000');
    expect(r.code).not.toBe(0);
    const m = /RateLimited: the route's bucket has ([\d,.]+ USDC), wait (\d+) s/.exec(r.err);
    expect(m).not.toBeNull();
    const available = printed(m?.[1] ?? '');
    expect(available).toBeGreaterThanOrEqual(usdc('3499.5')); // 5,000 − 1,500.5, refilling at 1 USDC/s
    expect(available).toBeLessThan(usdc('4000'));
    expect(BigInt(m?.[2] ?? '0')).toBe((usdc('4000') - available + usdc('1') - 1n) / usdc('1'));
    expect(await ledger(hub, 'weth')).toEqual(before);
    // an amount finer than the asset's 6 decimals is refused before anything is sent
    const fine = await segctl('route', 'send', routeId, '1.0000001');
    expect(fine.code).not.toBe(0);
    expect(fine.err).toContain('"1.0000001" has 7 decimals; the asset has 6');
  });

  it('route plan proposes a move toward the busy segment, the risk oracle serves the same plan, --submit executes it and a transfer in flight is not sent twice', async () => {
    const busy = await utilisation(spoke, 'wbtc');
    expect(busy).toBeGreaterThan(8_000); // 9,500 / 11,500.5 ≈ 82.6 %
    const dry = await segctl('route', 'plan');
    expect(dry).toMatchObject({ code: 0, err: '' });
    const move =
      /^move 1: ([\d,.]+ USDC) weth@hub → wbtc@spoke-1 along (0x[0-9a-f]{64}) \(limited by need; destination [\d.]+ % → [\d.]+ %\)$/m.exec(
        dry.out,
      );
    expect(move?.[2]).toBe(routeId);
    expect(dry.out).toContain('dry run: nothing sent');
    expect(await utilisation(spoke, 'wbtc')).toBe(busy);

    // the oracle's planner, in dry-run mode, plans the same move and serves it at GET /routing/plan
    const oracle = await startRiskOracleApp(
      loadRiskOracleSettings({
        RISK_MANIFEST: w.devnet.manifestPath,
        RISK_DATA_DIR: join(dirname(w.devnet.manifestPath), 'risk-db'),
        RISK_HTTP_PORT: '0',
        RISK_KEEPER: 'false',
        RISK_SUBMIT: 'false',
        RISK_ASSESS_INTERVAL_MS: '86400000',
        RISK_ROUTING: 'dry-run',
        RISK_ROUTING_INTERVAL_MS: '500',
      }),
      false,
    );
    try {
      const served = await waitFor('a routing plan at GET /routing/plan', async () => {
        const body = (await (await fetch(`${oracle.url}/routing/plan`)).json()) as {
          mode: string;
          plan: RoutingRound | null;
        };
        return body.plan ? body : undefined;
      });
      expect(served.mode).toBe('dry-run');
      expect(served.plan?.error).toBeNull();
      expect(served.plan?.moves.map((m) => [m.routeId, m.from, m.to, BigInt(m.amount), m.result])).toEqual([
        [routeId, `weth@${hub}`, `wbtc@${spoke}`, printed(move?.[1] ?? ''), null],
      ]);
    } finally {
      await oracle.close();
    }

    const submitted = await segctl('route', 'plan', '--submit');
    expect(submitted).toMatchObject({ code: 0, err: '' });
    expect(submitted.out).toMatch(/^move 1: sent, transfer 0x[0-9a-f]{64} \(tx 0x[0-9a-f]{64}\)$/m);
    // while the transfer is in flight it counts as arrived: planning again sends nothing more
    const pending = await segctl('route', 'plan');
    expect(pending.out).toMatch(/^no moves$/m);
    expect((await w.relayAll()).filter((p) => p.outcome !== 0)).toEqual([]);
    expect(await utilisation(spoke, 'wbtc')).toBeLessThanOrEqual(7_000); // the planner's target
  });
});
