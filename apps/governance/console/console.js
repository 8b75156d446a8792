// Operator console: reads the governance API on this origin every 2 s and renders it.
// No framework, no build step. Every API string reaches the page through textContent or
// setAttribute, never through innerHTML. Loaded as a module: strict, and nothing leaks to window.

const POLL_MS = 2000;
/** The API reports USD figures as the controller stores them: 18-decimal fixed point. */
const USD_DECIMALS = 18;
/** Relayer stages after which a message is no longer in flight. */
const SETTLED = new Set(['delivered', 'dropped']);
const MAX_MESSAGES = 25;
const SVG_NS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

/** An element (HTML, or SVG with `ns`) with attributes and children; null/undefined/false are skipped. */
function make(ns, tag, attrs, children) {
  const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {}))
    if (value !== null && value !== undefined && value !== false) node.setAttribute(key, String(value));
  for (const child of children.flat(Infinity))
    if (child !== null && child !== undefined && child !== false) node.append(child); // text is escaped by the DOM
  return node;
}
const el = (tag, attrs, ...children) => make(null, tag, attrs, children);
const svg = (tag, attrs, ...children) => make(SVG_NS, tag, attrs, children);
/** An SVG text label. */
const label = (x, y, anchor, text, cls = 'tick-label') =>
  svg('text', { x, y, 'text-anchor': anchor, class: cls }, text);

// ---- formatting -------------------------------------------------------------------------

/** A decimal string (any size) with thousands separators and at most 3 decimals; "—" for nothing. */
function amount(value) {
  if (value === null || value === undefined || value === '') return '—';
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(String(value));
  if (!match) return String(value);
  const [, sign, whole, frac] = match;
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? frac.slice(0, 4).replace(/\.?0+$/, '') : '');
}

/** An integer string in base units with `decimals` decimals, formatted. */
function fixed(raw, decimals) {
  if (raw === null || raw === undefined || !/^-?\d+$/.test(String(raw))) return amount(raw);
  const text = String(raw);
  if (decimals === 0) return amount(text);
  const digits = text.replace('-', '').padStart(decimals + 1, '0');
  return amount(`${text.startsWith('-') ? '-' : ''}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`);
}

/** The ratio of two decimal strings, as a number (approximate, for display only). */
function ratio(part, whole) {
  const [p, w] = [Number(part), Number(whole)];
  return Number.isFinite(p) && Number.isFinite(w) && w > 0 ? p / w : null;
}

const pct = (bps) => (typeof bps === 'number' && Number.isFinite(bps) ? `${(bps / 100).toFixed(1)} %` : '—');
const short = (hex) => (typeof hex === 'string' && hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex);
const message = (error) => (error instanceof Error ? error.message : String(error));

