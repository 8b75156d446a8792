import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  concat,
  encodeFunctionData,
  keccak256,
  parseEther,
  toHex,
  type Address,
  type Hex,
  type LocalAccount,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { BatchExecutor, DVN, SegmentController, SegmentRouter } from '#app/contracts';
import { devnetAccount, freePort } from '#app/devnet';
import { dvnCallDataHash, ProposalAction } from '#app/messaging';
import { dropSchema } from '#app/persistence';
import { SegmentWorld } from '../support/segments.js';
import { waitFor } from '../support/wait.js';

/*
 * The three services as operators run them — their own processes from the built dist — with keys of
 * their own (not the devnet's well-known ones) and, when a Postgres answers, a database URL with a
 * password. Real work goes through them (a governance proposal signed, queued, executed by the
 * governance executor key and relayed to both spokes by the relayer's sender and DVN signer keys;
 * the risk oracle reading prices and assessing with its steward key set on the controller), then
 * every service is started once more with a key or database URL it must refuse. Not one line any of
 * them printed may contain a private key (with or without 0x, in any case, whole or its first or last
 * 16 hex digits) or the database password.
 */

type App = 'relayer' | 'risk-oracle' | 'governance';
const entry = (app: App) => join(process.cwd(), 'dist', 'apps', app, 'src', 'main.js');
const ADMIN_ROLE = keccak256(toHex('ADMIN_ROLE'));

interface Captured {
  source: string;
  line: string;
}

/** One service process; every line it prints is kept. */
class Service {
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private text = '';

