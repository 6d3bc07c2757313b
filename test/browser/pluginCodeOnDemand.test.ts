/**
 * The code the plugin loads by `import()` when that load meets the network: the code that uploads
 * (createUploads and all it imports, every file's upload, a small single PUT too), which the
 * page's script does not hold and which the plugin loads when the first file is added; the
 * multipart run; the MD5 of the multipart ETag. Offline, nothing is asked for: a file waits for the
 * network, as its requests do, then its code loads and it uploads. A load that fails all the same
 * fails the file with `code_load_failed` and a message saying what to do, and sends nothing to S3;
 * the retry loads again. Chromium and Firefox keep a failed module fetch for the page's life, so
 * there the retry fails alike; WebKit fetches it again and uploads. The offline scenarios are
 * Chromium's only (only its CDP takes a page offline, Firefox ESR's BiDi cannot); the refused
 * loads run in Chromium and WebKit, the engines that keep and that fetch again.
 */
import { ListPartsCommand } from '@aws-sdk/client-s3';
import type { Request, RequestHandler } from 'express';
import { afterEach, expect, it } from 'vitest';
import type { EnginePage } from '../harness/engines/EngineBrowser.js';
import { enginesUnderTest } from '../harness/engines/launchBrowser.js';
import { forEachEngine } from '../harness/forEachEngine.js';
import { expectUploadGone, openPluginPage, usePluginPage } from '../harness/usePluginPage.js';
import { addSeededFiles, gotoPluginPage, objectSha256, partPuts, readCounters, readFileCounters, retryFirstFile, s3Puts, uploadAll, waitForOutcome, watchOutcome, type PageGlobals } from '../helpers/pluginPage.js';
import { recordCalls } from '../helpers/recordCalls.js';

const MiB = 1024 * 1024;
const SMALL = { name: 'small.bin', size: 100_000, seed: 34 };
const PARTS = { name: 'parts.bin', size: 12 * MiB, seed: 36 }; // 3 parts of 5 MiB
const QUERY = { partSize: 5 * MiB };

/** The module the plugin's shell loads when the first file is added (Vite serves each module on its own; a bundle makes it a chunk). */
const isUploadCode = (path: string) => path.endsWith('/plugin/upload/createUploads.ts');

/** The paths of the page's files the page server was asked for, in order. */
const served: string[] = [];
/** Which requests for the page's files the page server refuses (503), as a CDN failing would. */
let refuse: ((req: Request) => boolean) | undefined;
const pageFiles: RequestHandler = (req, res, next) => {
  served.push(req.path);
  if (refuse?.(req)) res.status(503).end();
  else next();
};
const recorder = recordCalls();
const env = usePluginPage({}, [recorder.handler], { pageHandlers: [pageFiles] });
afterEach(() => {
  refuse = undefined;
  served.length = 0;
  recorder.calls.length = 0;
});

/** `uppy.retryAll()`, and what became of the files. */
async function retryAll(page: EnginePage) {
  await watchOutcome(page, { start: false });
  await page.evaluate(() => void (window as unknown as PageGlobals).uppy.retryAll());
  return waitForOutcome(page);
}

/** The page's file of this name's multipart upload, as its state keeps it. */
function multipartOf(page: EnginePage, name: string): Promise<{ uploadId: string; key: string } | null> {
  return page.evaluate((name) => (window as unknown as PageGlobals).uppy.getFiles().find((file) => file.name === name)?.s3Multipart ?? null, name);
}

const loadFailed = (what: string) => new RegExp(`^code_load_failed: The plugin's code for ${what} could not be loaded \\(TypeError: .+\\)\\. Retry the upload; if it fails again, reload the page`);

