/**
 * The MD5 benchmark (`npm run bench:md5`), shortened: the plugin's worker pool in Chromium hashes
 * a file picked in the page to the same part digests as node:crypto, and the section has the
 * report's shape; in WebKit too (`--engine=webkit`: no BYOB reader on Blob streams, so the pool
 * reads a part at a time and hashes with the one-lane MD5). Figures are printed, not asserted:
 * these machines are shared.
 */
import { expect, it } from 'vitest';
import { formatSection } from '../../bench/report/formatSection.js';
import { benchMd5 } from '../../bench/suites/md5Throughput.js';

it('hashes the same parts to the same digests in the worker pool and the in-memory workers as node:crypto', { timeout: 60_000 }, async () => {
  const section = await benchMd5({ rounds: 1, totalMiB: 16, partMiB: 8, log: () => {} });

  expect(section.id).toBe('md5');
  expect(section.measurements.map((m) => [m.name, m.unit, m.values.length])).toEqual([
    ['worker pool, 2 workers', 'MB/s', 1],
    ['worker pool, 1 worker', 'MB/s', 1],
    ['SIMD MD5, 8 lanes, worker, in memory', 'MB/s', 1],
    ['SIMD MD5, 4 lanes, worker, in memory', 'MB/s', 1],
    ['one-lane MD5, worker, in memory', 'MB/s', 1],
    ['node:crypto', 'MB/s', 1],
  ]);
  for (const m of section.measurements) expect(m.median).toBeGreaterThan(0);
  expect(section.ratios.map((r) => [r.name, r.min])).toEqual([
    ['worker pool, 2 workers / node:crypto', 0.75],
    ['worker pool, 1 worker / node:crypto', undefined],
    ['worker pool, 2 workers / SIMD MD5, 8 lanes, worker, in memory', 0.5],
    ['SIMD MD5, 8 lanes, worker, in memory / one-lane MD5, worker, in memory', 2],
    ['SIMD MD5, 4 lanes, worker, in memory / one-lane MD5, worker, in memory', undefined],
    ['one-lane MD5, worker, in memory / node:crypto', undefined],
    ['part digests differing from node:crypto', undefined],
  ]);
  expect(section.ratios.at(-1)).toMatchObject({ value: 0, met: true });
  expect(section.notes?.join('\n')).not.toMatch(/differ|page errors/);
  console.log(`[numbers] MD5 (shortened):\n${formatSection(section)}`);
});

it('hashes the same parts to the same digests in WebKit, its pool measured against the one-lane MD5 it uses there', { timeout: 180_000 }, async () => {
  const section = await benchMd5({ engine: 'webkit', rounds: 1, totalMiB: 16, partMiB: 8, log: () => {} });

  expect(section.id).toBe('md5WebKit');
  expect(section.title).toBe('MD5 in the browser, WebKit');
  for (const m of section.measurements) expect(m.median).toBeGreaterThan(0);
  expect(section.ratios.find((r) => r.min === 0.5)?.name).toBe('worker pool, 2 workers / one-lane MD5, worker, in memory');
  expect(section.ratios.at(-1)).toMatchObject({ value: 0, met: true });
  expect(section.notes?.join('\n')).toMatch(/WebKitGTK/);
  expect(section.notes?.join('\n')).not.toMatch(/differ|page errors/);
  console.log(`[numbers] MD5 in WebKit (shortened):\n${formatSection(section)}`);
});
