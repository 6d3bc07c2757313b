/**
 * The charts of `npm run bench`: one SVG per benchmark section, `<id>.svg` beside
 * bench/results/latest.md. To draw them again from bench/results/latest.json (after a change to
 * the charts), run bench/report/writeBenchReport.ts, which writes them with the table.
 */
import { writeFile } from 'node:fs/promises';
import type { BenchSection } from './benchReport.js';
import { formatChart } from '../charts/formatChart.js';

/**
 * Writes a chart for every section that has something to draw (see formatChart) into `folder`
 * and answers their file names by section id.
 *
 * @param caption A line beside each chart's title, e.g. when it was measured.
 * @example
 * const charts = await writeCharts(sections, new URL('../results/', import.meta.url), 'npm run bench, 2026-11-26');
 * // { signing: 'signing.svg', md5: 'md5.svg', ... }
 */
export async function writeCharts(sections: BenchSection[], folder: URL, caption = ''): Promise<Record<string, string>> {
  const written: Record<string, string> = {};
  for (const section of sections) {
    const svg = formatChart(section, caption);
    if (svg === undefined) continue;
    const file = `${section.id}.svg`;
    await writeFile(new URL(file, folder), svg);
    written[section.id] = file;
  }
  return written;
}

