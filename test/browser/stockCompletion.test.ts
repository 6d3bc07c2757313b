/**
 * The completion hook under the stock `@uppy/aws-s3` 6 in Chromium (the stock plugin is the same
 * code in every engine): its multipart upload reaches the hook through its complete, with what S3
 * holds; its small file, POSTed as a form and never confirmed, reaches it only through radosgw's
 * bucket notification pushed to `POST /api/s3/events`. And what the stock plugin hands the page:
 * `upload-success`'s body is `{location, key}`, without the complete's `serverData`.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { RequestHandler } from 'express';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { paths } from '../../contract.js';
import type { CompletedUpload } from '../../middleware/index.js';
import { createCephTopic, deleteCephTopic, notifyObjectCreated, removeCephNotification } from '../../scripts/cephNotifications.js';
import { forEachEngine } from '../harness/forEachEngine.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';
import { withTimeout } from '../harness/withTimeout.js';
import { md5Hex, sha256Hex } from '../helpers/callApi.js';
import { interceptJsonAnswer } from '../helpers/interceptJsonAnswer.js';
import { addSeededFiles, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';

type Call = CompletedUpload<unknown>;
const MiB = 1024 * 1024;
const run = randomBytes(4).toString('hex');
/** This file's own keys: the bucket notification filters on them, so other files' uploads push nothing here. */
const prefix = `test/stock-completion-${run}/`;
const secret = randomBytes(32).toString('hex');

/** The hook's calls, and a promise per (key, source) resolved by the call itself. */
const calls: Call[] = [];
const waiting: Array<{ key: string; source: Call['source']; resolve: (call: Call) => void }> = [];
function onUploadComplete(call: Call) {
  calls.push(call);
  for (const wait of waiting) if (wait.key === call.key && wait.source === call.source) wait.resolve(call);
  return { recorded: calls.length };
}
function hookCall(key: string, source: Call['source'], why: string): Promise<Call> {
  const seen = calls.find((call) => call.key === key && call.source === source);
  const called = seen ? Promise.resolve(seen) : new Promise<Call>((resolve) => waiting.push({ key, source, resolve }));
  return withTimeout(called, 30_000, () => `onUploadComplete was not called with source '${source}' for ${key} within 30 s (${why}); it was called for: ${JSON.stringify(calls.map((call) => [call.key, call.source]))}`);
}

/** The complete answers the middleware sent, as the stock plugin received them. */
const completeAnswers: Array<Record<string, unknown>> = [];
const watchCompletes: RequestHandler = (req, res, next) => {
  if (req.method === 'POST' && /\/s3\/multipart\/[^/]+\/complete$/.test(req.path)) interceptJsonAnswer(res, (body) => completeAnswers.push(structuredClone(body)));
  next();
};

const env = usePluginPage({ prefix, onUploadComplete, events: { secret } }, [watchCompletes]);

const { endpoint, region, accessKeyId, secretAccessKey } = inject('s3');
/** The test run's S3 is the local radosgw unless S3_ENDPOINT names another (AWS, over HTTPS: no HTTP push to this machine). */
const radosgw = !endpoint.startsWith('https:');
const connection = { endpoint, region, credentials: { accessKeyId, secretAccessKey } };
const notification = `stock-completion-${run}`;
let topicArn: string | undefined;
beforeAll(async () => {
  if (!radosgw) return;
  // Not persistent: radosgw pushes while the upload's own request waits (a persistent topic queues it for about 30 s).
  topicArn = await createCephTopic({ ...connection, name: notification, pushEndpoint: `${env.server.url}api${paths.events(secret)}` });
  await notifyObjectCreated(env.s3, env.server.bucket, notification, topicArn, prefix);
});
afterAll(async () => {
  if (topicArn === undefined) return;
  await removeCephNotification(connection, env.server.bucket, notification);
  await deleteCephTopic(connection, topicArn);
});

