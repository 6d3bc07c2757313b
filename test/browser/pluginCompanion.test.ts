/**
 * Our plugin against the real Companion 6 (`@uppy/companion`, its routes only), in Chromium: the
 * page is pointed at Companion (`endpoint=`), asks it `GET /s3/capabilities` once (404: Companion
 * mode), signs parts through Companion's `GET .../batch`, sends each part's MD5 as a plain
 * `Content-MD5` (after one probe PUT showed that S3 checks it), compares each part's ETag with its
 * MD5, and POSTs small files in Companion's form, checked by the ETag of S3's answer. Corruption in
 * flight is caught (BadDigest with the header, a differing ETag without it, or on the form) and
 * repaired; a reloaded page resumes the upload; no multipart upload is left open.
 */
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import type { EnginePage } from '../harness/engines/EngineBrowser.js';
import { forEachEngine } from '../harness/forEachEngine.js';
import type { Fault, ProxiedRequest, ProxyRecord } from '../harness/startFaultProxy.js';
import { startCompanion, type RunningCompanion } from '../harness/startCompanion.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';
import { addSeededFiles, gotoPluginPage, objectSha256, partPuts, partsUploaded, readCounters, storedParts, uploadAll, waitForOutcome, watchOutcome, type PageGlobals } from '../helpers/pluginPage.js';

const MiB = 1024 * 1024;
const env = usePluginPage();
let companion: RunningCompanion;
const bucket = () => inject('s3').bucket;

beforeAll(async () => {
  companion = await startCompanion({
    s3: { ...inject('s3'), endpoint: env.proxy.url },
    corsOrigins: [new URL(env.server.url).origin],
    getKey: ({ filename }) => `test/companion-plugin/${crypto.randomUUID()}/${filename}`,
  });
});
afterEach(async () => {
  const open = await env.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket(), Prefix: 'test/companion-plugin/' }));
  expect(open.Uploads ?? [], 'no multipart upload left open').toEqual([]);
});
afterAll(async () => {
  await companion?.close();
});

/** The one-byte PUT that asks S3 whether it checks an unsigned Content-MD5. */
const isProbe = (record: ProxiedRequest) => record.method === 'PUT' && record.size === 1;
/** Part PUTs of the file, the probe left out. */
const filePuts = (records: ProxyRecord[]) => partPuts(records).filter((record) => !isProbe(record));
/** S3's POST form uploads. */
const formPosts = (records: ProxyRecord[]) => records.filter((record) => record.method === 'POST' && record.uploadId === undefined && !/[?&]uploads/.test(record.path));