forEachEngine(
  (engine) => {
    it('the upload code is not fetched with the page but when a file is added: offline, once the network is back, before the upload starts', async () => {
      const page = await openPluginPage(engine, env, QUERY);
      const setOffline = page.hooks.setOffline!;
      expect(served.filter(isUploadCode), 'fetched with the page').toEqual([]);

      await setOffline(true);
      const digests = await addSeededFiles(page, [SMALL, PARTS]);
      // A fetch tried offline would fail, and Chromium would keep the failure: the uploads below would fail.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await setOffline(false);
      await expect.poll(() => served.some(isUploadCode), { timeout: 30_000, message: 'the upload code fetched once online, before any upload' }).toBe(true);
      expect(recorder.calls, 'no call to the upload server before the upload').toEqual([]);

      const outcome = await uploadAll(page);
      expect(outcome.errors).toEqual({});
      for (const file of [SMALL, PARTS]) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[file.name]!)).toBe(digests[file.name]);
      expect(await readCounters(page)).toMatchObject({ singleUploads: 1, partsUploaded: 3, offlineWaits: 0 });
    });

    it('a small and a multipart file added and uploaded offline wait for the network, then load the upload code and upload', async () => {
      const page = await openPluginPage(engine, env, QUERY);
      const setOffline = page.hooks.setOffline!;
      await setOffline(true);
      const digests = await addSeededFiles(page, [SMALL, PARTS]);

      const done = uploadAll(page);
      await page.waitFor(() => (window as unknown as PageGlobals).plugin.getCounters().offlineWaits >= 2, undefined, { what: 'both files to wait for the network' });
      expect(served.filter(isUploadCode), 'the upload code asked for offline').toEqual([]);
      await setOffline(false);
      const outcome = await done;

      expect(outcome.errors).toEqual({});
      for (const file of [SMALL, PARTS]) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[file.name]!)).toBe(digests[file.name]);
      expect(await readCounters(page)).toMatchObject({ singleUploads: 1, partsUploaded: 3 });
      const perFile = await readFileCounters(page);
      for (const file of [SMALL, PARTS]) expect(perFile[file.name]?.offlineWaits, file.name).toBeGreaterThan(0);
    });

    it('with the upload code loaded, a multipart file added offline waits for the network, then loads the multipart run and uploads', async () => {
      const page = await openPluginPage(engine, env, QUERY);
      const setOffline = page.hooks.setOffline!;
      // A small file uploaded first: the upload code is loaded and the backend known, so the multipart run is all the big file still waits for.
      await addSeededFiles(page, [SMALL]);
      expect((await uploadAll(page)).errors).toEqual({});
      await page.evaluate(() => {
        const { uppy } = window as unknown as PageGlobals;
        for (const file of uppy.getFiles()) uppy.removeFile(file.id);
      });
      const digests = await addSeededFiles(page, [PARTS]);

      await setOffline(true);
      const done = uploadAll(page);
      await page.waitFor(() => (window as unknown as PageGlobals).plugin.getCounters().offlineWaits > 0, undefined, { what: 'the file to wait for the network' });
      await setOffline(false);
      const outcome = await done;

      expect(outcome.errors).toEqual({});
      expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[PARTS.name]!)).toBe(digests[PARTS.name]);
      expect((await readCounters(page)).partsUploaded).toBe(3);
    });

    it('a file removed before the upload code has loaded still aborts its multipart upload on S3, once the code is there', async () => {
      const page = await openPluginPage(engine, env, QUERY);
      // The parts are held, so the upload stays open when the page goes.
      env.proxy.setFault((request) => (request.method === 'PUT' ? { kind: 'hold', until: Date.now() + 120_000 } : { kind: 'pass' }));
      await addSeededFiles(page, [PARTS]);
      await watchOutcome(page);
      const upload = await page.waitFor((name) => (window as unknown as PageGlobals).uppy.getFiles().find((file) => file.name === name)?.s3Multipart, PARTS.name, { what: 'the multipart upload created' });

      // A new page (nothing loaded on demand yet) that finds the upload in the plugin's resume store
      // when the same file is added; offline, the upload code cannot load before the file is removed.
      await gotoPluginPage(page, env.server.url, QUERY);
      env.proxy.setFault(undefined);
      await page.hooks.setOffline!(true);
      await addSeededFiles(page, [PARTS]);
      expect(await multipartOf(page, PARTS.name), 'the file found its upload').toEqual(upload);
      await page.evaluate(() => {
        const { uppy } = window as unknown as PageGlobals;
        uppy.removeFile(uppy.getFiles()[0]!.id);
      });
      await page.hooks.setOffline!(false);
      await expectUploadGone(env, upload);
    });
  },
  ['chromium'],
);

