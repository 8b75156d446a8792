import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isAlive, readManifest } from '#app/devnet';
import { waitFor } from '../support/wait.js';

/** The CLI as users run it: the compiled `segctl` (npm test builds it first). */
const SEGCTL = join(process.cwd(), 'dist/apps/cli/src/main.js');

function segctl(args: string[]) {
  const r = spawnSync(process.execPath, [SEGCTL, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${seen}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; output:\n${seen}`));
    });
  });
}

describe('segctl', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(SEGCTL)) throw new Error(`${SEGCTL} is missing: run \`npm run build\` first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'segctl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help for every command', () => {
    for (const args of [
      ['--help'],
      ['devnet', '--help'],
      ['devnet', 'up', '--help'],
      ['devnet', 'status', '--help'],
      ['devnet', 'down', '--help'],
      ['scenario', '--help'],
      ['scenario', 'play', '--help'],
      ['scenario', 'report', '--help'],
      ['route', '--help'],
      ['route', 'ls', '--help'],
      ['route', 'send', '--help'],
      ['route', 'transfers', '--help'],
      ['route', 'plan', '--help'],
    ]) {
      const r = segctl(args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.out).toMatch(/^Usage: segctl/);
    }
  });

  it('rejects a bad chain count with a clear message and starts nothing', () => {
    const r = segctl(['devnet', 'up', '--chains', '1', '--manifest', join(dir, 'bad.json')]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--chains.*a whole number from 2 to 16/);
    expect(existsSync(join(dir, 'bad.json'))).toBe(false);
  });

  it('scenario play simulates a scenario and prints both layouts side by side', () => {
    const r = segctl(['scenario', 'play', 'mango-2022']);
    expect(r.code).toBe(0);
    const badDebt = /^bad debt\s+(\$[\d,.]+)\s+(\$[\d,.]+)$/m.exec(r.out);
    expect(badDebt).not.toBeNull();
    const usd = (s: string) => Number(s.replace(/[$,]/g, ''));
    // the manipulated pool drains a shared pool (~$109M); its own segment caps the loss
    expect(usd(badDebt?.[1] ?? '0')).toBeGreaterThan(100_000_000);
    expect(usd(badDebt?.[2] ?? '0')).toBeLessThan(10_000_000);
  });

  it('scenario commands refuse unknown names and malformed files, naming what is wrong', () => {
    const unknown = segctl(['scenario', 'play', 'no-such-incident']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/no scenario "no-such-incident" \(known: .*mango-2022/);
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ name: 'broken', steps: 1 }));
    const broken = segctl(['scenario', 'report', '--scenario', file, '--out', join(dir, 'never')]);
    expect(broken.code).not.toBe(0);
    expect(broken.err).toMatch(/broken\.json: steps: must be a whole number in \[2, 100000\]/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('scenario report writes the Markdown report and one loss and one insurance chart per scenario', () => {
    const out = join(dir, 'report');
    const r = segctl(['scenario', 'report', '--scenario', 'aave-crv-2022', 'correlated-1.0', '--out', out]);
    expect(r.code).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/\| Contagion risk \| .*\$[\d,]+ \| .*\$[\d,.]+ \|/);
    expect(md).toMatch(/\| Capital efficiency \| .*%/);
    expect(md).toMatch(/\| Liquidation precision \| .*%/);
    expect(md).toContain('## When every segment crashes together');
    expect(readdirSync(join(out, 'charts')).sort()).toEqual([
      'aave-crv-2022-insurance.svg',
      'aave-crv-2022-loss.svg',
      'correlated-1.0-insurance.svg',
      'correlated-1.0-loss.svg',
    ]);
    expect(readFileSync(join(out, 'charts', 'aave-crv-2022-loss.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });

  it('route commands refuse a malformed route id, key, state or targets and a missing devnet, naming what is wrong', () => {
    const badId = segctl(['route', 'send', '0x1234', '1']);
    expect(badId.code).not.toBe(0);
    expect(badId.err).toMatch(/a route id is 0x followed by 64 hex digits/);
    const badKey = segctl(['route', 'send', `0x${'ab'.repeat(32)}`, '1', '--key', 'secret']);
    expect(badKey.code).not.toBe(0);
    expect(badKey.err).toMatch(/a private key is 0x followed by 64 hex digits/);
    const badState = segctl(['route', 'transfers', '--state', 'lost']);
    expect(badState.err).toMatch(/one of None, Sent, Delivered, Refunded, Credited, RefundSent/);
    const none = segctl(['route', 'ls', '--manifest', join(dir, 'none.json')]);
    expect(none.code).toBe(1);
    expect(none.err).toContain(`no devnet manifest at ${join(dir, 'none.json')} (start one with \`segctl devnet up\``);
    const badTargets = segctl(['route', 'plan', '--target', '9000', '--manifest', join(dir, 'none.json')]);
    expect(badTargets.code).not.toBe(0);
    expect(badTargets.err).toMatch(/destinationTarget \(9000\) ≤ destinationAbove \(8000\)/);
  });

  it('reports a missing devnet in status', () => {
    const r = segctl(['devnet', 'status', '--manifest', join(dir, 'none.json')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/no devnet/);
  });

  it('devnet up runs three chains until Ctrl-C, status sees them, and nothing is left running', async () => {
    const manifest = join(dir, 'fg.json');
    const child = spawn(process.execPath, [SEGCTL, 'devnet', 'up', '--manifest', manifest], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = await waitForOutput(child, /press Ctrl-C to stop/);
    expect(output).toContain(`manifest: ${manifest}`);
    expect(output.match(/http:\/\/127\.0\.0\.1:\d+/g)?.length).toBeGreaterThanOrEqual(3);
    const pids = (readManifest(manifest)?.chains ?? []).map((c) => c.pid as number); // the foreground run records its pids

    const status = segctl(['devnet', 'status', '--manifest', manifest, '--json']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.out) as { chains: { name: string; up: boolean }[] };
    expect(parsed.chains.map((c) => [c.name, c.up])).toEqual([
      ['hub', true],
      ['spoke-1', true],
      ['spoke-2', true],
    ]);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(pids).toHaveLength(3);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(manifest)).toBe(false);
  });

  it('up runs the devnet and the relayer until Ctrl-C; packets commands talk to the relayer', async () => {
    const manifest = join(dir, 'up.json');
    const port = await freePort();
    const riskPort = await freePort(new Set([port]));
    const governancePort = await freePort(new Set([port, riskPort]));
    const child = spawn(
      process.execPath,
      [
        SEGCTL,
        'up',
        '--manifest',
        manifest,
        '--data-dir',
        join(dir, 'data'),
        '--relayer-port',
        String(port),
        '--risk-port',
        String(riskPort),
        '--governance-port',
        String(governancePort),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = await waitForOutput(child, /press Ctrl-C to stop/);
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(output).toContain(`relayer:  http://127.0.0.1:${port}`);
    const relayer = `http://127.0.0.1:${port}`;
    let ready = 0;
    for (let i = 0; i < 300 && ready !== 200; i++) {
      ready = await fetch(`${relayer}/ready`).then(
        (r) => r.status,
        () => 0,
      );
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect({ ready, output: ready === 200 ? '' : output }).toEqual({ ready: 200, output: '' });
    const pids = (readManifest(manifest)?.chains ?? []).map((c) => c.pid as number); // recorded by the foreground run
    // the risk oracle and the governance API with its console run beside the relayer
    expect(output).toContain(`governance: http://127.0.0.1:${governancePort}`);
    const governance = `http://127.0.0.1:${governancePort}`;
    const segments = await waitFor('the governance API', async () => {
      const res = await fetch(`${governance}/api/segments`).catch(() => null);
      return res?.ok ? ((await res.json()) as { name: string }[]) : undefined;
    });
    expect(segments.map((x) => x.name).sort()).toEqual(['crv', 'wbtc', 'weth']);
    const page = await fetch(`${governance}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    expect((await fetch(`http://127.0.0.1:${riskPort}/health`)).status).toBe(200);

    // the demo segments' boundaries and parameters go from the hub to both spokes through the relayer
    const delivered = await waitFor('the bootstrap broadcast delivered to both spokes', () => {
      const list = segctl(['packets', '--relayer', relayer]);
      const rows = list.out.split('\n').filter((l) => / 40101-4010[23] /.test(l));
      return Promise.resolve(rows.length >= 12 && rows.every((l) => / delivered /.test(l)) ? rows : undefined);
    });
    expect(delivered.filter((l) => l.includes('40101-40102'))).toHaveLength(delivered.length / 2);
    const unknown = segctl(['packet', 'retry', `0x${'ab'.repeat(32)}`, '--relayer', relayer]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/relayer answered 404: no packet 0xabab/);
    const badGuid = segctl(['packet', 'show', '0x1234', '--relayer', relayer]);
    expect(badGuid.err).toMatch(/a guid is 0x followed by 64 hex digits/);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(
      await fetch(`${relayer}/health`).then(
        () => 'up',
        () => 'down',
      ),
    ).toBe('down');
  });

  it('packets reports an unreachable relayer clearly', () => {
    const r = segctl(['packets', '--relayer', 'http://127.0.0.1:9']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/cannot reach the relayer at http:\/\/127\.0\.0\.1:9/);
  });

  it('devnet up --detach leaves the chains running until devnet down', () => {
    const manifest = join(dir, 'bg.json');
    const up = segctl(['devnet', 'up', '--chains', '2', '--detach', '--manifest', manifest]);
    expect(up.code).toBe(0);
    const pids = (readManifest(manifest)?.chains ?? []).map((c) => c.pid as number); // recorded for down
    expect(pids.filter(isAlive)).toHaveLength(2);
    const again = segctl(['devnet', 'up', '--chains', '2', '--manifest', manifest]);
    expect(again.out).toMatch(/already running; deployment checked/);
    const down = segctl(['devnet', 'down', '--manifest', manifest]);
    expect(down.out).toMatch(/stopped 2 chain/);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