/** Milliseconds since the epoch from unix seconds, milliseconds or an ISO string. */
function toMs(value) {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  if (Number.isFinite(n)) return n < 1e12 ? n * 1000 : n;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

const time = (ms) => new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
const clock = (value) => (toMs(value) === null ? '—' : time(toMs(value)));

/** Time left until `value`, counted on the hub's clock (`chainTime`) when the API gives it. */
function countdown(value, chainTime) {
  const ms = toMs(value);
  if (ms === null) return '—';
  const now = toMs(chainTime) ?? Date.now();
  const left = Math.round((ms - now) / 1000);
  if (left <= 0) return 'elapsed';
  if (left < 120) return `in ${left} s`;
  return left < 7200 ? `in ${Math.round(left / 60)} min` : `in ${Math.round(left / 3600)} h`;
}

const badge = (status, prefix = 'status') =>
  el('span', { class: `badge ${prefix}-${String(status ?? 'unknown').toLowerCase()}` }, status ?? 'unknown');

const emptyRow = (colspan, text) => el('tr', {}, el('td', { colspan, class: 'muted' }, text));

// ---- API --------------------------------------------------------------------------------

/** The API's error message (Nest: `{ message: string | string[] }`), or the body as it is. */
function detail(text) {
  try {
    const m = JSON.parse(text).message;
    return Array.isArray(m) ? m.join('; ') : String(m ?? text);
  } catch {
    return text;
  }
}

async function api(path) {
  const res = await fetch(`/api${path}`, { headers: { accept: 'application/json' }, cache: 'no-store' });
  const text = await res.text();
  if (res.ok) return text.trim() === '' ? null : JSON.parse(text); // a `null` answer may come as an empty body
  throw new Error(`${path}: HTTP ${res.status}${text ? ` — ${detail(text).slice(0, 200)}` : ''}`);
}

/** The last good answer of each endpoint, so one failing endpoint keeps the others on screen. */
const state = {
  chains: [],
  segments: [],
  proposals: [],
  messages: [],
  routes: [],
  conservation: null,
  correlation: null,
  history: {},
};
const historyEpoch = {};
const LISTS = ['chains', 'segments', 'proposals', 'messages', 'routes'];
const ENDPOINTS = [
  ...LISTS.map((key) => [key, `/${key}`]),
  ['conservation', '/routes/conservation'],
  ['correlation', '/risk/correlation'],
];

// ---- rendering --------------------------------------------------------------------------

function chainColumns() {
  if (state.chains.length > 0) return state.chains;
  const seen = new Map();
  for (const s of state.segments) for (const c of s.chains || []) seen.set(c.eid, { eid: c.eid, name: c.name });
  return [...seen.values()];
}

const chainName = (eid) => chainColumns().find((c) => c.eid === eid)?.name || String(eid);

/** A chain's column header: its name, role and head block, or that it is unreachable. */
function chainHeader(c) {
  const where = c.role ? `${c.role} · eid ${c.eid}` : `eid ${c.eid}`;
  const head = c.reachable === false ? el('span', { class: 'err' }, 'unreachable') : c.head ? `block ${c.head}` : null;
  return el(
    'th',
    { scope: 'col', 'data-testid': `chain-${c.eid}` },
    c.name,
    el('div', { class: 'small muted' }, where, head && ' · ', head),
  );
}

function matrixCell(s, c) {
  const cell = (s.chains || []).find((x) => x.eid === c.eid);
  const testid = `cell-${s.name}-${c.eid}`;
  if (!cell || cell.status === null || cell.status === undefined)
    return el('td', { class: 'cell missing', 'data-testid': testid, 'data-applied': 'false' }, 'not on this chain yet');
  return el(
    'td',
    {
      class: `cell ${cell.applied ? 'applied' : 'pending'}`,
      'data-testid': testid,
      'data-applied': cell.applied ? 'true' : 'false',
    },
    el('div', {}, badge(cell.status)),
    el(
      'div',
      { class: 'epochs', title: 'params epoch / boundary epoch on this chain' },
      `params e${cell.paramsEpoch} / boundary e${cell.boundaryEpoch} `,
      el('span', { class: 'tick', title: cell.applied ? 'applied' : 'not applied yet' }, cell.applied ? '✓' : '…'),
    ),
    el('div', { class: 'small' }, `utilisation ${pct(cell.utilisationBps)}`),
    el(
      'div',
      { class: 'small', 'data-insurance': cell.insurance ?? '' },
      typeof s.borrowDecimals === 'number'
        ? `insurance ${fixed(cell.insurance, s.borrowDecimals)} ${s.borrowAsset}`
        : `insurance ${amount(cell.insurance)} (base units of ${s.borrowAsset})`,
    ),
  );
}

function renderMatrix() {
  const columns = chainColumns();
  $('matrix-head').replaceChildren(
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, 'Segment'),
      el('th', { scope: 'col' }, 'Global exposure / cap (USD)'),
      columns.map(chainHeader),
    ),
  );
  const rows = state.segments.map((s) => {
    const share = ratio(s.globalCollateralUsd, s.globalCapUsd);
    const fill = el('span', { class: share !== null && share > 0.9 ? 'fill hot' : 'fill' });
    fill.style.width = `${Math.min(100, (share ?? 0) * 100).toFixed(1)}%`;
    return el(
      'tr',
      { 'data-testid': `segment-row-${s.name}` },
      el(
        'th',
        { scope: 'row' },
        el('div', {}, s.name, ' ', badge(s.status)),
        el('div', { class: 'small muted' }, `params e${s.paramsEpoch} · boundary e${s.boundaryEpoch}`),
        el('div', { class: 'small muted' }, `${s.borrowAsset} against ${(s.collaterals || []).join(', ') || '—'}`),
      ),
      el(
        'td',
        { class: 'exposure' },
        el('div', {}, `${fixed(s.globalCollateralUsd, USD_DECIMALS)} / ${fixed(s.globalCapUsd, USD_DECIMALS)}`),
        el(
          'div',
          { class: 'bar', title: share === null ? 'no cap' : `${(share * 100).toFixed(1)} % of the cap` },
          fill,
        ),
      ),
      columns.map((c) => matrixCell(s, c)),
    );
  });
  $('matrix-body').replaceChildren(...(rows.length ? rows : [emptyRow(columns.length + 2, 'No segments yet.')]));
}

