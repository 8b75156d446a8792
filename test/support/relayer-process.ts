import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The built relayer (`npm run build`), started the way operators start it. */
export const RELAYER_MAIN = join(process.cwd(), 'dist/apps/relayer/src/main.js');

/**
 * A process's CPU so far (seconds) and its resident memory now and at its peak (bytes), from
 * /proc (Linux).
 */
export function processUsage(pid: number): {
  userSeconds: number;
  systemSeconds: number;
  rss: bigint;
  peakRss: bigint;
} {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => BigInt(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024n;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
  const ticks = 100; // USER_HZ on Linux
  return {
    userSeconds: Number(fields[11]) / ticks,
    systemSeconds: Number(fields[12]) / ticks,
    rss: kb('VmRSS'),
    peakRss: kb('VmHWM'),
  };
}

/**
 * The relayer as operators run it: its own process, so that it can be killed with SIGKILL at
 * any point (no shutdown hook runs, its leases and connections are left as they were) and
 * started again on the same database.
 */
export class RelayerProcess {
  private child: ChildProcess | null = null;
  starts = 0;
  url = '';
  /** The last lines the process wrote (stdout and stderr), for a failure's message. */
  private tail: string[] = [];

  constructor(
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv,
    /** Every line the process writes is appended here too, across restarts. */
    private readonly logFile?: string,
  ) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Resident memory of the process in bytes (Linux), undefined when it is not running. */
  rss(): bigint | undefined {
    return this.usage()?.rss;
  }

  /**
   * The process's CPU so far (seconds) and its resident memory now and at its peak (bytes), from
   * /proc (Linux); undefined when it is not running.
   */
  usage(): { userSeconds: number; systemSeconds: number; rss: bigint; peakRss: bigint } | undefined {
    const pid = this.pid;
    return pid === undefined ? undefined : processUsage(pid);
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [RELAYER_MAIN], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts += 1;
    let output = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      if (this.logFile) appendFileSync(this.logFile, text);
      this.tail = [...this.tail, ...text.split('\n').filter(Boolean)].slice(-40);
      return text;
    };
    child.stderr?.on('data', (chunk: Buffer) => (output += keep(chunk)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start in 60 s:\n${output}`)), 60_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += keep(chunk);
        const listening = /"url":"([^"]+)"/.exec(output);
        if (output.includes('Relayer#listen') && listening) {
          this.url = listening[1] ?? '';
          output = '';
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code}:\n${output}`));
      });
    });
    child.removeAllListeners('exit');
  }

  /** The relayer's packets that are not delivered, each with its stage and last error. */
  async stuck(): Promise<string[]> {
    const res = await fetch(`${this.url}/packets?limit=500`);
    const packets = (await res.json()) as { pathway: string; nonce: string; stage: string; lastError: string | null }[];
    return packets
      .filter((p) => p.stage !== 'delivered')
      .map((p) => `${p.pathway}#${p.nonce} ${p.stage}${p.lastError ? ` (${p.lastError})` : ''}`);
  }

  lastLines(): string {
    return this.tail.join('\n');
  }

  /** kill -9: no shutdown hook runs; leases, connections and the data directory are left as they were. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** A clean stop (SIGTERM): the relayer finishes its round, releases its leases and exits. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }
}
