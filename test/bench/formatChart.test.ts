/**
 * The benchmark charts, drawn from a fixed result file (test/fixtures/benchResults.json): what the
 * SVG says, not how it looks. Each dot sits where its round's figure falls on the axis drawn, each
 * median bar at the median, rates come out of the running totals per bin, and the SVG stands alone
 * (nothing fetched, nothing run). test/browser/benchCharts.test.ts checks Chromium shows them.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { BenchSection } from '../../bench/report/benchReport.js';
import { formatChart } from '../../bench/charts/formatChart.js';
import { niceTicks } from '../../bench/charts/niceTicks.js';
import { rateOverTime } from '../../bench/charts/rateOverTime.js';
import { stripPanel } from '../../bench/charts/stripPanel.js';
import { svgElement } from '../../bench/charts/svgElement.js';

const MiB = 1024 * 1024;
const { sections } = JSON.parse(await readFile(new URL('../fixtures/benchResults.json', import.meta.url), 'utf8')) as { sections: BenchSection[] };
const section = (id: string) => sections.find((s) => s.id === id)!;

interface Element {
  attributes: Record<string, string>;
  /** The text inside, tags removed and entities read. */
  text: string;
}

/** The elements `name` in `svg` (not nested in one another), in order. */
function elements(svg: string, name: string): Element[] {
  return [...svg.matchAll(new RegExp(`<${name}\\b([^>]*?)(?:/>|>([\\s\\S]*?)</${name}>)`, 'g'))].map((match) => ({
    attributes: Object.fromEntries([...match[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)].map((attribute) => [attribute[1]!, attribute[2]!])),
    text: (match[2] ?? '')
      .replace(/<[^>]+>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&'),
  }));
}

/** A panel of `svg`: the strip runs up to the time panel, the time panel to the end. */
function panel(svg: string, name: 'strip' | 'time'): string {
  const start = svg.indexOf(`<g class="${name}">`);
  expect(start, `a ${name} panel`).toBeGreaterThan(-1);
  const end = name === 'strip' ? svg.indexOf('<g class="time">') : -1;
  return svg.slice(start, end === -1 ? undefined : end);
}

/** An axis' scale, read off its tick labels and grid lines: value → px along it. */
function axisScale(svg: string, side: 'bottom' | 'left'): { scale: (value: number) => number; ticks: number[]; title: string } {
  const axis = svg.match(new RegExp(`<g class="axis ${side}">([\\s\\S]*?)</g>`))![1]!;
  const texts = elements(axis, 'text');
  const title = texts.pop()!.text;
  // A grid line at every tick, then the axis' own line.
  const lines = elements(axis, 'line').slice(0, -1);
  expect(lines).toHaveLength(texts.length);
  const ticks = texts.map((text, i) => ({ value: Number(text.text.replace(/,/g, '')), at: Number(lines[i]!.attributes[side === 'bottom' ? 'x1' : 'y1']) }));
  const [first, last] = [ticks[0]!, ticks.at(-1)!];
  return { scale: (value) => first.at + ((value - first.value) / (last.value - first.value)) * (last.at - first.at), ticks: ticks.map((tick) => tick.value), title };
}

/** The points of each polyline, by the trace its title names. */
function polylines(svg: string): Map<string, Array<[number, number]>> {
  return new Map(
    elements(svg, 'polyline').map((line) => [line.text, line.attributes.points!.split(' ').map((point) => point.split(',').map(Number) as [number, number])]),
  );
}

describe('formatChart', () => {
  it('is one standalone SVG: XML declaration, the SVG namespace, a size, a white background, and nothing that loads or runs', () => {
    for (const s of sections.filter((s) => s.id !== 'single')) {
      const svg = formatChart(s, 'fixture')!;
      expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="800" height="')).toBe(true);
      const root = elements(svg, 'svg')[0]!.attributes;
      expect(root.viewBox).toBe(`0 0 800 ${root.height}`);
      expect(svg).toContain('<rect width="800" height="' + root.height + '" fill="#ffffff"/>');
      expect(svg).not.toMatch(/<script|<style|<image|<foreignObject|href=|url\(|@import|@font-face/i);
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    }
  });

  it('draws every round of each contender as a dot where its figure falls on the axis, and the median as a bar and a figure', () => {
    const big = section('bigFile');
    const strip = panel(formatChart(big, 'npm run bench, 2026-11-26')!, 'strip');
    const { scale, ticks, title } = axisScale(strip, 'bottom');
    expect(title).toBe('MiB/s, higher is better');
    expect(ticks).toEqual([0, 50, 100, 150, 200, 250]);
    const dots = elements(strip, 'circle').filter((dot) => dot.text !== '');
    expect(dots).toHaveLength(15);
    for (const m of big.measurements) {
      const mine = dots.filter((dot) => dot.text.startsWith(`${m.name}, round `));
      expect(mine.map((dot) => dot.text)).toEqual(m.values.map((value, round) => `${m.name}, round ${round + 1}: ${value} MiB/s`));
      mine.forEach((dot, round) => expect(Number(dot.attributes.cx)).toBeCloseTo(scale(m.values[round]!), 0));
      // The dots of one contender share a row, spread a little in the order measured.
      const rows = mine.map((dot) => Number(dot.attributes.cy));
      expect(Math.max(...rows) - Math.min(...rows)).toBeLessThan(16);
      expect(rows).toEqual([...rows].sort((a, b) => a - b));
      const bar = elements(strip, 'rect').find((rect) => rect.attributes.class === 'median' && rect.text === `${m.name}, median: ${m.median} MiB/s`)!;
      expect(Number(bar.attributes.x) + Number(bar.attributes.width) / 2).toBeCloseTo(scale(m.median), 0);
    }
    const texts = elements(strip, 'text').map((text) => text.text);
    expect(texts).toEqual(expect.arrayContaining(['our plugin, MD5', 'plain presigned PUTs', 'stock @uppy/aws-s3 6', '154 MiB/s', '210 MiB/s', '104 MiB/s', 'one round', 'the median', 'median']));
  });

  it("draws each contender's median round as its rate over time, per bin, on a time axis in seconds", () => {
    const svg = formatChart(section('bigFile'))!;
    const time = panel(svg, 'time');
    const texts = elements(time, 'text').map((text) => text.text);
    expect(texts[0]).toBe("Throughput over time (each contender's median round, in 200 ms bins)");
    expect(texts).toEqual(
      expect.arrayContaining(['our plugin, MD5 · round 2', 'plain presigned PUTs · round 5 (counted per finished part)', 'stock @uppy/aws-s3 6 · round 2']),
    );
    const x = axisScale(time, 'bottom');
    const y = axisScale(time, 'left');
    expect(x.title).toBe('seconds since the upload started');
    expect(x.ticks.at(-1)).toBe(5);
    expect(y.title).toBe('MiB/s');
    const lines = polylines(time);
    // Ours: 100 MiB in the first second, 200 MiB in the next: ten bins at 100 MiB/s, then ten at 200.
    const ours = lines.get('our plugin, MD5, round 2')!;
    expect(ours).toHaveLength(10);
    ours.forEach(([px, py], bin) => {
      expect(px).toBeCloseTo(x.scale(0.1 + bin * 0.2), 0);
      expect(py).toBeCloseTo(y.scale(bin < 5 ? 100 : 200), 0);
    });
    expect(lines.get('stock @uppy/aws-s3 6, round 2')).toHaveLength(25);
    for (const [, py] of lines.get('stock @uppy/aws-s3 6, round 2')!) expect(py).toBeCloseTo(y.scale(100), 0);
    // A contender keeps its colour from the dots to the line.
    const color = (name: string) => elements(panel(svg, 'strip'), 'circle').find((dot) => dot.text.startsWith(name))!.attributes.fill;
    const stroke = (name: string) => elements(time, 'polyline').find((line) => line.text.startsWith(name))!.attributes.stroke;
    for (const name of ['our plugin, MD5', 'plain presigned PUTs', 'stock @uppy/aws-s3 6']) expect(stroke(name)).toBe(color(name));
    expect(new Set(['our plugin, MD5', 'plain presigned PUTs', 'stock @uppy/aws-s3 6'].map(stroke)).size).toBe(3);
  });

  it('draws files stored as files per second', () => {
    const time = panel(formatChart(section('smallFiles'))!, 'time');
    expect(axisScale(time, 'left').title).toBe('files/s');
    expect(elements(time, 'text')[0]!.text).toBe("Files stored per second over time (each contender's median round, in 100 ms bins)");
    const y = axisScale(time, 'left').scale;
    const stock = polylines(time).get('stock @uppy/aws-s3 6, round 2')!;
    expect(stock[0]![1]).toBeCloseTo(y(125), 0);
    expect(stock.at(-1)![1]).toBeCloseTo(y(250 / 1.75), 0);
  });

  it('draws a level as sampled with its peak marked, and no strip for one figure per contender', () => {
    const svg = formatChart(section('memory'))!;
    expect(svg).not.toContain('<g class="strip">');
    const time = panel(svg, 'time');
    expect(elements(time, 'text')[0]!.text).toBe("The page's heap over time (sampled every 50 ms)");
    expect(elements(time, 'text').map((text) => text.text)).toEqual(expect.arrayContaining(['page JS heap · peak 5 MiB', 'of it V8 heap (no ArrayBuffers) · peak 4.5 MiB']));
    const x = axisScale(time, 'bottom').scale;
    const y = axisScale(time, 'left');
    expect(y.title).toBe('MiB');
    const heap = polylines(time).get('page JS heap, round 1')!;
    expect(heap.map(([, py]) => py)).toEqual([3, 5, 4].map((mib) => expect.closeTo(y.scale(mib), 0)));
    const peaks = elements(time, 'circle').filter((dot) => dot.attributes.class === 'peak');
    expect(peaks.map((dot) => dot.text)).toEqual(['page JS heap, peak: 5 MiB', 'of it V8 heap (no ArrayBuffers), peak: 4.5 MiB']);
    expect(Number(peaks[0]!.attributes.cx)).toBeCloseTo(x(0.05), 0);
    expect(Number(peaks[0]!.attributes.cy)).toBeCloseTo(y.scale(5), 0);
  });

  it('answers nothing for a section with one figure per contender and no traces', () => {
    expect(formatChart(section('single'))).toBeUndefined();
  });

  it("draws the section's first unit only (signing's URLs per CPU-second stay in the table); one axis refuses two units", () => {
    const other = { ...section('bigFile').measurements[0]!, name: 'per CPU-second' };
    const mixed = { ...section('smallFiles'), measurements: [...section('smallFiles').measurements, other] };
    expect(formatChart(mixed)).toBe(formatChart(section('smallFiles')));
    expect(() => stripPanel(mixed.measurements, () => '#000', 0)).toThrow('One axis cannot show files/s and MiB/s (per CPU-second)');
  });
});

describe('chart parts', () => {
  it('rates a running total per bin, reading between samples in straight lines; a sliver at the end joins the last bin', () => {
    expect(rateOverTime([[0, 0], [1000, 500], [2000, 1500]], 1000)).toEqual([[500, 500], [1500, 1000]]);
    expect(rateOverTime([[0, 0], [250, 0], [750, 100]], 500)).toEqual([[250, 100], [625, 200]]);
    expect(rateOverTime([[0, 0], [1100, 1100 * MiB]], 500).map(([ms, rate]) => [ms, rate / MiB])).toEqual([[250, 1000], [800, 1000]]);
    expect(rateOverTime([[0, 0]], 100)).toEqual([]);
  });

  it('puts round ticks from 0 to the first at or above the largest value', () => {
    expect(niceTicks(213)).toEqual([0, 50, 100, 150, 200, 250]);
    expect(niceTicks(20_476)).toEqual([0, 5000, 10_000, 15_000, 20_000, 25_000]);
    expect(niceTicks(0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(4.86)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('escapes text and attributes, and refuses a coordinate that is not a number', () => {
    expect(svgElement('text', { x: 1.234, 'data-name': 'a "b"' }, 'One figure <each> & no traces')).toBe(
      '<text x="1.2" data-name="a &quot;b&quot;">One figure &lt;each&gt; &amp; no traces</text>',
    );
    expect(svgElement('g', { hidden: undefined }, [svgElement('circle', { r: 3 })])).toBe('<g><circle r="3"/></g>');
    expect(() => svgElement('circle', { cx: Number.NaN })).toThrow('SVG attribute cx is NaN');
  });
});
