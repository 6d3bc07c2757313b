/**
 * The real stock `@uppy/aws-s3` 6 (companionEndpoint mode) in real Chromium, through the demo page
 * and our middleware, into the real S3: a 20 MiB file goes multipart, a small one by POST form,
 * and both objects are byte-identical to what the page held.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createDemoServer, type DemoServer } from '../../demo/createDemoServer.js';
import { sha256Hex } from '../helpers/callApi.js';
import { launchPlaywrightChromium } from '../harness/engines/launchChromium.js';
import { createTestS3Client } from '../harness/testServer.js';

let demo: DemoServer;
let browser: Browser;
let s3: S3Client;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'vite-demo-')); // not the cache other test files' servers use
  demo = await createDemoServer({ s3: inject('s3'), port: 0, cacheDir });
  browser = await launchPlaywrightChromium();
  s3 = createTestS3Client();
});
afterAll(async () => {
  await browser?.close();
  await demo?.close();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  s3?.destroy();
});

it('uploads a 20 MiB file (multipart, parts PUT with no headers) and a small one (POST form)', async () => {
  const page = await browser.newPage();
  const partPuts: Array<{ url: string; headers: Record<string, string> }> = [];
  page.on('request', (request) => {
    if (request.method() === 'PUT' && request.url().includes('partNumber=')) partPuts.push({ url: request.url(), headers: request.headers() });
  });
  await page.goto(`${demo.url}?uploader=stock`);
  await page.waitForFunction(() => 'uppy' in window);

  const digests = await page.evaluate(async () => {
    const random = (size: number) => {
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
      return bytes;
    };
    const hex = async (bytes: Uint8Array<ArrayBuffer>) =>
      [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const big = random(20 * 1024 * 1024);
    const small = random(100_000);
    const { uppy } = window as unknown as { uppy: { addFile(file: { name: string; type: string; data: Blob }): void } };
    uppy.addFile({ name: 'big.bin', type: 'application/octet-stream', data: new Blob([big]) });
    uppy.addFile({ name: 'small.txt', type: 'text/plain', data: new Blob([small]) });
    return { 'big.bin': await hex(big), 'small.txt': await hex(small) };
  });

  const done = page.evaluate(
    () =>
      new Promise<Record<string, string>>((resolve, reject) => {
        const uppy = (window as unknown as { uppy: import('@uppy/core').default }).uppy;
        uppy.on('upload-error', (_file, error) => reject(error));
        uppy.on('complete', (result) => {
          const keys: Record<string, string> = {};
          for (const file of result.successful ?? []) keys[file.name ?? ''] = decodeURIComponent(new URL(file.uploadURL ?? '').pathname);
          resolve(keys);
        });
      }),
  );
  await page.getByRole('button', { name: /^Upload/ }).click();
  const paths = await done;

  expect(partPuts).toHaveLength(4); // 20 MiB at the stock plugin's 5 MiB parts
  for (const put of partPuts) expect(put.headers['content-md5']).toBeUndefined();

  const bucket = inject('s3').bucket;
  for (const name of ['big.bin', 'small.txt'] as const) {
    const key = paths[name]!.replace(`/${bucket}/`, '');
    expect(key).toMatch(/^demo\/[\w-]{22}\/[0-9a-f]{32}\//); // demo/<user id from the cookie>/<random id>/
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(sha256Hex(await object.Body!.transformToByteArray())).toBe(digests[name]);
  }
});
