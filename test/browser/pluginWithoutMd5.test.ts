/**
 * Chromium only (it watches the page's workers and requests through Playwright): our plugin with `md5: false` in real Chromium, into the real S3 (radosgw): no worker is started
 * and nothing is hashed; parts go out without Content-MD5, still in parallel and signed in
 * batches; small files in one PUT without it; an interrupted upload resumes from the parts S3
 * holds, matched by size alone; and a middleware with `requireContentMD5` refuses the files.
 */
import type { Request } from 'playwright-core';
import type { ParamsBatchRequest, ParamsFile } from '../../contract.js';
import { describe, expect, it } from 'vitest';
import { asChromiumPage } from '../harness/engines/launchChromium.js';
import { forEachEngine, type EngineEnv } from '../harness/forEachEngine.js';
import { addSeededFiles, gotoPluginPage, objectSha256, readCounters, retryFirstFile, uploadAll } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage, type PluginPageEnv } from '../harness/usePluginPage.js';

const MiB = 1024 * 1024;

/** Part PUTs seen by the page (to S3, with `partNumber=` in the URL). */
const isPartPut = (request: Request) => request.method() === 'PUT' && /[?&]partNumber=\d+/.test(request.url());
const partNumberOf = (url: string) => Number(new URL(url).searchParams.get('partNumber'));

/** The test page (query as given), watched from its first request: the Web Workers it starts, its PUTs, its calls to the middleware. */
async function watchedPage(engine: EngineEnv, env: PluginPageEnv, query: Record<string, string | number>) {
  const page = asChromiumPage(await engine.newPage());
  /** `params`: each file the page asked a URL for (many to a `POST /s3/params`, which signs PUTs only). */
  const seen = { workers: 0, puts: [] as Request[], batches: [] as Request[], params: [] as ParamsFile[] };
  page.playwright.on('worker', () => (seen.workers += 1));
  page.playwright.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'PUT') seen.puts.push(request);
    if (request.method() === 'POST' && /^\/api\/s3\/multipart\/[^/]+\/batch$/.test(url.pathname)) seen.batches.push(request);
    if (request.method() === 'POST' && url.pathname === '/api/s3/params') seen.params.push(...(request.postDataJSON() as ParamsBatchRequest).files);
  });
  await gotoPluginPage(page, env.server.url, query);
  return { page, seen };
}