function timelock(p) {
  const eta = p.eta === null || p.eta === undefined ? null : p.eta;
  if (p.status === 'queued' && eta !== null) return `eta ${clock(eta)} (${countdown(eta, p.chainTime)})`;
  if (p.status === 'pending') return `sign by ${clock(p.deadline)} (${countdown(p.deadline, p.chainTime)})`;
  return eta !== null ? `eta ${clock(eta)}` : '—';
}

function renderProposals() {
  const rows = state.proposals.map((p) => {
    const propagation = p.propagation || [];
    const applied = propagation.filter((x) => x.applied).length;
    const signatures = p.signatures || [];
    return el(
      'tr',
      {
        'data-testid': `proposal-${p.id}`,
        'data-status': p.status,
        'data-applied-count': applied,
        'data-chain-count': propagation.length,
        'data-signature-count': signatures.length,
        'data-threshold': p.threshold,
      },
      el('td', { class: 'mono', title: p.id }, short(p.id), el('div', { class: 'small muted' }, clock(p.createdAt))),
      el('td', {}, p.kind),
      el('td', {}, p.route ? routeLabel(p.route) : (p.segment ?? '—')),
      el('td', {}, badge(p.status), p.error ? el('div', { class: 'small err' }, p.error) : null),
      el(
        'td',
        { title: signatures.map((s) => s.signer).join('\n') },
        `${signatures.length}/${p.threshold}`,
        signatures.length >= p.threshold ? ' ✓' : '',
      ),
      el('td', {}, timelock(p)),
      el(
        'td',
        {},
        el('div', {}, propagation.length ? `applied ${applied}/${propagation.length}` : '—'),
        el(
          'div',
          { class: 'chips' },
          propagation.map((x) => {
            // where the message carrying it is, as the relayer records it, until the chain applied it
            const stage = !x.applied && x.message ? ` · ${x.message.stage}` : '';
            const attrs = { class: `chip ${x.applied ? 'ok' : 'wait'}`, 'data-eid': x.eid };
            if (x.message && x.message.lastError) attrs.title = x.message.lastError;
            return el('span', attrs, `${x.name || x.eid}${stage}`);
          }),
        ),
      ),
    );
  });
  $('proposals-body').replaceChildren(...(rows.length ? rows : [emptyRow(7, 'No proposals.')]));
}

/** `weth @ chain-b → crv @ chain-c` for a route (or a route proposal's route). */
const routeLabel = (r) =>
  `${r.srcSegment} @ ${chainName(r.srcEid)} → ${r.dstSegment} @ ${chainName(r.dstEid)} (${r.asset})`;

