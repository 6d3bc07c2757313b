import type { BenchSection } from './benchReport.js';
import { ENGINE_TITLES, engineSectionId } from '../harness/engineSection.js';
import { ENGINE_NAMES } from '../../test/harness/engines/EngineBrowser.js';
import { formatNumber as figure } from './formatSection.js';

/**
 * The engines side by side, one row each, from the sections `npm run bench` measured in every
 * engine (md5…, bigFile…): the pool's MB/s with 2 workers, its ratio to its own MD5 over bytes in
 * memory (what reading the File costs), and the 512 MiB race's ratios. An engine with neither
 * section is left out; a figure its sections lack shows as `–`. Answers no lines when no section
 * was measured per engine.
 */
export function formatEngineTable(sections: readonly BenchSection[]): string[] {
  const byId = new Map(sections.map((section) => [section.id, section]));
  const rows: string[] = [];
  for (const engine of ENGINE_NAMES) {
    const md5 = byId.get(engineSectionId('md5', engine));
    const bigFile = byId.get(engineSectionId('bigFile', engine));
    if (!md5 && !bigFile) continue;
    const median = (section: BenchSection | undefined, name: string) => section?.measurements.find((m) => m.name === name)?.median;
    const ratioOf = (section: BenchSection | undefined, test: (name: string) => boolean) => section?.ratios.find((r) => test(r.name))?.value;
    const shown = (value: number | undefined) => (value === undefined ? '–' : figure(value));
    const readCost = md5?.ratios.find((r) => r.name.startsWith('worker pool, 2 workers / ') && r.min === 0.5);
    rows.push(
      `| ${ENGINE_TITLES[engine]} | ${shown(median(md5, 'worker pool, 2 workers'))} | ${shown(median(md5, 'worker pool, 1 worker'))} | ` +
        `${shown(median(md5, 'one-lane MD5, worker, in memory'))} | ${shown(median(md5, 'SIMD MD5, 8 lanes, worker, in memory'))} | ` +
        `${readCost ? `${figure(readCost.value)} (of ${readCost.name.slice('worker pool, 2 workers / '.length).split(',')[0]})` : '–'} | ` +
        `${shown(median(bigFile, 'our plugin, MD5'))} | ${shown(ratioOf(bigFile, (name) => name === 'our plugin, MD5 / plain presigned PUTs'))} | ` +
        `${shown(ratioOf(bigFile, (name) => name === 'our plugin, MD5 / stock @uppy/aws-s3 6'))} | ${shown(ratioOf(bigFile, (name) => name === 'our plugin, MD5 / our plugin, no MD5'))} |`,
    );
  }
  if (rows.length === 0) return [];
  return [
    '| engine | pool, 2 workers (MB/s) | pool, 1 worker | one-lane MD5 in memory | SIMD MD5 in memory | pool / its MD5 in memory | 512 MiB, ours with MD5 (MiB/s) | ours / plain PUTs | ours / stock | ours / ours without MD5 |',
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|',
    ...rows,
  ];
}
