/**
 * A deploy as a user meets it: the demo's real process, started as the README starts it (`npm run
 * demo`, the page from Vite), is killed once two parts of a 96 MiB upload on a 3 MB/s uplink are
 * stored, and started again 60 s later. S3 is fine the whole time. The upload must go on with the
 * URLs it holds, show that it waits for the server, not hammer it, and complete by itself once the
 * server is back: nobody presses Retry, and nothing reloads the page.
 */
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/freePort.js';
import { objectSha256 } from '../helpers/pluginPage.js';
import { useDemoProcessEnv } from '../harness/useDemoProcessEnv.js';
import { readUploadWatch, watchUploads } from '../helpers/watchUploads.js';

const MiB = 1024 * 1024;
const FILE_SIZE = 96 * MiB;
const UPLINK = 3_000_000;
const OUTAGE_MS = 60_000;

const env = useDemoProcessEnv('outage-test');

it('goes on through a 60-second outage of the upload server, shows that it waits, and completes once the server is back', { timeout: 300_000 }, async () => {
  const bytes = randomBytes(FILE_SIZE);
  const path = join(env.workDir, 'deploy.bin');
  await writeFile(path, bytes);
  // The proxy in front of S3 is only the 3 MB/s uplink here: no fault.
  const proxy = await env.startProxy({ upstreams: [inject('s3').endpoint], uploadBytesPerSecond: UPLINK });
  const port = await freePort();
  const startDemo = () => env.startDemo({ s3: { ...inject('s3'), endpoint: proxy.url }, port, page: 'vite' });
  const demo = await startDemo();

  const chromiumPage = await env.browser.newPage();
  const page = chromiumPage.playwright;
  const middlewareCalls: number[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/')) middlewareCalls.push(Date.now());
  });
  await page.goto(`http://127.0.0.1:${port}/`);
  // Gone if anything reloads the page (Vite's client did, once its server came back).
  await page.evaluate(() => Object.assign(window, { loadedOnce: true }));
  await watchUploads(chromiumPage);
  const prefix = await page.locator('#prefix').innerText();
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
  await page.getByRole('button', { name: /^Upload 1 file/ }).click();
  const card = page.locator('[data-testid=file]');

  // Mid-upload, whatever the machine's speed: two of its twelve parts stored.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=parts]')?.getAttribute('data-done')) >= 2, undefined, { timeout: 120_000 });
  const downAt = Date.now();
  await demo.stop('SIGKILL');
  // The file waits for the server, and says so.
  await card.and(page.locator('[data-state=waiting-for-server]')).waitFor({ timeout: OUTAGE_MS });
  expect(await card.locator('[data-testid=status]').innerText()).toMatch(/waiting for the upload server/);
  await page.waitForTimeout(downAt + OUTAGE_MS - Date.now());
  const upAt = Date.now();
  await startDemo();

  await card.and(page.locator('[data-state=complete]')).waitFor({ timeout: 120_000 });
  const watch = await readUploadWatch(chromiumPage);
  const key = await card.locator('dd[data-row=key]').innerText();

  expect(watch.errors).toEqual([]);
  expect(await page.evaluate(() => 'loadedOnce' in window), 'the page was never reloaded').toBe(true);
  expect(await objectSha256(env.s3, inject('s3').bucket, key)).toBe(createHash('sha256').update(bytes).digest('hex'));
  const open = await env.s3.send(new ListMultipartUploadsCommand({ Bucket: inject('s3').bucket, Prefix: prefix }));
  expect(open.Uploads ?? []).toEqual([]);
  // Parts with signed URLs went on to S3 while the server was down.
  const storedDuringOutage = proxy.records.filter((r) => r.method === 'PUT' && r.status === 200 && r.endedAt! > downAt && r.endedAt! < upAt);
  expect(storedDuringOutage.length).toBeGreaterThan(0);
  // It waited (once, as one episode), and told the page when it was over.
  const waits = watch.timeline.filter((event) => event.type === 'server-wait');
  expect(waits.map((event) => event.type === 'server-wait' && event.waiting)).toEqual([true, false]);
  expect(watch.counters).toMatchObject({ serverWaits: 1 });
  // No hammering: each waiting call tries again after 1, 2, 4, 8, then every 15 s (about 8 tries
  // in 60 s), and at most `limit` (6) calls wait at once.
  const duringOutage = middlewareCalls.filter((at) => at > downAt && at < upAt).length;
  expect(duringOutage).toBeLessThanOrEqual(6 * 9);
  console.log(
    `[numbers] outage: ${storedDuringOutage.length} parts stored while the server was down, ${duringOutage} calls to it meanwhile, ` +
      `complete ${((Date.now() - upAt) / 1000).toFixed(1)} s after it came back; waited from ${((waits[0]!.at - downAt) / 1000).toFixed(1)} s after the kill`,
  );
});
