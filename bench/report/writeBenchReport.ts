/**
 * What `npm run bench` leaves behind once it has measured: bench/results/latest.json (every round),
 * latest.md (the table) with one SVG chart per benchmark beside it, and with `readme`, the same table
 * and charts in README.md's performance section; then a line per missed target.
 *
 * `node --import tsx bench/report/writeBenchReport.ts [--readme]` writes them again from latest.json
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
   * Also put the table and the charts into README.md, between its bench markers.
   * @default false
   */
  readme?: boolean;
  /**
   * Write latest.json too (not when it is what the report is made from).
   * @default true
   */
  json?: boolean;
}

export async function writeBenchReport(run: BenchRun, { readme = false, json = true }: BenchReportOptions = {}): Promise<void> {
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
  if (readme) {
    const path = new URL('../../README.md', import.meta.url);
    const text = await readFile(path, 'utf8');
    const block = /(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/;
    if (!block.test(text)) throw new Error('README.md has no <!-- bench:start --> … <!-- bench:end --> block');
    const table = formatMarkdown(sections, header, Object.fromEntries(Object.entries(charts).map(([id, file]) => [id, `bench/results/${file}`])));
    await writeFile(path, text.replace(block, (_, start: string, end: string) => `${start}${table}${end}`));
  }
  const ratios = sections.flatMap((section) => section.ratios.filter((ratio) => ratio.min !== undefined || ratio.max !== undefined));
  const missed = ratios.filter((ratio) => !ratio.met);
  console.log(`${header}\nTargets met: ${ratios.length - missed.length} of ${ratios.length}${missed.map((ratio) => `\n  missed: ${ratio.name} = ${ratio.value.toFixed(2)}`).join('')}`);
  const chartFiles = Object.values(charts).map((file) => `bench/results/${file}`);
  console.log(`Written: ${json ? 'bench/results/latest.json, ' : ''}bench/results/latest.md, ${chartFiles.join(', ')}${readme ? ', README.md' : ''}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const run = JSON.parse(await readFile(new URL('../results/latest.json', import.meta.url), 'utf8')) as BenchRun;
  await writeBenchReport(run, { readme: process.argv.includes('--readme'), json: false });
}
