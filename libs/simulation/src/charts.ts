/**
 * Dependency-free SVG charts (line and grouped bar) for simulation reports. Every function is pure and
 * returns a complete standalone SVG 1.1 document; all text is XML-escaped and every number is finite.
 */

export interface Series {
  name: string;
  values: readonly number[];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** x value of each index (defaults to the index) */
  x?: readonly number[];
  /** format y tick labels, e.g. (v) => `$${v}M` */
  formatY?: (v: number) => string;
  width?: number;
  height?: number;
}

/** One value per series name. */
export interface BarGroup {
  label: string;
  values: readonly number[];
}

export interface BarChartSpec {
  title: string;
  yLabel: string;
  seriesNames: readonly string[];
  groups: readonly BarGroup[];
  formatY?: (v: number) => string;
  width?: number;
  height?: number;
}

/** Okabe–Ito: distinguishable under the common forms of colour blindness (yellow last: weak on white). */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442'];
const colour = (i: number): string => PALETTE[i % PALETTE.length];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A coordinate rounded to one decimal; never "NaN", "Infinity" or "-0". */
const n = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 10) / 10 + 0) : '0');
/** Strips floating-point noise from tick values (0.30000000000000004 → 0.3). */
const clean = (v: number): number => Number.parseFloat(v.toPrecision(12)) + 0;
const defaultFormat = (v: number): string => String(v);
const size = (v: number | undefined, fallback: number): number =>
  v !== undefined && Number.isFinite(v) && v >= 100 ? v : fallback;

/** Ticks at a 1/2/5 × 10^k step covering [lo, hi] with at most `maxCount` ticks (4–6 for maxCount 6). */
function niceTicks(lo: number, hi: number, maxCount: number, integer = false): number[] {
  const span = hi - lo;
  const k = Math.floor(Math.log10(span / maxCount));
  for (let e = k; e <= k + 2; e++) {
    for (const m of [1, 2, 5]) {
      const step = m * 10 ** e;
      if (integer && step < 1) continue;
      const first = Math.floor(lo / step + 1e-9);
      const last = Math.ceil(hi / step - 1e-9);
      if (last - first + 1 <= maxCount) {
        return Array.from({ length: last - first + 1 }, (_, i) => clean((first + i) * step));
      }
    }
  }
  return [lo, hi];
}

/** [lo, hi] of the finite values; starts at 0 when nothing is negative (or always includes 0 for bars). */
function extent(values: readonly number[], includeZero: boolean): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (lo >= 0 || includeZero) lo = Math.min(lo, 0);
  if (includeZero) hi = Math.max(hi, 0);
  if (hi === lo) {
    if (lo === 0) hi = 1;
    else if (lo > 0) lo = 0;
    else hi = 0;
  }
  return [lo, hi];
}

interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** y value → pixel */
  y: (v: number) => number;
}

interface Frame {
  title: string;
  yLabel: string;
  names: readonly string[];
  values: readonly number[];
  includeZero: boolean;
  formatY: (v: number) => string;
  width: number;
  height: number;
}

/** Legend rows below the plot, wrapped to the chart width; returns the markup and its height. */
function legend(names: readonly string[], width: number, bottomY: number): { svg: string[]; height: number } {
  const rows: { name: string; i: number; x: number }[][] = [[]];
  let x = 20;
  names.forEach((name, i) => {
    const itemWidth = 18 + name.length * 7 + 18;
    if (x + itemWidth > width - 10 && rows[rows.length - 1].length) {
      rows.push([]);
      x = 20;
    }
    rows[rows.length - 1].push({ name, i, x });
    x += itemWidth;
  });
  const height = names.length ? rows.length * 18 + 6 : 0;
  const svg = rows.flatMap((row, r) =>
    row.map(({ name, i, x: ix }) => {
      const y = bottomY - height + 6 + r * 18;
      return (
        `<g class="legend-item"><rect class="swatch" x="${n(ix)}" y="${n(y)}" width="12" height="12" ` +
        `fill="${colour(i)}"/><text x="${n(ix + 18)}" y="${n(y + 10)}">${esc(name)}</text></g>`
      );
    }),
  );
  return { svg, height };
}

/** Document, background, title, y axis with gridlines and label, legend: everything but the data and x axis. */
function frame(f: Frame): { plot: Plot; head: string[]; axes: string[] } {
  const { width, height } = f;
  const [lo, hi] = extent(f.values, f.includeZero);
  const ticks = niceTicks(lo, hi, 6);
  const [min, max] = [ticks[0], ticks[ticks.length - 1]];
  const key = legend(f.names, width, height - 4);
  const labelWidth = Math.max(...ticks.map((t) => f.formatY(t).length)) * 7;
  const left = Math.min(width / 3, 36 + labelWidth);
  const top = 40;
  const right = width - 20;
  const bottom = Math.max(top + 20, height - 50 - key.height);
  const y = (v: number): number => bottom - ((v - min) / (max - min)) * (bottom - top);
  const plot: Plot = { left, right, top, bottom, y };
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${n(width)}" height="${n(height)}" ` +
      `viewBox="0 0 ${n(width)} ${n(height)}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(f.title)}</title>`,
    `<rect class="background" x="0" y="0" width="${n(width)}" height="${n(height)}" fill="#ffffff"/>`,
    `<text class="title" x="${n(width / 2)}" y="24" text-anchor="middle" font-size="16">${esc(f.title)}</text>`,
    `<g class="y-ticks">`,
    ...ticks.map(
      (t) =>
        `<line x1="${n(left)}" y1="${n(y(t))}" x2="${n(right)}" y2="${n(y(t))}" stroke="#e0e0e0"/>` +
        `<text x="${n(left - 6)}" y="${n(y(t) + 4)}" text-anchor="end">${esc(f.formatY(t))}</text>`,
    ),
    `</g>`,
    `<text class="y-label" transform="rotate(-90)" x="${n(-(top + bottom) / 2)}" y="14" text-anchor="middle">` +
      `${esc(f.yLabel)}</text>`,
  ];
  const axes = [
    `<line class="axis" x1="${n(left)}" y1="${n(top)}" x2="${n(left)}" y2="${n(bottom)}" stroke="#333333"/>`,
    `<line class="axis" x1="${n(left)}" y1="${n(bottom)}" x2="${n(right)}" y2="${n(bottom)}" stroke="#333333"/>`,
    `<g class="legend">`,
    ...key.svg,
    `</g>`,
  ];
  return { plot, head, axes };
}