forEachEngine(
  (engine) => {
    // Chromium keeps the failed fetch of a module for the page's life, so the retry fails alike, at
    // once; WebKit fetches it again, as the HTML standard now says, and uploads.
    const retryLoads = engine.engine === 'webkit';

    it(`a small and a multipart file whose upload code the server refuses fail with code_load_failed, sending nothing; the retry loads it again${retryLoads ? ' and uploads' : ', which Chromium answers from its failed fetch'}`, async () => {
      const page = await openPluginPage(engine, env, QUERY);
      refuse = (req) => isUploadCode(req.path);
      const digests = await addSeededFiles(page, [SMALL, PARTS]);
      const outcome = await uploadAll(page);

      for (const file of [SMALL, PARTS]) expect(outcome.errors[file.name], file.name).toMatch(loadFailed('uploads'));
      expect(served.filter(isUploadCode).length, 'the upload code asked for').toBeGreaterThan(0);
      expect(env.proxy.records, 'nothing sent to S3').toEqual([]);
      expect(recorder.calls, 'no call to the upload server').toEqual([]);

      refuse = undefined;
      const asked = served.filter(isUploadCode).length;
      const retried = await retryAll(page);
      if (retryLoads) {
        expect(served.filter(isUploadCode).length, 'the upload code asked for again').toBeGreaterThan(asked);
        expect(retried.errors).toEqual({});
        for (const file of [SMALL, PARTS]) expect(await objectSha256(env.s3, env.server.bucket, retried.keys[file.name]!)).toBe(digests[file.name]);
      } else {
        for (const file of [SMALL, PARTS]) expect(retried.errors[file.name], file.name).toMatch(loadFailed('uploads'));
        expect(env.proxy.records, 'nothing sent to S3').toEqual([]);
      }
    });

    it(`a multipart upload whose ETag's MD5 the server refuses fails with code_load_failed before completing, its upload still open on S3; the retry loads it again${retryLoads ? ', resumes and completes, sending no part again' : ', which Chromium answers from its failed fetch'}`, async () => {
      const page = await openPluginPage(engine, env, QUERY);
      // Only the page's own import (`Sec-Fetch-Dest: script`): the MD5 workers import the same
      // module for their fallback (`worker`). WebKit sends the page's address as the Referer, not the importing module's.
      refuse = (req) => req.path.endsWith('/plugin/md5/createJsMd5.ts') && req.get('sec-fetch-dest') === 'script';
      const digests = await addSeededFiles(page, [PARTS]);
      const outcome = await uploadAll(page);

      expect(outcome.errors[PARTS.name]).toMatch(loadFailed('the multipart ETag check'));
      expect(served.filter((path) => path.endsWith('/plugin/md5/createJsMd5.ts')).length, 'the MD5 asked for').toBeGreaterThan(0);
      const upload = (await multipartOf(page, PARTS.name))!;
      expect(upload, 'the upload kept for the retry').not.toBeNull();
      const listed = await env.s3.send(new ListPartsCommand({ Bucket: env.server.bucket, Key: upload.key, UploadId: upload.uploadId }));
      expect(listed.Parts?.length, 'the upload still open on S3, its 3 parts stored').toBe(3);

      refuse = undefined;
      const mark = env.proxy.records.length;
      const retried = await retryFirstFile(page);
      if (retryLoads) {
        expect(retried.complete).toBe(true);
        expect(retried.key).toBe(upload.key);
        expect(await objectSha256(env.s3, env.server.bucket, upload.key)).toBe(digests[PARTS.name]);
        expect(partPuts(env.proxy.records.slice(mark)), 'no part sent again').toEqual([]);
        expect(await readCounters(page)).toMatchObject({ partsSkipped: 3, objectsVerified: 1 });
      } else {
        expect(retried.complete).not.toBe(true);
        expect((await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles()[0]!.error)) ?? '').toMatch(/the multipart ETag check could not be loaded/);
        expect(s3Puts(env.proxy.records.slice(mark)), 'no part sent again').toEqual([]);
        // Removing the file aborts the upload it leaves.
        await page.evaluate(() => {
          const { uppy } = window as unknown as PageGlobals;
          uppy.removeFile(uppy.getFiles()[0]!.id);
        });
        await expectUploadGone(env, upload);
      }
    });
  },
  // Firefox keeps a failed fetch as Chromium does: it would show nothing more.
  enginesUnderTest().filter((name) => name !== 'firefox'),
);
