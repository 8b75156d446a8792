import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeFunctionData, parseUnits, type Hex, type LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainWalletClient } from '#app/chains';
import { SegmentController } from '#app/contracts';
import { chainConfigOf, devnetAccount, hubOf } from '#app/devnet';
import { routeIdOf, type Route } from '#app/messaging';
import { loadGovernanceSettings } from '../../apps/governance/src/governance.config.js';
import { startGovernanceApp, type GovernanceApp } from '../../apps/governance/src/governance.app.js';
import type { RelayerApp } from '../../apps/relayer/src/relayer.app.js';
import { asset, revertName, seg, SegmentWorld, user } from '../support/segments.js';
import { waitFor } from '../support/wait.js';
import { startWorldRelayer } from '../support/services.js';
import type { ProposalRoute } from '../../apps/governance/src/routes/routes.service.js';

interface TypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: Hex };
  types: { Proposal: { name: string; type: string }[] };
  primaryType: 'Proposal';
  message: { action: number; data: Hex; nonce: string; deadline: string };
}

interface ProposalView {
  id: Hex;
  status: string;
  signatures: { signer: string }[];
  threshold: number;
  eta: number | null;
  error: string | null;
  propagation: {
    eid: number;
    applied: boolean;
    routeEpoch?: number;
    requiredEpoch?: number | null;
    message?: { guid: string; stage: string } | null;
  }[];
  route: ProposalRoute | null;
  typedData?: TypedData;
}

interface RouteView {
  routeId: Hex;
  srcEid: number;
  srcSegment: string;
  dstEid: number;
  dstSegment: string;
  asset: string;
  decimals: number | null;
  enabled: boolean;
  capacity: string;
  refillPerSecond: string;
  maxUtilBps: number;
  hubEpoch: number;
  applied: boolean;
  bucket: { available: string; capacity: string } | null;
  chains: { eid: number; side: string; epoch: number; applied: boolean; enabled: boolean; capacity: string }[];
  transfers?: { transferId: Hex; amount: string; records: { eid: number; state: string }[]; inFlight: boolean }[];
  inFlight?: unknown[];
}

const usdc = (n: string): bigint => parseUnits(n, 6);

const NEW_SEGMENT = {
  action: 'createSegment',
  segment: 'link',
  borrowAsset: 'USDC',
  collaterals: [{ asset: 'WETH', ltvBps: 7000, liqThresholdBps: 7500, liqBonusBps: 500, supplyCap: '1000' }],
  borrowCap: '1000000',
  globalCapUsd: '5000000',
};

/**
 * Governance through the API on a 3-chain devnet with the relayer running: proposals built and
 * signed by 2 of 3 governors, queued and executed by the API, carried to every chain; what is not
 * signed enough stays pending; forged signatures are refused by the API and by the controller; the
 * guardian's freeze reaches every chain.
 */
