import { maxUint256, parseUnits, type Hex } from 'viem';
import { DevToken, SegmentVault } from '#app/contracts';
import { deploySegmentStack, DEVNET_SEGMENTS, type Devnet } from '#app/devnet';
import {
  checkConservation,
  ProposalAction,
  readRouterSnapshot,
  routeIdOf,
  type Route,
  type RouterSnapshot,
} from '#app/messaging';
import {
  asset,
  params,
  Reverted,
  routedPerSegment,
  seg,
  SegmentWorld,
  usdcRoute,
  user,
  withAsset,
} from '../support/segments.js';
import type { ChaosHarness } from './harness.js';

const usdc = (n: number): bigint => parseUnits(String(n), 6);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What every segment's suppliers put in on every chain before the load. */
const SUPPLY = usdc(200_000);
/** Collateral the depositor holds per chain and asset (whole tokens), enough for any run. */
const COLLATERAL_FUNDS = 1_000_000;
/** The governed change each phase makes (and the next undoes): the crv segment's LTV, 100 bps apart. */
const CONFIG_SEGMENT = 'crv';
/** Refusals a route may meet under load: a named revert, nothing moved. */
const ROUTE_REFUSALS = ['RateLimited', 'UtilisationTooHigh', 'InsufficientLiquidity'];

interface SegmentView {
  cash: bigint;
  routedOut: bigint;
  routedIn: bigint;
}

/** `SegmentController.attestation(segment, eid)`: the fields the checks read. */
interface Attestation {
  snapshot: { collateralValue: bigint };
  blockNumber: bigint;
}

/** What the hub's controller holds about one segment. */
interface HubSegment {
  record: { paramsEpoch: bigint; boundaryEpoch: bigint; statusEpoch: bigint; globalCollateral: bigint };
  attestations: Map<number, Attestation>;
}

/** What a phase of vault operations did, for the table's notes. */
export interface VaultOps {
  attests: number;
  transfers: number;
  refused: number;
  configs: number;
  failed: number;
  /** Why the first failed operation failed. */
  firstError?: string;
}

/**
 * The segment stack under the chaos load: deposits attested from every chain to the hub, liquidity
 * routed between segments on different chains, and one governed risk-parameter change a phase, all
 * carried by the relayer replicas under test. `verify` says whether any vault ledger is wrong once
 * the phase's messages have landed: routing conserves liquidity and each ledger moved by exactly
 * its transfer records, the tokens each vault holds are what its ledgers say, every spoke applied
 * the hub's epochs, and the hub holds each chain's last attestation.
 */
export class VaultLoad {
  private readonly w: SegmentWorld;
  private readonly supplier = user(80);
  private readonly depositor = user(81);
  private readonly routes: Route[];
  private readonly routeIds: Hex[];
  /**
   * Each chain's last attestation the load saw mined: its block, and each segment's collateral
   * value right after it (nothing else deposits, and the prices hold still, while the chain is ours).
   */
  private readonly attested = new Map<number, { block: bigint; values: Map<Hex, bigint> }>();
  /** Each segment's ledger once set up, by `eid:segment`. */
  private readonly baseline = new Map<string, SegmentView>();
  private usdcHeld = 0n;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private tightened = false;
  private counts: VaultOps = VaultLoad.zero();

  private constructor(
    private readonly h: ChaosHarness,
    /** One operation every this many ms, the chains in turn. */
    private readonly everyMs: number,
  ) {
    this.w = SegmentWorld.attach(h.devnet);
    const [hub, s1, s2] = h.eids as [number, number, number];
    const limits = { capacity: usdc(50_000), refillPerSecond: usdc(2_000), maxUtilBps: 9_500 };
    const route = (srcEid: number, src: string, dstEid: number, dst: string) =>
      usdcRoute(srcEid, src, dstEid, dst, limits);
    // every chain sends and receives: each fault's chain is somebody's destination
    this.routes = [route(s1, 'weth', s2, 'crv'), route(s2, 'wbtc', hub, 'weth'), route(hub, 'crv', s1, 'wbtc')];
    this.routeIds = this.routes.map(routeIdOf);
  }

  /** Deploys the segment stack on the harness's devnet (no timelock: a phase's change executes at once). */
  static async deploy(devnet: Devnet): Promise<void> {
    await deploySegmentStack(devnet, { timelockSeconds: 0 });
  }

