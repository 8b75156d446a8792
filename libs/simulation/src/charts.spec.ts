import { describe, expect, it } from '@jest/globals';
import { barChart, lineChart, type BarChartSpec, type LineChartSpec } from './charts.js';

/** Well-formedness for the tags we emit: <svg>, <g>, <text>, <title> open and close in nesting order. */
function assertWellFormed(svg: string): void {
  expect(svg.trimStart().startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  const stack: string[] = [];
  for (const [, close, name, selfClosing] of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    if (!['svg', 'g', 'text', 'title'].includes(name)) continue;
    if (selfClosing) continue;
    if (close) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  // No raw '&' outside of entities, no '<' inside text content.
  expect(svg).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
  for (const [, content] of svg.matchAll(/<text[^>]*>([^]*?)<\/text>/g)) expect(content).not.toMatch(/[<>"]/);
}

const attr = (tag: string, name: string): number => Number(new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1]);
const tags = (svg: string, name: string): string[] =>
  [...svg.matchAll(new RegExp(`<${name}\\b[^>]*>`, 'g'))].map((m) => m[0]);
const texts = (svg: string, cls: string): string[] =>
  [...svg.matchAll(new RegExp(`<g class="${cls}">([^]*?)</g>`, 'g'))].flatMap((m) =>
    [...m[1].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]),
  );
const yTicks = (svg: string): string[] => texts(svg, 'y-ticks');

const line = (overrides: Partial<LineChartSpec> = {}): string =>
  lineChart({
    title: 'Bad debt',
    xLabel: 'Day',
    yLabel: 'USD',
    series: [
      { name: 'Base', values: [1, 3, 2, 7.3] },
      { name: 'Stress', values: [0, 1, 5, 4] },
    ],
    ...overrides,
  });
const bars = (overrides: Partial<BarChartSpec> = {}): string =>
  barChart({
    title: 'Losses',
    yLabel: 'USD',
    seriesNames: ['Arbitrum', 'Base', 'Optimism'],
    groups: [
      { label: 'Calm', values: [2, 4, 1] },
      { label: 'Crash', values: [8, 3, 6] },
    ],
    ...overrides,
  });

describe('lineChart', () => {
  it('is a standalone, well-formed SVG document with background, title, axes and labels', () => {
    const svg = line();
    assertWellFormed(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" version="1\.1" width="720" height="400"/);
    expect(svg).toContain('viewBox="0 0 720 400"');
    expect(svg).toContain('<rect class="background" x="0" y="0" width="720" height="400" fill="#ffffff"/>');
    expect(svg).toMatch(/<text class="title"[^>]*>Bad debt<\/text>/);
    expect(svg).toMatch(/<text class="x-label"[^>]*>Day<\/text>/);
    expect(svg).toMatch(/<text class="y-label"[^>]*>USD<\/text>/);
    expect(tags(svg, 'line').filter((t) => t.includes('class="axis"'))).toHaveLength(2);
  });

  it('draws one polyline per series with one point per value, coordinates rounded to 1 decimal', () => {
    const svg = line();
    const polylines = tags(svg, 'polyline');
    expect(polylines).toHaveLength(2);
    for (const p of polylines) {
      const points = /points="([^"]*)"/.exec(p)![1].split(' ');
      expect(points).toHaveLength(4);
      for (const pt of points) expect(pt).toMatch(/^-?\d+(\.\d)?,-?\d+(\.\d)?$/);
    }
    expect(svg.match(/stroke="#0072B2"/g)).toHaveLength(1);
    expect(svg.match(/stroke="#E69F00"/g)).toHaveLength(1);
  });

  it('uses nice y ticks starting at 0 (max 7.3 → 0, 2, 4, 6, 8) formatted through formatY', () => {
    expect(yTicks(line())).toEqual(['0', '2', '4', '6', '8']);
    expect(yTicks(line({ formatY: (v) => `$${v}M` }))).toEqual(['$0M', '$2M', '$4M', '$6M', '$8M']);
  });

  it('keeps 4–6 y ticks on 1/2/5 × 10^k steps over many ranges', () => {
    for (const max of [0.003, 0.7, 1, 1.1, 2.1, 5.1, 9.99, 10.01, 12, 47, 99, 101, 350, 1234.5, 6.3e7]) {
      for (const min of [0, -max / 3]) {
        const ticks = yTicks(line({ series: [{ name: 's', values: [min, max] }] })).map(Number);
        expect(ticks.length).toBeGreaterThanOrEqual(4);
        expect(ticks.length).toBeLessThanOrEqual(6);
        expect(ticks[0]).toBeLessThanOrEqual(min);
        expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
        if (min === 0) expect(ticks[0]).toBe(0);
        const step = ticks[1] - ticks[0];
        const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
        expect([1, 2, 5]).toContain(mantissa);
      }
    }
  });

  it('puts about six nice x ticks on the index axis or on the given x values', () => {
    const xTicks = texts(line({ series: [{ name: 's', values: Array.from({ length: 31 }, (_, i) => i) }] }), 'x-ticks');
    expect(xTicks).toEqual(['0', '5', '10', '15', '20', '25', '30']);
    const years = texts(line({ x: [2020, 2022, 2026, 2030] }), 'x-ticks');
    expect(years).toEqual(['2020', '2022', '2024', '2026', '2028', '2030']);
  });

  it('breaks the line at non-finite values and draws isolated points as dots', () => {
    const svg = line({ series: [{ name: 'gappy', values: [1, 2, Number.NaN, 3, 4, 5, Number.POSITIVE_INFINITY, 6] }] });
    assertWellFormed(svg);
    const counts = tags(svg, 'polyline').map((p) => /points="([^"]*)"/.exec(p)![1].split(' ').length);
    expect(counts).toEqual([2, 3]);
    expect(tags(svg, 'circle')).toHaveLength(1);
  });

  it('handles all-zero data, a single point and no data without NaN', () => {
    const zero = line({ series: [{ name: 'flat', values: [0, 0, 0] }] });
    assertWellFormed(zero);
    expect(yTicks(zero).map(Number)[0]).toBe(0);
    expect(tags(zero, 'polyline')).toHaveLength(1);

    const single = line({ series: [{ name: 'one', values: [5] }] });
    assertWellFormed(single);
    expect(tags(single, 'circle')).toHaveLength(1);
    expect(tags(single, 'polyline')).toHaveLength(0);
    expect(yTicks(single).map(Number)[0]).toBe(0);

    const singleX = line({ series: [{ name: 'one', values: [5] }], x: [2024] });
    assertWellFormed(singleX);
    assertWellFormed(line({ series: [] }));
    assertWellFormed(line({ series: [{ name: 'gone', values: [Number.NaN] }] }));
  });

  it('lets negative data go below zero', () => {
    const ticks = yTicks(line({ series: [{ name: 's', values: [-3, -1] }] })).map(Number);
    expect(ticks[0]).toBeLessThanOrEqual(-3);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(-1);
  });

  it('has a legend with one coloured swatch per series and escapes every text', () => {
    const evil = '<b>&"';
    const svg = line({
      title: evil,
      xLabel: evil,
      yLabel: evil,
      series: [
        { name: evil, values: [1, 2] },
        { name: 'B & C', values: [2, 1] },
      ],
    });
    assertWellFormed(svg);
    expect(svg).not.toContain('<b>');
    const escaped = '&lt;b&gt;&amp;&quot;';
    expect(svg.split(escaped).length - 1).toBe(5); // <title>, title, x label, y label, legend
    const swatches = tags(svg, 'rect').filter((t) => t.includes('class="swatch"'));
    expect(swatches.map((t) => /fill="([^"]*)"/.exec(t)![1])).toEqual(['#0072B2', '#E69F00']);
    expect(texts(svg, 'legend-item')).toEqual([escaped, 'B &amp; C']);
  });
});

