import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DevnetError, DevnetErrorCode } from './errors.js';

const require = createRequire(import.meta.url);

export interface AnvilOptions {
  chainId: number;
  /** 0 or omitted: a free port is chosen. */
  port?: number;
  /** Block gas limit; big delivery batches need far more than mainnet's 30M. */
  gasLimit?: bigint;
  /** Load state from and dump it to this file on exit, so a restarted chain keeps its history. */
  stateFile?: string;
  /** Start in its own process group and survive the parent (`segctl devnet up --detach`). */
  detached?: boolean;
  /** Forwarded to anvil as-is (e.g. ['--block-time', '1']). */
  extraArgs?: readonly string[];
}

export interface AnvilInstance {
  readonly chainId: number;
  readonly port: number;
  readonly rpcUrl: string;
  /** The current process (changes after `restart`). */
  readonly pid: number;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts a fresh anvil on the same port and chain id (an outage ends); state is not carried over. */
  restart(): Promise<void>;
}

const ANVIL_PLATFORMS: Record<string, string> = {
  'linux-x64': 'linux-amd64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-amd64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-amd64',
};

/** The anvil binary shipped by `@foundry-rs/anvil`'s platform package (no install script needed). */
export function anvilBinary(): string {
  const platform = ANVIL_PLATFORMS[`${process.platform}-${process.arch}`];
  if (!platform) {
    throw new DevnetError(
      DevnetErrorCode.AnvilUnavailable,
      `anvil has no build for ${process.platform}-${process.arch}`,
    );
  }
  const pkg = `@foundry-rs/anvil-${platform}`;
  let binary: string;
  try {
    binary = join(
      dirname(require.resolve(`${pkg}/package.json`)),
      'bin',
      process.platform === 'win32' ? 'anvil.exe' : 'anvil',
    );
  } catch (cause) {
    throw new DevnetError(DevnetErrorCode.AnvilUnavailable, `${pkg} is not installed (run npm install)`, { cause });
  }
  if (!existsSync(binary)) throw new DevnetError(DevnetErrorCode.AnvilUnavailable, `anvil binary missing at ${binary}`);
  return binary;
}

/**
 * A port free on 127.0.0.1 now, and not one of `avoid`: ports chosen already for something that
 * has not bound them yet (the system may hand the same free port out twice).
 */
export async function freePort(avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = await probePort();
    if (!avoid.has(port)) return port;
  }
  throw new Error(`no free port outside the ${avoid.size} already chosen after 50 tries`);
}

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe socket'));
      });
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A failed test or a crashed parent must not leave chains behind: kill what we started. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export async function startAnvil(options: AnvilOptions): Promise<AnvilInstance> {
  const port = options.port && options.port > 0 ? options.port : await freePort();
  const instance = new AnvilProcess(options, port);
  await instance.start();
  return instance;
}

class AnvilProcess implements AnvilInstance {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: AnvilOptions,
    readonly port: number,
  ) {}

  get chainId(): number {
    return this.options.chainId;
  }

  get rpcUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  async start(): Promise<void> {
    const o = this.options;
    const args = [
      '--port',
      String(this.port),
      '--host',
      '127.0.0.1',
      '--chain-id',
      String(o.chainId),
      '--gas-limit',
      String(o.gasLimit ?? 1_000_000_000n),
      '--code-size-limit',
      '24576',
      '--silent',
      ...(o.stateFile ? ['--state', o.stateFile] : []),
      ...(o.extraArgs ?? []),
    ];
    const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: o.detached ?? false });
    this.child = child;
    if (!o.detached) {
      live.add(child);
      installExitHook();
    }
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => live.delete(child));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
      await waitForRpc(this.rpcUrl, child, () => stderr);
    } catch (error) {
      child.kill('SIGKILL');
      await this.exited;
      throw error;
    }
    if (o.detached) {
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

async function waitForRpc(rpcUrl: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new DevnetError(
        DevnetErrorCode.AnvilFailed,
        `anvil exited with code ${child.exitCode}: ${stderr().trim()}`,
      );
    }
    try {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (res.ok) return;
    } catch {
      // not listening yet: retried until the deadline below
    }
    if (Date.now() > deadline)
      throw new DevnetError(DevnetErrorCode.AnvilFailed, `anvil did not answer on ${rpcUrl} within 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a process started by another run (a detached devnet), by its recorded pid. */
export async function stopPid(pid: number, graceMs = 5_000): Promise<boolean> {
  if (!isAlive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON-RPC calls to a node in one request, for anvil's own methods (snapshot, revert, mine, set
 * balance or time, automine): their results in order; any error fails with the method named.
 */
export async function anvilRpcBatch(
  url: string,
  calls: readonly { method: string; params?: unknown[] }[],
): Promise<unknown[]> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map((c, id) => ({ jsonrpc: '2.0', id, method: c.method, params: c.params ?? [] }))),
  });
  const body = (await res.json()) as
    { id: number; result?: unknown; error?: { message: string } }[] | { error?: { message: string } };
  if (!Array.isArray(body)) throw new Error(`${url}: ${body.error?.message ?? JSON.stringify(body).slice(0, 300)}`);
  // a batch's answers may come in any order: each is matched to its call by id
  const byId = new Map(body.map((r) => [r.id, r]));
  return calls.map((c, id) => {
    const answer = byId.get(id);
    if (!answer) throw new Error(`${c.method}: no answer in the batch from ${url}`);
    if (answer.error) throw new Error(`${c.method}: ${answer.error.message}`);
    return answer.result;
  });
}

/** One JSON-RPC call to a node (see anvilRpcBatch). */
export async function anvilRpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const [result] = await anvilRpcBatch(url, [{ method, params }]);
  return result;
}