describe('Governance.api', () => {
  let w: SegmentWorld;
  let relayer: RelayerApp;
  let gov: GovernanceApp;
  let blocks: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    w = await SegmentWorld.start({ chains: 3, timelockSeconds: 3 });
    // real chains make blocks whether or not anyone sends: clocks move on and confirmations arrive
    blocks = setInterval(
      () => void Promise.all(w.eids.map((eid) => w.rpc(eid, 'evm_mine'))).catch(() => undefined),
      500,
    );
    const dir = join(w.devnet.manifestPath, '..');
    relayer = await startWorldRelayer(w);
    gov = await startGovernanceApp(
      loadGovernanceSettings({
        GOV_MANIFEST: w.devnet.manifestPath,
        GOV_DATA_DIR: join(dir, 'governance-db'),
        GOV_HTTP_PORT: '0',
        GOV_POLL_MS: '200',
        GOV_RATE_LIMIT: '10000',
        GOV_RELAYER_URL: relayer.url,
        // event searches go range by range, as RPC providers require: here ranges of 25 blocks
        GOV_MAX_LOG_RANGE: '25',
      }),
      false,
    );
  });

  afterAll(async () => {
    clearInterval(blocks);
    await gov?.close();
    await relayer?.close();
    await w?.stop();
  });

  const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${gov.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const sign = (account: LocalAccount, typed: TypedData): Promise<Hex> =>
    account.signTypedData({
      ...typed,
      message: { ...typed.message, nonce: BigInt(typed.message.nonce), deadline: BigInt(typed.message.deadline) },
    });

  const propose = async (body: unknown): Promise<ProposalView & { typedData: TypedData }> => {
    const r = await api<ProposalView & { typedData: TypedData }>('POST', '/api/proposals', body);
    expect(r.status).toBe(201);
    return r.body;
  };

  it('creates a segment with 2 of 3 governor signatures: queued, executed after the timelock, applied on all 3 chains', async () => {
    const p = await propose(NEW_SEGMENT);
    expect(p.status).toBe('pending');
    const first = await api<ProposalView>('POST', `/api/proposals/${p.id}/signatures`, {
      signature: await sign(devnetAccount('governor1'), p.typedData),
    });
    expect(first.body.status).toBe('pending');
    const second = await api<ProposalView>('POST', `/api/proposals/${p.id}/signatures`, {
      signature: await sign(devnetAccount('governor3'), p.typedData),
    });
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('queued');
    expect(second.body.signatures).toHaveLength(2);
    const applied = await waitFor(
      'the new segment applied on every chain',
      async () => {
        const v = (await api<ProposalView>('GET', `/api/proposals/${p.id}`)).body;
        return v.status === 'executed' && v.propagation.every((c) => c.applied) ? v : undefined;
      },
      90_000,
    );
    expect(applied.propagation.map((c) => c.eid).sort()).toEqual([...w.eids].sort());
    // the relayer's record of each message the execute sent: delivered to each spoke, none to the hub
    const delivered = await waitFor(
      'the relayer recording both messages delivered',
      async () => {
        const v = (await api<ProposalView>('GET', `/api/proposals/${p.id}`)).body;
        return v.propagation.every((c) => c.eid === w.hubEid || c.message?.stage === 'delivered') ? v : undefined;
      },
      30_000,
    );
    for (const c of delivered.propagation) {
      if (c.eid === w.hubEid) expect(c.message).toBeNull();
      else
        expect(c.message).toEqual(expect.objectContaining({ stage: 'delivered', guid: expect.stringMatching(/^0x/) }));
    }
    const segment = (
      await api<{ status: string; chains: { applied: boolean; status: string }[] }>('GET', '/api/segments/link')
    ).body;
    expect(segment.status).toBe('Active');
    expect(segment.chains.every((c) => c.applied && c.status === 'Active')).toBe(true);
    // the parameter history comes from the controller's events, searched 25 blocks at a time
    const history = (
      await api<{ paramsEpoch: number; bySteward: boolean; block: number; assets: unknown[] }[]>(
        'GET',
        '/api/segments/link/history',
      )
    ).body;
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      paramsEpoch: 1,
      bySteward: false,
      assets: [{ asset: 'WETH', ltvBps: 7000, liqThresholdBps: 7500 }],
    });
    expect(history[0]?.block).toBeGreaterThan(25); // beyond the first range
    const audit = (await api<{ event: string }[]>('GET', `/api/audit?proposal=${p.id}`)).body.map((a) => a.event);
    expect(audit).toEqual([
      'proposal.executed',
      'proposal.queued',
      'signature.added',
      'signature.added',
      'proposal.created',
    ]);
  });

  /** Two governors sign; resolves once executed, applied on the hub router and at the epoch on both ends. */
  const governRoute = async (body: unknown): Promise<ProposalView> => {
    const p = await propose(body);
    expect(p.status).toBe('pending');
    for (const governor of ['governor1', 'governor2'] as const)
      await api('POST', `/api/proposals/${p.id}/signatures`, {
        signature: await sign(devnetAccount(governor), p.typedData),
      });
    return waitFor(
      `route proposal ${p.id} applied at both ends`,
      async () => {
        const v = (await api<ProposalView>('GET', `/api/proposals/${p.id}`)).body;
        return v.status === 'executed' && v.route?.appliedOnHub && v.propagation.every((c) => c.applied)
          ? v
          : undefined;
      },
      60_000,
    );
  };

  it('allows a route through a 2-of-3 proposal: applied by the hub router, at the epoch on both ends; a disable closes it', async () => {
    const [s1, s2] = w.eids.filter((e) => e !== w.hubEid) as [number, number];
    const expected: Route = {
      srcEid: s1,
      srcSegment: seg('weth'),
      dstEid: s2,
      dstSegment: seg('crv'),
      assetId: asset('USDC'),
      capacity: usdc('50000'),
      refillPerSecond: usdc('1'),
      maxUtilBps: 9_000,
      enabled: true,
    };
    const id = routeIdOf(expected);
    const allow = {
      action: 'allowRoute',
      route: { srcEid: s1, srcSegment: 'weth', dstEid: s2, dstSegment: 'crv', asset: 'USDC' },
    };
    const limits = { capacity: usdc('50000').toString(), refillPerSecond: usdc('1').toString(), maxUtilBps: 9_000 };
    const allowed = await governRoute({ ...allow, route: { ...allow.route, ...limits } });
    expect(allowed.route).toMatchObject({ routeId: id, enabled: true, hubEpoch: 1, applyError: null });
    expect(allowed.propagation.map((c) => [c.eid, c.routeEpoch, c.requiredEpoch])).toEqual([
      [s1, 1, 1],
      [s2, 1, 1],
    ]);
    // the routers at both ends have exactly what governance allowed
    for (const eid of [s1, s2]) expect(await w.readRouter<Route>(eid, 'getRoute', [id])).toEqual(expected);
    const audit = (
      await api<{ event: string; proposalId: Hex | null; details: { proposalId?: Hex; epoch?: number } }[]>(
        'GET',
        '/api/audit',
      )
    ).body;
    expect(audit.find((a) => a.event === 'route.applied' && a.details.proposalId === allowed.id)?.details.epoch).toBe(
      1,
    );
    expect(
      (await api<{ event: string }[]>('GET', `/api/audit?proposal=${allowed.id}`)).body.map((a) => a.event),
    ).toEqual(['proposal.executed', 'proposal.queued', 'signature.added', 'signature.added', 'proposal.created']);

    const listed = (await api<RouteView[]>('GET', '/api/routes')).body.find((r) => r.routeId === id);
    expect(listed).toMatchObject({
      srcSegment: 'weth',
      dstSegment: 'crv',
      asset: 'USDC',
      decimals: 6,
      enabled: true,
      capacity: '50000000000',
      refillPerSecond: '1000000',
      maxUtilBps: 9_000,
      hubEpoch: 1,
      applied: true,
      bucket: { available: '50000000000', capacity: '50000000000' },
    });
    expect(listed?.chains.map((c) => [c.eid, c.side, c.epoch, c.enabled])).toEqual([
      [s1, 'source', 1, true],
      [s2, 'destination', 1, true],
    ]);

    // the conservation check over every chain's router, before anything moved
    const conservation = (
      await api<{ holds: boolean; assets: { asset: string }[]; inFlight: unknown[]; anomalies: string[] }>(
        'GET',
        '/api/routes/conservation',
      )
    ).body;
    expect(conservation).toMatchObject({ holds: true, inFlight: [], anomalies: [] });
    expect(conservation.assets.find((a) => a.asset === 'USDC')).toEqual(
      expect.objectContaining({ debited: '0', credited: '0', refunded: '0', inFlight: '0', holds: true }),
    );

    // a transfer along the route, credited at the destination by the relayer, is listed under the
    // route with the source router's record, and the source bucket has given its tokens
    const supplier = user(50);
    await w.fund(s1, supplier, 'USDC', usdc('100000'));
    await w.vaultCall(s1, supplier, 'supply', [seg('weth'), usdc('100000'), supplier.address]);
    await w.routerCall(s1, w.role('routeOperator'), 'route', [id, usdc('1000')]);
    await waitFor(
      'the transfer credited to crv on the destination',
      async () => (await w.readVault<{ routedIn: bigint }>(s2, 'ledger', [seg('crv')])).routedIn === usdc('1000'),
      30_000,
    );
    const detail = (await api<RouteView>('GET', `/api/routes/${id}`)).body;
    expect(detail.transfers?.map((t) => [t.amount, t.records.map((r) => [r.eid, r.state]), t.inFlight])).toEqual([
      [
        '1000000000',
        [
          [s1, 'Sent'],
          [s2, 'Credited'],
        ],
        false,
      ],
    ]);
    const settled = (await api<{ holds: boolean; assets: { asset: string }[] }>('GET', '/api/routes/conservation'))
      .body;
    expect(settled.holds).toBe(true);
    expect(settled.assets.find((a) => a.asset === 'USDC')).toEqual(
      expect.objectContaining({ debited: '1000000000', credited: '1000000000', inFlight: '0', holds: true }),
    );
    expect(BigInt(detail.bucket?.available ?? 0)).toBeLessThan(usdc('50000'));

    // new limits keep the route's ids and its enabled flag (proposed only: signing it would cost another timelock)
    const relimit = await propose({
      action: 'setRouteLimits',
      routeId: id,
      limits: { capacity: '7000000', refillPerSecond: '0', maxUtilBps: 5_000 },
    });
    expect(relimit.route).toMatchObject({
      routeId: id,
      capacity: '7000000',
      refillPerSecond: '0',
      maxUtilBps: 5_000,
      enabled: true,
      appliedOnHub: false,
    });

    const disabled = await governRoute({ action: 'disableRoute', routeId: id.toUpperCase().replace('0X', '0x') });
    expect(disabled.route).toMatchObject({ routeId: id, enabled: false, capacity: '50000000000', hubEpoch: 2 });
    const closed = (await api<RouteView>('GET', `/api/routes/${id}`)).body;
    expect(closed.enabled).toBe(false);
    expect(closed.chains.map((c) => [c.eid, c.epoch, c.enabled])).toEqual([
      [s1, 2, false],
      [s2, 2, false],
    ]);
    expect(await revertName(w.routerCall(s1, w.role('routeOperator'), 'route', [id, usdc('1')]))).toBe('RouteDisabled');
    const again = await api<{ message: string }>('POST', '/api/proposals', { action: 'disableRoute', routeId: id });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/routeId: route 0x[0-9a-f]+ is already disabled/);
  });

  it('keeps a proposal with one signature pending: nothing is queued on chain', async () => {
    const p = await propose({ action: 'setGlobalCap', segment: 'weth', globalCapUsd: '123' });
    const r = await api<ProposalView>('POST', `/api/proposals/${p.id}/signatures`, {
      signature: await sign(devnetAccount('governor2'), p.typedData),
    });
    expect(r.body.status).toBe('pending');
    expect(r.body.signatures).toHaveLength(1);
    const onChain = await w.read<readonly [number, number, bigint]>(
      w.hubEid,
      w.controller,
      SegmentController.abi,
      'proposals',
      [p.id],
    );
    expect(onChain[0]).toBe(0); // ProposalState.None
    const early = await api<{ message: string }>('POST', `/api/proposals/${p.id}/execute`);
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/is pending, not queued/);
  });

  it('refuses a duplicate signature and a forged one, and the controller refuses the forgery too', async () => {
    const p = await propose({ action: 'setStatus', segment: 'crv', status: 'ReduceOnly' });
    const governor = await sign(devnetAccount('governor1'), p.typedData);
    expect((await api('POST', `/api/proposals/${p.id}/signatures`, { signature: governor })).status).toBe(200);
    const again = await api<{ message: string }>('POST', `/api/proposals/${p.id}/signatures`, { signature: governor });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already signed/);
    const impostor = privateKeyToAccount(`0x${'42'.repeat(32)}`);
    const forged = await sign(impostor, p.typedData);
    const refused = await api<{ message: string }>('POST', `/api/proposals/${p.id}/signatures`, { signature: forged });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain(`signed by ${impostor.address}, who is not a governor`);
    // the same forgery sent straight to the controller
    const sorted = [governor, forged]; // order does not matter: the impostor is refused first or second
    const m = p.typedData.message;
    const direct = w.send(w.hubEid, devnetAccount('governor1'), w.controller, SegmentController.abi, 'queue', [
      m.action,
      m.data,
      BigInt(m.nonce),
      BigInt(m.deadline),
      sorted,
    ]);
    expect(await revertName(direct)).toMatch(/SignerNotGovernor|SignersNotSorted/);
    const view = (await api<ProposalView>('GET', `/api/proposals/${p.id}`)).body;
    expect(view.status).toBe('pending');
    expect(view.signatures).toHaveLength(1);
  });

  it('freezes a segment on every chain with the guardian’s signed transaction; anyone else is refused', async () => {
    const hub = hubOf(w.devnet.manifest);
    const signed = async (account: LocalAccount) => {
      const wallet = createChainWalletClient(chainConfigOf(hub), account);
      const request = await wallet.prepareTransactionRequest({
        to: w.controller,
        data: encodeFunctionData({ abi: SegmentController.abi, functionName: 'freeze', args: [seg('wbtc')] }),
        gas: 2_000_000n,
      });
      return wallet.signTransaction(request);
    };
    const notGuardian = await api<{ message: string }>('POST', '/api/segments/wbtc/freeze', {
      signedTransaction: await signed(devnetAccount('governor1')),
    });
    expect(notGuardian.status).toBe(403);
    expect(notGuardian.body.message).toMatch(/not the guardian/);
    const frozen = await api<{ tx: Hex }>('POST', '/api/segments/wbtc/freeze', {
      signedTransaction: await signed(devnetAccount('guardian')),
    });
    expect(frozen.status).toBe(200);
    await waitFor(
      'wbtc frozen on every chain',
      async () => {
        const s = (await api<{ chains: { status: string }[] }>('GET', '/api/segments/wbtc')).body;
        return s.chains.length === 3 && s.chains.every((c) => c.status === 'Frozen') ? s : undefined;
      },
      60_000,
    );
    const audit = (await api<{ event: string; actor: string }[]>('GET', '/api/audit')).body;
    expect(audit.find((a) => a.event === 'segment.frozen')?.actor).toBe(
      devnetAccount('guardian').address.toLowerCase(),
    );
  });

  it('refuses malformed requests with a 4xx naming the field, and stores and sends nothing', async () => {
    const executor = devnetAccount('governanceExecutor').address;
    const state = async () => ({
      proposals: (await api<unknown[]>('GET', '/api/proposals')).body.length,
      audit: (await api<unknown[]>('GET', '/api/audit')).body.length,
      segments: await w.read<bigint>(w.hubEid, w.controller, SegmentController.abi, 'segmentCount', []),
      routes: await Promise.all(w.eids.map((eid) => w.readRouter<bigint>(eid, 'routeCount'))),
      executorNonce: await w.client(w.hubEid).getTransactionCount({ address: executor }),
    });
    const pending = await propose({ action: 'setGlobalCap', segment: 'crv', globalCapUsd: '1' });
    const other = await propose({ action: 'setGlobalCap', segment: 'crv', globalCapUsd: '2' });
    // a governor's signature for `other`, replayed on `pending`, recovers some other address
    const replayed = await sign(devnetAccount('governor1'), other.typedData);
    const before = await state();
    const col = { asset: 'WETH', ltvBps: 7000, liqThresholdBps: 7500, liqBonusBps: 500, supplyCap: '10' };
    const create = (patch: Record<string, unknown>) => ({ ...NEW_SEGMENT, segment: 'table', ...patch });
    const withCol = (patch: Record<string, unknown>) => create({ collaterals: [{ ...col, ...patch }] });
    const unknownId = `0x${'ab'.repeat(32)}`;
    const [s1, s2] = w.eids.filter((e) => e !== w.hubEid) as [number, number];
    const goodRoute = {
      srcEid: s1,
      srcSegment: 'weth',
      dstEid: s2,
      dstSegment: 'crv',
      asset: 'USDC',
      capacity: '1000000',
      refillPerSecond: '10',
      maxUtilBps: 8000,
    };
    const allow = (patch: Record<string, unknown>) => ({ action: 'allowRoute', route: { ...goodRoute, ...patch } });
    const limits = { capacity: '1000', refillPerSecond: '1', maxUtilBps: 5000 };
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/api/proposals', '{"action": "createSegment",', 400, /JSON/i],
      ['POST', '/api/proposals', [1, 2], 400, /action/],
      ['POST', '/api/proposals', {}, 400, /action: must be one of/],
      ['POST', '/api/proposals', create({ action: 'mintMoney' }), 400, /action: must be one of/],
      ['POST', '/api/proposals', create({ sneaky: true }), 400, /sneaky/],
      ['POST', '/api/proposals', create({ segment: 'LINK' }), 400, /segment: must be lower-case/],
      ['POST', '/api/proposals', create({ segment: 'x'.repeat(32) }), 400, /segment: must be lower-case/],
      ['POST', '/api/proposals', create({ segment: 42 }), 400, /segment: must be lower-case/],
      ['POST', '/api/proposals', create({ borrowAsset: undefined }), 400, /borrowAsset: must be an upper-case symbol/],
      ['POST', '/api/proposals', create({ borrowAsset: 'usdc' }), 400, /borrowAsset: must be an upper-case symbol/],
      ['POST', '/api/proposals', create({ borrowAsset: 'DOGE' }), 400, /borrowAsset: unknown asset "DOGE"/],
      ['POST', '/api/proposals', create({ collaterals: 'WETH' }), 400, /collaterals: must be a list/],
      ['POST', '/api/proposals', create({ collaterals: [] }), 400, /collaterals: must list at least one/],
      [
        'POST',
        '/api/proposals',
        withCol({ ltvBps: 10_001 }),
        400,
        /collaterals\[0\]\.ltvBps: must not be greater than 10000/,
      ],
      ['POST', '/api/proposals', withCol({ ltvBps: -1 }), 400, /collaterals\[0\]\.ltvBps: must not be less than 0/],
      ['POST', '/api/proposals', withCol({ ltvBps: 70.5 }), 400, /collaterals\[0\]\.ltvBps: must be an integer/],
      [
        'POST',
        '/api/proposals',
        withCol({ liqThresholdBps: 6000 }),
        400,
        /collaterals\[0\]\.liqThresholdBps: must be at least ltvBps/,
      ],
      ['POST', '/api/proposals', withCol({ liqBonusBps: 4000 }), 400, /collaterals\[0\]\.liqBonusBps: .*100 %/],
      [
        'POST',
        '/api/proposals',
        withCol({ supplyCap: 'lots' }),
        400,
        /collaterals\[0\]\.supplyCap: must be a decimal string/,
      ],
      ['POST', '/api/proposals', withCol({ asset: 'DOGE' }), 400, /collaterals\[0\]\.asset: unknown asset "DOGE"/],
      ['POST', '/api/proposals', withCol({ extra: 1 }), 400, /collaterals\[0\]\.extra/],
      [
        'POST',
        '/api/proposals',
        create({ collaterals: [col, col] }),
        400,
        /collaterals\[1\]\.asset: WETH is listed twice/,
      ],
      ['POST', '/api/proposals', create({ borrowCap: '1.1234567' }), 400, /borrowCap: at most 6 decimals/],
      [
        'POST',
        '/api/proposals',
        create({ rates: { baseBps: 0, slope1Bps: 1, kinkBps: 1, slope2Bps: -1 } }),
        400,
        /rates\.slope2Bps/,
      ],
      ['POST', '/api/proposals', create({ deadlineSeconds: 10 }), 400, /deadlineSeconds: must not be less than 60/],
      ['POST', '/api/proposals', create({ segment: 'weth' }), 409, /segment: "weth" already exists/],
      [
        'POST',
        '/api/proposals',
        { action: 'setStatus', segment: 'weth', status: 'Paused' },
        400,
        /status: must be one of/,
      ],
      [
        'POST',
        '/api/proposals',
        { action: 'setStatus', segment: 'nope', status: 'Frozen' },
        404,
        /segment: no segment "nope"/,
      ],
      [
        'POST',
        '/api/proposals',
        { action: 'setGlobalCap', segment: 'weth' },
        400,
        /globalCapUsd: must be a decimal string/,
      ],
      ['POST', '/api/proposals', { action: 'setStewardBounds', segment: 'weth' }, 400, /bounds/],
      [
        'POST',
        `/api/proposals/${pending.id}/signatures`,
        { signature: '0x12' },
        400,
        /signature: must be a 65-byte hex/,
      ],
      ['POST', `/api/proposals/${pending.id}/signatures`, {}, 400, /signature: must be a 65-byte hex/],
      ['POST', `/api/proposals/${pending.id}/signatures`, { signature: replayed, by: 'me' }, 400, /by/],
      ['POST', `/api/proposals/${pending.id}/signatures`, { signature: replayed }, 403, /who is not a governor/],
      ['POST', `/api/proposals/${unknownId}/signatures`, { signature: replayed }, 404, /proposal: no proposal/],
      ['POST', '/api/proposals/not-an-id/signatures', { signature: replayed }, 400, /id: a proposal id is 0x/],
      ['POST', `/api/proposals/${unknownId}/execute`, undefined, 404, /proposal: no proposal/],
      ['POST', `/api/proposals/${pending.id}/execute`, undefined, 409, /is pending, not queued/],
      [
        'POST',
        '/api/segments/weth/freeze',
        { signedTransaction: 'freeze please' },
        400,
        /signedTransaction: must be a hex string/,
      ],
      [
        'POST',
        '/api/segments/weth/freeze',
        { signedTransaction: '0x1234' },
        400,
        /signedTransaction: not a signed transaction/,
      ],
      ['POST', '/api/segments/WETH/freeze', { signedTransaction: '0x1234' }, 400, /segment: lower-case/],
      ['GET', '/api/segments/nope', undefined, 404, /segment: no segment "nope"/],
      ['POST', '/api/proposals', { action: 'allowRoute' }, 400, /route: is required for allowRoute/],
      ['POST', '/api/proposals', allow({ maxUtilBps: 0 }), 400, /route\.maxUtilBps: must not be less than 1/],
      [
        'POST',
        '/api/proposals',
        allow({ maxUtilBps: 10_001 }),
        400,
        /route\.maxUtilBps: must not be greater than 10000/,
      ],
      ['POST', '/api/proposals', allow({ capacity: '0' }), 400, /route\.capacity: must be greater than 0/],
      [
        'POST',
        '/api/proposals',
        allow({ capacity: '-5' }),
        400,
        /route\.capacity: must be a whole number of base units/,
      ],
      ['POST', '/api/proposals', allow({ capacity: 'lots' }), 400, /route\.capacity: must be a whole number of base/],
      ['POST', '/api/proposals', allow({ capacity: 5000 }), 400, /route\.capacity: must be a whole number of base/],
      ['POST', '/api/proposals', allow({ capacity: '1.5' }), 400, /route\.capacity: must be a whole number of base/],
      ['POST', '/api/proposals', allow({ capacity: '9'.repeat(39) }), 400, /route\.capacity: too large/],
      ['POST', '/api/proposals', allow({ refillPerSecond: '-1' }), 400, /route\.refillPerSecond: must be a whole/],
      ['POST', '/api/proposals', allow({ srcSegment: 'nope' }), 400, /route\.srcSegment: no segment "nope"/],
      ['POST', '/api/proposals', allow({ dstEid: 999 }), 400, /route\.dstEid: unknown chain 999/],
      [
        'POST',
        '/api/proposals',
        allow({ dstEid: s1, dstSegment: 'weth' }),
        400,
        /route\.dstSegment: must differ from route\.srcSegment/,
      ],
      ['POST', '/api/proposals', allow({ asset: 'WETH' }), 400, /route\.asset: segment "weth" lends USDC .*not WETH/],
      ['POST', '/api/proposals', allow({ enabled: false }), 400, /route\.enabled/],
      ['POST', '/api/proposals', { action: 'disableRoute', routeId: unknownId }, 404, /routeId: no route 0xabab/],
      ['POST', '/api/proposals', { action: 'disableRoute', routeId: '0x12' }, 400, /routeId: must be 0x and 64 hex/],
      ['POST', '/api/proposals', { action: 'setRouteLimits', routeId: unknownId, limits }, 404, /routeId: no route/],
      ['POST', '/api/proposals', { action: 'setRouteLimits', routeId: unknownId }, 400, /limits: are required/],
      [
        'POST',
        '/api/proposals',
        { action: 'setRouteLimits', routeId: unknownId, limits: { ...limits, maxUtilBps: 20_000 } },
        400,
        /limits\.maxUtilBps: must not be greater than 10000/,
      ],
      ['GET', '/api/routes/0x12', undefined, 400, /routeId: a route id is 0x/],
      ['GET', `/api/routes/${unknownId}`, undefined, 404, /routeId: no route/],
    ];
    const failures: string[] = [];
    for (const [method, path, body, status, message] of cases) {
      const res = await fetch(`${gov.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      const reply = JSON.parse(text) as { message?: string | string[] };
      const said = Array.isArray(reply.message) ? reply.message.join('; ') : String(reply.message);
      if (res.status !== status || !message.test(said))
        failures.push(`${method} ${path} ${JSON.stringify(body)} → ${res.status} ${text}`);
    }
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(await state()).toEqual(before);
  });

  it('refuses a signature once the proposal’s deadline has passed', async () => {
    const p = await propose({ action: 'setGlobalCap', segment: 'crv', globalCapUsd: '3', deadlineSeconds: 60 });
    await w.warp(w.hubEid, 120);
    const late = await api<{ message: string }>('POST', `/api/proposals/${p.id}/signatures`, {
      signature: await sign(devnetAccount('governor1'), p.typedData),
    });
    expect(late.status).toBe(410);
    expect(late.body.message).toMatch(/expired/);
    expect((await api<ProposalView>('GET', `/api/proposals/${p.id}`)).body.status).toBe('expired');
  });

  it('serves an OpenAPI document that validates and describes the write endpoints', async () => {
    const doc = (await api<Record<string, unknown>>('GET', '/docs-json')).body;
    // swagger-parser loads ESM through require(): it runs in plain Node, outside Jest's module loader
    const check = spawnSync(
      process.execPath,
      [
        '-e',
        "require('@apidevtools/swagger-parser').validate(JSON.parse(require('fs').readFileSync(0, 'utf8')))" +
          ".then(() => console.log('valid'), (e) => { console.error(e.message); process.exit(1); })",
      ],
      { input: JSON.stringify(doc), encoding: 'utf8' },
    );
    expect({ code: check.status, out: check.stdout.trim(), err: check.stderr.trim() }).toEqual({
      code: 0,
      out: 'valid',
      err: '',
    });
    const paths = Object.keys(doc.paths as object);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/proposals',
        '/api/proposals/{id}/signatures',
        '/api/segments/{name}/freeze',
        '/api/routes',
        '/api/routes/{routeId}',
        '/api/routes/conservation',
      ]),
    );
    // the route actions' request bodies are described by the same classes that validate them
    const schemas = (doc.components as { schemas: Record<string, { properties: Record<string, unknown> }> }).schemas;
    expect(Object.keys(schemas.RouteDto?.properties ?? {})).toEqual(
      expect.arrayContaining(['srcEid', 'srcSegment', 'dstEid', 'dstSegment', 'asset', 'capacity', 'maxUtilBps']),
    );
  });
});
