import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { parseEther, parseUnits, type Hex } from 'viem';
import { SegmentController } from '#app/contracts';
import { DEVNET_STEWARD_BOUNDS, playScenario, scenarioByName } from '#app/devnet';
import { decodeStoredRiskParams, type RiskParams } from '#app/messaging';
import type { RelayerApp } from '../../apps/relayer/src/relayer.app.js';
import { loadRiskOracleSettings } from '../../apps/risk-oracle/src/risk-oracle.config.js';
import { startRiskOracleApp, type RiskOracleApp } from '../../apps/risk-oracle/src/risk-oracle.app.js';
import { asset, seg, SegmentWorld, user } from '../support/segments.js';
import { waitFor } from '../support/wait.js';
import { startWorldRelayer } from '../support/services.js';

/** One step of a scenario per this many seconds: the oracle's price grid period in these tests. */
const PERIOD = 2;

interface Running {
  w: SegmentWorld;
  relayer: RelayerApp;
  oracle: RiskOracleApp;
}

async function start(w: SegmentWorld): Promise<Running> {
  const dir = join(w.devnet.manifestPath, '..');
  const relayer = await startWorldRelayer(w);
  const oracle = await startRiskOracleApp(
    loadRiskOracleSettings({
      RISK_MANIFEST: w.devnet.manifestPath,
      RISK_DATA_DIR: join(dir, 'risk-db'),
      RISK_HTTP_PORT: '0',
      RISK_POLL_MS: '250',
      RISK_ASSESS_INTERVAL_MS: '1500',
      RISK_PERIOD_SECONDS: String(PERIOD),
      RISK_WINDOW: '30',
      RISK_CORRELATION_WINDOW: '20',
    }),
    false,
  );
  return { w, relayer, oracle };
}

/**
 * The scenario's history first, then the services, then the live steps: the oracle never reads a
 * history half written (a back-dated history arriving mid-window reads as a common jump in every feed).
 */
async function play(w: SegmentWorld, name: string, r: Partial<Running>): Promise<void> {
  const scenario = scenarioByName(name);
  await playScenario(w.devnet.manifest, scenario, { periodSeconds: PERIOD, live: false });
  Object.assign(r, await start(w));
  await playScenario(w.devnet.manifest, scenario, { periodSeconds: PERIOD, history: false });
}

async function stop(r: Partial<Running>): Promise<void> {
  await r.oracle?.close();
  await r.relayer?.close();
  await r.w?.stop();
}