  /**
   * Once the relayers have carried the bootstrap to every spoke: suppliers in every segment, the
   * depositor funded, the routes allowed and delivered to both ends. Nothing else sends yet.
   */
  static async start(h: ChaosHarness, everyMs: number): Promise<VaultLoad> {
    const v = new VaultLoad(h, everyMs);
    await v.until('the bootstrap reached every spoke', 120_000, async () => v.epochProblems(await v.hubSegments()));
    const w = v.w;
    for (const eid of h.eids) {
      for (const s of DEVNET_SEGMENTS) {
        await w.fund(eid, v.supplier, 'USDC', SUPPLY);
        await w.vaultCall(eid, v.supplier, 'supply', [seg(s.name), SUPPLY, v.supplier.address]);
        const symbol = collateralOf(s.name);
        const amount = parseUnits(String(COLLATERAL_FUNDS), await v.decimals(eid, symbol));
        await w.send(eid, w.role('deployer'), w.token(symbol, eid), DevToken.abi, 'mint', [
          v.depositor.address,
          amount,
        ]);
        await w.send(eid, v.depositor, w.token(symbol, eid), DevToken.abi, 'approve', [w.vault(eid), maxUint256]);
      }
    }
    for (const [i, r] of v.routes.entries()) {
      await w.allowRoute(r);
      const id = v.routeIds[i];
      await v.until(`route ${r.srcEid}->${r.dstEid} at both ends`, 60_000, async () => {
        const epochs = await Promise.all(
          [r.srcEid, r.dstEid].map((eid) => w.readRouter<bigint>(eid, 'routeEpoch', [id])),
        );
        return epochs.every((e) => e >= 1n) ? [] : ['not yet'];
      });
    }
    for (const eid of h.eids) {
      for (const s of DEVNET_SEGMENTS) v.baseline.set(`${eid}:${seg(s.name)}`, await v.ledger(eid, seg(s.name)));
    }
    v.usdcHeld = await v.usdcInContracts();
    const wrong = await v.problems();
    if (wrong.length) throw new Error(`the vaults are inconsistent before any fault: ${wrong.join('; ')}`);
    return v;
  }

