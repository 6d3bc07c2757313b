/**
 * Our plugin in real Chromium, through the middleware, into the real S3 (radosgw): files of
 * every path (empty, one PUT, multipart) arrive byte for byte, with every part's MD5 signed in.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../helpers/launchChromium.js';
import { addSeededFiles, isPartPut, objectSha256, openPluginPage, pluginPage, readCounters, uploadAll } from '../helpers/pluginPage.js';
import { startPageServer, type PageServer } from '../helpers/startPageServer.js';
import { createTestS3Client } from '../helpers/testServer.js';

const MiB = 1024 * 1024;
let server: PageServer;
let browser: Browser;
let s3: S3Client;

beforeAll(async () => {
  [server, browser] = await Promise.all([startPageServer(pluginPage), launchChromium()]);
  s3 = createTestS3Client();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  s3?.destroy();
});

it('uploads an empty, a 3 MiB and a 40 MiB file byte for byte, every part with its Content-MD5', async () => {
  const page = await openPluginPage(browser, server.url);
  const puts: Request[] = [];
  page.on('request', (request) => {
    if (request.method() === 'PUT') puts.push(request);
  });
  const digests = await addSeededFiles(page, [
    { name: 'empty.bin', size: 0, seed: 1 },
    { name: 'small.bin', size: 3 * MiB, seed: 2 },
    { name: 'big.bin', size: 40 * MiB, seed: 3 },
  ]);

  const outcome = await uploadAll(page);

  expect(outcome.errors).toEqual({});
  for (const name of Object.keys(digests)) {
    expect(outcome.keys[name]).toMatch(/^test\/page\/[0-9a-f]{32}\//);
    expect(await objectSha256(s3, server.bucket, outcome.keys[name]!), name).toBe(digests[name]);
  }
  const partPuts = puts.filter(isPartPut);
  expect(partPuts).toHaveLength(5); // 40 MiB in the middleware's 8 MiB parts
  expect(puts).toHaveLength(7); // and one PUT each for the empty and the small file
  for (const put of puts) expect(put.headers()['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  const counters = await readCounters(page);
  expect(counters).toMatchObject({ partsUploaded: 5, partsVerified: 5, objectsVerified: 1, singleUploads: 2, retries: 0, resigns: 0 });
  console.log(`MD5 in the worker: ${(counters.hashedBytes / 1e3 / counters.hashMs).toFixed(0)} MB/s (${counters.hashedBytes} bytes in ${counters.hashMs} ms)`);
});