function routeRow(r) {
  const decimals = typeof r.decimals === 'number' ? r.decimals : 0;
  const units = (raw) => `${fixed(raw, decimals)} ${r.asset}`;
  const level = r.bucket ? ratio(r.bucket.available, r.bucket.capacity) : null;
  const fill = el('span', { class: level !== null && level < 0.1 ? 'fill hot' : 'fill' });
  fill.style.width = `${Math.min(100, (level ?? 0) * 100).toFixed(1)}%`;
  const chains = r.chains || [];
  return el(
    'tr',
    {
      'data-testid': `route-row-${r.routeId}`,
      'data-enabled': r.enabled ? 'true' : 'false',
      'data-applied': r.applied ? 'true' : 'false',
      'data-hub-epoch': r.hubEpoch,
      'data-bucket-available': r.bucket ? r.bucket.available : '',
    },
    el(
      'th',
      { scope: 'row' },
      el('div', {}, routeLabel(r)),
      el('div', { class: 'small muted mono', title: r.routeId }, short(r.routeId)),
    ),
    el(
      'td',
      {},
      badge(r.enabled ? 'enabled' : 'disabled', 'route'),
      el('div', { class: 'small muted' }, `epoch ${r.hubEpoch}`),
    ),
    el(
      'td',
      { class: 'exposure' },
      el('div', {}, r.bucket ? `${units(r.bucket.available)} / ${units(r.bucket.capacity)}` : 'not on the source yet'),
      el('div', { class: 'bar', title: level === null ? 'no bucket yet' : `${(level * 100).toFixed(1)} % full` }, fill),
    ),
    el(
      'td',
      {},
      el('div', {}, `capacity ${units(r.capacity)}`),
      el('div', { class: 'small' }, `refill ${units(r.refillPerSecond)}/s`),
      el('div', { class: 'small' }, `max utilisation ${pct(r.maxUtilBps)}`),
    ),
    el(
      'td',
      {},
      el(
        'div',
        { class: 'chips' },
        chains.map((c) =>
          el(
            'span',
            {
              class: `chip ${c.applied ? 'ok' : 'wait'}`,
              'data-testid': `route-end-${r.routeId}-${c.eid}`,
              'data-epoch': c.epoch,
              'data-enabled': c.enabled ? 'true' : 'false',
              title: `${c.side}: epoch ${c.epoch}, ${c.enabled ? 'open' : 'closed'}`,
            },
            `${c.name} e${c.epoch}${c.enabled ? '' : ' (closed)'}`,
          ),
        ),
      ),
    ),
  );
}

function renderRoutes() {
  const rows = state.routes.map(routeRow);
  $('routes-body').replaceChildren(...(rows.length ? rows : [emptyRow(5, 'No routes allowed yet.')]));
  const c = state.conservation;
  const inFlight = c && Array.isArray(c.inFlight) ? c.inFlight : [];
  const byId = new Map(state.routes.map((r) => [r.routeId, r]));
  const transfers = inFlight.map((t) => {
    const r = byId.get(t.routeId);
    const decimals = r && typeof r.decimals === 'number' ? r.decimals : 0;
    return el(
      'tr',
      { 'data-testid': `transfer-${t.transferId}`, 'data-destination': t.destination },
      el('td', { class: 'mono', title: t.transferId }, short(t.transferId)),
      el('td', {}, r ? routeLabel(r) : `${chainName(t.srcEid)} → ${chainName(t.dstEid)}`),
      el('td', {}, `${fixed(t.amount, decimals)} ${t.asset}`),
      el('td', {}, t.destination === 'RefundSent' ? 'refused, refund on its way back' : 'not arrived yet'),
    );
  });
  $('route-transfers-body').replaceChildren(
    ...(transfers.length ? transfers : [emptyRow(4, 'No transfers in flight.')]),
  );
  const holds = c ? (c.holds ? 'holds' : 'BROKEN') : 'not read';
  const summary = $('routes-summary');
  summary.textContent = `${state.routes.length} routes, ${state.routes.filter((r) => r.enabled).length} enabled; ${inFlight.length} transfers in flight; conservation ${holds}`;
  summary.setAttribute('data-conservation', c ? String(c.holds) : '');
}

