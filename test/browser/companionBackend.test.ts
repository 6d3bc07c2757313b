/**
 * The stock `@uppy/aws-s3` 6 against the real Companion 6 (`@uppy/companion`), in Chromium: the
 * test page (`uploader=stock`) calls Companion on another origin (its CORS), Companion signs for
 * the fault proxy in front of S3, and the browser PUTs the parts and POSTs the small file there.
 * A 12 MiB file goes multipart, a small one by POST form; both objects are byte-identical.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import { startCompanion, type RunningCompanion } from '../harness/startCompanion.js';
import { addSeededFiles, objectSha256, partPuts, uploadAll } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';

const MiB = 1024 * 1024;
const env = usePluginPage();
let companion: RunningCompanion;

beforeAll(async () => {
  companion = await startCompanion({
    s3: { ...inject('s3'), endpoint: env.proxy.url },
    corsOrigins: [new URL(env.server.url).origin],
    getKey: ({ filename }) => `test/companion/${crypto.randomUUID()}/${filename}`,
  });
});
afterAll(async () => {
  await companion?.close();
});

forEachEngine(
  (engine) => {
    it('uploads a 12 MiB file (multipart: 3 parts) and a small one (POST form) through Companion, byte-identical', async () => {
      const page = await openPluginPage(engine, env, { uploader: 'stock', endpoint: companion.url });
      const digests = await addSeededFiles(page, [
        { name: 'big.bin', size: 12 * MiB, seed: 24 },
        { name: 'small.bin', size: 100_000, seed: 25 },
      ]);

      const outcome = await uploadAll(page);

      expect(outcome.errors).toEqual({});
      const puts = partPuts(env.proxy.records);
      expect(puts.map((put) => [put.partNumber, put.status]).sort()).toEqual([
        [1, 200],
        [2, 200],
        [3, 200],
      ]);
      // Companion's part URLs: only the host signed, the SDK's CRC32 of an empty body in the query (this S3 ignores it).
      for (const put of puts) expect(put.path).toMatch(/X-Amz-SignedHeaders=host&.*x-amz-checksum-crc32=AAAAAA%3D%3D/);
      const forms = env.proxy.records.filter((record) => record.method === 'POST' && record.status === 201);
      expect(forms).toHaveLength(1);

      const bucket = inject('s3').bucket;
      for (const name of ['big.bin', 'small.bin'] as const) {
        const path = decodeURIComponent(new URL(outcome.urls[name]!).pathname);
        expect(path).toMatch(new RegExp(`^/${bucket}/test/companion/[0-9a-f-]{36}/${name}$`));
        expect(await objectSha256(env.s3, bucket, path.slice(bucket.length + 2))).toBe(digests[name]);
      }
    });
  },
  ['chromium'],
);
