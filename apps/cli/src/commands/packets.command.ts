import { Command, InvalidArgumentError, Option } from 'commander';
import { out } from '../io.js';

const STAGES = ['sent', 'confirmed', 'verified', 'delivered', 'failed', 'dead', 'dropped'];

interface PacketView {
  guid: string;
  pathway: string;
  nonce: string;
  stage: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  srcTxHash: string;
}
interface HistoryView {
  stage: string;
  at: string;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

function relayerOption(): Option {
  return new Option('--relayer <url>', 'the relayer HTTP API')
    .env('SEGCTL_RELAYER_URL')
    .default('http://127.0.0.1:3100');
}

async function call<T>(base: string, path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, base), init);
  } catch (cause) {
    throw new Error(`cannot reach the relayer at ${base} (is it running? set --relayer or SEGCTL_RELAYER_URL)`, {
      cause,
    });
  }
  const body = (await res.json().catch(() => ({}))) as T & { message?: string | string[] };
  if (!res.ok) throw new Error(`relayer answered ${res.status}: ${[body.message ?? res.statusText].flat().join('; ')}`);
  return body;
}

function pathway(value: string): string {
  if (!/^\d+-\d+$/.test(value)) throw new InvalidArgumentError('expected <srcEid>-<dstEid>, e.g. 40101-40102');
  return value;
}

function guidArg(value: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError('a guid is 0x followed by 64 hex digits');
  return value;
}

export function packetsCommand(): Command {
  return new Command('packets')
    .description('List packets the relayer knows, newest first.')
    .addOption(new Option('--stage <stage>', 'only packets in this stage').choices(STAGES))
    .option('--pathway <src-dst>', 'only packets of this pathway, e.g. 40101-40102', pathway)
    .option('--limit <n>', 'at most this many', (v) => Number(v), 50)
    .option('--json', 'print JSON', false)
    .addOption(relayerOption())
    .action(async (opts: { stage?: string; pathway?: string; limit: number; json: boolean; relayer: string }) => {
      const query = new URLSearchParams({
        limit: String(opts.limit),
        ...(opts.stage ? { stage: opts.stage } : {}),
        ...(opts.pathway ? { pathway: opts.pathway } : {}),
      });
      const rows = await call<PacketView[]>(opts.relayer, `/packets?${query.toString()}`);
      if (opts.json) return out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return out('no packets');
      for (const p of rows) {
        const why = p.lastError ? `  — ${p.lastError}` : '';
        out(
          `${p.guid}  ${p.pathway.padEnd(11)} #${p.nonce.padEnd(5)} ${p.stage.padEnd(9)} attempts ${p.attempts}${why}`,
        );
      }
    });
}

export function packetCommand(): Command {
  const packet = new Command('packet').description('Inspect or retry one packet.');
  packet
    .command('show', { isDefault: true })
    .description('The packet and its whole history.')
    .argument('<guid>', 'packet guid', guidArg)
    .option('--json', 'print JSON', false)
    .addOption(relayerOption())
    .action(async (guid: string, opts: { json: boolean; relayer: string }) => {
      const p = await call<PacketView & { history: HistoryView[] }>(opts.relayer, `/packets/${guid}`);
      if (opts.json) return out(JSON.stringify(p, null, 2));
      out(`${p.guid}  ${p.pathway} nonce ${p.nonce}  ${p.stage}  attempts ${p.attempts}  sent in ${p.srcTxHash}`);
      if (p.lastError) out(`last error: ${p.lastError}`);
      for (const h of p.history)
        out(`  ${h.at}  ${h.stage.padEnd(9)} ${h.reason ?? ''}${h.detail ? ` ${JSON.stringify(h.detail)}` : ''}`);
    });
  packet
    .command('retry')
    .description('Re-queue a failed or dead packet (its attempts start again).')
    .argument('<guid>', 'packet guid', guidArg)
    .addOption(relayerOption())
    .action(async (guid: string, opts: { relayer: string }) => {
      const p = await call<PacketView>(opts.relayer, `/packets/${guid}/retry`, { method: 'POST' });
      out(`${p.guid} re-queued: now ${p.stage}`);
    });
  return packet;
}