describe('against a middleware that signs without MD5', () => {
  const env = usePluginPage();
  forEachEngine((engine) => {

    it('uploads a 4-part file and a small one without hashing, without Content-MD5, parts signed in batches', async () => {
      const { page, seen } = await watchedPage(engine, env, { md5: 0, partSize: 5 * MiB, limit: 2 });
      const digests = await addSeededFiles(page, [
        { name: 'parts.bin', size: 18 * MiB, seed: 71 }, // parts of 5, 5, 5 and 3 MiB
        { name: 'small.bin', size: 3 * MiB, seed: 72 },
      ]);

      const outcome = await uploadAll(page);

      expect(outcome.errors).toEqual({});
      for (const name of Object.keys(digests)) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[name]!), name).toBe(digests[name]);
      // Four part PUTs and the small file's PUT, none with a Content-MD5.
      const partPuts = seen.puts.filter(isPartPut);
      expect(partPuts.map((put) => partNumberOf(put.url())).sort()).toEqual([1, 2, 3, 4]);
      expect(seen.puts).toHaveLength(5);
      for (const put of seen.puts) expect(put.headers()['content-md5'], put.url()).toBeUndefined();
      // The small file's PUT was asked for with its size and no MD5.
      expect(seen.params).toHaveLength(1);
      expect(seen.params[0]!.size).toBe(3 * MiB);
      expect(seen.params[0]).not.toHaveProperty('md5');
      // Parts signed by number and size alone, several per call to the batch route.
      const signed = seen.batches.flatMap((batch) => (batch.postDataJSON() as { parts: Array<Record<string, unknown>> }).parts);
      for (const part of signed) expect(Object.keys(part).sort()).toEqual(['partNumber', 'size']);
      expect(signed.map((part) => part.partNumber).sort()).toEqual([1, 2, 3, 4]);
      expect(seen.batches.length).toBeLessThan(4);
      // No worker started, nothing hashed, nothing verified against an MD5.
      expect(seen.workers).toBe(0);
      expect(await readCounters(page)).toMatchObject({
        partsUploaded: 4,
        partsVerified: 0,
        objectsVerified: 0,
        singleUploads: 1,
        rehashes: 0,
        mainThreadHashing: 0,
        hashedBytes: 0,
        hashMs: 0,
      });
      // upload-success still carries S3's ETags.
      expect(outcome.etags['parts.bin']).toMatch(/^"[0-9a-f]{32}-4"$/);
      expect(outcome.etags['small.bin']).toMatch(/^"[0-9a-f]{32}"$/);
    });

    it('with MD5 (the default) the same page does start workers and sends Content-MD5: the watch above can see them', async () => {
      const { page, seen } = await watchedPage(engine, env, {});
      await addSeededFiles(page, [{ name: 'hashed.bin', size: 1 * MiB, seed: 73 }]);
      expect((await uploadAll(page)).errors).toEqual({});
      expect(seen.workers).toBeGreaterThan(0);
      expect(seen.puts).toHaveLength(1);
      expect(seen.puts[0]!.headers()['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(seen.params[0]).toHaveProperty('md5');
      expect((await readCounters(page)).hashedBytes).toBe(1 * MiB);
    });

    it('a file that failed after its retries resumes on "retry", skipping the parts S3 holds (matched by size)', async () => {
      const { page, seen } = await watchedPage(engine, env, { md5: 0, partSize: 5 * MiB, limit: 2 });
      let blockPart2 = true;
      // Part 2's PUTs are reset by the proxy in front of S3 until let through.
      env.proxy.setFault((request) => (blockPart2 && request.method === 'PUT' && request.partNumber === 2 ? { kind: 'reset' } : { kind: 'pass' }));
      const stored: number[] = [];
      page.playwright.on('requestfinished', async (request) => {
        if (isPartPut(request) && (await request.response())?.status() === 200) stored.push(partNumberOf(request.url()));
      });
      const digests = await addSeededFiles(page, [{ name: 'resumed.bin', size: 23 * MiB, seed: 74 }]); // 5 parts, the last of 3 MiB

      const first = await uploadAll(page);
      expect(first.errors['resumed.bin']).toMatch(/^network_error: /);
      const storedBefore = new Set(stored);
      expect(storedBefore.has(2)).toBe(false);
      expect(storedBefore.size).toBeGreaterThan(0);

      blockPart2 = false;
      stored.length = 0;
      const putsBefore = seen.puts.length;
      const result = await retryFirstFile(page);

      expect(result.complete).toBe(true);
      expect(await objectSha256(env.s3, env.server.bucket, result.key)).toBe(digests['resumed.bin']);
      // Only the parts S3 did not hold were sent again.
      const sentAfter = seen.puts.slice(putsBefore).filter(isPartPut).map((put) => partNumberOf(put.url()));
      for (const part of sentAfter) expect(storedBefore.has(part), `part ${part} was sent again`).toBe(false);
      expect(sentAfter).toContain(2);
      expect(new Set([...storedBefore, ...stored])).toEqual(new Set([1, 2, 3, 4, 5]));
      for (const put of seen.puts) expect(put.headers()['content-md5']).toBeUndefined();
      expect(seen.workers).toBe(0);
      const counters = await readCounters(page);
      expect(counters.partsSkipped).toBe(storedBefore.size);
      expect(counters).toMatchObject({ partsVerified: 0, objectsVerified: 0, hashedBytes: 0 });
    });
  }, ['chromium']);
});

describe('against a middleware with requireContentMD5', () => {
  const env = usePluginPage({ requireContentMD5: true });
  forEachEngine((engine) => {

    it('fails both a multipart and a small file with md5_required, sending no byte to S3', async () => {
      const page = asChromiumPage(await openPluginPage(engine, env, { md5: 0, partSize: 5 * MiB }));
      const puts: Request[] = [];
      page.playwright.on('request', (request) => {
        if (request.method() === 'PUT') puts.push(request);
      });
      await addSeededFiles(page, [
        { name: 'parts.bin', size: 12 * MiB, seed: 75 },
        { name: 'small.bin', size: 1 * MiB, seed: 76 },
      ]);

      const outcome = await uploadAll(page);

      expect(outcome.errors['parts.bin']).toMatch(/^md5_required: /);
      expect(outcome.errors['small.bin']).toMatch(/^md5_required: /);
      expect(puts).toEqual([]);
    });
  }, ['chromium']);
});
