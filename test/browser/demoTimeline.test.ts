/**
 * The demo's part timeline, through the demo's real process in Chromium: a part corrupted on its
 * way to S3 (refused with BadDigest, hashed again, re-sent), a part held until its URL expired
 * (re-signed), and a pause and resume (parts already stored skipped). The rows and their outcomes
 * are read from the timeline's table of parts, not from pixels; a screenshot goes to
 * test/output/timeline.png. The stock uploader gets a row per part from what its events allow.
 */
import { randomBytes } from 'node:crypto';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/freePort.js';
import type { Fault, ProxiedRequest } from '../harness/startFaultProxy.js';
import { useDemoProcessEnv } from '../harness/useDemoProcessEnv.js';

const MiB = 1024 * 1024;
const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url));
const env = useDemoProcessEnv('timeline-test');

interface TableRow {
  part: string;
  state: string;
  puts: number;
  resigns: number;
  retries: number;
  notes: string;
}

const readRows = (page: Page): Promise<TableRow[]> =>
  page.$$eval('[data-testid=timeline-parts] tbody tr', (rows) =>
    rows.map((tr) => {
      const cells = [...(tr as HTMLTableRowElement).cells].map((td) => td.textContent ?? '');
      return { part: cells[0]!, state: (tr as HTMLElement).dataset.state ?? '', puts: Number(cells[2]), resigns: Number(cells[3]), retries: Number(cells[4]), notes: cells[5]! };
    }),
  );

async function startDemoBehindProxy(fault: (request: ProxiedRequest) => Fault, urlLifetime: number): Promise<string> {
  const proxy = await env.startProxy({ upstreams: [inject('s3').endpoint], fault, uploadBytesPerSecond: 8_000_000 });
  const port = await freePort();
  await env.startDemo({ s3: { ...inject('s3'), endpoint: proxy.url }, port, urlLifetime });
  return `http://127.0.0.1:${port}/`;
}

async function upload(page: Page, name: string, size: number): Promise<void> {
  const path = join(env.workDir, name);
  await writeFile(path, randomBytes(size));
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
  await page.getByRole('button', { name: /^Upload 1 file/ }).click();
}

it('shows each part of our plugin: a corrupted part refused and re-sent, an expired URL re-signed, a pause and resume', { timeout: 180_000 }, async () => {
  const puts = new Map<number, number>();
  const url = await startDemoBehindProxy((request) => {
    if (request.method !== 'PUT' || request.partNumber === undefined) return { kind: 'pass' };
    const seen = (puts.get(request.partNumber) ?? 0) + 1;
    puts.set(request.partNumber, seen);
    if (request.partNumber === 2 && seen === 1) return { kind: 'corrupt' };
    if (request.partNumber === 3 && seen === 1) return { kind: 'hold', until: (request.urlExpiresAt ?? Date.now()) + 1000 };
    return { kind: 'pass' };
  }, 6);
  const page = (await env.browser.newPage({ viewport: { width: 1280, height: 900 } })).playwright;
  await page.goto(url);
  await upload(page, 'timeline.bin', 48 * MiB);

  // Pause once part 2 was refused and part 3 re-signed (the table says so), resume a second later.
  await page.waitForFunction(
    () => {
      const cells = (part: number) => [...(document.querySelector(`[data-testid=timeline-parts] tr[data-part="${part}"]`) as HTMLTableRowElement | null)?.cells ?? []].map((td) => td.textContent ?? '');
      return (cells(2)[5] ?? '').includes('BadDigest') && Number(cells(3)[3]) >= 1;
    },
    undefined,
    { timeout: 60_000 },
  );
  const pauseResume = () => page.evaluate(() => {
    const { uppy } = window as unknown as { uppy: import('@uppy/core').default };
    uppy.pauseResume(uppy.getFiles()[0]!.id);
  });
  await pauseResume();
  await page.waitForTimeout(1000);
  await pauseResume();
  const card = page.locator('[data-testid=file]');
  await card.and(page.locator('[data-state=complete], [data-state=failed]')).waitFor({ timeout: 120_000 });
  expect(await card.getAttribute('data-state'), await card.innerText()).toBe('complete');
  await card.screenshot({ path: join(OUTPUT, 'timeline.png') });

  const rows = await readRows(page);
  expect(rows.map((row) => row.part)).toEqual(expect.arrayContaining(['1', '2', '3', '4', '5', '6']));
  expect(rows).toHaveLength(6);
  // Every part ended stored: by a PUT the page saw succeed, or found in S3 on resume (a PUT the pause cut short after S3 had it).
  for (const row of rows) expect(['stored', 'skipped'], `part ${row.part}`).toContain(row.state);
  const part = (n: number) => rows.find((row) => row.part === String(n))!;
  // Corrupted on the way: refused by S3's Content-MD5 check, then sent again.
  expect(part(2).puts).toBeGreaterThanOrEqual(2);
  expect(part(2).notes).toContain('400 BadDigest');
  // Held until its URL expired: refused without CORS headers (a network failure to the page), re-signed.
  expect(part(3).resigns).toBeGreaterThanOrEqual(1);
  expect(part(3).notes).toContain('network');
  // The pause: parts S3 held already were skipped by the resumed run, and the span is there.
  expect(rows.some((row) => row.notes.includes('already stored on resume'))).toBe(true);
  expect(await page.locator('[data-testid=timeline-spans]').textContent()).toContain('Paused 1×');
  expect(await page.locator('[data-testid=timeline] canvas').count()).toBe(1);
});

