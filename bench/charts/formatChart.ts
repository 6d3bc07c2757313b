import type { BenchSection } from '../report/benchReport.js';
import { chartStyle } from './chartStyle.js';
import { stripPanel } from './stripPanel.js';
import { svgElement } from './svgElement.js';
import { timePanel } from './timePanel.js';

const MARGIN = 16;
const GAP = 20;

/**
 * A benchmark section as a standalone SVG (no scripts, fonts or links, a white background, so it
 * shows the same as a GitHub README image in light and dark themes): its title; every round of
 * each contender with the median marked, where there was more than one round; its traces over
 * time, where it has any. A contender keeps its colour across both. Undefined when there is
 * nothing to draw (one figure per contender and no traces).
 *
 * @param caption A line beside the title, e.g. when and where it was measured.
 * @example
 * await writeFile('bigFile.svg', formatChart(section, 'npm run bench, 2026-11-26') ?? '');
 */
export function formatChart(section: BenchSection, caption = ''): string | undefined {
  const traces = section.traces ?? [];
  // One axis, one unit: the section's first (signing also reports URLs per server CPU-second, which the table shows).
  const measurements = section.measurements.filter((m) => m.unit === section.measurements[0]?.unit);
  const rounds = measurements.some((m) => m.values.length > 1);
  if (!rounds && traces.length === 0) return undefined;
  const { width, colors } = chartStyle;
  const drawn = [...(rounds ? measurements : []), ...traces];
  const names = [...new Set(drawn.map(({ name }) => name))];
  const colorOf = (name: string) => colors[names.indexOf(name) % colors.length]!;

  let top = 44;
  const panels: string[] = [];
  if (rounds) {
    const strip = stripPanel(measurements, colorOf, top);
    panels.push(strip.svg);
    top += strip.height + GAP;
  }
  if (traces.length > 0) {
    const time = timePanel(traces, colorOf, top);
    panels.push(time.svg);
    top += time.height + GAP;
  }
  const height = top - GAP + MARGIN;
  const svg = svgElement(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'font-family': chartStyle.font, 'font-size': chartStyle.fontSize },
    [
      svgElement('title', {}, section.title),
      svgElement('rect', { width, height, fill: '#ffffff' }),
      svgElement('text', { x: MARGIN, y: 28, 'font-size': chartStyle.titleFontSize, 'font-weight': 'bold', fill: chartStyle.text }, section.title),
      ...(caption ? [svgElement('text', { x: width - MARGIN, y: 28, 'text-anchor': 'end', 'font-size': chartStyle.smallFontSize, fill: chartStyle.muted }, caption)] : []),
      ...panels,
    ],
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
}
