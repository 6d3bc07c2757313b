/**
 * The upload benchmarks (`npm run bench`), shortened: every contender (our plugin with and without
 * MD5, plain presigned PUTs, the stock `@uppy/aws-s3` 6) uploads real files from disk in Chromium
 * into radosgw, the bucket is checked to hold exactly what the page sent after each run and left
 * empty, and the sections have the report's shape, with the pace of each contender's run over time
 * (its trace) ending at all it sent; the big file in WebKit too (the bench's `engine`), where
 * latency, which needs Chromium's DevTools protocol, is refused. Figures are printed, not asserted.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { benchBigFile } from '../../bench/suites/benchBigFile.js';
import { benchSmallFiles } from '../../bench/suites/benchSmallFiles.js';
import { benchUploadMemory } from '../../bench/suites/benchUploadMemory.js';
import { formatSection } from '../../bench/report/formatSection.js';
import { startUploadBench, type UploadBench } from '../../bench/harness/startUploadBench.js';
import { writeRandomFile } from '../../bench/harness/writeRandomFile.js';
import { createTestS3Client } from '../harness/testServer.js';

const MiB = 1024 * 1024;
let bench: UploadBench;
let folder: string;
const big = () => join(folder, 'big.bin');
const small = () => Array.from({ length: 12 }, (_, i) => join(folder, `small-${i}.bin`));

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'upload-bench-test-'));
  await writeRandomFile(big(), 20 * MiB);
  for (const path of small()) await writeRandomFile(path, 100 * 1024);
  bench = await startUploadBench(inject('s3'));
}, 120_000);
afterAll(async () => {
  await bench?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

it('uploads one file four ways, with and without added latency, and leaves the bucket empty', { timeout: 120_000 }, async () => {
  for (const latencyMs of [0, 50]) {
    const section = await benchBigFile(bench, { path: big(), size: 20 * MiB, rounds: 1, latencyMs, log: () => {} });
    expect(section.id).toBe(latencyMs === 0 ? 'bigFile' : 'bigFile50ms');
    expect(section.measurements.map((m) => m.name)).toEqual(['our plugin, MD5', 'our plugin, no MD5', 'plain presigned PUTs', 'stock @uppy/aws-s3 6']);
    for (const m of section.measurements) expect(m.median).toBeGreaterThan(0);
    expect(section.ratios.map((r) => [r.name, r.min])).toEqual([
      ['our plugin, MD5 / plain presigned PUTs', latencyMs === 0 ? 0.85 : 0.9],
      ['our plugin, MD5 / stock @uppy/aws-s3 6', latencyMs === 0 ? 0.95 : 1.8],
      ['our plugin, MD5 / our plugin, no MD5', undefined],
    ]);
    expect(section.traces!.map((trace) => [trace.name, trace.round, trace.quantity])).toEqual(section.measurements.map((m) => [m.name, 1, 'bytes sent']));
    for (const [i, trace] of section.traces!.entries()) {
      const ms = trace.samples.map(([at]) => at);
      expect(ms).toEqual([...ms].sort((a, b) => a - b));
      expect(trace.samples[0]).toEqual([0, 0]);
      // The last sample is taken as the clock stops, and by then every byte was sent.
      expect(trace.samples.at(-1)![0]).toBeCloseTo((20 / section.measurements[i]!.median) * 1000, -1);
      expect(trace.samples.at(-1)![1]).toBe(20 * MiB);
    }
    console.log(`[numbers] ${formatSection(section)}`);
  }
  const s3 = createTestS3Client();
  const left = await s3.send(new ListObjectsV2Command({ Bucket: inject('s3').bucket, Prefix: 'bench/' }));
  s3.destroy();
  expect(left.KeyCount ?? 0).toBe(0);
});

it('uploads many small files with our plugin (one S3 host name, then two) and the stock one, every file of ours reaching the completion hook', { timeout: 60_000 }, async () => {
  const section = await benchSmallFiles(bench, { paths: small(), title: '12 files of 100 KiB', sizes: 'of 100 KiB', rounds: 1, log: () => {} });
  expect(section.measurements.map((m) => [m.name, m.unit])).toEqual([
    ['our plugin, MD5', 'files/s'],
    ['our plugin, 2 S3 host names', 'files/s'],
    ['stock @uppy/aws-s3 6', 'files/s'],
  ]);
  expect(section.ratios.map((ratio) => ratio.name)).toEqual(['our plugin, MD5 / stock @uppy/aws-s3 6', 'our plugin, 2 S3 host names / stock @uppy/aws-s3 6']);
  expect(section.traces!.map((trace) => [trace.name, trace.quantity, trace.samples.at(-1)![1]])).toEqual([
    ['our plugin, MD5', 'files stored', 12],
    ['our plugin, 2 S3 host names', 'files stored', 12],
    ['stock @uppy/aws-s3 6', 'files stored', 12],
  ]);
  console.log(`[numbers] ${formatSection(section)}`);
});

it('samples the page heap during an upload', { timeout: 60_000 }, async () => {
  const section = await benchUploadMemory(bench, { path: big(), size: 20 * MiB, sampleMs: 20, log: () => {} });
  const [peak, v8] = section.measurements;
  expect(peak!.median).toBeGreaterThan(0);
  expect(v8!.median).toBeLessThanOrEqual(peak!.median);
  expect(section.ratios[0]).toMatchObject({ name: 'peak / allowance', max: 1 });
  const [heap, v8Heap] = section.traces!;
  expect(heap!.samples.length).toBeGreaterThan(2);
  expect(Math.max(...heap!.samples.map(([, bytes]) => bytes)) / MiB).toBe(peak!.median);
  expect(Math.max(...v8Heap!.samples.map(([, bytes]) => bytes)) / MiB).toBe(v8!.median);
  console.log(`[numbers] ${formatSection(section)}`);
});

it('races the big file in WebKit through the engine-neutral harness, and refuses latency there', { timeout: 300_000 }, async () => {
  const webkit = await startUploadBench(inject('s3'), { engine: 'webkit' });
  try {
    await expect(webkit.run('ours', [big()], { latencyMs: 50 })).rejects.toThrow(/Chromium's DevTools protocol; webkit has none/);
    const section = await benchBigFile(webkit, { path: big(), size: 20 * MiB, rounds: 1, log: () => {}, notes: ['a note'] });
    expect(section.id).toBe('bigFileWebKit');
    expect(section.title).toBe('20 MiB file, WebKit to radosgw, loopback');
    expect(section.measurements.map((m) => m.name)).toEqual(['our plugin, MD5', 'our plugin, no MD5', 'plain presigned PUTs', 'stock @uppy/aws-s3 6']);
    for (const m of section.measurements) expect(m.median).toBeGreaterThan(0);
    expect(section.notes![0]).toBe('a note');
    expect(section.notes![1]).toMatch(/^WebKitGTK /);
    console.log(`[numbers] ${formatSection(section)}`);
  } finally {
    await webkit.close();
  }
});
