import type { Measurement } from '../report/benchReport.js';
import { chartAxis } from './chartAxis.js';
import type { ChartPanel } from './chartPanel.js';
import { chartStyle } from './chartStyle.js';
import { formatNumber } from '../report/formatSection.js';
import { niceTicks } from './niceTicks.js';
import { svgElement } from './svgElement.js';

const ROW = 34;
const KEY = 26;
const MARGIN = 16;
const SWATCH = 10;

/**
 * Every round of each contender as a dot on one axis from 0, a row per contender (the dots spread
 * a little up and down, in the order measured, so equal values stay apart), its median as a bar
 * and, right of the plot, as a figure; a key says which is which.
 *
 * @param measurements Their units must agree.
 * @param colorOf The colour of a contender, by name.
 * @param top Where the panel starts, px from the SVG's top.
 */
export function stripPanel(measurements: Measurement[], colorOf: (name: string) => string, top: number): ChartPanel {
  const unit = measurements[0]!.unit;
  const other = measurements.find((m) => m.unit !== unit);
  if (other) throw new Error(`One axis cannot show ${unit} and ${other.unit} (${other.name})`);
  const { width, fontSize, smallFontSize, textWidth } = chartStyle;
  const medians = measurements.map((m) => `${formatNumber(m.median)} ${unit}`);
  const labelWidth = Math.max(...measurements.map((m) => textWidth(m.name, fontSize)));
  const medianWidth = Math.max(textWidth('median', smallFontSize), ...medians.map((text) => textWidth(text, fontSize) * 1.08));
  const left = MARGIN + SWATCH + 6 + labelWidth + MARGIN;
  const right = width - MARGIN - medianWidth - MARGIN;
  const ticks = niceTicks(Math.max(...measurements.flatMap((m) => m.values)));
  const x = (value: number) => left + (value / ticks.at(-1)!) * (right - left);
  const plotTop = top + KEY;
  const plotBottom = plotTop + measurements.length * ROW;

  const elements: string[] = [];
  const keyY = top + KEY / 2;
  elements.push(
    svgElement('g', { class: 'key', 'font-size': smallFontSize, fill: chartStyle.muted }, [
      svgElement('circle', { cx: left + 6, cy: keyY, r: 5, fill: chartStyle.muted, 'fill-opacity': 0.55, stroke: chartStyle.muted }),
      svgElement('text', { x: left + 16, y: keyY + 4 }, 'one round'),
      svgElement('rect', { x: left + 104, y: keyY - 9, width: 3, height: 18, fill: chartStyle.text }),
      svgElement('text', { x: left + 114, y: keyY + 4 }, 'the median'),
      svgElement('text', { x: width - MARGIN, y: keyY + 4, 'text-anchor': 'end' }, 'median'),
    ]),
  );
  measurements.forEach((m, row) => {
    if (row % 2 === 1) elements.push(svgElement('rect', { x: MARGIN, y: plotTop + row * ROW, width: width - 2 * MARGIN, height: ROW, fill: '#f6f8fa' }));
  });
  elements.push(chartAxis({ side: 'bottom', ticks, position: x, across: [plotTop, plotBottom], title: `${unit}${unit.endsWith('/s') ? ', higher is better' : ''}` }));
  measurements.forEach((m, row) => {
    const color = colorOf(m.name);
    const middle = plotTop + row * ROW + ROW / 2;
    const spread = Math.min(3, 12 / Math.max(1, m.values.length - 1));
    const dots = m.values.map((value, round) =>
      svgElement('circle', { cx: x(value), cy: middle + (round - (m.values.length - 1) / 2) * spread, r: 5, fill: color, 'fill-opacity': 0.55, stroke: color }, [
        svgElement('title', {}, `${m.name}, round ${round + 1}: ${formatNumber(value)} ${unit}`),
      ]),
    );
    elements.push(
      svgElement('g', { class: 'contender' }, [
        svgElement('rect', { x: MARGIN, y: middle - SWATCH / 2, width: SWATCH, height: SWATCH, fill: color }),
        svgElement('text', { x: MARGIN + SWATCH + 6, y: middle + fontSize * 0.35, fill: chartStyle.text }, m.name),
        ...dots,
        svgElement('rect', { class: 'median', x: x(m.median) - 1.5, y: middle - 12, width: 3, height: 24, fill: chartStyle.text }, [
          svgElement('title', {}, `${m.name}, median: ${medians[row]}`),
        ]),
        svgElement('text', { x: width - MARGIN, y: middle + fontSize * 0.35, 'text-anchor': 'end', 'font-weight': 'bold', fill: chartStyle.text }, medians[row]!),
      ]),
    );
  });
  return { svg: svgElement('g', { class: 'strip' }, elements), height: KEY + measurements.length * ROW + 48 };
}