  /** Starts the operations: each chain in turn deposits and attests, or routes along a route it sources. */
  run(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      for (let n = 0; this.running; n++) {
        const eid = this.h.eids[n % this.h.eids.length];
        const route = this.routes.findIndex((r) => r.srcEid === eid);
        const routing = Math.floor(n / this.h.eids.length) % 2 === 1 && route >= 0;
        if (!this.h.isPaused(eid)) {
          // taken in the same tick as the check: a fault pausing the chain waits for it
          await this.h
            .withChain(eid, () => (routing ? this.transfer(route) : this.depositAndAttest(eid)))
            .catch((error: unknown) => {
              this.counts.failed += 1;
              this.counts.firstError ??= String(error).split('\n')[0];
            });
        }
        await sleep(this.everyMs);
      }
    })();
  }

  /** Stops the operations once the one in progress has finished. */
  async halt(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** What the operations did since the last call. */
  takeCounts(): VaultOps {
    const counts = this.counts;
    this.counts = VaultLoad.zero();
    return counts;
  }

  /**
   * A governed change of the crv segment's risk parameters (its LTV, alternately 100 bps lower and
   * back): the hub's controller sends it to every spoke while the phase's fault runs.
   */
  async changeParams(): Promise<void> {
    const hub = this.w.hubEid;
    this.tightened = !this.tightened;
    const base = params(CONFIG_SEGMENT);
    const next = this.tightened ? withAsset(base, { ltvBps: (base.assets[0]?.ltvBps ?? 0) - 100 }) : base;
    await this.h.withChain(hub, () =>
      this.w.govern({ action: ProposalAction.SetRiskParams, segment: seg(CONFIG_SEGMENT), params: next }),
    );
    this.counts.configs += 1;
  }

  /**
   * Waits (up to `timeoutMs`) until the phase's messages have landed and every check holds; what
   * still fails then is returned.
   */
  async verify(timeoutMs: number): Promise<string[]> {
    try {
      await this.until('the vaults to agree', timeoutMs, () => this.problems());
      return [];
    } catch {
      return this.problems().catch((error: unknown) => [`could not be read: ${String(error).split('\n')[0]}`]);
    }
  }

  private async depositAndAttest(eid: number): Promise<void> {
    const s = DEVNET_SEGMENTS[Math.floor(Math.random() * DEVNET_SEGMENTS.length)];
    const symbol = collateralOf(s.name);
    const amount = parseUnits(String(1 + Math.floor(Math.random() * 20)), await this.decimals(eid, symbol));
    await this.w.vaultCall(eid, this.depositor, 'depositCollateral', [seg(s.name), 0n, asset(symbol), amount]);
    const segments = DEVNET_SEGMENTS.map((x) => seg(x.name));
    const fee = await this.w.readVault<bigint>(eid, 'quoteAttest', [segments]);
    const receipt = await this.w.send(
      eid,
      this.depositor,
      this.w.vault(eid),
      SegmentVault.abi,
      'attest',
      [segments],
      fee > 0n ? fee : undefined,
    );
    const values = await Promise.all(segments.map((x) => this.w.readVault<bigint>(eid, 'collateralValue', [x])));
    this.attested.set(eid, { block: receipt.blockNumber, values: new Map(segments.map((x, i) => [x, values[i]])) });
    this.counts.attests += 1;
  }

  private async transfer(index: number): Promise<void> {
    const r = this.routes[index];
    const amount = usdc(100 + Math.floor(Math.random() * 1_900));
    const fee = await this.w.readRouter<bigint>(r.srcEid, 'quoteRoute', [this.routeIds[index], amount]);
    try {
      await this.w.routerCall(r.srcEid, this.w.role('routeOperator'), 'route', [this.routeIds[index], amount], fee);
      this.counts.transfers += 1;
    } catch (error) {
      if (!(error instanceof Reverted) || !ROUTE_REFUSALS.includes(error.errorName)) throw error;
      this.counts.refused += 1;
    }
  }

  /** Every check at once; empty when no ledger is wrong. */
  async problems(): Promise<string[]> {
    const hub = await this.hubSegments();
    return [...(await this.routingProblems()), ...(await this.epochProblems(hub)), ...this.attestationProblems(hub)];
  }

  /** The controller's record of every segment, and each chain's attestation of it. */
  private async hubSegments(): Promise<Map<Hex, HubSegment>> {
    const out = new Map<Hex, HubSegment>();
    for (const s of DEVNET_SEGMENTS) {
      const segment = seg(s.name);
      const record = await this.w.readController<HubSegment['record']>('getSegment', [segment]);
      const attestations = await Promise.all(
        this.h.eids.map((eid) => this.w.readController<Attestation>('attestation', [segment, eid])),
      );
      out.set(segment, { record, attestations: new Map(this.h.eids.map((eid, i) => [eid, attestations[i]])) });
    }
    return out;
  }

  /**
   * Routing: no transfer in flight or anomalous, each segment's ledger moved by exactly what the
   * transfer records say (cash too: nothing else moves it here), and the USDC in vaults and routers
   * unchanged (routing moves it between them, never in or out). The tokens each vault holds are
   * what its ledgers say: USDC the segments' cash, each collateral the segments' deposits.
   */
  private async routingProblems(): Promise<string[]> {
    const out: string[] = [];
    const snaps = await Promise.all(this.h.eids.map((eid) => this.routerSnapshot(eid)));
    const report = checkConservation(snaps);
    for (const t of report.inFlight)
      out.push(`transfer ${t.transferId.slice(0, 10)}… ${t.srcEid}->${t.dstEid} in flight`);
    out.push(
      ...report.anomalies.map(
        (a) => `routing anomaly: ${JSON.stringify(a, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
      ),
    );
    const moved = routedPerSegment(snaps, this.routes);
    let usdcNow = 0n; // in vaults and routers
    for (const eid of this.h.eids) {
      let cash = 0n;
      for (const s of DEVNET_SEGMENTS) {
        const segment = seg(s.name);
        const now = await this.ledger(eid, segment);
        const was = this.baseline.get(`${eid}:${segment}`) ?? now;
        const m = moved.get(`${eid}:${segment}`) ?? { out: 0n, in: 0n };
        const expected = { out: was.routedOut + m.out, in: was.routedIn + m.in, cash: was.cash - m.out + m.in };
        if (now.routedOut !== expected.out || now.routedIn !== expected.in || now.cash !== expected.cash) {
          out.push(
            `${eid} ${s.name}: ledger cash ${now.cash} routed out ${now.routedOut} in ${now.routedIn}, ` +
              `transfer records say cash ${expected.cash} out ${expected.out} in ${expected.in}`,
          );
        }
        cash += now.cash;
      }
      const held = await this.w.balanceOf(eid, 'USDC', this.w.vault(eid));
      usdcNow += held + (await this.w.balanceOf(eid, 'USDC', this.w.router(eid)));
      if (held !== cash) out.push(`${eid}: the vault holds ${held} USDC, its segments' cash is ${cash}`);
      for (const s of DEVNET_SEGMENTS) {
        const symbol = collateralOf(s.name);
        const c = await this.w.readVault<{ deposited: bigint }>(eid, 'collateralConfig', [seg(s.name), asset(symbol)]);
        const tokens = await this.w.balanceOf(eid, symbol, this.w.vault(eid));
        if (tokens !== c.deposited) out.push(`${eid}: the vault holds ${tokens} ${symbol}, the ledger ${c.deposited}`);
      }
    }
    if (usdcNow !== this.usdcHeld)
      out.push(`vaults and routers hold ${usdcNow} USDC, ${this.usdcHeld} before the load`);
    return out;
  }

  /** Every spoke's vault has applied the hub's epochs and parameters for every segment. */
  private async epochProblems(hubSegments: Map<Hex, HubSegment>): Promise<string[]> {
    const out: string[] = [];
    const hub = this.w.hubEid;
    for (const s of DEVNET_SEGMENTS) {
      const segment = seg(s.name);
      const want = hubSegments.get(segment)?.record;
      if (!want) throw new Error(`no hub record read for ${s.name}`);
      const symbol = asset(collateralOf(s.name));
      const hubCollateral = await this.w.readVault<{ ltvBps: number; liqThresholdBps: number }>(
        hub,
        'collateralConfig',
        [segment, symbol],
      );
      for (const eid of this.h.eids.filter((e) => e !== hub)) {
        const cfg = await this.w.readVault<{ paramsEpoch: bigint; boundaryEpoch: bigint; statusEpoch: bigint }>(
          eid,
          'config',
          [segment],
        );
        const col = await this.w.readVault<{ ltvBps: number; liqThresholdBps: number }>(eid, 'collateralConfig', [
          segment,
          symbol,
        ]);
        const epochs = (x: typeof cfg) => `${x.boundaryEpoch}/${x.paramsEpoch}/${x.statusEpoch}`;
        if (epochs(cfg) !== epochs(want))
          out.push(`${eid} ${s.name}: epochs (boundary/params/status) ${epochs(cfg)}, the hub's ${epochs(want)}`);
        else if (col.ltvBps !== hubCollateral.ltvBps || col.liqThresholdBps !== hubCollateral.liqThresholdBps)
          out.push(`${eid} ${s.name}: LTV ${col.ltvBps}, the hub's ${hubCollateral.ltvBps}`);
      }
    }
    return out;
  }

  /** The hub holds each chain's last attestation, with the collateral the vault had at its block. */
  private attestationProblems(hubSegments: Map<Hex, HubSegment>): string[] {
    const out: string[] = [];
    for (const s of DEVNET_SEGMENTS) {
      const segment = seg(s.name);
      const hub = hubSegments.get(segment);
      if (!hub) throw new Error(`no hub record read for ${s.name}`);
      let global = 0n;
      for (const eid of this.h.eids) {
        const recorded = hub.attestations.get(eid);
        if (!recorded) throw new Error(`no attestation read for ${s.name} on ${eid}`);
        global += recorded.snapshot.collateralValue;
        const last = this.attested.get(eid);
        if (last === undefined) continue;
        if (recorded.blockNumber !== last.block) {
          out.push(
            `${eid} ${s.name}: the hub holds the attestation of block ${recorded.blockNumber}, the last was ${last.block}`,
          );
          continue;
        }
        const value = last.values.get(segment);
        if (value !== recorded.snapshot.collateralValue)
          out.push(
            `${eid} ${s.name}: attested collateral ${recorded.snapshot.collateralValue}, the vault had ${value}`,
          );
      }
      if (hub.record.globalCollateral !== global)
        out.push(
          `${s.name}: the hub's global collateral ${hub.record.globalCollateral}, its attestations add up to ${global}`,
        );
    }
    return out;
  }

  private routerSnapshot(eid: number): Promise<RouterSnapshot> {
    return readRouterSnapshot(this.w.client(eid), this.w.router(eid), eid);
  }

  private ledger(eid: number, segment: Hex): Promise<SegmentView> {
    return this.w.readVault<SegmentView>(eid, 'ledger', [segment]);
  }

  private async usdcInContracts(): Promise<bigint> {
    let sum = 0n;
    for (const eid of this.h.eids) {
      sum += await this.w.balanceOf(eid, 'USDC', this.w.vault(eid));
      sum += await this.w.balanceOf(eid, 'USDC', this.w.router(eid));
    }
    return sum;
  }

  private decimals(eid: number, symbol: string): Promise<number> {
    return this.w.read<number>(eid, this.w.token(symbol, eid), DevToken.abi, 'decimals');
  }

  private async until(what: string, timeoutMs: number, check: () => Promise<string[]>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: string[] = [];
    while (Date.now() < deadline) {
      try {
        last = await check();
        if (last.length === 0) return;
      } catch (error) {
        last = [String(error)]; // a chain is still coming back
      }
      await sleep(500);
    }
    throw new Error(`timed out waiting for ${what}: ${last.slice(0, 5).join('; ')}`);
  }

  private static zero(): VaultOps {
    return { attests: 0, transfers: 0, refused: 0, configs: 0, failed: 0 };
  }
}

/** The collateral asset of a devnet segment (each has one). */
function collateralOf(segment: string): string {
  const s = DEVNET_SEGMENTS.find((x) => x.name === segment);
  const symbol = s?.collaterals[0]?.symbol;
  if (!symbol) throw new Error(`no devnet segment ${segment}`);
  return symbol;
}
