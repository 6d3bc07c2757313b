/**
 * How the plugin treats the middleware and answers it cannot fix: a 5xx from the middleware is
 * retried like S3 requests; a call that gets no answer waits for the server (an outage, see
 * test/browser/serverOutage.test.ts); a 4xx fails the file with the middleware's stable code; a
 * part answer without a readable ETag fails it with a message that names the bucket's CORS rule.
 */
import { expect, it } from 'vitest';
import { addSeededFiles, objectSha256, openPluginPage, readCounters, readFileCounters, uploadAll } from '../helpers/pluginPage.js';
import { usePluginPage } from '../helpers/usePluginPage.js';

const MiB = 1024 * 1024;
const env = usePluginPage();

it('retries calls to the middleware that fail with 503, and waits for it when a call gets no answer', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB });
  const hiccups = { create: 0, batch: 0, complete: 0 };
  await page.route('**/api/s3/multipart', (route) => {
    if (route.request().method() !== 'POST' || hiccups.create++ > 0) return route.continue();
    return route.fulfill({ status: 503, contentType: 'application/json', headers: { 'retry-after': '0' }, body: '{"code":"s3_error","message":"S3 failed."}' });
  });
  await page.route('**/api/s3/multipart/*/batch?*', (route) => (hiccups.batch++ > 0 ? route.continue() : route.abort('connectionreset')));
  await page.route('**/api/s3/multipart/*/complete?*', (route) => (hiccups.complete++ > 0 ? route.continue() : route.abort('timedout')));
  const digests = await addSeededFiles(page, [{ name: 'hiccups.bin', size: 12 * MiB, seed: 51 }]);

  const outcome = await uploadAll(page);

  expect(outcome.errors).toEqual({});
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['hiccups.bin']!)).toBe(digests['hiccups.bin']);
  expect(hiccups.create).toBe(2);
  expect(hiccups.complete).toBe(2);
  // The 503 (the middleware's own, with its code) is a retry; the reset and the timeout are waits for the server.
  expect(await readCounters(page)).toMatchObject({ retries: 1, serverWaits: 2 });
  expect((await readFileCounters(page))['hiccups.bin']).toMatchObject({ retries: 1, serverWaits: 2 }); // calls to the middleware count for the file too
});

it("fails a file with the middleware's code when it refuses (4xx), without retrying", async () => {
  const page = await openPluginPage(env.browser, env.server.url);
  let calls = 0;
  await page.route('**/api/s3/params?*', (route) => {
    calls += 1;
    return route.fulfill({ status: 415, contentType: 'application/json', body: '{"code":"content_type_not_allowed","message":"Files of type application/octet-stream are not accepted."}' });
  });
  await addSeededFiles(page, [{ name: 'refused.bin', size: 1000, seed: 52 }]);

  const outcome = await uploadAll(page);

  expect(outcome.errors['refused.bin']).toBe(
    'content_type_not_allowed: The upload server refused to sign the upload: Files of type application/octet-stream are not accepted.',
  );
  expect(calls).toBe(1);
});

it('fails a file whose part answer has no readable ETag, naming the CORS rule', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB });
  // What a bucket whose CORS rule does not expose ETag looks like to the page.
  await page.route(
    (url) => url.searchParams.has('partNumber'),
    (route) =>
      route.request().method() === 'PUT'
        ? route.fulfill({ status: 200, headers: { 'access-control-allow-origin': '*' }, body: '' })
        : route.continue(),
  );
  await addSeededFiles(page, [{ name: 'no-etag.bin', size: 12 * MiB, seed: 53 }]);

  const outcome = await uploadAll(page);

  expect(outcome.errors['no-etag.bin']).toMatch(/^missing_etag: S3 accepted part \d but its answer has no ETag the page can read\. Does the bucket's CORS configuration expose the ETag header\?$/);
});

it('hashes on the main thread when the MD5 worker cannot start, and still verifies every part', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB, brokenWorker: 1 });
  const digests = await addSeededFiles(page, [{ name: 'no-worker.bin', size: 12 * MiB, seed: 54 }]);

  const outcome = await uploadAll(page);

  expect(outcome.errors).toEqual({});
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['no-worker.bin']!)).toBe(digests['no-worker.bin']);
  const counters = await readCounters(page);
  expect(counters.mainThreadHashing).toBeGreaterThanOrEqual(1);
  expect(counters).toMatchObject({ partsUploaded: 3, partsVerified: 3, objectsVerified: 1 });
});

it("fails a file whose assembled object's ETag is not what its parts add up to", async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB });
  await page.route('**/api/s3/multipart/*/complete?*', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { etag: string };
    body.etag = `"${'0'.repeat(32)}-3"`; // as if S3 had assembled other parts
    return route.fulfill({ response, json: body });
  });
  await addSeededFiles(page, [{ name: 'wrong-etag.bin', size: 12 * MiB, seed: 55 }]);

  const outcome = await uploadAll(page);

  expect(outcome.errors['wrong-etag.bin']).toMatch(/^etag_mismatch: The assembled object's ETag 0{32}-3 is not [0-9a-f]{32}-3, what its 3 parts add up to\.$/);
  expect((await readCounters(page)).objectsVerified).toBe(0);
});