/** In-flight messages first; the most recent settled ones after them, dimmed. */
function renderMessages() {
  const inFlight = state.messages.filter((m) => !SETTLED.has(m.stage));
  const settled = state.messages.filter((m) => SETTLED.has(m.stage));
  const rows = [...inFlight, ...settled].slice(0, MAX_MESSAGES).map((m) => {
    const reason = m.reason ?? m.lastError ?? null; // the relayer's own name is lastError
    return el(
      'tr',
      { 'data-testid': `message-${m.guid}`, 'data-stage': m.stage, class: SETTLED.has(m.stage) ? 'settled' : null },
      el('td', { class: 'mono', title: m.guid }, short(m.guid)),
      el('td', {}, `${chainName(m.srcEid)} → ${chainName(m.dstEid)}`),
      el('td', {}, m.nonce),
      el('td', {}, badge(m.stage, 'stage')),
      el('td', {}, clock(m.updatedAt ?? m.nextAttemptAt)),
      el('td', { class: reason ? 'err' : 'muted' }, reason ?? '—'),
    );
  });
  $('messages-body').replaceChildren(...(rows.length ? rows : [emptyRow(6, 'No messages in flight.')]));
  $('messages-count').textContent = `${inFlight.length} in flight, ${settled.length} settled recently`;
}

/**
 * One chart per segment: LTV (solid) and liquidation threshold (dashed) of each asset as steps, each
 * value holding from its params epoch until the next one.
 */