describe('barChart', () => {
  it('is well-formed with one bar per (group × series) plus background and legend swatches', () => {
    const svg = bars();
    assertWellFormed(svg);
    const rects = tags(svg, 'rect');
    expect(rects).toHaveLength(1 + 3 + 2 * 3);
    expect(rects.filter((r) => r.includes('class="bar"'))).toHaveLength(6);
    expect(texts(svg, 'legend-item')).toEqual(['Arbitrum', 'Base', 'Optimism']);
    expect(yTicks(svg)).toEqual(['0', '2', '4', '6', '8']);
  });

  it('draws bar heights proportional to values, standing on the zero line', () => {
    const svg = bars();
    const barRects = tags(svg, 'rect').filter((r) => r.includes('class="bar"'));
    const heights = barRects.map((r) => attr(r, 'height'));
    expect(heights[3] / heights[0]).toBeCloseTo(8 / 2, 1); // Crash/Arbitrum vs Calm/Arbitrum
    expect(heights[1] / heights[2]).toBeCloseTo(4, 1);
    const bottoms = barRects.map((r) => attr(r, 'y') + attr(r, 'height'));
    for (const b of bottoms) expect(b).toBeCloseTo(bottoms[0], 0);
    expect(barRects.map((r) => /fill="([^"]*)"/.exec(r)![1]).slice(0, 3)).toEqual(['#0072B2', '#E69F00', '#009E73']);
  });

  it('grows negative bars downward from zero', () => {
    const svg = bars({ groups: [{ label: 'g', values: [4, -2, 0] }] });
    assertWellFormed(svg);
    const [up, down] = tags(svg, 'rect')
      .filter((r) => r.includes('class="bar"'))
      .map((r) => ({ y: attr(r, 'y'), h: attr(r, 'height') }));
    expect(up.y + up.h).toBeCloseTo(down.y, 1);
    expect(up.h / down.h).toBeCloseTo(2, 1);
  });

  it('handles all-zero, single-bar, empty and non-finite data without NaN', () => {
    const zero = bars({ groups: [{ label: 'z', values: [0, 0, 0] }] });
    assertWellFormed(zero);
    expect(yTicks(zero)[0]).toBe('0');
    assertWellFormed(bars({ seriesNames: ['only'], groups: [{ label: 'one', values: [3] }] }));
    assertWellFormed(bars({ groups: [] }));
    const gaps = bars({ groups: [{ label: 'g', values: [1, Number.NaN] }] });
    assertWellFormed(gaps);
    expect(tags(gaps, 'rect').filter((r) => r.includes('class="bar"'))).toHaveLength(1);
  });

  it('escapes title, y label, series names and group labels', () => {
    const evil = '<b>&"';
    const svg = bars({ title: evil, yLabel: evil, seriesNames: [evil], groups: [{ label: evil, values: [1] }] });
    assertWellFormed(svg);
    expect(svg).not.toContain('<b>');
    expect(svg.split('&lt;b&gt;&amp;&quot;').length - 1).toBe(5); // <title>, title, y label, legend, group
  });
});
