/**
 * The demo's part timeline, through the demo's real process in Chromium: a part corrupted on its
 * way to S3 (refused with BadDigest, hashed again, re-sent), a part held until its URL expired
 * (re-signed), and a pause and resume (parts already stored skipped). The rows and their outcomes
 * are read from the timeline's table of parts, not from pixels; a screenshot goes to
 * test/output/timeline.png. The stock uploader gets a row per part from what its events allow.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/freePort.js';
import type { Fault, ProxiedRequest } from '../harness/startFaultProxy.js';
import { useDemoProcessEnv } from '../helpers/useDemoProcessEnv.js';

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
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
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
  const page = await env.browser.newPage();
  await page.goto(`${url}?uploader=stock`);
  await upload(page, 'stock.bin', 24 * MiB);
  const card = page.locator('[data-testid=file]');
  await card.and(page.locator('[data-state=complete]')).waitFor({ timeout: 90_000 });
  const rows = await readRows(page);
  expect(rows.map((row) => [row.part, row.state, row.puts])).toEqual([1, 2, 3, 4, 5].map((n) => [String(n), 'stored', 1]));
  expect(await page.locator('[data-testid=timeline] .legend').innerText()).toContain('inferred');
});
