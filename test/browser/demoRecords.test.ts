/**
 * The demo's upload records through its real process in Chromium, with radosgw's bucket
 * notifications on (DEMO_EVENTS=radosgw) and the records in a PGlite folder (DEMO_DATA_DIR): each
 * completed card shows the record the server's hook made (our plugin's multipart upload through
 * its complete; the stock plugin's small file, never confirmed, through the S3 event), the
 * "Recorded uploads" list shows them, and after the demo is stopped and started again on the same
 * folder the list still does, for the same browser only. Screenshots go to
 * test/output/ (demo-record-card.png, demo-records.png).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/freePort.js';
import { md5Hex } from '../helpers/callApi.js';
import { useDemoProcessEnv } from '../harness/useDemoProcessEnv.js';

const MiB = 1024 * 1024;
const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url));
const env = useDemoProcessEnv('demo-records-test');
/** radosgw pushes events over HTTP to this machine; an S3 named by S3_ENDPOINT over HTTPS (AWS) does not. */
const radosgw = !inject('s3').endpoint.startsWith('https:');

async function upload(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const path = join(env.workDir, name);
  await writeFile(path, bytes);
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
  await page.getByRole('button', { name: /^Upload 1 file/ }).click();
}

/** The completed card's ETag and the record it shows (its data attributes and text). */
async function cardRecord(page: Page) {
  const card = page.locator('[data-testid=file][data-state=complete]');
  await card.waitFor({ timeout: 60_000 });
  const record = card.getByTestId('record');
  const data = await record.evaluate((node) => ({ ...(node as HTMLElement).dataset }));
  return { etag: await card.getByTestId('etag').innerText(), key: await card.locator('dd[data-row=key]').innerText(), text: await record.innerText(), ...data };
}

/** The "Recorded uploads" rows, once the list shows `count` of them. */
async function listedRecords(page: Page, count: number) {
  const rows = page.locator('[data-testid=records] [data-testid=record]');
  await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(count);
  return rows.evaluateAll((nodes) => nodes.map((node) => ({ ...(node as HTMLElement).dataset })));
}

it.skipIf(!radosgw)("shows each upload's record on its card and in the list, which a restarted demo still shows", { timeout: 240_000 }, async () => {
  const dataDir = join(env.workDir, 'records');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const first = await env.startDemo({ s3: inject('s3'), port, dataDir, radosgwEvents: true });
  expect(first.output()).toContain(`Uploads recorded in ${dataDir}, also from radosgw's bucket notifications.`);
  const context = await env.browser.playwright.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await expect.poll(() => page.getByTestId('records').innerText()).toContain('None yet');

  // Our plugin, multipart (two parts of 8 MiB): the hook runs at its complete (radosgw's event may come too).
  await upload(page, 'ours.bin', randomBytes(10 * MiB));
  const ours = await cardRecord(page);
  expect(ours).toMatchObject({ from: expect.stringMatching(/^(serverData|lookup)$/), etag: ours.etag, md5Verified: 'false' });
  expect(ours.etag).toMatch(/^"[0-9a-f]{32}-2"$/);
  expect(ours.text).toMatch(/^#\d+, reported by (complete|event \+ complete|complete \+ event), hook ran/);
  await listedRecords(page, 1);

  // The stock plugin's small file: one POST, never confirmed; radosgw's event is what records it.
  await page.goto(`${url}?uploader=stock`);
  const small = randomBytes(100_000);
  await upload(page, 'small.bin', small);
  const stock = await cardRecord(page);
  expect(stock).toMatchObject({ from: 'lookup', etag: `"${md5Hex(small)}"`, source: 'event', hookRuns: '1', md5Verified: 'false' });
  expect(stock.text).toContain('(looked up by the server: the uploader passed no serverData)');
  const listed = await listedRecords(page, 2);
  await mkdir(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, 'demo-record-card.png'), fullPage: true });
  expect(listed.map(({ key, etag, source }) => ({ key, etag, source }))).toEqual([
    { key: stock.key, etag: stock.etag, source: 'event' },
    { key: ours.key, etag: ours.etag, source: expect.stringMatching(/^(complete|event)$/) },
  ]);

  // Stopped as Ctrl-C stops it, started again on the same folder: the same records, read on load.
  expect(await first.stop('SIGINT')).toBe(0);
  await env.startDemo({ s3: inject('s3'), port, dataDir, radosgwEvents: true });
  await page.reload();
  expect(await listedRecords(page, 2)).toEqual(listed);
  await page.screenshot({ path: join(OUTPUT, 'demo-records.png'), fullPage: true });
  // Another browser (another user id) sees none of them.
  const stranger = await (await env.browser.playwright.newContext()).newPage();
  await stranger.goto(url);
  await expect.poll(() => stranger.getByTestId('records').innerText()).toContain('None yet');
});
