/**
 * Expiry: presigned URLs live 3 seconds, the uplink is slowed, and one part PUT is held back
 * until its URL has expired. The plugin re-signs URLs that are about to expire before sending,
 * re-signs and retries the one S3 refuses as expired (radosgw: a bare 403 AccessDenied), and the
 * upload finishes intact.
 */
import type { Request } from 'playwright-core';
import { expect, it } from 'vitest';
import { addSeededFiles, isPartPut, objectSha256, openPluginPage, partNumberOf, readCounters, readFileCounters, uploadAll } from '../helpers/pluginPage.js';
import { usePluginPage } from '../helpers/usePluginPage.js';

const MiB = 1024 * 1024;
const URL_LIFETIME_S = 3;
// 8 parts of 5 MiB and a small ninth: the one held back. (radosgw answers an expired URL before
// reading the body and closes the connection; for a big body the browser sees only the reset,
// a small one gets the 403 through.)
const FILE_SIZE = 40 * MiB + 64 * 1024;
const LAST_PART = 9;
const env = usePluginPage({ expiresIn: URL_LIFETIME_S });

it('finishes a slow upload with 3-second URLs: stale URLs are re-signed before sending, an expired one after S3 refused it', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB, limit: 3 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  // About 8 MB/s up: the 40 MiB take several URL lifetimes.
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 8_000_000 });

  let heldBack = 0;
  await page.route(
    (url) => url.searchParams.has('partNumber'),
    async (route) => {
      if (route.request().method() === 'PUT' && partNumberOf(route.request().url()) === LAST_PART && heldBack === 0) {
        heldBack += 1;
        await new Promise((resolve) => setTimeout(resolve, (URL_LIFETIME_S + 1.5) * 1000)); // now S3 sees an expired URL
      }
      return route.continue();
    },
  );
  const attempts: Array<{ part: number; url: string; status: number | 'failed'; headers: Record<string, string>; body: Buffer | null }> = [];
  const record = (request: Request, status: number | 'failed') =>
    attempts.push({ part: partNumberOf(request.url()), url: request.url(), status, headers: request.headers(), body: request.postDataBuffer() });
  page.on('requestfinished', async (request) => {
    if (isPartPut(request)) record(request, (await request.response())?.status() ?? 0);
  });
  page.on('requestfailed', (request) => {
    if (isPartPut(request)) record(request, 'failed');
  });
  const digests = await addSeededFiles(page, [{ name: 'slow.bin', size: FILE_SIZE, seed: 21 }]);

  const started = Date.now();
  const outcome = await uploadAll(page);
  const seconds = (Date.now() - started) / 1000;

  expect(outcome.errors).toEqual({});
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['slow.bin']!)).toBe(digests['slow.bin']);
  expect(seconds).toBeGreaterThan(URL_LIFETIME_S * 2); // the upload really outlived its URLs
  // Every part went up once, except the held-back one: refused, then sent with a new URL.
  expect(attempts.filter((attempt) => attempt.status === 200).map((attempt) => attempt.part).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const held = attempts.filter((attempt) => attempt.part === LAST_PART);
  expect(held.map((attempt) => attempt.status)).toEqual(['failed', 200]);
  expect(held[1]!.url).not.toBe(held[0]!.url);
  // The browser sees no answer (radosgw's 403 for an expired URL has no CORS headers); S3's own
  // word, for the same URL, headers and body:
  const { 'content-md5': md5, 'content-type': type } = held[0]!.headers;
  const replay = await fetch(held[0]!.url, { method: 'PUT', body: new Uint8Array(held[0]!.body!), headers: { 'content-md5': md5!, 'content-type': type! } });
  expect(replay.status).toBe(403);
  expect(await replay.text()).toContain('AccessDenied');

  const counters = await readCounters(page);
  expect(counters.resigns).toBeGreaterThan(0); // the refused URL (and any stale one re-signed before sending)
  expect(counters.retries).toBe(0); // expiry is a re-sign, not a retry from the backoff budget
  expect(Object.values(await readFileCounters(page))).toEqual([expect.objectContaining({ resigns: counters.resigns, retries: 0 })]); // the file's own
  console.log(
    `[numbers] expiry: ${seconds.toFixed(1)} s upload with ${URL_LIFETIME_S} s URLs: re-signs ${counters.resigns}, retries ${counters.retries}, part PUTs ${attempts.length} (1 refused as expired)`,
  );
});
