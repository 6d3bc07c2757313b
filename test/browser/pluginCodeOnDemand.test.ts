/**
 * The code the plugin loads by `import()` when an upload first needs it (the multipart run, here),
 * when that load meets the network: offline, the file waits for the network before asking for the
 * code, as its requests do, and then uploads; a load that fails all the same fails the file with
 * `code_load_failed` and a message saying what to do, and creates nothing on S3. Chromium only:
 * only its CDP takes a page offline, and a failed load is kept by the browser (see below).
 */
import type { RequestHandler } from 'express';
import { expect, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';
import { addSeededFiles, objectSha256, readCounters, retryFirstFile, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';

const MiB = 1024 * 1024;

/** Whether the page server refuses the multipart run's module (503), as a CDN failing would. */
let refuseMultipartCode = false;
const refuse: RequestHandler = (req, res, next) => {
  if (refuseMultipartCode && req.path.endsWith('/plugin/upload/runMultipart.ts')) res.status(503).end();
  else next();
};
const env = usePluginPage({}, [], { pageHandlers: [refuse] });

type Page = Awaited<ReturnType<typeof openPluginPage>>;

/** A small file uploaded first, so the backend is known and the multipart code is all the big file still waits for. */
async function uploadSmallFileFirst(page: Page): Promise<void> {
  await addSeededFiles(page, [{ name: 'first.bin', size: 100_000, seed: 35 }]);
  expect((await uploadAll(page)).errors).toEqual({});
  await page.evaluate(() => {
    const { uppy } = window as unknown as PageGlobals;
    for (const file of uppy.getFiles()) uppy.removeFile(file.id);
  });
}

forEachEngine(
  (engine) => {
    it.each([
      ['once the backend is known', true],
      ['before the backend is known', false],
    ])('a multipart file added offline %s waits for the network, then loads its code and uploads', async (_when, backendKnown) => {
      const page = await openPluginPage(engine, env, { partSize: 5 * MiB });
      const setOffline = page.hooks.setOffline!;
      if (backendKnown) await uploadSmallFileFirst(page);
      const digests = await addSeededFiles(page, [{ name: 'parts.bin', size: 12 * MiB, seed: 36 }]);

      await setOffline(true);
      const done = uploadAll(page);
      await page.waitFor(() => (window as unknown as PageGlobals).plugin.getCounters().offlineWaits > 0, undefined, { what: 'the file to wait for the network' });
      await setOffline(false);
      const outcome = await done;

      expect(outcome.errors).toEqual({});
      expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['parts.bin']!)).toBe(digests['parts.bin']);
      expect((await readCounters(page)).partsUploaded).toBe(3);
    });

    it('a multipart file whose code the server refuses fails with code_load_failed, creating nothing on S3', async () => {
      const page = await openPluginPage(engine, env, { partSize: 5 * MiB });
      await uploadSmallFileFirst(page);
      await addSeededFiles(page, [{ name: 'parts.bin', size: 12 * MiB, seed: 37 }]);
      const mark = env.proxy.records.length;

      refuseMultipartCode = true;
      let outcome;
      try {
        outcome = await uploadAll(page);
      } finally {
        refuseMultipartCode = false;
      }

      expect(outcome.errors['parts.bin']).toMatch(/^code_load_failed: The plugin's code for multipart uploads could not be loaded \(TypeError: .+\)\. Retry the upload; if it fails again, reload the page/);
      expect(env.proxy.records.slice(mark), 'nothing sent to S3').toEqual([]);
      // Chromium keeps the failed fetch of a module for the page's life, so a retry fails alike,
      // at once; a browser that fetches it again (as the HTML standard now says) uploads the file.
      const retried = await retryFirstFile(page);
      expect(retried.complete).not.toBe(true);
      expect((await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles()[0]!.error)) ?? '').toMatch(/could not be loaded/);
    });
  },
  ['chromium'],
);
