/**
 * Corruption in flight: one part's body is changed between the page and S3 (Playwright rewrites
 * it). S3 refuses it with BadDigest because the part's MD5 is signed into its URL; the plugin
 * reads and hashes the part again, retries, and the object is byte-identical to the file.
 */
import { expect, it } from 'vitest';
import { addSeededFiles, isPartPut, objectSha256, openPluginPage, partNumberOf, readCounters, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';
import { usePluginPage } from '../helpers/usePluginPage.js';

const MiB = 1024 * 1024;
const env = usePluginPage();

it('a part changed in flight is refused by S3 (BadDigest), hashed again, re-sent, and the object is intact', async () => {
  const page = await openPluginPage(env.browser, env.server.url, { partSize: 5 * MiB });
  const answers: Array<{ part: number; status: number; body: string }> = [];
  let corrupted = 0;
  await page.route(
    (url) => url.searchParams.has('partNumber'),
    async (route) => {
      const request = route.request();
      if (request.method() !== 'PUT' || partNumberOf(request.url()) !== 2 || corrupted > 0) return route.continue();
      corrupted += 1;
      const body = Buffer.from(request.postDataBuffer()!);
      body[1234] = body[1234]! ^ 0xff; // same length, one byte flipped
      return route.continue({ postData: body });
    },
  );
  page.on('response', async (response) => {
    if (isPartPut(response.request())) answers.push({ part: partNumberOf(response.url()), status: response.status(), body: await response.text().catch(() => '') });
  });
  const maxProgress = page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const { uppy } = window as unknown as PageGlobals;
        let max = 0;
        uppy.on('upload-progress', (_file, progress) => (max = Math.max(max, progress.bytesUploaded ?? 0)));
        uppy.on('complete', () => resolve(max));
      }),
  );
  const digests = await addSeededFiles(page, [{ name: 'corrupted-in-flight.bin', size: 18 * MiB, seed: 11 }]);

  const outcome = await uploadAll(page);

  expect(outcome.errors).toEqual({});
  expect(corrupted).toBe(1);
  const part2 = answers.filter((answer) => answer.part === 2);
  expect(part2.map((answer) => answer.status)).toEqual([400, 200]);
  expect(part2[0]!.body).toContain('BadDigest');
  expect(answers.filter((answer) => answer.status === 200)).toHaveLength(4);
  expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['corrupted-in-flight.bin']!)).toBe(digests['corrupted-in-flight.bin']);
  expect(await maxProgress).toBe(18 * MiB); // the refused attempt's bytes were taken out, not counted twice
  const counters = await readCounters(page);
  expect(counters).toMatchObject({ partsUploaded: 4, partsVerified: 4, objectsVerified: 1, rehashes: 1, retries: 1 });
  console.log(`[numbers] corruption: retries ${counters.retries}, rehashes ${counters.rehashes}, re-signs ${counters.resigns}, part PUTs ${answers.length}`);
});