  constructor(
    readonly name: string,
    app: App,
    env: Record<string, string>,
    captured: Captured[],
  ) {
    this.child = spawn(process.execPath, [entry(app)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const [stream, source] of [
      [this.child.stdout, `${name}:stdout`],
      [this.child.stderr, `${name}:stderr`],
    ] as const) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        this.text += chunk.toString();
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) captured.push({ source, line });
      });
      stream?.on('end', () => {
        if (partial) captured.push({ source, line: partial });
      });
    }
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
  }

  get output(): string {
    return this.text;
  }

  /** The URL from the service's `#listen` line. */
  url(): Promise<string> {
    return waitFor(`${this.name} listening`, () => {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited:\n${this.text}`);
      return Promise.resolve(/"at":"[A-Za-z]+#listen","url":"([^"]+)"/.exec(this.text)?.[1]);
    });
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** A Postgres URL with a password in it when one answers at DATABASE_URL or 127.0.0.1:5432, else null. */
async function postgres(): Promise<{ url: string; password: string } | null> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  const ours = new URL(base);
  ours.password = `pw-${randomBytes(12).toString('hex')}`; // trust auth (the project's machines) takes any
  const candidates = [ours, ...(base.password ? [base] : [])];
  for (const url of candidates) {
    const probe = new DataSource({ type: 'postgres', url: url.toString(), connectTimeoutMS: 2_000 });
    try {
      await probe.initialize();
      await probe.destroy();
      return { url: url.toString(), password: decodeURIComponent(url.password) };
    } catch {
      // not reachable, or this password is refused: the next candidate
    }
  }
  return null;
}

describe('Secrets.logs', () => {
  let w: SegmentWorld;
  let blocks: NodeJS.Timeout | undefined;
  const captured: Captured[] = [];
  const services: Service[] = [];
  const schemas: string[] = [];
  let db: { url: string; password: string } | null = null;

  const keys = {
    relayerSender: generatePrivateKey(),
    dvnSigner1: generatePrivateKey(),
    dvnSigner2: generatePrivateKey(),
    governanceExecutor: generatePrivateKey(),
    riskSteward: generatePrivateKey(),
    riskKeeper: generatePrivateKey(),
    routeOperator: generatePrivateKey(),
  };
  const address = (k: keyof typeof keys): Address => privateKeyToAccount(keys[k]).address;
  const deployer = devnetAccount('deployer');

  /** The environment of one service: nothing inherited that could configure it behind our back. */
  const envFor = (app: App, own: Record<string, string>): Record<string, string> => {
    const inherited = Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !/^(RELAYER_|RISK_|GOV_|DATABASE_|NODE_OPTIONS$)/.test(e[0]),
    );
    const database: Record<string, string> = db
      ? { DATABASE_URL: db.url, DATABASE_SCHEMA: schemaFor(app) }
      : { [`${app === 'risk-oracle' ? 'RISK' : app === 'relayer' ? 'RELAYER' : 'GOV'}_DATA_DIR`]: dataDir(app) };
    return { ...Object.fromEntries(inherited), ...database, ...own };
  };
  const schemaFor = (app: App) => {
    const schema = `secrets_${randomBytes(4).toString('hex')}_${app.replace('-', '_')}`;
    schemas.push(schema);
    return schema;
  };
  const dataDir = (app: App) => join(w.devnet.manifestPath, '..', `${app}-${randomBytes(4).toString('hex')}`);

  /** DVN signers are changed by the DVN's own quorum (the devnet's signers), as an operator joining would be. */
  const addDvnSigner = async (eid: number, dvn: Address, signer: Address) => {
    const vid = await w.read<number>(eid, dvn, DVN.abi, 'vid');
    const callData = encodeFunctionData({ abi: DVN.abi, functionName: 'setSigner', args: [signer, true] });
    const expiration = (await w.client(eid).getBlock()).timestamp + 3_600n;
    const hash = dvnCallDataHash(vid, dvn, callData, expiration);
    const quorum: LocalAccount[] = [devnetAccount('dvnSigner1'), devnetAccount('dvnSigner2')].sort((a, b) =>
      BigInt(a.address) < BigInt(b.address) ? -1 : 1,
    );
    const signatures = concat(await Promise.all(quorum.map((s) => s.signMessage({ message: { raw: hash } }))));
    await w.send(eid, deployer, dvn, DVN.abi, 'execute', [[{ vid, target: dvn, callData, expiration, signatures }]]);
    // DVN.execute reports a refused call as an event, not a revert
    if (!(await w.read<boolean>(eid, dvn, DVN.abi, 'isSigner', [signer])))
      throw new Error(`the DVN on ${eid} did not take ${signer} as a signer`);
  };

  beforeAll(async () => {
    for (const app of ['relayer', 'risk-oracle', 'governance'] as const)
      if (!existsSync(entry(app))) throw new Error(`${entry(app)} is missing: run \`npm run build\` first`);
    db = await postgres();
    w = await SegmentWorld.start({ chains: 3, timelockSeconds: 3 });
    // blocks keep coming, as on a real chain: confirmations arrive and the hub's clock passes timelocks
    blocks = setInterval(
      () => void Promise.all(w.eids.map((eid) => w.rpc(eid, 'evm_mine'))).catch(() => undefined),
      500,
    );
    // the operators' own keys: funded on every chain and given the roles the devnet's keys had
    for (const eid of w.eids) {
      for (const k of Object.keys(keys) as (keyof typeof keys)[])
        await w.rpc(eid, 'anvil_setBalance', [address(k), toHex(parseEther('1000'))]);
      const lz = w.devnet.manifest.chains.find((c) => c.eid === eid)?.layerZero;
      if (!lz) throw new Error(`no LayerZero stack on ${eid}`);
      await w.send(eid, deployer, lz.dvn, DVN.abi, 'grantRole', [ADMIN_ROLE, address('relayerSender')]);
      await w.send(eid, deployer, lz.batchExecutor, BatchExecutor.abi, 'setOperator', [address('relayerSender'), true]);
      for (const s of ['dvnSigner1', 'dvnSigner2'] as const) await addDvnSigner(eid, lz.dvn, address(s));
      await w.send(eid, deployer, w.router(eid), SegmentRouter.abi, 'setOperator', [address('routeOperator'), true]);
    }
    await w.govern({
      action: ProposalAction.SetRoles,
      governors: [devnetAccount('governor1'), devnetAccount('governor2'), devnetAccount('governor3')].map(
        (g) => g.address,
      ),
      threshold: 2,
      delay: 3,
      guardian: devnetAccount('guardian').address,
      steward: address('riskSteward'),
    });
  }, 120_000);

  afterAll(async () => {
    clearInterval(blocks);
    await Promise.all(services.map((s) => s.stop()));
    await w?.stop();
    if (db) for (const schema of schemas) await dropSchema(db.url, schema);
  });

  const start = (name: string, app: App, own: Record<string, string>): Service => {
    const s = new Service(name, app, envFor(app, own), captured);
    services.push(s);
    return s;
  };

  it('the services work with their own keys and print none of them, nor the database password', async () => {
    const [relayerPort, riskPort, govPort] = [await freePort(), await freePort(), await freePort()];
    const relayer = start('relayer', 'relayer', {
      RELAYER_MANIFEST: w.devnet.manifestPath,
      RELAYER_HTTP_PORT: String(relayerPort),
      RELAYER_POLL_MS: '100',
      RELAYER_ATTEST_INTERVAL_MS: '5000',
      RELAYER_SENDER_KEY: keys.relayerSender,
      RELAYER_DVN_SIGNER_KEYS: `${keys.dvnSigner1},${keys.dvnSigner2}`,
    });
    const oracle = start('risk-oracle', 'risk-oracle', {
      RISK_MANIFEST: w.devnet.manifestPath,
      RISK_HTTP_PORT: String(riskPort),
      RISK_POLL_MS: '250',
      RISK_ASSESS_INTERVAL_MS: '1000',
      // a short price grid, so that the devnet's young feeds hold a whole window at once
      RISK_PERIOD_SECONDS: '1',
      RISK_WINDOW: '3',
      RISK_CORRELATION_WINDOW: '2',
      RISK_STEWARD_KEY: keys.riskSteward,
      RISK_KEEPER_KEY: keys.riskKeeper,
      RISK_ROUTING: 'submit',
      RISK_ROUTING_INTERVAL_MS: '1000',
      RISK_ROUTE_OPERATOR_KEY: keys.routeOperator,
    });
    const relayerUrl = await relayer.url();
    const riskUrl = await oracle.url();
    const governance = start('governance', 'governance', {
      GOV_MANIFEST: w.devnet.manifestPath,
      GOV_HTTP_PORT: String(govPort),
      GOV_POLL_MS: '200',
      GOV_EXECUTOR_KEY: keys.governanceExecutor,
      GOV_RELAYER_URL: relayerUrl,
      GOV_RISK_URL: riskUrl,
    });
    const govUrl = await governance.url();

    // a proposal through the API: two governors sign, the executor key queues and executes it, and the
    // relayer's keys carry it to both spokes
    const api = async <T>(path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${govUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    interface Typed {
      domain: { name: string; version: string; chainId: number; verifyingContract: Hex };
      types: { Proposal: { name: string; type: string }[] };
      primaryType: 'Proposal';
      message: { action: number; data: Hex; nonce: string; deadline: string };
    }
    const p = await api<{ id: Hex; typedData: Typed }>('/api/proposals', {
      action: 'createSegment', // broadcast to every spoke (a global cap stays on the hub)
      segment: 'link',
      borrowAsset: 'USDC',
      collaterals: [{ asset: 'WETH', ltvBps: 7000, liqThresholdBps: 7500, liqBonusBps: 500, supplyCap: '1000' }],
      borrowCap: '1000000',
      globalCapUsd: '5000000',
    });
    for (const g of ['governor1', 'governor2'] as const)
      await api(`/api/proposals/${p.id}/signatures`, {
        signature: await devnetAccount(g).signTypedData({
          ...p.typedData,
          message: {
            ...p.typedData.message,
            nonce: BigInt(p.typedData.message.nonce),
            deadline: BigInt(p.typedData.message.deadline),
          },
        }),
      });
    type View = { status: string; executeTx: Hex | null; propagation: { eid: number; applied: boolean }[] };
    let last: View | undefined;
    const done = await waitFor(
      'the proposal executed and applied on every chain',
      async () => {
        const v = (last = await api<View>(`/api/proposals/${p.id}`));
        return v.status === 'executed' && v.propagation.every((c) => c.applied) ? v : undefined;
      },
      90_000,
    ).catch((error: unknown) => {
      const tail = (s: Service) => `${s.name}:\n${s.output.split('\n').slice(-15).join('\n')}`;
      throw new Error(
        `${String(error)}\nproposal: ${JSON.stringify(last)}\n${[relayer, governance].map(tail).join('\n')}`,
      );
    });
    expect(done.propagation.map((c) => c.applied)).toEqual([true, true, true]);
    // the relayer's record of the messages the execute sent: all delivered, to both spokes
    const packets = await waitFor('the relayer to record both messages delivered', async () => {
      const all = (await (await fetch(`${relayerUrl}/packets?limit=1000`)).json()) as {
        srcTxHash: string;
        dstEid: number;
        stage: string;
      }[];
      const sent = all.filter((x) => x.srcTxHash.toLowerCase() === done.executeTx?.toLowerCase());
      return sent.length > 0 && sent.every((x) => x.stage === 'delivered') ? sent : undefined;
    });
    expect([...new Set(packets.map((x) => x.dstEid))].sort()).toEqual(w.eids.filter((e) => e !== w.hubEid).sort());
    // the operators' keys did the work: the executor sent queue and execute, the relayer's sender delivered
    const hub = w.client(w.hubEid);
    expect(await hub.getTransactionCount({ address: address('governanceExecutor') })).toBeGreaterThanOrEqual(2);
    for (const eid of w.eids.filter((e) => e !== w.hubEid))
      expect(await w.client(eid).getTransactionCount({ address: address('relayerSender') })).toBeGreaterThan(0);
    expect(await w.read<Address>(w.hubEid, w.controller, SegmentController.abi, 'steward')).toBe(
      address('riskSteward'),
    );
    // the risk oracle has read prices and assessed every segment with its steward key configured
    const assessed = await waitFor('the risk oracle to assess the demo segments', async () => {
      const res = await fetch(`${riskUrl}/segments`);
      const rows = res.ok ? ((await res.json()) as { segment: string }[]) : [];
      return ['crv', 'wbtc', 'weth'].every((name) => rows.some((r) => r.segment === name)) ? rows : undefined;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${oracle.output.split('\n').slice(-30).join('\n')}`);
    });
    expect(assessed.map((r) => r.segment)).toEqual(expect.arrayContaining(['crv', 'wbtc', 'weth']));

    for (const s of [governance, oracle, relayer])
      expect({ name: s.name, code: await s.stop() }).toEqual({
        name: s.name,
        code: 0,
      });
    // the settings the relayer logs at start: keys replaced, the database password masked
    expect(relayer.output).toContain('"senderKey":"[redacted]"');
    if (db) expect(relayer.output).toMatch(/"databaseUrl":"postgres:\/\/[^:"]+:\*\*\*@/);

    // the same services with values they must refuse: keys mistyped (no 0x, a quote, a digit too
    // many, 0X) and a database that is not there; each names the setting, never the value
    const dbPassword = db?.password ?? `pw-${randomBytes(12).toString('hex')}`;
    const badDb = `postgres://segment:${encodeURIComponent(dbPassword)}@127.0.0.1:${await freePort()}/nowhere`;
    const refused = [
      start('relayer-bad', 'relayer', {
        RELAYER_MANIFEST: w.devnet.manifestPath,
        RELAYER_HTTP_PORT: '0',
        RELAYER_SENDER_KEY: keys.relayerSender.slice(2),
        RELAYER_DVN_SIGNER_KEYS: `${keys.dvnSigner1},${keys.dvnSigner2}0`,
      }),
      start('risk-oracle-bad', 'risk-oracle', {
        RISK_MANIFEST: w.devnet.manifestPath,
        RISK_HTTP_PORT: '0',
        RISK_STEWARD_KEY: keys.riskSteward.toUpperCase(),
        RISK_KEEPER_KEY: `"${keys.riskKeeper}"`,
        RISK_ROUTE_OPERATOR_KEY: ` ${keys.routeOperator}`,
      }),
      start('governance-bad', 'governance', {
        GOV_MANIFEST: w.devnet.manifestPath,
        GOV_HTTP_PORT: '0',
        GOV_EXECUTOR_KEY: `${keys.governanceExecutor}\n`,
      }),
      start('governance-bad-db', 'governance', {
        GOV_MANIFEST: w.devnet.manifestPath,
        GOV_HTTP_PORT: '0',
        GOV_EXECUTOR_KEY: keys.governanceExecutor,
        DATABASE_URL: badDb,
        DATABASE_SCHEMA: 'secrets_unused',
      }),
    ];
    const codes = await Promise.all(refused.map((s) => s.exited));
    expect(codes).toEqual([1, 1, 1, 1]);
    const [relayerBad, riskBad, govBad, govBadDb] = refused as [Service, Service, Service, Service];
    expect(relayerBad.output).toMatch(/RELAYER_SENDER_KEY must be a 32-byte hex private key/);
    expect(relayerBad.output).toMatch(/RELAYER_DVN_SIGNER_KEYS\[1\] must be a 32-byte hex private key/);
    expect(riskBad.output).toMatch(/RISK_STEWARD_KEY must be/);
    expect(riskBad.output).toMatch(/RISK_KEEPER_KEY must be/);
    expect(riskBad.output).toMatch(/RISK_ROUTE_OPERATOR_KEY must be/);
    expect(govBad.output).toMatch(/GOV_EXECUTOR_KEY must be/);
    expect(govBadDb.output).toMatch(/cannot open Postgres at postgres:\/\/segment:\*\*\*@127\.0\.0\.1/);

    // every line every process printed, searched for every secret
    const secrets = [
      ...Object.entries(keys).flatMap(([name, key]) => {
        const hex = key.slice(2).toLowerCase();
        return [
          { name, needle: hex },
          { name: `${name} (first 16 hex digits)`, needle: hex.slice(0, 16) },
          { name: `${name} (last 16 hex digits)`, needle: hex.slice(-16) },
        ];
      }),
      { name: 'database password', needle: dbPassword.toLowerCase() },
      { name: 'database password (URL-encoded)', needle: encodeURIComponent(dbPassword).toLowerCase() },
    ];
    const leaks = captured.flatMap(({ source, line }) =>
      secrets
        .filter((s) => line.toLowerCase().includes(s.needle))
        .map((s) => `${source}: ${s.name} in "${line.slice(0, 300)}"`),
    );
    process.stdout.write(
      `secrets: lines=${captured.length} leaks=${leaks.length} (${db ? 'Postgres with a password' : 'no Postgres reachable: embedded databases'})\n`,
    );
    expect(leaks).toEqual([]);
    // the search had something to search: every process spoke, the running ones at length
    for (const name of services.map((s) => s.name))
      expect({ name, spoke: captured.some((c) => c.source.startsWith(`${name}:`)) }).toEqual({ name, spoke: true });
    expect(captured.length).toBeGreaterThan(50);
  }, 240_000);
});