/** Runs of consecutive finite points (a non-finite value or x breaks the line). */
function segments(values: readonly number[], xOf: (i: number) => number): [number, number][][] {
  const runs: [number, number][][] = [[]];
  values.forEach((v, i) => {
    const x = xOf(i);
    if (Number.isFinite(v) && Number.isFinite(x)) runs[runs.length - 1].push([x, v]);
    else if (runs[runs.length - 1].length) runs.push([]);
  });
  return runs.filter((run) => run.length > 0);
}

/** Line chart: one polyline per run of finite values per series (isolated points drawn as dots). */
export function lineChart(spec: LineChartSpec): string {
  const width = size(spec.width, 720);
  const height = size(spec.height, 400);
  const formatY = spec.formatY ?? defaultFormat;
  const count = Math.max(0, ...spec.series.map((s) => s.values.length));
  const xOf = (i: number): number => (spec.x ? (spec.x[i] ?? Number.NaN) : i);
  const xs = Array.from({ length: count }, (_, i) => xOf(i)).filter((v) => Number.isFinite(v));
  let [xLo, xHi] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (xLo === xHi) [xLo, xHi] = [xLo - 1, xHi + 1];
  const xTicks = niceTicks(xLo, xHi, 7, !spec.x);
  const [xMin, xMax] = [xTicks[0], xTicks[xTicks.length - 1]];
  const values = spec.series.flatMap((s) => s.values);
  const names = spec.series.map((s) => s.name);
  const { plot, head, axes } = frame({ ...spec, names, values, includeZero: false, formatY, width, height });
  const px = (x: number): number => plot.left + ((x - xMin) / (xMax - xMin)) * (plot.right - plot.left);
  const lines = spec.series.map((s, i) => {
    const marks = segments(s.values, xOf).map((run) => {
      if (run.length === 1) return `<circle cx="${n(px(run[0][0]))}" cy="${n(plot.y(run[0][1]))}" r="3"/>`;
      const points = run.map(([x, v]) => `${n(px(x))},${n(plot.y(v))}`).join(' ');
      return `<polyline points="${points}" fill="none" stroke-width="2" stroke-linejoin="round"/>`;
    });
    return `<g class="series" stroke="${colour(i)}" fill="${colour(i)}">${marks.join('')}</g>`;
  });
  const xAxis = [
    `<g class="x-ticks">`,
    ...xTicks.map(
      (t) =>
        `<line x1="${n(px(t))}" y1="${n(plot.bottom)}" x2="${n(px(t))}" y2="${n(plot.bottom + 5)}" stroke="#333333"/>` +
        `<text x="${n(px(t))}" y="${n(plot.bottom + 18)}" text-anchor="middle">${esc(String(t))}</text>`,
    ),
    `</g>`,
    `<text class="x-label" x="${n((plot.left + plot.right) / 2)}" y="${n(plot.bottom + 36)}" ` +
      `text-anchor="middle">${esc(spec.xLabel)}</text>`,
  ];
  return [...head, ...lines, ...xAxis, ...axes, '</svg>'].join('\n') + '\n';
}

/** Grouped vertical bars: one band per group, one bar per series within it, bars grow from 0. */
export function barChart(spec: BarChartSpec): string {
  const width = size(spec.width, 720);
  const height = size(spec.height, 400);
  const formatY = spec.formatY ?? defaultFormat;
  const values = spec.groups.flatMap((g) => g.values);
  const names = spec.seriesNames;
  const { plot, head, axes } = frame({ ...spec, names, values, includeZero: true, formatY, width, height });
  const band = (plot.right - plot.left) / Math.max(1, spec.groups.length);
  const barWidth = (band * 0.8) / Math.max(1, spec.seriesNames.length);
  const zero = plot.y(0);
  const groups = spec.groups.map((g, gi) => {
    const start = plot.left + gi * band + band * 0.1;
    const bars = spec.seriesNames.flatMap((_, si) => {
      const v = g.values[si];
      if (v === undefined || !Number.isFinite(v)) return [];
      const y = plot.y(v);
      return [
        `<rect class="bar" x="${n(start + si * barWidth)}" y="${n(Math.min(y, zero))}" width="${n(barWidth)}" ` +
          `height="${n(Math.abs(zero - y))}" fill="${colour(si)}"/>`,
      ];
    });
    const label =
      `<text x="${n(start + band * 0.4)}" y="${n(plot.bottom + 18)}" text-anchor="middle">` + `${esc(g.label)}</text>`;
    return `<g class="group">${bars.join('')}${label}</g>`;
  });
  const baseline = `<line class="baseline" x1="${n(plot.left)}" y1="${n(zero)}" x2="${n(plot.right)}" y2="${n(zero)}" stroke="#333333"/>`;
  return [...head, ...groups, ...axes, baseline, '</svg>'].join('\n') + '\n';
}
