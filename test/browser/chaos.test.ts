/**
 * Chaos, in real Chromium against radosgw, through the demo as a person uses it (`npm run demo`'s
 * own server process, page built): a 256 MiB file while a share of part PUTs fail at random
 * (connection reset, or 503 SlowDown), presigned URLs live 5 seconds and every tenth PUT that goes
 * out stalls until its URL has expired, the middleware's Node
 * process is killed and started again once, and the page is reloaded once. The object S3 ends up
 * with must be byte-identical to the file, and nothing may be left behind: no incomplete
 * multipart upload and no second object under the user's prefix. (Builds the page into demo/dist,
 * as `npm run demo:build` does.) The run's numbers go to test/output/chaos.json.
 */
import { ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, Request, Route } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { demoViteConfig } from '../../demo/demoViteConfig.js';
import type { UploadCounters } from '../../plugin/index.js';
import { freePort } from '../../scripts/freePort.js';
import { s3ConfigToEnv } from '../../scripts/s3ConfigFromEnv.js';
import { launchChromium } from '../helpers/launchChromium.js';
import { isPartPut, objectSha256, partNumberOf, throttle } from '../helpers/pluginPage.js';
import { startCommand, type Command } from '../helpers/startCommand.js';
import { createTestS3Client } from '../helpers/testServer.js';

const MiB = 1024 * 1024;
const FILE_SIZE = 256 * MiB;
const PART_SIZE = 8 * MiB; // what the middleware answers for this size (choosePartSize)
const PARTS = FILE_SIZE / PART_SIZE;
const FAILURE_SHARE = 0.2;
const URL_LIFETIME = 5;
const UPLINK = 30_000_000; // bytes/s: slow enough to act mid-upload, fast enough for CI
const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url));

let browser: Browser;
let s3: S3Client;
let workDir: string;
let demo: Command | undefined;

/** A small seeded generator (mulberry32): a failing run can be replayed with CHAOS_SEED. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `npm run demo:prod`'s server process on `port`, against the test run's S3, URLs living 5 s. */
async function startDemo(port: number): Promise<Command> {
  const command = startCommand(
    ['demo/server.ts'],
    { ...s3ConfigToEnv(inject('s3')), NODE_ENV: 'production', PORT: String(port), URL_LIFETIME: String(URL_LIFETIME) },
    /Demo ready in/,
  );
  await command.ready;
  return command;
}

const partsDone = (page: Page, atLeast: number) =>
  page.waitForFunction((n) => Number(document.querySelector('[data-testid=parts]')?.getAttribute('data-done')) >= n, atLeast, { timeout: 120_000 });

