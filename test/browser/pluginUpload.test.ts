/**
 * Our plugin in real Chromium, through the middleware, into the real S3 (radosgw): files of
 * every path (empty, one PUT, multipart) arrive byte for byte, with every part's MD5 signed in.
 */
import { ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Browser, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../helpers/launchChromium.js';
import { addSeededFiles, isPartPut, objectSha256, openPluginPage, pluginPage, readCounters, uploadAll } from '../helpers/pluginPage.js';
import { startPageServer, type PageServer } from '../helpers/startPageServer.js';
import { createTestS3Client } from '../helpers/testServer.js';

const MiB = 1024 * 1024;
let server: PageServer;
let browser: Browser;
let s3: S3Client;

beforeAll(async () => {
  [server, browser] = await Promise.all([startPageServer(pluginPage), launchChromium()]);
  s3 = createTestS3Client();
});
// Each test's page goes with its files: Chromium holds in-memory blobs under a quota of about
// 500 MiB here (past it, reading a File fails with NotReadableError).
afterEach(async () => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  s3?.destroy();
});

it('uploads an empty, a 3 MiB and a 40 MiB file byte for byte, every part with its Content-MD5', async () => {
  const page = await openPluginPage(browser, server.url);
  const puts: Request[] = [];
  page.on('request', (request) => {
    if (request.method() === 'PUT') puts.push(request);
  });
  const digests = await addSeededFiles(page, [
    { name: 'empty.bin', size: 0, seed: 1 },
    { name: 'small.bin', size: 3 * MiB, seed: 2 },
    { name: 'big.bin', size: 40 * MiB, seed: 3 },
  ]);

  const partEvents = page.evaluate(
    () =>
      new Promise<Array<{ name: string; PartNumber: number; ETag: string }>>((resolve) => {
        const { uppy } = window as unknown as Globals;
        const seen: Array<{ name: string; PartNumber: number; ETag: string }> = [];
        uppy.on('s3-multipart:part-uploaded', (file, part) => seen.push({ name: file.name ?? '', ...part }));
        uppy.on('complete', () => resolve(seen));
      }),
  );
  const outcome = await uploadAll(page);

  expect(outcome.errors).toEqual({});
  // The stock plugin's events: one per part with its ETag, and success with {location, key}.
  const parts = await partEvents;
  expect(parts.map((part) => part.PartNumber).sort()).toEqual([1, 2, 3, 4, 5]);
  for (const part of parts) expect(part).toMatchObject({ name: 'big.bin', ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
  for (const name of Object.keys(digests)) {
    expect(decodeURIComponent(new URL(outcome.urls[name]!).pathname)).toBe(`/${server.bucket}/${outcome.keys[name]}`);
    expect(outcome.keys[name]).toMatch(/^test\/page\/[0-9a-f]{32}\//);
    expect(await objectSha256(s3, server.bucket, outcome.keys[name]!), name).toBe(digests[name]);
  }
  const partPuts = puts.filter(isPartPut);
  expect(partPuts).toHaveLength(5); // 40 MiB in the middleware's 8 MiB parts
  expect(puts).toHaveLength(7); // and one PUT each for the empty and the small file
  for (const put of puts) expect(put.headers()['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  const counters = await readCounters(page);
  expect(counters).toMatchObject({ partsUploaded: 5, partsVerified: 5, objectsVerified: 1, singleUploads: 2, retries: 0, resigns: 0 });
  console.log(`MD5 in the worker: ${(counters.hashedBytes / 1e3 / counters.hashMs).toFixed(0)} MB/s (${counters.hashedBytes} bytes in ${counters.hashMs} ms)`);
});

type Globals = { uppy: import('@uppy/core').default; plugin: { getCounters(): { partsUploaded: number } } };

async function throttle(page: import('playwright-core').Page, bytesPerSecond: number) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 10, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
}

it('pauses (no part goes out) and resumes (lists the parts, sends the rest) a file', async () => {
  const page = await openPluginPage(browser, server.url, { partSize: 5 * MiB, limit: 2 });
  await throttle(page, 15_000_000);
  const events: string[] = [];
  page.on('request', (request) => {
    if (isPartPut(request)) events.push(`put ${new URL(request.url()).searchParams.get('partNumber')}`);
    else if (request.method() === 'GET' && /\/api\/s3\/multipart\/[^/]+\?key=/.test(request.url())) events.push('list');
  });
  const digests = await addSeededFiles(page, [{ name: 'paused.bin', size: 40 * MiB, seed: 4 }]);
  const done = uploadAll(page);
  await page.waitForFunction(() => (window as unknown as Globals).plugin.getCounters().partsUploaded >= 1);
  await page.evaluate(() => {
    // Pause and resume at once: the new run waits for the aborted one, then goes on.
    const { uppy } = window as unknown as Globals;
    uppy.pauseResume(uppy.getFiles()[0]!.id);
    uppy.pauseResume(uppy.getFiles()[0]!.id);
  });
  await page.waitForFunction(() => (window as unknown as Globals).plugin.getCounters().partsUploaded >= 2);

  await page.evaluate(() => {
    const { uppy } = window as unknown as Globals;
    uppy.pauseResume(uppy.getFiles()[0]!.id);
  });
  await page.waitForTimeout(300); // requests already on their way may still show up
  const atPause = events.length;
  await page.waitForTimeout(1500);
  expect(events.slice(atPause)).toEqual([]); // nothing while paused
  await page.evaluate(() => {
    const { uppy } = window as unknown as Globals;
    uppy.pauseResume(uppy.getFiles()[0]!.id);
  });
  const outcome = await done;

  expect(outcome.errors).toEqual({});
  expect(await objectSha256(s3, server.bucket, outcome.keys['paused.bin']!)).toBe(digests['paused.bin']);
  expect(events.slice(atPause)[0]).toBe('list'); // resuming starts by asking S3 what it holds
  const counters = await readCounters(page);
  expect(counters.partsUploaded + counters.partsSkipped).toBeGreaterThanOrEqual(8);
  expect(counters.partsSkipped).toBeGreaterThanOrEqual(2);
});

it('removing a file or cancelling all aborts their multipart uploads on S3', async () => {
  const page = await openPluginPage(browser, server.url, { partSize: 5 * MiB, limit: 2 });
  await throttle(page, 10_000_000);
  await addSeededFiles(page, [
    { name: 'removed.bin', size: 30 * MiB, seed: 5 },
    { name: 'cancelled.bin', size: 30 * MiB, seed: 6 },
  ]);
  void uploadAll(page).catch(() => {});
  await page.waitForFunction(() => (window as unknown as Globals).uppy.getFiles().every((file) => file.s3Multipart !== undefined));
  await page.waitForFunction(() => (window as unknown as Globals).plugin.getCounters().partsUploaded >= 1);
  const uploads = await page.evaluate(() => (window as unknown as Globals).uppy.getFiles().map((file) => ({ name: file.name, ...file.s3Multipart! })));
  expect(uploads).toHaveLength(2);

  await page.evaluate(() => {
    const { uppy } = window as unknown as Globals;
    uppy.removeFile(uppy.getFiles().find((file) => file.name === 'removed.bin')!.id);
    uppy.cancelAll();
  });

  for (const upload of uploads) {
    await expect
      .poll(async () => {
        try {
          await s3.send(new ListPartsCommand({ Bucket: server.bucket, Key: upload.key, UploadId: upload.uploadId }));
          return 'still there';
        } catch (error) {
          return (error as Error).name; // radosgw says NoSuchKey after an abort, AWS NoSuchUpload
        }
      }, { timeout: 10_000 })
      .toMatch(/^NoSuch(Upload|Key)$/);
  }
  expect(await page.evaluate(() => (window as unknown as Globals).uppy.getFiles().length)).toBe(0);
});

it('removing a file while its multipart upload is being created aborts that upload once it exists', async () => {
  const page = await openPluginPage(browser, server.url, { partSize: 5 * MiB });
  await page.route('**/api/s3/multipart', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the file is removed meanwhile
    return route.continue();
  });
  const created = page.waitForResponse((response) => response.request().method() === 'POST' && response.url().endsWith('/api/s3/multipart'));
  await addSeededFiles(page, [{ name: 'early-removal.bin', size: 12 * MiB, seed: 7 }]);
  void uploadAll(page).catch(() => {});
  await page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/api/s3/multipart'));
  await page.evaluate(() => {
    const { uppy } = window as unknown as Globals;
    uppy.removeFile(uppy.getFiles()[0]!.id);
  });
  const { uploadId, key } = (await (await created).json()) as { uploadId: string; key: string };

  await expect
    .poll(async () => {
      try {
        await s3.send(new ListPartsCommand({ Bucket: server.bucket, Key: key, UploadId: uploadId }));
        return 'still there';
      } catch (error) {
        return (error as Error).name;
      }
    }, { timeout: 10_000 })
    .toMatch(/^NoSuch(Upload|Key)$/);
});

it("works from the Dashboard: the file's pause, resume and remove buttons", async () => {
  const page = await openPluginPage(browser, server.url, { partSize: 5 * MiB, limit: 2, dashboard: 1 });
  await throttle(page, 15_000_000);
  let puts = 0;
  page.on('request', (request) => {
    if (isPartPut(request)) puts += 1;
  });
  const digests = await addSeededFiles(page, [
    { name: 'clicked.bin', size: 30 * MiB, seed: 8 },
    { name: 'dropped.bin', size: 30 * MiB, seed: 9 },
  ]);
  const done = uploadAll(page, { start: false });
  await page.getByRole('button', { name: /^Upload 2 files/ }).click();
  await page.waitForFunction(() => (window as unknown as Globals).plugin.getCounters().partsUploaded >= 2);

  const clicked = page.locator('.uppy-Dashboard-Item', { hasText: 'clicked.bin' });
  const dropped = page.locator('.uppy-Dashboard-Item', { hasText: 'dropped.bin' });
  const droppedUpload = await page.evaluate(() => (window as unknown as Globals).uppy.getFiles().find((file) => file.name === 'dropped.bin')!.s3Multipart!);
  await dropped.getByRole('button', { name: 'Remove file' }).click();
  await clicked.getByRole('button', { name: 'Pause upload' }).click();
  await page.waitForTimeout(300);
  const atPause = puts;
  await page.waitForTimeout(1500);
  expect(puts).toBe(atPause);
  await clicked.getByRole('button', { name: 'Resume upload' }).click();
  const outcome = await done;

  expect(outcome.errors).toEqual({});
  expect(Object.keys(outcome.keys)).toEqual(['clicked.bin']);
  expect(await objectSha256(s3, server.bucket, outcome.keys['clicked.bin']!)).toBe(digests['clicked.bin']);
  await expect
    .poll(async () => {
      try {
        await s3.send(new ListPartsCommand({ Bucket: server.bucket, Key: droppedUpload.key, UploadId: droppedUpload.uploadId }));
        return 'still there';
      } catch (error) {
        return (error as Error).name;
      }
    }, { timeout: 10_000 })
    .toMatch(/^NoSuch(Upload|Key)$/);
});

it('sends parts of one file side by side, and never more requests than `limit` across files', async () => {
  const page = await openPluginPage(browser, server.url, { partSize: 5 * MiB, limit: 3 });
  await throttle(page, 30_000_000);
  // Count, in the page, the part PUTs between send() and their end (events seen from outside can arrive out of order).
  const concurrency = page.evaluate(
    () =>
      new Promise<{ most: number; mostOfOneFile: number; files: number }>((resolve) => {
        const inFlight = new Map<string, number>();
        const seen = { most: 0, mostOfOneFile: 0 };
        const { open, send } = XMLHttpRequest.prototype;
        const urls = new WeakMap<XMLHttpRequest, URL>();
        XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: Parameters<typeof open>) {
          urls.set(this, new URL(String(args[1]), location.href));
          return open.apply(this, args);
        } as typeof open;
        XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body) {
          const url = urls.get(this);
          const id = url?.searchParams.get('uploadId');
          if (id && url?.searchParams.has('partNumber')) {
            inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
            seen.most = Math.max(seen.most, [...inFlight.values()].reduce((a, b) => a + b, 0));
            seen.mostOfOneFile = Math.max(seen.mostOfOneFile, inFlight.get(id)!);
            // DONE comes before 'load', whose listener lets the next request start.
            this.addEventListener('readystatechange', () => {
              if (this.readyState === XMLHttpRequest.DONE) inFlight.set(id, inFlight.get(id)! - 1);
            });
          }
          return send.call(this, body as XMLHttpRequestBodyInit);
        };
        const { uppy } = window as unknown as Globals;
        uppy.on('complete', () => resolve({ ...seen, files: inFlight.size }));
      }),
  );
  const digests = await addSeededFiles(page, [
    { name: 'one.bin', size: 30 * MiB, seed: 12 },
    { name: 'two.bin', size: 30 * MiB, seed: 13 },
  ]);

  const outcome = await uploadAll(page);

  expect(outcome.errors).toEqual({});
  for (const name of Object.keys(digests)) expect(await objectSha256(s3, server.bucket, outcome.keys[name]!)).toBe(digests[name]);
  const seen = await concurrency;
  expect(seen.files).toBe(2);
  expect(seen.most).toBe(3);
  expect(seen.mostOfOneFile).toBeGreaterThan(1);
});