async function expectStored(key: string | undefined, sha256: string | undefined) {
  expect(key).toMatch(/^test\/companion-plugin\//);
  expect(await objectSha256(env.s3, bucket(), key!)).toBe(sha256);
}

const open = (engine: Parameters<Parameters<typeof forEachEngine>[0]>[0], query: Record<string, string | number> = {}) =>
  openPluginPage(engine, env, { endpoint: companion.url, partSize: 5 * MiB, ...query });

forEachEngine(
  (engine) => {
    it('uploads a 12 MiB file (3 parts, each with its MD5 as Content-MD5) and a small one (POST form) through Companion, byte-identical and checked', async () => {
      const page = await open(engine);
      const digests = await addSeededFiles(page, [
        { name: 'big.bin', size: 12 * MiB, seed: 61 },
        { name: 'small.bin', size: 100_000, seed: 62 },
      ]);

      const outcome = await uploadAll(page);

      expect(outcome.errors).toEqual({});
      await expectStored(outcome.keys['big.bin'], digests['big.bin']);
      await expectStored(outcome.keys['small.bin'], digests['small.bin']);
      const { records } = env.proxy;
      // One probe, answered BadDigest: S3 checks a Content-MD5 that the URL does not sign.
      expect(records.filter(isProbe).map((record) => [record.status, record.code])).toEqual([[400, 'BadDigest']]);
      const puts = filePuts(records);
      expect(puts.map((put) => [put.partNumber, put.status]).sort()).toEqual([
        [1, 200],
        [2, 200],
        [3, 200],
      ]);
      for (const put of puts) {
        expect(put.path).toMatch(/X-Amz-SignedHeaders=host&/);
        expect(put.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      }
      expect(formPosts(records).map((record) => record.status)).toEqual([201]);
      const counters = await readCounters(page);
      // Each part's ETag and the small file's are compared with their MD5; Companion's complete answers no object ETag.
      expect(counters).toMatchObject({ partsUploaded: 3, partsVerified: 3, objectsVerified: 0, singleUploads: 1, retries: 0 });
    });

    it('a part changed in flight is refused (BadDigest: Content-MD5 sent) and re-sent; a changed small file is found by its ETag and POSTed again', async () => {
      const page = await open(engine);
      const corrupted: string[] = [];
      env.proxy.setFault((request): Fault => {
        const part2 = request.method === 'PUT' && request.partNumber === 2 && request.size > 1;
        const form = request.method === 'POST' && request.uploadId === undefined && !/[?&]uploads/.test(request.path);
        const what = part2 ? 'part 2' : form ? 'form' : undefined;
        if (what === undefined || corrupted.includes(what)) return { kind: 'pass' };
        corrupted.push(what);
        return { kind: 'corrupt' };
      });
      const digests = await addSeededFiles(page, [
        { name: 'big.bin', size: 12 * MiB, seed: 63 },
        { name: 'small.bin', size: 100_000, seed: 64 },
      ]);

      const outcome = await uploadAll(page);

      expect(outcome.errors).toEqual({});
      expect(corrupted.sort()).toEqual(['form', 'part 2']);
      const { records } = env.proxy;
      expect(filePuts(records).filter((put) => put.partNumber === 2).map((put) => [put.fault, put.status, put.code])).toEqual([
        ['corrupt', 400, 'BadDigest'],
        ['pass', 200, undefined],
      ]);
      // The form cannot carry an unsigned MD5: S3 stores the changed bytes, the ETag tells, the same form stores them again.
      const posts = formPosts(records);
      expect(posts.map((post) => [post.fault, post.status])).toEqual([
        ['corrupt', 201],
        ['pass', 201],
      ]);
      expect(posts[0]!.path).toBe(posts[1]!.path);
      await expectStored(outcome.keys['big.bin'], digests['big.bin']);
      await expectStored(outcome.keys['small.bin'], digests['small.bin']);
      expect(await readCounters(page)).toMatchObject({ partsVerified: 3, rehashes: 2, retries: 2 });
    });

    it('where Content-MD5 cannot be sent (the probe fails), a part changed in flight is found by its ETag and re-sent', async () => {
      const page = await open(engine);
      let corrupted = 0;
      env.proxy.setFault((request): Fault => {
        if (isProbe(request)) return { kind: 'reset' }; // as a refused preflight looks to the page: no answer
        if (request.method !== 'PUT' || request.partNumber !== 2 || corrupted > 0) return { kind: 'pass' };
        corrupted += 1;
        return { kind: 'corrupt' };
      });
      const digests = await addSeededFiles(page, [{ name: 'unchecked-header.bin', size: 12 * MiB, seed: 65 }]);

      const outcome = await uploadAll(page);

      expect(outcome.errors).toEqual({});
      const puts = filePuts(env.proxy.records);
      for (const put of puts) expect(put.headers['content-md5']).toBeUndefined();
      // S3 stored the changed bytes (200), their ETag differed from the part's MD5: sent again.
      expect(puts.filter((put) => put.partNumber === 2).map((put) => [put.fault, put.status])).toEqual([
        ['corrupt', 200],
        ['pass', 200],
      ]);
      await expectStored(outcome.keys['unchecked-header.bin'], digests['unchecked-header.bin']);
      expect(await readCounters(page)).toMatchObject({ partsVerified: 3, rehashes: 1 });
    });

    it('reloaded mid-file, resumes the same upload through Companion and sends only the parts S3 lacks', async () => {
      const file = { name: 'resumed.bin', size: 24 * MiB, seed: 66 }; // 5 parts; a ghost after the reload
      const query = { limit: 2, golden: 1 };
      const page: EnginePage = await open(engine, query);
      let before = true;
      env.proxy.setFault((request) => (before && request.method === 'PUT' && request.size > 1 && request.partNumber! > 2 ? { kind: 'hold', until: Date.now() + 120_000 } : { kind: 'pass' }));
      const digests = await addSeededFiles(page, [file]);
      await page.waitFor((name) => (window as unknown as PageGlobals).page.goldenRetrieverHas(name), file.name, { what: 'Golden Retriever to save the file' });
      await watchOutcome(page);
      await partsUploaded(page, 2);
      const uploadId = await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles()[0]?.s3Multipart?.uploadId ?? null);
      expect(uploadId).toBeTruthy();

      await gotoPluginPage(page, env.server.url, { endpoint: companion.url, partSize: 5 * MiB, ...query });
      const mark = env.proxy.records.length;
      before = false;
      await page.waitFor(() => (window as unknown as PageGlobals).uppy.getFiles()[0]?.isGhost, undefined, { what: 'Golden Retriever to restore the file' });
      await addSeededFiles(page, [file]);
      expect(await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles()[0]?.s3Multipart?.uploadId ?? null)).toBe(uploadId);
      await watchOutcome(page, { start: false });
      await page.evaluate(() => (window as unknown as PageGlobals).uppy.emit('restore-confirmed'));
      const outcome = await waitForOutcome(page);

      expect(outcome.errors).toEqual({});
      await expectStored(outcome.keys[file.name], digests[file.name]);
      const after = env.proxy.records.slice(mark);
      expect(after.filter((record) => record.method === 'POST' && /[?&]uploads/.test(record.path)), 'no second upload created').toEqual([]);
      const sentAfter = filePuts(after);
      for (const put of sentAfter) expect(put.uploadId).toBe(uploadId);
      expect(new Set(storedParts(sentAfter))).toEqual(new Set([3, 4, 5]));
      expect(await readCounters(page)).toMatchObject({ partsSkipped: 2 });
    });
  },
  ['chromium'],
);
