/**
 * What a Dashboard user does to uploads, in every engine, against the real S3: pause and resume
 * (through the API and the Dashboard's buttons), remove and cancel-all (the multipart upload is
 * aborted on S3, even one still being created). The uplink is slowed by the proxy in front of
 * S3, which also tells which PUTs went out; the page server records the calls to the middleware.
 */
import { ListPartsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterEach, expect, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import { addSeededFiles, objectSha256, partPuts, partsUploaded, readCounters, togglePause, watchOutcome, waitForOutcome, type PageGlobals } from '../helpers/pluginPage.js';
import { recordCalls } from '../helpers/recordCalls.js';
import { expectUploadGone, openPluginPage, usePluginPage } from '../harness/usePluginPage.js';
import { watchUploads } from '../helpers/watchUploads.js';

const MiB = 1024 * 1024;
const recorder = recordCalls();
const env = usePluginPage({}, [recorder.handler]);
afterEach(() => {
  recorder.calls.length = 0;
  recorder.delay = () => 0;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the plugin says `count` runs ended paused: each such run's PUTs were cancelled, so
 * nothing sent before the pause can still be on its way (a fixed wait guessed how long that takes).
 */
async function pausedRuns(page: Parameters<typeof watchUploads>[0], count: number): Promise<void> {
  await page.waitFor(
    (n) => ((window as unknown as { uploadWatch?: { timeline: Array<{ type: string; outcome?: string }> } }).uploadWatch?.timeline ?? []).filter((event) => event.type === 'run-end' && event.outcome === 'paused').length >= n,
    count,
    { what: `${count} runs of the plugin to end paused` },
  );
}

/** Part PUTs reaching S3 and the calls listing parts, in the order they came, from `since` (ms since epoch). */
function eventsSince(since: number): string[] {
  const puts = partPuts(env.proxy.records)
    .filter((put) => put.arrivedAt >= since)
    .map((put) => ({ at: put.arrivedAt, what: `put ${put.partNumber}` }));
  const lists = recorder.calls.filter((call) => call.at >= since && call.method === 'GET' && /^\/s3\/multipart\/[^/]+\?key=/.test(call.path)).map((call) => ({ at: call.at, what: 'list' }));
  return [...puts, ...lists].sort((a, b) => a.at - b.at).map((event) => event.what);
}

forEachEngine((engine) => {
  it('pauses (no part goes out) and resumes (lists the parts, sends the rest) a file', async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 2 });
    env.proxy.setUploadBytesPerSecond(15_000_000);
    const digests = await addSeededFiles(page, [{ name: 'paused.bin', size: 40 * MiB, seed: 4 }]);
    await watchUploads(page);
    await watchOutcome(page);
    await partsUploaded(page, 1);
    await page.evaluate(() => {
      // Pause and resume at once: the new run waits for the aborted one, then goes on.
      const { uppy } = window as unknown as PageGlobals;
      uppy.pauseResume(uppy.getFiles()[0]!.id);
      uppy.pauseResume(uppy.getFiles()[0]!.id);
    });
    await partsUploaded(page, 2);

    await togglePause(page);
    await pausedRuns(page, 2); // the pause-and-resume above ended one run
    const pausedAt = Date.now();
    await sleep(1500);
    expect(eventsSince(pausedAt)).toEqual([]); // nothing while paused
    await togglePause(page);
    const outcome = await waitForOutcome(page);

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['paused.bin']!)).toBe(digests['paused.bin']);
    expect(eventsSince(pausedAt)[0]).toBe('list'); // resuming starts by asking S3 what it holds
    const counters = await readCounters(page);
    expect(counters.partsUploaded + counters.partsSkipped).toBeGreaterThanOrEqual(8);
    expect(counters.partsSkipped).toBeGreaterThanOrEqual(2);
  });

  it('removing a file or cancelling all aborts their multipart uploads on S3', async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 2 });
    env.proxy.setUploadBytesPerSecond(10_000_000);
    await addSeededFiles(page, [
      { name: 'removed.bin', size: 30 * MiB, seed: 5 },
      { name: 'cancelled.bin', size: 30 * MiB, seed: 6 },
    ]);
    await watchOutcome(page);
    await page.waitFor(() => (window as unknown as PageGlobals).uppy.getFiles().every((file) => file.s3Multipart !== undefined), undefined, { what: 'both uploads created' });
    await partsUploaded(page, 1);
    const uploads = await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles().map((file) => ({ name: file.name, ...file.s3Multipart! })));
    expect(uploads).toHaveLength(2);

    await page.evaluate(() => {
      const { uppy } = window as unknown as PageGlobals;
      uppy.removeFile(uppy.getFiles().find((file) => file.name === 'removed.bin')!.id);
      uppy.cancelAll();
    });

    for (const upload of uploads) await expectUploadGone(env, upload);
    expect(await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles().length)).toBe(0);
  });

  it('removing a file while its multipart upload is being created aborts that upload once it exists', async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB });
    const isCreate = (call: { method: string; path: string }) => call.method === 'POST' && call.path === '/s3/multipart';
    recorder.delay = (call) => (isCreate(call) ? 1000 : 0); // the file is removed meanwhile
    await addSeededFiles(page, [{ name: 'early-removal.bin', size: 12 * MiB, seed: 7 }]);
    await watchOutcome(page);
    await expect.poll(() => recorder.calls.some(isCreate), { timeout: 30_000 }).toBe(true);
    await page.evaluate(() => {
      const { uppy } = window as unknown as PageGlobals;
      uppy.removeFile(uppy.getFiles()[0]!.id);
    });
    await expect.poll(() => recorder.calls.find(isCreate)?.body, { timeout: 30_000 }).toBeTruthy();
    await expectUploadGone(env, recorder.calls.find(isCreate)!.body as { uploadId: string; key: string });
  });

  it("works from the Dashboard: the file's pause, resume and remove buttons", async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 2, dashboard: 1 });
    // Slow enough that clicked.bin is still uploading when its Pause button is clicked: at 15 MB/s
    // it finished first once in WebKit on a loaded machine, where each click took seconds, and
    // the button was gone.
    env.proxy.setUploadBytesPerSecond(3_000_000);
    const digests = await addSeededFiles(page, [
      { name: 'clicked.bin', size: 30 * MiB, seed: 8 },
      { name: 'dropped.bin', size: 30 * MiB, seed: 9 },
    ]);
    await watchUploads(page);
    await watchOutcome(page, { start: false });
    await page.click('.uppy-StatusBar-actionBtn--upload');
    await partsUploaded(page, 2);

    const ids = await page.evaluate(() => Object.fromEntries((window as unknown as PageGlobals).uppy.getFiles().map((file) => [file.name, file.id])));
    const item = (name: string) => `[id="uppy_${ids[name]}"]`;
    const droppedUpload = await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles().find((file) => file.name === 'dropped.bin')!.s3Multipart!);
    await page.click(`${item('dropped.bin')} .uppy-Dashboard-Item-action--remove`);
    await page.click(`${item('clicked.bin')} button[aria-label="Pause upload"]`);
    await pausedRuns(page, 1);
    const pausedAt = Date.now();
    await sleep(1500);
    expect(eventsSince(pausedAt).filter((event) => event.startsWith('put'))).toEqual([]);
    await page.click(`${item('clicked.bin')} button[aria-label="Resume upload"]`);
    const outcome = await waitForOutcome(page);

    expect(outcome.errors).toEqual({});
    expect(Object.keys(outcome.keys)).toEqual(['clicked.bin']);
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['clicked.bin']!)).toBe(digests['clicked.bin']);
    await expectUploadGone(env, droppedUpload);
  });

  it('on resume, a part S3 holds with other bytes is sent again: the listing is checked, not trusted', async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 2 });
    env.proxy.setUploadBytesPerSecond(15_000_000);
    const digests = await addSeededFiles(page, [{ name: 'tampered.bin', size: 30 * MiB, seed: 15 }]);
    await watchOutcome(page);
    await partsUploaded(page, 3);
    const upload = await page.evaluate(() => {
      const { uppy } = window as unknown as PageGlobals;
      const file = uppy.getFiles()[0]!;
      uppy.pauseResume(file.id);
      return file.s3Multipart!;
    });
    // Until every PUT that was on its way has ended at the proxy (S3 stored it or not), what S3
    // holds may still change: a PUT the page let go of can still land (seen in WebKit).
    await expect.poll(() => partPuts(env.proxy.records).every((put) => put.endedAt !== undefined), { timeout: 30_000 }).toBe(true);

    // Someone overwrites a stored part with other bytes of the same size.
    const stored = (await env.s3.send(new ListPartsCommand({ Bucket: env.server.bucket, Key: upload.key, UploadId: upload.uploadId }))).Parts ?? [];
    expect(stored.length).toBeGreaterThanOrEqual(3);
    const tampered = stored[0]!.PartNumber!;
    await env.s3.send(
      new UploadPartCommand({ Bucket: env.server.bucket, Key: upload.key, UploadId: upload.uploadId, PartNumber: tampered, Body: new Uint8Array(5 * MiB) }),
    );
    const mark = env.proxy.records.length;
    await togglePause(page);
    const outcome = await waitForOutcome(page);

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['tampered.bin']!)).toBe(digests['tampered.bin']);
    const sent = partPuts(env.proxy.records.slice(mark)).map((put) => put.partNumber);
    expect(sent).toContain(tampered);
    for (const part of stored.slice(1)) expect(sent, `part ${part.PartNumber} was sent again`).not.toContain(part.PartNumber);
    expect((await readCounters(page)).partsSkipped).toBe(stored.length - 1);
  });
});