/** What the page's `upload-success` carried in `response.body`, by file name. */
async function watchSuccessBodies(page: Awaited<ReturnType<typeof openPluginPage>>): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as PageGlobals & { successBodies: Record<string, unknown> };
    w.successBodies = {};
    w.uppy.on('upload-success', (file, response) => (w.successBodies[file?.name ?? ''] = response.body));
  });
}
const successBodies = (page: Awaited<ReturnType<typeof openPluginPage>>) => page.evaluate(() => (window as unknown as { successBodies: Record<string, unknown> }).successBodies);

async function objectBytes(key: string): Promise<Uint8Array> {
  const object = await env.s3.send(new GetObjectCommand({ Bucket: env.server.bucket, Key: key }));
  return object.Body!.transformToByteArray();
}

forEachEngine(
  (engine) => {
    it("runs the hook at the stock plugin's multipart complete with what S3 holds; upload-success's body keeps only location and key", async () => {
      const page = await openPluginPage(engine, env, { uploader: 'stock' });
      await watchSuccessBodies(page);
      const digests = await addSeededFiles(page, [{ name: 'stock-multipart.bin', size: 12 * MiB, seed: 41 }]);
      const outcome = await uploadAll(page);
      expect(outcome.errors).toEqual({});
      const key = outcome.keys['stock-multipart.bin'] as string;
      expect(key.startsWith(prefix)).toBe(true);

      const call = await hookCall(key, 'complete', 'the complete was answered, so the hook had run');
      const head = await env.s3.send(new HeadObjectCommand({ Bucket: env.server.bucket, Key: key }));
      expect(call).toMatchObject({
        key,
        bucket: env.server.bucket,
        size: 12 * MiB,
        etag: head.ETag,
        contentType: 'application/octet-stream',
        uploadId: expect.any(String),
        md5Verified: false, // the stock plugin's parts carry no Content-MD5, and the server does not require one
        source: 'complete',
        repeated: false,
      });
      expect(call.etag).toMatch(/^"[0-9a-f]{32}-3"$/); // 5 + 5 + 2 MiB
      expect(sha256Hex(await objectBytes(key))).toBe(digests['stock-multipart.bin']);
      // radosgw's event for the same object: the same key and ETag, so an upsert lands on one row.
      if (radosgw) expect(await hookCall(key, 'event', 'radosgw pushes during the CompleteMultipartUpload')).toMatchObject({ key, etag: call.etag, size: 12 * MiB, md5Verified: false });

      // The complete answered the hook's return as serverData; the stock plugin dropped it.
      const answered = completeAnswers.find((answer) => answer.key === key);
      expect(answered?.serverData).toEqual({ recorded: expect.any(Number) });
      expect(await successBodies(page)).toEqual({ 'stock-multipart.bin': { location: answered?.location, key } });
    });

    it.skipIf(!radosgw)("runs the hook from radosgw's notification for the stock plugin's small file (POST form, never confirmed)", async () => {
      const page = await openPluginPage(engine, env, { uploader: 'stock' });
      await watchSuccessBodies(page);
      const digests = await addSeededFiles(page, [{ name: 'stock-small.bin', size: 100_000, seed: 42 }]);
      const outcome = await uploadAll(page);
      expect(outcome.errors).toEqual({});
      const key = outcome.keys['stock-small.bin'] as string;

      const call = await hookCall(key, 'event', `radosgw's topic pushes to ${env.server.url}api/s3/events when an object is created under ${prefix}`);
      const bytes = await objectBytes(key);
      expect(sha256Hex(bytes)).toBe(digests['stock-small.bin']);
      expect(call).toMatchObject({ key, bucket: env.server.bucket, etag: `"${md5Hex(bytes)}"`, size: 100_000, md5Verified: false, source: 'event', repeated: true });
      expect(call.uploadId).toBeUndefined();
      // Nothing else reported it: the stock plugin never confirms.
      expect(calls.filter((other) => other.key === key).map((other) => other.source)).toEqual(['event']);
      expect(await successBodies(page)).toEqual({ 'stock-small.bin': { location: expect.any(String), key } });
    });
  },
  ['chromium'],
);
