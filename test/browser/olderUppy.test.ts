/**
 * Pages built with Uppy 4 and Uppy 5 (their own core, Dashboard and `@uppy/aws-s3` in `endpoint`
 * mode; test/browser/uppy4Page, uppy5Page) in real Chromium, through the Dashboard's Upload
 * button, against the middleware on the run's S3. With `singleUploadMethod` answering a PUT, a
 * small file (`/s3/params`) and a 20 MiB file (in parts) both succeed and reach S3 byte for byte.
 * With Companion's POST form instead, the reason those clients hang: radosgw answers the form
 * 204 without the `ETag` header they wait for.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchPlaywrightChromium } from '../harness/engines/launchChromium.js';
import { objectSha256 } from '../helpers/pluginPage.js';
import { startPageServer, type PageServer } from '../harness/startPageServer.js';
import { createTestS3Client } from '../harness/testServer.js';

const MiB = 1024 * 1024;
/** What the pages expose. */
type PageWindow = { uppy: import('@uppy/core').default };

/** Adds files of random bytes of these sizes to the page's Uppy; answers each one's SHA-256 by name. */
function addRandomFiles(page: Page, files: Record<string, number>): Promise<Record<string, string>> {
  return page.evaluate(async (sizes) => {
    const { uppy } = window as unknown as PageWindow;
    const digests: Record<string, string> = {};
    for (const [name, size] of Object.entries(sizes)) {
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
      uppy.addFile({ name, type: 'application/octet-stream', data: new Blob([bytes], { type: 'application/octet-stream' }) });
      digests[name] = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
    return digests;
  }, files);
}

/** Resolves with the names of the files that succeeded and the errors of those that failed, at Uppy's 'complete'. */
function whenComplete(page: Page): Promise<{ successful: string[]; failed: string[] }> {
  return page.evaluate(
    () =>
      new Promise<{ successful: string[]; failed: string[] }>((resolve) => {
        const { uppy } = window as unknown as PageWindow;
        uppy.on('complete', (result) =>
          resolve({ successful: (result.successful ?? []).map((f) => f.name ?? ''), failed: (result.failed ?? []).map((f) => `${f.name}: ${String(f.error)}`) }),
        );
      }),
  );
}

describe.each([4, 5])('a page built with Uppy %i', (version) => {
  const prefix = `test/uppy${version}-${randomBytes(4).toString('hex')}/`;
  let server: PageServer;
  let browser: Browser;
  let s3: S3Client;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startPageServer(
        new URL(`./uppy${version}Page/`, import.meta.url),
        {
          prefix,
          // A page whose cookie says `single=POST` gets Companion's form; every other, a presigned PUT.
          singleUploadMethod: (req: Request) => (/(^|;\s*)single=POST(;|$)/.test(req.get('cookie') ?? '') ? 'POST' : 'PUT'),
        },
        [],
        { vite: { optimizeDeps: { include: ['@uppy/aws-s3', '@uppy/core', '@uppy/dashboard'] } } },
      ),
      launchPlaywrightChromium(),
    ]);
    s3 = createTestS3Client();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    s3?.destroy();
  });

  /** The page, with `single=POST` set when `post`. */
  async function openPage(post = false): Promise<Page> {
    const context = await browser.newContext();
    if (post) await context.addCookies([{ name: 'single', value: 'POST', url: server.url }]);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => 'uppy' in window);
    // The page's own Uppy, not the project's Uppy 6.
    expect(await page.evaluate(() => (window as unknown as { uppy: { constructor: { VERSION: string } } }).uppy.constructor.VERSION)).toMatch(new RegExp(`^${version}\\.`));
    return page;
  }

  it(`uploads a small file by a presigned PUT and a 20 MiB file in parts, through its Dashboard`, async () => {
    const page = await openPage();
    const toS3: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(new URL(server.url).origin)) return;
      const url = new URL(request.url());
      if (request.method() !== 'OPTIONS') toS3.push(`${request.method()} ${url.searchParams.has('partNumber') ? 'part' : 'object'}`);
    });
    const digests = await addRandomFiles(page, { 'small.bin': 100_000, 'big.bin': 20 * MiB });
    const done = whenComplete(page);
    await page.getByRole('button', { name: /^Upload/ }).click();
    expect(await done).toEqual({ successful: expect.arrayContaining(['small.bin', 'big.bin']), failed: [] });

    // One PUT for the small file, four 5 MiB parts for the big one; no form POST.
    expect(toS3.sort()).toEqual(['PUT object', 'PUT part', 'PUT part', 'PUT part', 'PUT part']);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((object) => object.Key!);
    expect(keys).toHaveLength(2);
    for (const [name, digest] of Object.entries(digests)) {
      const key = keys.find((k) => k.endsWith(`/${name}`));
      expect(key, name).toMatch(new RegExp(`^${prefix}[0-9a-f]{32}/${name.replace('.', '\\.')}$`));
      expect(await objectSha256(s3, server.bucket, key!)).toBe(digest);
    }
    await page.context().close();
  });

  it("with Companion's POST form instead, radosgw stores the file but answers without the ETag this Uppy waits for", async () => {
    const page = await openPage(true);
    const posted = page.waitForResponse((response) => response.request().method() === 'POST' && !response.url().startsWith(new URL(server.url).origin));
    await addRandomFiles(page, { 'form.bin': 10_000 });
    await page.getByRole('button', { name: /^Upload/ }).click();
    const response = await posted;
    expect(response.status()).toBe(204);
    expect(await response.headerValue('etag')).toBeNull();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }));
    expect((listed.Contents ?? []).filter((object) => object.Key!.endsWith('/form.bin'))).toHaveLength(1);
    await page.context().close();
  });
});
