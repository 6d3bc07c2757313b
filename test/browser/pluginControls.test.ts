/**
 * What a Dashboard user does to uploads, in real Chromium against the real S3: pause and resume
 * (through the API and the Dashboard's buttons), remove and cancel-all (the multipart upload is
 * aborted on S3, even one still being created).
 */
import { ListPartsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { addSeededFiles, isPartPut, objectSha256, openPluginPage, partNumberOf, readCounters, throttle, togglePause, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';
import { expectUploadGone, usePluginPage } from '../helpers/usePluginPage.js';

const MiB = 1024 * 1024;
const env = usePluginPage();

it('pauses (no part goes out) and resumes (lists the parts, sends the rest) a file', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB, limit: 2 });
  await throttle(page, 15_000_000);
  const events: string[] = [];
  page.on('request', (request) => {
    if (isPartPut(request)) events.push(`put ${new URL(request.url()).searchParams.get('partNumber')}`);
    else if (request.method() === 'GET' && /\/api\/s3\/multipart\/[^/]+\?key=/.test(request.url())) events.push('list');
  });
  const digests = await addSeededFiles(page, [{ name: 'paused.bin', size: 40 * MiB, seed: 4 }]);
  const done = uploadAll(page);
  await page.waitForFunction(() => (window as unknown as PageGlobals).plugin.getCounters().partsUploaded >= 1);
  await page.evaluate(() => {
    // Pause and resume at once: the new run waits for the aborted one, then goes on.
    const { uppy } = window as unknown as PageGlobals;
    uppy.pauseResume(uppy.getFiles()[0]!.id);
    uppy.pauseResume(uppy.getFiles()[0]!.id);
  });
  await page.waitForFunction(() => (window as unknown as PageGlobals).plugin.getCounters().partsUploaded >= 2);

  await togglePause(page);
  await page.waitForTimeout(300); // requests already on their way may still show up
  const atPause = events.length;
  await page.waitForTimeout(1500);
  expect(events.slice(atPause)).toEqual([]); // nothing while paused
  await togglePause(page);
  const outcome = await done;

  expect(outcome.errors).toEqual({});
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['paused.bin']!)).toBe(digests['paused.bin']);
  expect(events.slice(atPause)[0]).toBe('list'); // resuming starts by asking S3 what it holds
  const counters = await readCounters(page);
  expect(counters.partsUploaded + counters.partsSkipped).toBeGreaterThanOrEqual(8);
  expect(counters.partsSkipped).toBeGreaterThanOrEqual(2);
});

it('removing a file or cancelling all aborts their multipart uploads on S3', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB, limit: 2 });
  await throttle(page, 10_000_000);
  await addSeededFiles(page, [
    { name: 'removed.bin', size: 30 * MiB, seed: 5 },
    { name: 'cancelled.bin', size: 30 * MiB, seed: 6 },
  ]);
  void uploadAll(page).catch(() => {});
  await page.waitForFunction(() => (window as unknown as PageGlobals).uppy.getFiles().every((file) => file.s3Multipart !== undefined));
  await page.waitForFunction(() => (window as unknown as PageGlobals).plugin.getCounters().partsUploaded >= 1);
  const uploads = await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles().map((file) => ({ name: file.name, ...file.s3Multipart! })));
  expect(uploads).toHaveLength(2);

  await page.evaluate(() => {
    const { uppy } = window as unknown as PageGlobals;
    uppy.removeFile(uppy.getFiles().find((file) => file.name === 'removed.bin')!.id);
    uppy.cancelAll();
  });

  for (const upload of uploads) {
    await expectUploadGone(env, upload);
  }
  expect(await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles().length)).toBe(0);
});

it('removing a file while its multipart upload is being created aborts that upload once it exists', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB });
  await page.route('**/api/s3/multipart', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the file is removed meanwhile
    return route.continue();
  });
  const created = page.waitForResponse((response) => response.request().method() === 'POST' && response.url().endsWith('/api/s3/multipart'));
  await addSeededFiles(page, [{ name: 'early-removal.bin', size: 12 * MiB, seed: 7 }]);
  void uploadAll(page).catch(() => {});
  await page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/api/s3/multipart'));
  await page.evaluate(() => {
    const { uppy } = window as unknown as PageGlobals;
    uppy.removeFile(uppy.getFiles()[0]!.id);
  });
  await expectUploadGone(env, (await (await created).json()) as { uploadId: string; key: string });
});

it("works from the Dashboard: the file's pause, resume and remove buttons", async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB, limit: 2, dashboard: 1 });
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
  await page.waitForFunction(() => (window as unknown as PageGlobals).plugin.getCounters().partsUploaded >= 2);

  const clicked = page.locator('.uppy-Dashboard-Item', { hasText: 'clicked.bin' });
  const dropped = page.locator('.uppy-Dashboard-Item', { hasText: 'dropped.bin' });
  const droppedUpload = await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles().find((file) => file.name === 'dropped.bin')!.s3Multipart!);
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
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['clicked.bin']!)).toBe(digests['clicked.bin']);
  await expectUploadGone(env, droppedUpload);
});


it('on resume, a part S3 holds with other bytes is sent again: the listing is checked, not trusted', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB, limit: 2 });
  await throttle(page, 15_000_000);
  const sent: number[] = [];
  page.on('request', (request) => {
    if (isPartPut(request)) sent.push(partNumberOf(request.url()));
  });
  const digests = await addSeededFiles(page, [{ name: 'tampered.bin', size: 30 * MiB, seed: 15 }]);
  const done = uploadAll(page);
  await page.waitForFunction(() => (window as unknown as PageGlobals).plugin.getCounters().partsUploaded >= 3);
  const upload = await page.evaluate(() => {
    const { uppy } = window as unknown as PageGlobals;
    const file = uppy.getFiles()[0]!;
    uppy.pauseResume(file.id);
    return file.s3Multipart!;
  });
  await page.waitForTimeout(500);

  // Someone overwrites a stored part with other bytes of the same size.
  const stored = (await env.s3.send(new ListPartsCommand({ Bucket: env.server.bucket, Key: upload.key, UploadId: upload.uploadId }))).Parts ?? [];
  expect(stored.length).toBeGreaterThanOrEqual(3);
  const tampered = stored[0]!.PartNumber!;
  await env.s3.send(
    new UploadPartCommand({ Bucket: env.server.bucket, Key: upload.key, UploadId: upload.uploadId, PartNumber: tampered, Body: new Uint8Array(5 * MiB) }),
  );
  sent.length = 0;
  await togglePause(page);
  const outcome = await done;

  expect(outcome.errors).toEqual({});
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['tampered.bin']!)).toBe(digests['tampered.bin']);
  expect(sent).toContain(tampered);
  for (const part of stored.slice(1)) expect(sent, `part ${part.PartNumber} was sent again`).not.toContain(part.PartNumber);
  expect((await readCounters(page)).partsSkipped).toBe(stored.length - 1);
});
