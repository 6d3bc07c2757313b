/**
 * What `npm run bench` leaves behind once it has measured: bench/results/latest.json (every round),
 * latest.md (the table) with one SVG chart per benchmark beside it; then a line per missed target.
 * README.md and docs/performance.md link to these files and show some of the charts; nothing here
 * writes into them.
 *
 * `node --import tsx bench/report/writeBenchReport.ts` writes them again from latest.json
 * (after a change to the charts or the table, without measuring again).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './benchReport.js';
import { formatMarkdown } from './formatMarkdown.js';
import { writeCharts } from './writeCharts.js';

/** One run of the benchmarks, as latest.json keeps it. */
export interface BenchRun {
  /** When the run ended, ISO 8601. */
  measuredAt: string;
  minutes: number;
  sections: BenchSection[];
}

export interface BenchReportOptions {
  /**
   * Write latest.json too (not when it is what the report is made from).
   * @default true
   */
  json?: boolean;
}

export async function writeBenchReport(run: BenchRun, { json = true }: BenchReportOptions = {}): Promise<void> {
  const { sections, minutes } = run;
  const day = run.measuredAt.slice(0, 10);
  const header =
    `Measured by \`npm run bench\` on ${day}: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, ` +
    `local Ceph radosgw; ${minutes.toFixed(1)} minutes in all.`;
  const results = new URL('../results/', import.meta.url);
  await mkdir(results, { recursive: true });
  if (json) {
    const text = JSON.stringify(run, null, 2);
    // Each list of numbers (a round's figures, one sample) on one line, or the traces' samples take thousands of lines.
    // An indented list opens with a line break, which a JSON string never holds.
    const compact = text.replace(/\[\n\s*(-?[\d.e+-]+(?:,\n\s*-?[\d.e+-]+)*)\n\s*\]/g, (_, list: string) => `[${list.split(/,\n\s*/).join(', ')}]`);
    await writeFile(new URL('latest.json', results), `${compact}\n`);
  }
  const charts = await writeCharts(sections, results, `npm run bench, ${day}`);
  await writeFile(new URL('latest.md', results), formatMarkdown(sections, header, charts));
  const ratios = sections.flatMap((section) => section.ratios.filter((ratio) => ratio.min !== undefined || ratio.max !== undefined));
  const missed = ratios.filter((ratio) => !ratio.met);
  console.log(`${header}\nTargets met: ${ratios.length - missed.length} of ${ratios.length}${missed.map((ratio) => `\n  missed: ${ratio.name} = ${ratio.value.toFixed(2)}`).join('')}`);
  const chartFiles = Object.values(charts).map((file) => `bench/results/${file}`);
  console.log(`Written: ${json ? 'bench/results/latest.json, ' : ''}bench/results/latest.md, ${chartFiles.join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const run = JSON.parse(await readFile(new URL('../results/latest.json', import.meta.url), 'utf8')) as BenchRun;
  await writeBenchReport(run, { json: false });
}