async function get<T>(r: Running, path: string): Promise<T> {
  const res = await fetch(`${r.oracle.url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function controllerParams(w: SegmentWorld, name: string): Promise<{ params: RiskParams; epoch: bigint }> {
  const s = await w.read<{ params: Hex; paramsEpoch: bigint }>(
    w.hubEid,
    w.controller,
    SegmentController.abi,
    'getSegment',
    [seg(name)],
  );
  return { params: decodeStoredRiskParams(s.params), epoch: s.paramsEpoch };
}

/** Borrowers of CRV on two chains at 50 % of their collateral's value (the devnet CRV LTV is 55 %). */
async function seedCrvBook(w: SegmentWorld): Promise<{ eid: number; index: number }[]> {
  const spoke = w.eids.find((e) => e !== w.hubEid) as number; // a 3-chain world has spokes
  const supplier = user(0);
  const borrowers = [
    { eid: w.hubEid, index: 1 },
    { eid: w.hubEid, index: 2 },
    { eid: spoke, index: 3 },
  ];
  for (const eid of [w.hubEid, spoke]) {
    await w.fund(eid, supplier, 'USDC', parseUnits('1000000', 6));
    await w.vaultCall(eid, supplier, 'supply', [seg('crv'), parseUnits('1000000', 6), supplier.address]);
  }
  for (const b of borrowers) {
    const u = user(b.index);
    await w.fund(b.eid, u, 'CRV', parseEther('100000'));
    await w.vaultCall(b.eid, u, 'depositCollateral', [seg('crv'), 0n, asset('CRV'), parseEther('100000')]);
    // 100,000 CRV at $0.60 = $60,000; borrow $30,000
    await w.vaultCall(b.eid, u, 'borrow', [seg('crv'), 0n, parseUnits('30000', 6), u.address]);
  }
  // a calm WETH borrower, far from its threshold, that nothing may touch
  const calm = user(4);
  await w.fund(w.hubEid, supplier, 'USDC', parseUnits('100000', 6));
  await w.vaultCall(w.hubEid, supplier, 'supply', [seg('weth'), parseUnits('100000', 6), supplier.address]);
  await w.fund(w.hubEid, calm, 'WETH', parseEther('10'));
  await w.vaultCall(w.hubEid, calm, 'depositCollateral', [seg('weth'), 0n, asset('WETH'), parseEther('10')]);
  await w.vaultCall(w.hubEid, calm, 'borrow', [seg('weth'), 0n, parseUnits('6000', 6), calm.address]);
  return borrowers;
}

describe('RiskOracle: a CRV crash', () => {
  const r: Partial<Running> = {};
  let borrowers: { eid: number; index: number }[];
  let before: Map<string, { params: RiskParams; epoch: bigint }>;

  beforeAll(async () => {
    const w = await SegmentWorld.start();
    r.w = w;
    borrowers = await seedCrvBook(w);
    before = new Map(
      await Promise.all(['weth', 'wbtc', 'crv'].map(async (n) => [n, await controllerParams(w, n)] as const)),
    );
    await play(w, 'crv-crash', r);
  });
  afterAll(() => stop(r));

  it('tightens the crv segment within the steward bounds, on every chain', async () => {
    const run = r as Running;
    const old = before.get('crv')?.params.assets[0];
    if (!old) throw new Error('crv has one collateral');
    const applied = await waitFor(
      'a crv proposal lowering the LTV, applied on every chain',
      async () => {
        const rows = await get<{ status: string; appliedOn: number[]; params: { assets: { ltvBps: number }[] } }[]>(
          run,
          '/proposals?segment=crv',
        );
        return rows.find((p) => p.status === 'applied' && (p.params.assets[0]?.ltvBps ?? old.ltvBps) < old.ltvBps);
      },
      90_000,
      250,
    );
    expect(applied.appliedOn.sort()).toEqual([...run.w.eids].sort());
    const { params, epoch } = await controllerParams(run.w, 'crv');
    expect(epoch).toBeGreaterThan(before.get('crv')?.epoch ?? 0n);
    const now = params.assets[0];
    if (!now) throw new Error('crv has one collateral');
    // tighter, and by no more than the steward may move it in one update
    expect(now.ltvBps).toBeLessThan(old.ltvBps);
    expect(now.ltvBps).toBeGreaterThanOrEqual(old.ltvBps - DEVNET_STEWARD_BOUNDS.maxLtvChangeBps);
    expect(now.liqThresholdBps).toBeLessThan(old.liqThresholdBps);
    expect(now.liqThresholdBps).toBeGreaterThanOrEqual(
      old.liqThresholdBps - DEVNET_STEWARD_BOUNDS.maxThresholdChangeBps,
    );
    expect(now.liqBonusBps).toBeGreaterThanOrEqual(old.liqBonusBps);
    expect(now.liqBonusBps).toBeLessThanOrEqual(old.liqBonusBps + DEVNET_STEWARD_BOUNDS.maxBonusChangeBps);
    for (const eid of run.w.eids) {
      const c = await run.w.readVault<{ ltvBps: number; liqThresholdBps: number; liqBonusBps: number }>(
        eid,
        'collateralConfig',
        [seg('crv'), asset('CRV')],
      );
      expect([c.ltvBps, c.liqThresholdBps, c.liqBonusBps]).toEqual([now.ltvBps, now.liqThresholdBps, now.liqBonusBps]);
    }
    // the assessment behind it carries what a reviewer needs to recompute it
    const detail = await get<{
      assessment: { inputs: { prices: { window: number[] }[]; length: number }; decision: { changed: boolean } };
    }>(run, '/segments/crv');
    expect(detail.assessment.inputs.prices).toHaveLength(2);
    expect(detail.assessment.inputs.prices[1]?.window).toHaveLength(detail.assessment.inputs.length);
  });

  it('liquidates the crv borrowers the crash made unhealthy, on the chain each one is on', async () => {
    const run = r as Running;
    const liquidated = await waitFor(
      'keeper liquidations on both chains',
      async () => {
        const rows = await get<{ eid: number; owner: string; status: string }[]>(run, '/liquidations?segment=crv');
        const mined = rows.filter((l) => l.status === 'mined');
        const owners = new Set(mined.map((l) => `${l.eid}:${l.owner.toLowerCase()}`));
        return borrowers.every((b) => owners.has(`${b.eid}:${user(b.index).address.toLowerCase()}`))
          ? mined
          : undefined;
      },
      90_000,
      250,
    );
    expect(liquidated.length).toBeGreaterThanOrEqual(borrowers.length);
    for (const b of borrowers) {
      const debt = await run.w.readVault<bigint>(b.eid, 'debtOf', [seg('crv'), user(b.index).address, 0n]);
      expect(debt).toBeLessThan(parseUnits('30000', 6));
    }
    const metrics = await (await fetch(`${run.oracle.url}/metrics`)).text();
    expect(metrics).toMatch(/risk_liquidations_total\{segment="crv",eid="\d+",result="mined"\} [1-9]/);
  });

  it('leaves the other segments alone: same params, no proposals, no liquidations', async () => {
    const run = r as Running;
    // the oracle has assessed them after the crash
    await waitFor('weth and wbtc assessed', async () => {
      const rows = await get<{ segment: string }[]>(run, '/segments');
      return ['weth', 'wbtc', 'crv'].every((n) => rows.some((x) => x.segment === n));
    });
    for (const name of ['weth', 'wbtc']) {
      expect(await controllerParams(run.w, name)).toEqual(before.get(name));
      expect(await get<unknown[]>(run, `/proposals?segment=${name}`)).toEqual([]);
      expect(await get<unknown[]>(run, `/liquidations?segment=${name}`)).toEqual([]);
    }
    expect(
      await run.w.readVault<bigint>(run.w.hubEid, 'debtOf', [seg('weth'), user(4).address, 0n]),
    ).toBeGreaterThanOrEqual(parseUnits('6000', 6));
    expect(await get<unknown[]>(run, '/alerts?active=true')).toEqual([]);
  });
});

describe('RiskOracle: a correlated crash', () => {
  const r: Partial<Running> = {};

  beforeAll(async () => {
    const w = await SegmentWorld.start();
    r.w = w;
    await play(w, 'correlated-crash', r);
  });
  afterAll(() => stop(r));

  it('raises a correlation alert when segments meant to be independent move together', async () => {
    const run = r as Running;
    const alerts = await waitFor(
      'correlation alerts',
      async () => {
        const rows = await get<{ segments: string[]; rho: number; threshold: number }[]>(run, '/alerts?active=true');
        return rows.length >= 3 ? rows : undefined;
      },
      60_000,
      250,
    );
    const pairs = alerts.map((a) => [...a.segments].sort().join('+')).sort();
    expect(pairs).toEqual(['crv+wbtc', 'crv+weth', 'wbtc+weth']);
    for (const a of alerts) expect(a.rho).toBeGreaterThanOrEqual(a.threshold);
    // the matrix behind them, as the governance console's heat map reads it
    const matrix = await get<{ segments: string[]; values: (number | null)[][] }>(run, '/correlation');
    expect([...matrix.segments].sort()).toEqual(['crv', 'wbtc', 'weth']);
    for (const a of alerts) {
      const [i, j] = a.segments.map((x) => matrix.segments.indexOf(x));
      // an active alert clears only below threshold − hysteresis (0.1 by default)
      expect(matrix.values[i][j]).toBeGreaterThanOrEqual(a.threshold - 0.1);
    }
    const metrics = await (await fetch(`${run.oracle.url}/metrics`)).text();
    expect(metrics).toMatch(/risk_correlation_alerts_active 3/);
    // the segments under the alert are assessed under stress
    const rows = await get<{ segment: string; reason: string }[]>(run, '/segments');
    await waitFor('stressed assessments', async () =>
      (await get<{ segment: string; reason: string }[]>(run, '/segments')).every((x) =>
        x.reason.includes('correlation stress'),
      ),
    );
    expect(rows.map((x) => x.segment).sort()).toEqual(['crv', 'wbtc', 'weth']);
  });
});
