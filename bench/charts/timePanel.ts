import { median, type Trace } from '../report/benchReport.js';
import { chartAxis } from './chartAxis.js';
import type { ChartPanel } from './chartPanel.js';
import { chartStyle } from './chartStyle.js';
import { formatNumber } from '../report/formatSection.js';
import { niceStep, niceTicks } from './niceTicks.js';
import { rateOverTime } from './rateOverTime.js';
import { svgElement } from './svgElement.js';

const MiB = 1024 * 1024;
const MARGIN = 16;
const PLOT_HEIGHT = 220;
const LEGEND_ROW = 20;

/** How each quantity is drawn: a running total as its rate, a level as it is. */
const DRAWN: Record<Trace['quantity'], { unit: string; divisor: number; rate: boolean; heading: string }> = {
  'bytes sent': { unit: 'MiB/s', divisor: MiB, rate: true, heading: 'Throughput over time' },
  'files stored': { unit: 'files/s', divisor: 1, rate: true, heading: 'Files stored per second over time' },
  'heap bytes': { unit: 'MiB', divisor: MiB, rate: false, heading: "The page's heap over time" },
};

/**
 * Each trace as a line over time, all on one time axis from the round's start: running totals as
 * their rate in bins (about 40 over the longest trace, 100 ms at least), levels as sampled with
 * their peak marked. A heading names the quantity and the bins (or how often levels were sampled);
 * a legend names the contenders with their round (a level: its peak) and any note on how their
 * figures were taken.
 *
 * @param traces Their quantities must agree.
 * @param colorOf The colour of a contender, by name.
 * @param top Where the panel starts, px from the SVG's top.
 */
export function timePanel(traces: Trace[], colorOf: (name: string) => string, top: number): ChartPanel {
  const quantity = traces[0]!.quantity;
  const other = traces.find((trace) => trace.quantity !== quantity);
  if (other) throw new Error(`One axis cannot show ${quantity} and ${other.quantity} (${other.name})`);
  const { unit, divisor, rate, heading } = DRAWN[quantity];
  const { width, fontSize, smallFontSize, textWidth } = chartStyle;
  const longest = Math.max(...traces.map((trace) => trace.samples.at(-1)?.[0] ?? 0));
  const binMs = Math.max(100, niceStep(longest, 40));
  const lines = traces.map((trace) => {
    const points = (rate ? rateOverTime(trace.samples, binMs) : trace.samples).map(([ms, value]): [number, number] => [ms / 1000, value / divisor]);
    const peak = points.reduce((best, point) => (point[1] > best[1] ? point : best), points[0] ?? [0, 0]);
    // A level's figure that matters is its peak, a rate's is its round (the median one).
    const label = rate ? `${trace.name} · round ${trace.round}` : `${trace.name} · peak ${formatNumber(peak[1])} ${unit}`;
    return { trace, points, peak, label };
  });

  const elements: string[] = [];
  const gaps = traces[0]!.samples.slice(1).map(([ms], i) => ms - traces[0]!.samples[i]![0]);
  const of = rate ? `each contender's median round, in ${binMs} ms bins` : `sampled every ${formatNumber(median(gaps))} ms`;
  elements.push(svgElement('text', { x: MARGIN, y: top + fontSize, 'font-weight': 'bold', fill: chartStyle.text }, `${heading} (${of})`));

  // The legend flows left to right, a new row when the next entry would not fit.
  let legendX = MARGIN;
  let legendY = top + fontSize + 10 + LEGEND_ROW / 2;
  for (const { trace, label } of lines) {
    const note = trace.note ? ` (${trace.note})` : '';
    const entryWidth = 28 + textWidth(label, smallFontSize) + textWidth(note, smallFontSize) + 18;
    if (legendX + entryWidth > width - MARGIN && legendX > MARGIN) {
      legendX = MARGIN;
      legendY += LEGEND_ROW;
    }
    const color = colorOf(trace.name);
    elements.push(
      svgElement('g', { class: 'legend', 'font-size': smallFontSize }, [
        svgElement('line', { x1: legendX, x2: legendX + 22, y1: legendY, y2: legendY, stroke: color, 'stroke-width': 3 }),
        svgElement('text', { x: legendX + 28, y: legendY + 4, fill: chartStyle.text }, [
          svgElement('tspan', {}, label),
          ...(note ? [svgElement('tspan', { fill: chartStyle.muted }, note)] : []),
        ]),
      ]),
    );
    legendX += entryWidth;
  }

  const plotTop = legendY + LEGEND_ROW + 6;
  const plotBottom = plotTop + PLOT_HEIGHT;
  // A little room above the highest point, so no line runs along the plot's top edge.
  const yTicks = niceTicks(Math.max(...lines.map(({ peak }) => peak[1])) * 1.04);
  const xTicks = niceTicks(longest / 1000, 8);
  const yLabelWidth = Math.max(...yTicks.map((tick) => textWidth(formatNumber(tick), smallFontSize)));
  const left = MARGIN + fontSize + 14 + yLabelWidth + 6;
  const right = width - MARGIN - 8;
  const x = (seconds: number) => left + (seconds / xTicks.at(-1)!) * (right - left);
  const y = (value: number) => plotBottom - (value / yTicks.at(-1)!) * PLOT_HEIGHT;
  elements.push(chartAxis({ side: 'left', ticks: yTicks, position: y, across: [left, right], title: unit }));
  elements.push(chartAxis({ side: 'bottom', ticks: xTicks, position: x, across: [plotTop, plotBottom], title: 'seconds since the upload started' }));

  for (const { trace, points, peak } of lines) {
    const color = colorOf(trace.name);
    const drawn = [
      svgElement('polyline', { points: points.map(([s, value]) => `${x(s).toFixed(1)},${y(value).toFixed(1)}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round' }, [
        svgElement('title', {}, `${trace.name}, round ${trace.round}`),
      ]),
    ];
    if (!rate) drawn.push(svgElement('circle', { class: 'peak', cx: x(peak[0]), cy: y(peak[1]), r: 4, fill: color }, [svgElement('title', {}, `${trace.name}, peak: ${formatNumber(peak[1])} ${unit}`)]));
    elements.push(svgElement('g', { class: 'trace' }, drawn));
  }
  return { svg: svgElement('g', { class: 'time' }, elements), height: plotBottom + 48 - top };
}