it('shows a row per part for the stock uploader, from the part completions its events tell', { timeout: 120_000 }, async () => {
  const url = await startDemoBehindProxy(() => ({ kind: 'pass' }), 900);
  const page = (await env.browser.newPage()).playwright;
  await page.goto(`${url}?uploader=stock`);
  await upload(page, 'stock.bin', 24 * MiB);
  const card = page.locator('[data-testid=file]');
  await card.and(page.locator('[data-state=complete]')).waitFor({ timeout: 90_000 });
  const rows = await readRows(page);
  expect(rows.map((row) => [row.part, row.state, row.puts])).toEqual([1, 2, 3, 4, 5].map((n) => [String(n), 'stored', 1]));
  expect(await page.locator('[data-testid=timeline] .legend').innerText()).toContain('inferred');
});

it('keeps up with a 5 GiB file of 640 parts: every event costs the same, however many parts came before', { timeout: 120_000 }, async () => {
  const port = await freePort();
  await env.startDemo({ s3: inject('s3'), port });
  const page = (await env.browser.newPage({ viewport: { width: 1280, height: 900 } })).playwright;
  await page.goto(`http://127.0.0.1:${port}/`);
  // A sparse 5 GiB file on disk: Chromium reads its size, nothing is uploaded.
  const path = join(env.workDir, 'five.bin');
  await writeFile(path, '');
  await truncate(path, 5 * 1024 * MiB);
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
  await page.locator('[data-testid=file]').waitFor();

  // What the plugin would emit for 640 parts of 8 MiB, each PUT reporting progress 32 times,
  // with the file's upload-progress beside each (the panel listens to both).
  const cost = await page.evaluate(async ({ parts, partSize }) => {
    const { uppy } = window as unknown as { uppy: import('@uppy/core').default };
    const file = uppy.getFiles()[0]!;
    const emit = (event: Record<string, unknown>) => uppy.emit('s3-resumable:timeline', file, event as never);
    let at = Date.now() - parts * 100;
    let put = 0;
    // ms spent in the timeline's events per event, per part; and in the file's upload-progress (Uppy's own state update and the panel).
    const spent: number[] = [];
    let progressMs = 0;
    emit({ type: 'run-start', uploadId: 'u', key: 'k', parts, partSize, resumed: false, at });
    for (let partNumber = 1; partNumber <= parts; partNumber += 1) {
      let started = performance.now();
      let inTimeline = 0;
      put += 1;
      emit({ type: 'hash-start', partNumber, at: (at += 5) });
      emit({ type: 'hash-end', partNumber, at: (at += 10) });
      emit({ type: 'sign-start', partNumbers: [partNumber], resigned: [], at: (at += 1) });
      emit({ type: 'sign-end', partNumbers: [partNumber], ok: true, at: (at += 5) });
      emit({ type: 'put-start', put, partNumber, attempt: 1, url: 'https://s3/x', expiresAt: at + 900_000, at: (at += 1) });
      for (let step = 1; step <= 32; step += 1) {
        const bytesSent = (partSize / 32) * step;
        emit({ type: 'put-progress', put, partNumber, bytesSent, at: (at += 2) });
        inTimeline += performance.now() - started;
        started = performance.now();
        uppy.emit('upload-progress', uppy.getFile(file.id), { uploadStarted: at, bytesUploaded: (partNumber - 1) * partSize + bytesSent, bytesTotal: parts * partSize });
        progressMs += performance.now() - started;
        started = performance.now();
      }
      emit({ type: 'put-end', put, partNumber, attempt: 1, bytesSent: partSize, outcome: 'stored', status: 200, at: (at += 1) });
      inTimeline += performance.now() - started;
      spent.push(inTimeline / (5 + 32 + 1));
    }
    // A few more changes after the stream, a redraw each: what a redraw of 640 parts costs.
    for (let n = 0; n < 6; n += 1) {
      emit({ type: 'retry', partNumber: 1 + n, reason: 'network', delayMs: 0, at: (at += 1) });
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    emit({ type: 'run-end', outcome: 'complete', at: at + 1 });
    const draws = performance.getEntriesByName('part timeline: draw').map((entry) => entry.duration);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    return { first64: mean(spent.slice(0, 64)), last64: mean(spent.slice(-64)), all: mean(spent), progress: progressMs / (parts * 32), draws };
  }, { parts: 640, partSize: 8 * MiB });

  const rows = await readRows(page);
  expect(rows).toHaveLength(640);
  expect(rows.every((row) => row.state === 'stored' && row.puts === 1)).toBe(true);
  expect(rows.filter((row) => row.retries === 1).map((row) => row.part)).toEqual(['1', '2', '3', '4', '5', '6']);
  const canvasHeight = await page.locator('[data-testid=timeline] canvas').evaluate((canvas) => canvas.getBoundingClientRect().height);
  expect(canvasHeight).toBeLessThanOrEqual(300); // a compact band, not 640 rows
  expect(cost.draws.length).toBeGreaterThan(0);
  const ms = (value: number) => `${(value * 1000).toFixed(1)} µs`;
  const sortedDraws = cost.draws.sort((a, b) => a - b);
  console.log(
    `[numbers] timeline, 640 parts: ${ms(cost.all)} per timeline event (first 64 parts ${ms(cost.first64)}, last 64 ${ms(cost.last64)}); ` +
      `Uppy's upload-progress beside it ${ms(cost.progress)}; ` +
      `redraw median ${sortedDraws[Math.floor(sortedDraws.length / 2)]!.toFixed(1)} ms, max ${sortedDraws.at(-1)!.toFixed(1)} ms over ${sortedDraws.length} redraws`,
  );
});