function historyChart(name, entries) {
  const [W, H, L, R, T, B] = [320, 140, 34, 8, 8, 20];
  const epochs = entries.map((e) => Number(e.paramsEpoch));
  const values = entries.flatMap((e) => (e.assets || []).flatMap((a) => [a.ltvBps, a.liqThresholdBps]));
  const [minE, maxE] = [Math.min(...epochs), Math.max(...epochs)];
  const lo = Math.max(0, Math.floor((Math.min(...values) - 500) / 1000) * 1000);
  const hi = Math.min(10000, Math.ceil((Math.max(...values) + 500) / 1000) * 1000);
  const x = (e) => L + ((e - minE) / (maxE + 1 - minE)) * (W - L - R); // the last epoch holds to the edge
  const y = (bps) => H - B - ((bps - lo) / Math.max(1, hi - lo)) * (H - T - B);
  const assets = [...new Set(entries.flatMap((e) => (e.assets || []).map((a) => a.asset)))];
  const parts = [
    svg('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }),
    svg('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }),
    label(L - 4, y(hi) + 4, 'end', `${hi / 100}`),
    label(L - 4, y(lo), 'end', `${lo / 100}`),
    [...new Set(epochs)].map((e) => label(x(e), H - 4, 'start', `e${e}`)),
  ];
  assets.forEach((asset, i) => {
    for (const key of ['ltvBps', 'liqThresholdBps']) {
      const points = entries
        .map((e) => ({ epoch: Number(e.paramsEpoch), v: (e.assets || []).find((a) => a.asset === asset)?.[key] }))
        .filter((p) => typeof p.v === 'number');
      const cls = `series s${i % 6}${key === 'liqThresholdBps' ? ' dashed' : ''}`;
      const what = key === 'ltvBps' ? 'LTV' : 'liquidation threshold';
      const steps = points.flatMap((p, k) => [
        [x(p.epoch), y(p.v)],
        [x(points[k + 1]?.epoch ?? maxE + 1), y(p.v)],
      ]);
      parts.push(svg('polyline', { class: cls, points: steps.map(([px, py]) => `${px},${py}`).join(' ') }));
      for (const p of points)
        parts.push(
          svg(
            'circle',
            { class: cls, cx: x(p.epoch), cy: y(p.v), r: 2.5 },
            svg('title', {}, `${asset} ${what} ${pct(p.v)} at params epoch ${p.epoch}`),
          ),
        );
    }
  });
  const box = { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' };
  return el(
    'figure',
    { class: 'chart', 'data-testid': `history-${name}` },
    svg('svg', { ...box, 'aria-label': `${name}: LTV and liquidation threshold by params epoch` }, parts),
    el(
      'figcaption',
      {},
      el('strong', {}, name),
      assets.map((a, i) => el('span', { class: `key s${i % 6}` }, a)),
    ),
  );
}

function renderHistory() {
  const charts = state.segments
    .filter((s) => (state.history[s.name] || []).length > 0)
    .map((s) => historyChart(s.name, state.history[s.name]));
  $('history').replaceChildren(
    ...(charts.length ? charts : [el('p', { class: 'muted' }, 'No parameter history yet.')]),
  );
}

/** Blue for -1, white for 0, red for +1. */
function heatColour(v) {
  const t = Math.max(-1, Math.min(1, Number(v) || 0));
  const [r, b] = [t >= 0 ? 255 : Math.round(255 * (1 + t)), t <= 0 ? 255 : Math.round(255 * (1 - t))];
  return `rgb(${r},${Math.round(255 * (1 - Math.abs(t)))},${b})`;
}

function renderCorrelation() {
  const c = state.correlation;
  if (!c || !Array.isArray(c.segments) || !Array.isArray(c.values) || c.segments.length === 0) {
    const note = c ? 'Risk oracle connected, but it publishes no correlation matrix.' : 'Risk oracle not connected.';
    $('heatmap').replaceChildren(el('p', { class: 'muted', 'data-testid': 'heatmap-empty' }, note));
    return;
  }
  const cell = 40;
  const left = 12 + 7 * Math.max(...c.segments.map((n) => String(n).length)); // room for the row labels
  const top = 22;
  const parts = [];
  c.segments.forEach((name, i) => {
    parts.push(label(left - 6, top + i * cell + cell / 2 + 4, 'end', name));
    parts.push(label(left + i * cell + cell / 2, top - 8, 'middle', name));
    c.segments.forEach((other, j) => {
      const v = c.values[i]?.[j];
      const shown = typeof v === 'number' ? v.toFixed(2) : '—';
      const [x, y] = [left + j * cell, top + i * cell];
      const title = svg('title', {}, `${name} × ${other}: ${shown}`);
      parts.push(svg('rect', { x, y, width: cell - 2, height: cell - 2, fill: heatColour(v) }, title));
      parts.push(label(x + cell / 2 - 1, y + cell / 2 + 3, 'middle', shown, 'cell-label'));
    });
  });
  const [w, h] = [left + c.segments.length * cell + 4, top + c.segments.length * cell + 4];
  const box = { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img' };
  $('heatmap').replaceChildren(svg('svg', { ...box, 'aria-label': 'correlation between segments' }, parts));
}

// ---- polling ----------------------------------------------------------------------------

function showErrors(errors) {
  const banner = $('error-banner');
  banner.hidden = errors.length === 0;
  banner.replaceChildren(
    ...(errors.length ? [el('strong', {}, 'API error'), el('ul', {}, ...errors.map((e) => el('li', {}, e)))] : []),
  );
}

async function refresh() {
  const errors = [];
  const guard = (task) => task().catch((error) => void errors.push(message(error)));
  await Promise.all(
    ENDPOINTS.map(([key, path]) =>
      guard(async () => {
        state[key] = await api(path);
      }),
    ),
  );
  for (const key of LISTS) if (!Array.isArray(state[key])) state[key] = [];
  // a segment's history changes only with its params epoch
  const stale = state.segments.filter((s) => historyEpoch[s.name] !== s.paramsEpoch);
  await Promise.all(
    stale.map((s) =>
      guard(async () => {
        state.history[s.name] = (await api(`/segments/${encodeURIComponent(s.name)}/history`)) || [];
        historyEpoch[s.name] = s.paramsEpoch;
      }),
    ),
  );
  for (const render of [renderMatrix, renderProposals, renderRoutes, renderMessages, renderHistory, renderCorrelation])
    try {
      render();
    } catch (error) {
      errors.push(`${render.name}: ${message(error)}`);
    }
  showErrors(errors);
  const now = Date.now();
  $('last-updated').textContent = `Updated ${time(now)}${errors.length ? ' (with errors)' : ''}`;
  $('last-updated').setAttribute('data-updated', String(now));
}

async function loop() {
  try {
    await refresh();
  } finally {
    setTimeout(() => void loop(), POLL_MS);
  }
}

void loop();