/** The plugin's counters and the panel's parts count, read together. */
const counters = (page: Page) =>
  page.evaluate(() => {
    const { uppy } = window as unknown as { uppy: { getPlugin(id: string): { getCounters(): UploadCounters } | undefined } };
    const done = Number(document.querySelector('[data-testid=parts]')?.getAttribute('data-done'));
    return { ...uppy.getPlugin('S3ResumableUpload')!.getCounters(), done };
  });

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'chaos-test-'));
  [browser] = await Promise.all([launchChromium(), build({ ...demoViteConfig(), logLevel: 'error' })]);
  s3 = createTestS3Client();
  await mkdir(OUTPUT, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  s3?.destroy();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

it('uploads 256 MiB byte-identical through failing PUTs, 5-second URLs, a middleware restart and a page reload, and leaves nothing behind', { timeout: 300_000 }, async () => {
  const seed = Number(process.env.CHAOS_SEED ?? randomBytes(4).readUInt32LE());
  const chance = random(seed);
  const path = join(workDir, 'chaos.bin');
  const bytes = randomBytes(FILE_SIZE);
  await writeFile(path, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  const port = await freePort();
  demo = await startDemo(port);
  const url = `http://127.0.0.1:${port}/`;

  const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
  const injected = { reset: 0, slowDown: 0, stalled: 0 };
  let bytesSent = 0;
  let putsSent = 0;
  // What became of the part PUTs that did go to S3: stored, refused (by status), or no answer the
  // page could read (cut short by the reload, or refused without CORS headers).
  const sent = new Set<Request>();
  const outcomes = { stored: 0, refused: {} as Record<number, number>, noAnswer: 0 };
  page.on('requestfinished', async (request) => {
    if (!sent.has(request)) return;
    const status = (await request.response())?.status() ?? 0;
    if (status === 200) outcomes.stored += 1;
    else outcomes.refused[status] = (outcomes.refused[status] ?? 0) + 1;
  });
  page.on('requestfailed', (request) => {
    if (sent.has(request)) outcomes.noAnswer += 1;
  });
  await page.context().route(
    (target) => target.searchParams.has('partNumber') && target.searchParams.has('uploadId'),
    async (route: Route) => {
      const request = route.request();
      if (!isPartPut(request)) return route.continue();
      const roll = chance();
      if (roll < FAILURE_SHARE / 2) {
        injected.reset += 1;
        return route.abort('connectionreset');
      }
      if (roll < FAILURE_SHARE) {
        injected.slowDown += 1;
        return route.fulfill({
          status: 503,
          headers: { 'access-control-allow-origin': '*', 'content-type': 'application/xml' },
          body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        });
      }
      const partNumber = partNumberOf(request.url());
      bytesSent += Math.min(PART_SIZE, FILE_SIZE - (partNumber - 1) * PART_SIZE);
      putsSent += 1;
      sent.add(request);
      // Every tenth PUT stalls on its way out until its URL has expired, as on a congested link.
      if (putsSent % 10 === 5) {
        injected.stalled += 1;
        await new Promise((resolve) => setTimeout(resolve, (URL_LIFETIME + 1) * 1000));
      }
      // A reload may have cancelled it meanwhile.
      return route.continue().catch(() => {});
    },
  );
  await throttle(page, UPLINK, 0);
  await page.goto(url);
  const prefix = await page.locator('#prefix').innerText();
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
  await page.getByRole('button', { name: /^Upload 1 file/ }).click();

  // The middleware's process dies mid-upload and comes back 2 s later on the same port.
  await partsDone(page, 8);
  const restartedAt = await page.locator('[data-testid=parts]').getAttribute('data-done');
  await demo.stop('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  demo = await startDemo(port);

  // The page is reloaded further on; Golden Retriever brings the upload back, the file is re-selected.
  await partsDone(page, 18);
  const beforeReload = await counters(page);
  await page.reload();
  await throttle(page, UPLINK, 0);
  await expect.poll(() => page.locator('[data-testid=file] [data-testid=status]').innerText(), { timeout: 30_000 }).toContain('Re-select the file');
  await page.getByRole('button', { name: 'Re-select' }).click();
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
  await page.getByRole('button', { name: /^Upload 1 file/ }).click();

  const card = page.locator('[data-testid=file]');
  await card.and(page.locator('[data-state=complete]')).waitFor({ timeout: 180_000 });
  const afterReload = await counters(page);
  const key = await card.locator('dd[data-row=key]').innerText();
  await page.screenshot({ path: join(OUTPUT, 'chaos.png') });

  expect(key.startsWith(prefix)).toBe(true);
  expect(await objectSha256(s3, inject('s3').bucket, key)).toBe(sha256);
  const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: inject('s3').bucket, Prefix: prefix }));
  expect(open.Uploads ?? [], 'incomplete multipart uploads left').toEqual([]);
  const objects = await s3.send(new ListObjectsV2Command({ Bucket: inject('s3').bucket, Prefix: prefix }));
  expect((objects.Contents ?? []).map((object) => object.Key)).toEqual([key]);
  expect(injected.reset + injected.slowDown).toBeGreaterThan(0);
  // The stalled PUTs reached S3 with expired URLs and were refused (radosgw's 403 for that has no
  // CORS headers, so the page sees no answer), and their parts were signed again.
  expect(injected.stalled).toBeGreaterThan(0);
  expect(outcomes.noAnswer).toBeGreaterThanOrEqual(injected.stalled);
  expect(beforeReload.resigns + afterReload.resigns).toBeGreaterThanOrEqual(injected.stalled);

  const sum = (name: keyof UploadCounters) => beforeReload[name] + afterReload[name];
  const numbers = {
    seed,
    parts: PARTS,
    partPutsIntercepted: putsSent + injected.reset + injected.slowDown,
    failuresInjected: injected,
    partPutsSentToS3: { sent: putsSent, ...outcomes },
    restartedAtPartsDone: Number(restartedAt),
    reloadedAtPartsDone: beforeReload.done,
    resigns: sum('resigns'),
    retries: sum('retries'),
    partsUploadedBeforeReload: beforeReload.partsUploaded,
    partsSkippedOnResume: afterReload.partsSkipped,
    partsUploadedAfterReload: afterReload.partsUploaded,
    bytesSentToS3: bytesSent,
    bytesSentAgain: bytesSent - FILE_SIZE,
    sentAgainShare: Number(((bytesSent - FILE_SIZE) / FILE_SIZE).toFixed(3)),
  };
  await writeFile(join(OUTPUT, 'chaos.json'), `${JSON.stringify(numbers, null, 2)}\n`);
  console.log(`[numbers] chaos: ${JSON.stringify(numbers)}`);
});
