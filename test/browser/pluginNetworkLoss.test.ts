/**
 * Network loss: a share of part PUTs fail at the network level, and the browser goes offline
 * mid-upload for a few seconds. The plugin retries with backoff, waits for `online`, and the
 * upload finishes intact, with progress never above the file size.
 */
import { expect, it } from 'vitest';
import { addSeededFiles, isPartPut, objectSha256, openPluginPage, partNumberOf, readCounters, retryFirstFile, uploadAll } from '../helpers/pluginPage.js';
import { usePluginPage } from '../helpers/usePluginPage.js';

const MiB = 1024 * 1024;
const env = usePluginPage();

it('finishes when a third of the part PUTs fail and the browser goes offline mid-upload', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB, limit: 3 });
  // ~10 MB/s up, so the upload is still going when the network drops.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const network = (offline: boolean) =>
    cdp.send('Network.emulateNetworkConditions', { offline, latency: 10, downloadThroughput: -1, uploadThroughput: 10_000_000 });
  await network(false);
  // Every third part's first attempt dies on the network.
  const seen = new Set<number>();
  let failedOnPurpose = 0;
  await page.route(
    (url) => url.searchParams.has('partNumber'),
    (route) => {
      const part = partNumberOf(route.request().url());
      if (route.request().method() === 'PUT' && part % 3 === 0 && !seen.has(part)) {
        seen.add(part);
        failedOnPurpose += 1;
        return route.abort('connectionreset');
      }
      return route.continue();
    },
  );
  let okPuts = 0;
  page.on('requestfinished', async (request) => {
    if (isPartPut(request) && (await request.response())?.status() === 200) okPuts += 1;
  });
  const maxProgress = page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const { uppy } = window as unknown as { uppy: import('@uppy/core').default };
        let max = 0;
        uppy.on('upload-progress', (_file, progress) => (max = Math.max(max, (progress.bytesUploaded ?? 0) / (progress.bytesTotal ?? 1))));
        uppy.on('complete', () => resolve(max));
      }),
  );
  const digests = await addSeededFiles(page, [{ name: 'flaky.bin', size: 40 * MiB, seed: 31 }]);
  const done = uploadAll(page);

  // Offline once two parts are in, for three seconds.
  await page.waitForFunction(() => (window as unknown as { plugin: { getCounters(): { partsUploaded: number } } }).plugin.getCounters().partsUploaded >= 2);
  await network(true);
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  await page.waitForTimeout(3000);
  await network(false);
  const outcome = await done;

  expect(outcome.errors).toEqual({});
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['flaky.bin']!)).toBe(digests['flaky.bin']);
  expect(failedOnPurpose).toBe(2); // parts 3 and 6
  expect(okPuts).toBe(8);
  expect(await maxProgress).toBeLessThanOrEqual(1);
  const counters = await readCounters(page);
  // Each part failed on purpose was retried, or waited for the network if it failed while offline.
  expect(counters.retries + counters.offlineWaits).toBeGreaterThanOrEqual(failedOnPurpose + 1);
  expect(counters.offlineWaits).toBeGreaterThanOrEqual(1);
  expect(counters.partsUploaded).toBe(8);
  console.log(`[numbers] network loss: retries ${counters.retries}, offline waits ${counters.offlineWaits}, re-signs ${counters.resigns}, part PUTs failed on purpose ${failedOnPurpose}`);
});

it('a file that failed after its retries resumes on "retry": parts S3 holds are not sent again', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB, limit: 2 });
  let blockPart2 = true;
  await page.route(
    (url) => url.searchParams.has('partNumber'),
    (route) => (blockPart2 && route.request().method() === 'PUT' && partNumberOf(route.request().url()) === 2 ? route.abort('connectionreset') : route.continue()),
  );
  const sent: number[] = [];
  page.on('requestfinished', async (request) => {
    if (isPartPut(request) && (await request.response())?.status() === 200) sent.push(partNumberOf(request.url()));
  });
  const digests = await addSeededFiles(page, [{ name: 'retried.bin', size: 30 * MiB, seed: 32 }]);

  const first = await uploadAll(page);
  expect(first.errors['retried.bin']).toMatch(/^network_error: /);
  const sentBefore = new Set(sent);
  expect(sentBefore.has(2)).toBe(false);

  blockPart2 = false;
  sent.length = 0;
  const result = await retryFirstFile(page);

  expect(result.complete).toBe(true);
  expect(await objectSha256(env.s3, env.server.bucket, result.key)).toBe(digests['retried.bin']);
  for (const part of sent) expect(sentBefore.has(part), `part ${part} was sent again`).toBe(false);
  expect(sent).toContain(2);
  const counters = await readCounters(page);
  expect(counters.partsSkipped).toBe(sentBefore.size);
});
