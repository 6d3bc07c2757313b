import { chartStyle } from './chartStyle.js';
import { formatNumber } from '../report/formatSection.js';
import { svgElement } from './svgElement.js';

export interface ChartAxisOptions {
  /** Below the plot (values left to right) or left of it (values bottom to top). */
  side: 'bottom' | 'left';
  /** The tick values, first to last (see niceTicks). */
  ticks: number[];
  /** Where a value goes along the axis, px. */
  position: (value: number) => number;
  /** The plot's extent across the axis, px, smaller first: y for a bottom axis, x for a left one. The grid lines span it. */
  across: [number, number];
  /** The axis' title, with its unit. */
  title: string;
  /** @default formatNumber */
  format?: (value: number) => string;
}

/**
 * An axis of a chart: its line, a labelled tick and a light grid line at every tick value across
 * the plot, and its title (below a bottom axis, turned along a left one).
 *
 * @example
 * chartAxis({ side: 'bottom', ticks: [0, 100, 200], position: (v) => 100 + v * 3, across: [40, 200], title: 'MiB/s' });
 */
export function chartAxis({ side, ticks, position, across, title, format = formatNumber }: ChartAxisOptions): string {
  const [near, far] = across;
  const small = chartStyle.smallFontSize;
  const labels = ticks.map(format);
  const elements: string[] = [];
  ticks.forEach((tick, i) => {
    const at = position(tick);
    if (side === 'bottom') {
      elements.push(svgElement('line', { x1: at, x2: at, y1: near, y2: far, stroke: chartStyle.grid }));
      elements.push(svgElement('text', { x: at, y: far + small + 6, 'text-anchor': 'middle', 'font-size': small, fill: chartStyle.muted }, labels[i]!));
    } else {
      elements.push(svgElement('line', { x1: near, x2: far, y1: at, y2: at, stroke: chartStyle.grid }));
      elements.push(svgElement('text', { x: near - 6, y: at + small * 0.35, 'text-anchor': 'end', 'font-size': small, fill: chartStyle.muted }, labels[i]!));
    }
  });
  const start = position(ticks[0]!);
  const end = position(ticks.at(-1)!);
  if (side === 'bottom') {
    elements.push(svgElement('line', { x1: start, x2: end, y1: far, y2: far, stroke: chartStyle.axis }));
    elements.push(svgElement('text', { x: (start + end) / 2, y: far + small + 26, 'text-anchor': 'middle', fill: chartStyle.text }, title));
  } else {
    elements.push(svgElement('line', { x1: near, x2: near, y1: start, y2: end, stroke: chartStyle.axis }));
    const x = Math.round(near - 14 - Math.max(...labels.map((label) => chartStyle.textWidth(label, small))));
    const y = Math.round((start + end) / 2);
    elements.push(svgElement('text', { x, y, 'text-anchor': 'middle', transform: `rotate(-90 ${x} ${y})`, fill: chartStyle.text }, title));
  }
  return svgElement('g', { class: `axis ${side}` }, elements);
}
