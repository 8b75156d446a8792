import type { Fault, Scale } from './faults.js';
import type { ChaosHarness, Sent } from './harness.js';

/** One line of the summary table. */
export interface Row {
  fault: string;
  injections: number;
  inFlight: number;
  deliveredOnce: number;
  dead: number;
  lost: number;
  duplicated: number;
  /** Vault ledgers after the phase: `ok`, `wrong`, or `-` when the run has no vault load. */
  ledgers: 'ok' | 'wrong' | '-';
  notes: string;
}

export interface SuiteResult {
  rows: Row[];
  /** Anything that must fail the run besides lost and duplicated packets. */
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a phase's packets get to arrive after its fault before what is left counts as lost. */
const SETTLE_MS = 180_000;
/** How long the vaults get to agree (transfers landed, epochs applied, attestations recorded) after a phase. */
const VAULTS_MS = 120_000;

/**
 * Runs each fault in turn under the steady load, then waits for that phase's packets to be
 * delivered or dead and checks each on chain. The packets sent between faults (no fault running)
 * are settled last as their own row, and the chain's totals are checked over the whole run.
 */
export async function runFaults(
  h: ChaosHarness,
  faults: readonly Fault[],
  scale: Scale,
  log: (line: string) => void,
): Promise<SuiteResult> {
  const rows: Row[] = [];
  const problems: string[] = [];
  h.phase = 'steady';
  h.startLoad();
  await sleep(3_000);
  for (const fault of faults) {
    const unavailable = fault.unavailable?.(h);
    if (unavailable) {
      log(`chaos: ${fault.name}: not run here: ${unavailable}`);
      rows.push({ ...empty(fault.name), notes: `not run: ${unavailable}` });
      continue;
    }
    log(`chaos: ${fault.name}: injecting under load`);
    const started = Date.now();
    h.phase = fault.name;
    await h.vaults?.changeParams(); // on its way to the spokes while the fault strikes
    const injected = await fault.run(h, scale);
    await sleep(2_000); // the load goes on across the recovery
    h.phase = 'steady';
    const phase = h.records.filter((r) => r.phase === fault.name);
    const verdict = await h.settle(phase, SETTLE_MS);
    const vaults = await checkVaults(h, fault.name, problems);
    await injected.handBack?.();
    const wrong = [
      ...verdict.delivered.filter((s) => s.expect === 'dead').map((s) => `${describe(s)} was delivered`),
      ...verdict.deadEnds
        .filter((d) => d.sent.expect === 'delivered')
        .map((d) => `${describe(d.sent)} went dead: ${d.reason}`),
    ];
    if (injected.injections === 0) problems.push(`${fault.name}: the fault never struck`);
    problems.push(...wrong.map((w) => `${fault.name}: ${w}`));
    for (const s of verdict.lost) problems.push(`${fault.name}: lost ${describe(s)} (${await stageOf(h, s)})`);
    const row: Row = {
      fault: fault.name,
      injections: injected.injections,
      inFlight: injected.inFlight,
      deliveredOnce: verdict.deliveredOnce,
      dead: verdict.dead,
      lost: verdict.lost.length,
      duplicated: verdict.duplicated,
      ledgers: vaults.ledgers,
      notes: [
        ...injected.notes,
        ...(vaults.note ? [vaults.note] : []),
        ...(verdict.orphaned ? [`${verdict.orphaned} orphaned sends never delivered`] : []),
        ...(verdict.dead ? [`dead: ${summarise(verdict.deadEnds.map((d) => d.reason))}`] : []),
      ].join('; '),
    };
    rows.push(row);
    log(
      `chaos: ${fault.name}: ${row.injections} injections, ${verdict.sent} packets, ${row.deliveredOnce} delivered once, ` +
        `${row.dead} dead, ${row.lost} lost, ${row.duplicated} duplicated (${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }
  await h.stopLoad();
  const steady = h.records.filter((r) => r.phase === 'steady');
  const verdict = await h.settle(steady, SETTLE_MS);
  const vaults = await checkVaults(h, 'after the load', problems, false);
  for (const s of verdict.lost) problems.push(`steady load: lost ${describe(s)} (${await stageOf(h, s)})`);
  rows.push({
    ...empty('no fault (load between faults)'),
    deliveredOnce: verdict.deliveredOnce,
    dead: verdict.dead,
    lost: verdict.lost.length,
    duplicated: verdict.duplicated,
    ledgers: vaults.ledgers,
    notes: [`${h.loadErrors} load sends failed (a source down or reorged)`, ...(vaults.note ? [vaults.note] : [])].join(
      '; ',
    ),
  });
  problems.push(...(await h.onChainTotals()));
  return { rows, problems };
}

function empty(fault: string): Row {
  return {
    fault,
    injections: 0,
    inFlight: 0,
    deliveredOnce: 0,
    dead: 0,
    lost: 0,
    duplicated: 0,
    ledgers: '-',
    notes: '',
  };
}

/**
 * Holds the vault operations until every check of the vaults holds (or the wait runs out: each
 * check still failing is a problem), then lets them go on unless `resume` is false.
 */
async function checkVaults(
  h: ChaosHarness,
  phase: string,
  problems: string[],
  resume = true,
): Promise<{ ledgers: Row['ledgers']; note?: string }> {
  const vaults = h.vaults;
  if (!vaults) return { ledgers: '-' };
  await vaults.halt();
  const wrong = await vaults.verify(VAULTS_MS);
  const ops = vaults.takeCounts();
  if (resume) vaults.run();
  problems.push(...wrong.map((w) => `${phase}: vault ${w}`));
  if (resume && ops.attests + ops.transfers === 0) problems.push(`${phase}: no vault operation ran during the fault`);
  return {
    ledgers: wrong.length ? 'wrong' : 'ok',
    note:
      `vaults: ${ops.attests} deposits attested, ${ops.transfers} transfers (${ops.refused} refused by the route), ` +
      `${ops.configs} config change(s)${ops.failed ? `, ${ops.failed} operations failed (first: ${ops.firstError})` : ''}`,
  };
}

function describe(s: Sent): string {
  return `${s.src}->${s.dst} ${s.guid.slice(0, 10)}…`;
}

async function stageOf(h: ChaosHarness, s: Sent): Promise<string> {
  const view = await h.packet(s.guid);
  return view ? `relayer: ${view.stage}${view.lastError ? `, ${view.lastError}` : ''}` : 'the relayer has no record';
}

/** `reason ×n` per distinct reason, the first 80 characters of each. */
function summarise(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) {
    const key = r.length > 80 ? `${r.slice(0, 79)}…` : r;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([r, n]) => `${r} ×${n}`).join(', ');
}

/** The summary table, fixed-width, with the totals as its last line. */
export function formatTable(rows: readonly Row[], hostile: readonly string[] = []): string[] {
  const header = ['fault', 'injections', 'in flight', 'delivered once', 'dead', 'lost', 'duplicated', 'ledgers'];
  const cells = rows.map((r) => [
    r.fault,
    String(r.injections),
    String(r.inFlight),
    String(r.deliveredOnce),
    String(r.dead),
    String(r.lost),
    String(r.duplicated),
    r.ledgers,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  rows.forEach((r, i) => {
    out.push(line(cells[i] ?? []));
    if (r.notes) out.push(`    ${r.notes}`);
  });
  if (hostile.length) out.push('', 'hostile input:', ...hostile.map((l) => `  ${l}`));
  const total = (k: 'injections' | 'lost' | 'duplicated') => rows.reduce((n, r) => n + r[k], 0);
  out.push(`chaos total: faults=${total('injections')} lost=${total('lost')} duplicated=${total('duplicated')}`);
  return out;
}
