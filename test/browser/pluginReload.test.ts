/**
 * Page reload mid-upload: Golden Retriever restores the file's state (`s3Multipart`: upload id and
 * key) but not a 40 MiB blob, so the user selects the file again; a file of 10 MiB or less comes
 * back whole. Either way the plugin lists the parts S3 holds, skips those whose size and ETag
 * match the local MD5, and sends only the rest.
 */
import { expect, it } from 'vitest';
import { addSeededFiles, gotoPluginPage, isPartPut, objectSha256, openPluginPage, partNumberOf, readCounters, throttle, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';
import { usePluginPage } from '../helpers/usePluginPage.js';

const MiB = 1024 * 1024;
const FILE = { name: 'reloaded.bin', size: 40 * MiB, seed: 41 };
const PARTS = 8;
const env = usePluginPage();

type Globals = { uppy: import('@uppy/core').default };

it('after a reload, sends only the parts S3 does not hold yet', async () => {
  const query = { partSize: 5 * MiB, limit: 2, golden: 1 };
  const page = await openPluginPage(env.browser, env.server.url, query);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 10, downloadThroughput: -1, uploadThroughput: 15_000_000 });

  let phase: 'before' | 'after' = 'before';
  const stored = { before: new Set<number>(), after: [] as number[] };
  page.on('requestfinished', async (request) => {
    if (!isPartPut(request) || (await request.response())?.status() !== 200) return;
    if (phase === 'before') stored.before.add(partNumberOf(request.url()));
    else stored.after.push(partNumberOf(request.url()));
  });
  const sentAfter: number[] = [];
  page.on('request', (request) => {
    if (phase === 'after' && isPartPut(request)) sentAfter.push(partNumberOf(request.url()));
  });

  const digests = await addSeededFiles(page, [FILE]);
  void uploadAll(page).catch(() => {}); // the page goes away before it completes
  await page.waitForFunction(() => (window as unknown as { plugin: { getCounters(): { partsUploaded: number } } }).plugin.getCounters().partsUploaded >= 3);
  const resumeState = await page.evaluate(() => (window as unknown as Globals).uppy.getFiles()[0]?.s3Multipart);
  expect(resumeState?.uploadId).toBeTruthy();

  // The reload, still on the slow link: at full speed the old page could finish the upload first.
  await gotoPluginPage(page, env.server.url, query);
  phase = 'after';
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const heldBeforeReload = new Set(stored.before);

  // Golden Retriever brings the file back as a "ghost" (its blob is over 10 MiB), with its upload.
  await page.waitForFunction(() => (window as unknown as Globals).uppy.getFiles().length === 1);
  const restored = await page.evaluate(() => {
    const file = (window as unknown as Globals).uppy.getFiles()[0]!;
    return { isGhost: file.isGhost, s3Multipart: file.s3Multipart };
  });
  expect(restored).toEqual({ isGhost: true, s3Multipart: resumeState });

  // The user selects the same file again and confirms the restore (the Dashboard's "Resume").
  await addSeededFiles(page, [FILE]);
  const done = uploadAll(page, { start: false });
  await page.evaluate(() => (window as unknown as Globals).uppy.emit('restore-confirmed'));
  const outcome = await done;

  expect(outcome.errors).toEqual({});
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[FILE.name]!)).toBe(digests[FILE.name]);
  // No part S3 had stored before the reload was sent again, and every part was sent or skipped.
  expect(heldBeforeReload.size).toBeGreaterThanOrEqual(3);
  for (const part of sentAfter) expect(heldBeforeReload.has(part), `part ${part} was sent again`).toBe(false);
  const counters = await readCounters(page);
  expect(counters.partsSkipped).toBeGreaterThanOrEqual(heldBeforeReload.size);
  expect(counters.partsSkipped + counters.partsUploaded).toBe(PARTS);
  expect(sentAfter).toHaveLength(counters.partsUploaded); // one PUT per missing part, no retries
  console.log(
    `[numbers] reload: ${heldBeforeReload.size} of ${PARTS} parts stored before the reload; after it ${sentAfter.length} part PUTs (parts ${[...sentAfter].sort((a, b) => a - b).join(', ')}), ${counters.partsSkipped} skipped as verified`,
  );
});

it('after a reload, a file small enough for Golden Retriever to keep resumes without being selected again', async () => {
  const query = { partSize: 5 * MiB, limit: 1, golden: 1 };
  const page = await openPluginPage(env.browser, env.server.url, query);
  await throttle(page, 3_000_000);
  const small = { name: 'kept.bin', size: 9 * MiB, seed: 42 }; // Golden Retriever keeps blobs up to 10 MiB
  let phase: 'before' | 'after' = 'before';
  const sentAfter: number[] = [];
  page.on('request', (request) => {
    if (phase === 'after' && isPartPut(request)) sentAfter.push(partNumberOf(request.url()));
  });
  const digests = await addSeededFiles(page, [small]);
  void uploadAll(page).catch(() => {});
  await page.waitForFunction(() => (window as unknown as PageGlobals).plugin.getCounters().partsUploaded >= 1);

  await gotoPluginPage(page, env.server.url, query);
  phase = 'after';
  await throttle(page, -1);
  await page.waitForFunction(() => (window as unknown as Globals).uppy.getFiles().length === 1);
  const restored = await page.evaluate(() => {
    const file = (window as unknown as Globals).uppy.getFiles()[0]!;
    return { isGhost: file.isGhost, size: (file.data as Blob | undefined)?.size, uploadId: file.s3Multipart?.uploadId };
  });
  expect(restored).toEqual({ isGhost: false, size: small.size, uploadId: expect.any(String) });

  const done = uploadAll(page, { start: false });
  await page.evaluate(() => (window as unknown as Globals).uppy.emit('restore-confirmed'));
  const outcome = await done;

  expect(outcome.errors).toEqual({});
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[small.name]!)).toBe(digests[small.name]);
  expect(sentAfter).toEqual([2]);
  expect(await readCounters(page)).toMatchObject({ partsSkipped: 1, partsUploaded: 1, objectsVerified: 1 });
});
