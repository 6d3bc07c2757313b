/**
 * The demo in real Chromium against the real S3, what only Chromium runs here (the same upload
 * with our plugin runs in every engine: demoUpload.test.ts): the switch to the stock
 * `@uppy/aws-s3` 6 (page from Vite) and a 30 MiB upload with it, the panel showing every part,
 * the ETag S3 holds and a working download link; a reload mid-upload resumed by re-selecting the
 * file (the CDP throttles the uplink); small files; two browsers (two cookies) that cannot reach
 * each other's uploads. A screenshot goes to test/output/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDemoServer, type DemoServer } from '../../demo/createDemoServer.js';
import { USER_COOKIE } from '../../demo/demoUsers.js';
import { demoViteConfig } from '../../demo/demoViteConfig.js';
import { multipartETag } from '../../middleware/core/multipartETag.js';
import { md5Hex, randomData, sha256Hex } from '../helpers/callApi.js';
import { launchPlaywrightChromium } from '../harness/engines/launchChromium.js';
import { objectSha256 } from '../helpers/pluginPage.js';
import { createTestS3Client } from '../harness/testServer.js';

const MiB = 1024 * 1024;

/** Part PUTs seen by the page (to S3, with `partNumber=` in the URL). */
const isPartPut = (request: { method(): string; url(): string }) => request.method() === 'PUT' && /[?&]partNumber=\d+/.test(request.url());
const partNumberOf = (url: string) => Number(new URL(url).searchParams.get('partNumber'));
const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url));

let browser: Browser;
let s3: S3Client;
let workDir: string;
const servers: DemoServer[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'demo-test-'));
  browser = await launchPlaywrightChromium();
  s3 = createTestS3Client();
  await mkdir(OUTPUT, { recursive: true });
});
afterEach(async () => {
  await Promise.all(browser.contexts().map((context) => context.close()));
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((server) => server.close()));
  s3?.destroy();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** The demo from Vite (development), or from a fresh build of the page (what `npm run demo:prod` serves). */
async function startDemo(from: 'vite' | 'build'): Promise<DemoServer> {
  const options = { s3: inject('s3'), port: 0, log: () => {} };
  let server: DemoServer;
  if (from === 'vite') {
    server = await createDemoServer({ ...options, cacheDir: await mkdtemp(join(workDir, 'vite-')) });
  } else {
    const outDir = join(workDir, 'assets');
    await build({ ...demoViteConfig({ outDir }), logLevel: 'error' });
    server = await createDemoServer({ ...options, assets: outDir });
  }
  servers.push(server);
  return server;
}

/**
 * Picks a file through the Dashboard's own file input, as a person does, and presses Upload. The
 * file is on disk, as a person's is: handing Playwright the bytes sends them through the DevTools
 * protocol, which under load took longer than the 30 s the input is given.
 */
async function uploadThroughDashboard(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const path = join(await mkdtemp(join(workDir, 'pick-')), name);
  await writeFile(path, bytes);
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
  await page.getByRole('button', { name: /^Upload 1 file/ }).click();
}

interface PanelCard {
  state: string | undefined;
  partsDone: number;
  partsTotal: number;
  resigns: string;
  retries: string;
  key: string;
  etag: string;
  download: string;
}

async function completedCard(page: Page): Promise<PanelCard> {
  const card = page.locator('[data-testid=file]');
  await card.and(page.locator('[data-state=complete]')).waitFor({ timeout: 60_000 });
  const parts = card.getByTestId('parts');
  return {
    state: (await card.getAttribute('data-state')) ?? undefined,
    partsDone: Number(await parts.getAttribute('data-done')),
    partsTotal: Number(await parts.getAttribute('data-total')),
    resigns: await card.locator('dd[data-row=resigns]').innerText(),
    retries: await card.locator('dd[data-row=retries]').innerText(),
    key: await card.locator('dd[data-row=key]').innerText(),
    etag: await card.getByTestId('etag').innerText(),
    download: (await card.getByTestId('download').getAttribute('href')) ?? '',
  };
}

async function downloadSha256(url: string): Promise<string> {
  const answer = await fetch(url);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-disposition')).toMatch(/^attachment/);
  return sha256Hex(new Uint8Array(await answer.arrayBuffer()));
}

/** The ETag S3 gives an object cut into parts of `partSize` (the middleware's `md5(part md5s)-N`). */
function expectedETag(bytes: Uint8Array, partSize: number): string | undefined {
  const partMd5s: string[] = [];
  for (let at = 0; at < bytes.length; at += partSize) partMd5s.push(md5Hex(bytes.subarray(at, at + partSize)));
  return multipartETag(partMd5s);
}

describe('the demo page', () => {
  it('switches to the stock @uppy/aws-s3 (page from Vite) and uploads the same way: 6/6 parts accepted, not verified', async () => {
    const demo = await startDemo('vite');
    const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
    await page.goto(demo.url);
    await page.getByRole('link', { name: /Stock @uppy\/aws-s3/ }).click();
    await page.waitForURL(/uploader=stock/);
    await expect.poll(() => page.locator('#use-stock').getAttribute('aria-current')).toBe('page');
    const file = randomData(30 * MiB);
    const partPuts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('partNumber=')) partPuts.push(request.headers()['content-md5'] ?? '');
    });
    await uploadThroughDashboard(page, 'thirty.bin', file);

    const card = await completedCard(page);
    expect(card).toMatchObject({ partsDone: 6, partsTotal: 6, resigns: '(not reported)', retries: '(not reported)' });
    expect(await page.locator('[data-testid=file] [data-testid=parts]').innerText()).toContain('not verified');
    expect(partPuts).toEqual(['', '', '', '', '', '']); // the stock plugin sends no Content-MD5
    expect(card.etag).toBe(expectedETag(file, 5 * MiB));
    expect(await objectSha256(s3, inject('s3').bucket, card.key)).toBe(sha256Hex(file));
    expect(await downloadSha256(card.download)).toBe(sha256Hex(file));
    await page.screenshot({ path: join(OUTPUT, 'demo-stock.png') });
  });

  it('resumes after a reload mid-upload: the file re-selected in the Dashboard, only the parts S3 lacks are sent', async () => {
    const demo = servers[0] ?? (await startDemo('build'));
    const file = randomData(100 * MiB); // 13 parts of 8 MiB: six at a time, so a reload finds some stored and some not
    const path = join(workDir, 'hundred.bin');
    await writeFile(path, file);
    const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 25_000_000 });
    let reloaded = false;
    const storedBefore = new Set<number>();
    const sentAfter: number[] = [];
    page.on('requestfinished', async (request) => {
      if (!reloaded && isPartPut(request) && (await request.response())?.status() === 200) storedBefore.add(partNumberOf(request.url()));
    });
    page.on('request', (request) => {
      if (reloaded && isPartPut(request)) sentAfter.push(partNumberOf(request.url()));
    });
    await page.goto(demo.url);
    await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
    await page.getByRole('button', { name: /^Upload 1 file/ }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=parts]')?.getAttribute('data-done')) >= 6);

    await page.reload();
    reloaded = true;
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    // Golden Retriever kept the upload, not the 100 MiB of bytes: the card says what to do.
    await expect.poll(() => page.locator('[data-testid=file] [data-testid=status]').innerText()).toContain('Re-select the file');
    // The card still counts the parts verified before the reload, not 0.
    expect(Number(await page.locator('[data-testid=parts]').getAttribute('data-done'))).toBeGreaterThanOrEqual(6);
    await page.getByRole('button', { name: 'Re-select' }).click();
    await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
    await page.getByRole('button', { name: /^Upload 1 file/ }).click();

    const card = await completedCard(page);
    expect(card).toMatchObject({ partsDone: 13, partsTotal: 13 });
    expect(storedBefore.size).toBeGreaterThanOrEqual(6);
    for (const part of sentAfter) expect(storedBefore.has(part), `part ${part} was sent again`).toBe(false);
    expect(sentAfter.length).toBeLessThanOrEqual(13 - storedBefore.size);
    expect(await objectSha256(s3, inject('s3').bucket, card.key)).toBe(sha256Hex(file));
    console.log(`[numbers] demo reload: ${storedBefore.size} of 13 parts stored before the reload, ${sentAfter.length} sent after it`);
  });

  it('shows small files (one request each, with either uploader) as 1/1, with the ETag S3 holds', async () => {
    const demo = servers[0] ?? (await startDemo('build'));
    const small = randomData(100_000);
    for (const query of ['', '?uploader=stock']) {
      const page = await browser.newPage();
      await page.goto(`${demo.url}${query}`);
      await page.locator('.uppy-Dashboard-input').first().setInputFiles([
        { name: 'small.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(small) },
        { name: 'empty.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(0) },
      ]);
      await page.getByRole('button', { name: /^Upload 2 files/ }).click();
      await expect.poll(() => page.locator('[data-testid=file][data-state=complete]').count(), { timeout: 30_000 }).toBe(2);
      const cards = await page.locator('[data-testid=file]').evaluateAll((nodes) =>
        nodes.map((node) => ({
          name: node.querySelector('.name')?.textContent,
          parts: node.querySelector('[data-testid=parts]')?.textContent,
          etag: node.querySelector('[data-testid=etag]')?.textContent,
        })),
      );
      const verdict = query ? 'accepted by S3 (no MD5: not verified)' : 'verified by S3 (Content-MD5)';
      expect(cards, query || 'our plugin').toEqual([
        { name: 'small.bin', parts: `1 / 1 ${verdict}`, etag: `"${md5Hex(small)}"` },
        { name: 'empty.bin', parts: `1 / 1 ${verdict}`, etag: `"${md5Hex(new Uint8Array())}"` },
      ]);
      await page.close();
    }
  });

  it("gives each browser its own HttpOnly user id; one cannot reach another's upload", async () => {
    const demo = servers[0] ?? (await startDemo('build'));
    const alice = await browser.newContext();
    const bob = await browser.newContext();
    const [alicePage, bobPage] = await Promise.all([alice.newPage(), bob.newPage()]);
    await Promise.all([alicePage.goto(demo.url), bobPage.goto(demo.url)]);
    const [aliceCookie] = await alice.cookies(demo.url);
    const [bobCookie] = await bob.cookies(demo.url);
    expect(aliceCookie).toMatchObject({ name: USER_COOKIE, httpOnly: true, sameSite: 'Strict' });
    expect(bobCookie?.value).not.toBe(aliceCookie?.value);

    const created = await alicePage.evaluate(async () => {
      const answer = await fetch('/api/s3/multipart', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filename: 'a.bin', type: 'application/octet-stream', metadata: {} }) });
      return (await answer.json()) as { key: string; uploadId: string };
    });
    const asBob = (path: string, method = 'GET', json?: unknown) =>
      bobPage.evaluate(async ({ path, method, json }) => {
        const body = json === undefined ? undefined : JSON.stringify(json);
        const answer = await fetch(path, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
        return { status: answer.status, body: (await answer.json()) as { code?: string } };
      }, { path, method, json });
    const query = `key=${encodeURIComponent(created.key)}`;
    const md5 = encodeURIComponent(Buffer.from(md5Hex(new Uint8Array()), 'hex').toString('base64'));
    // Every operation on Alice's upload, with its uploadId and key known, from Bob's browser (his cookie).
    for (const [path, method, json] of [
      [`/api/s3/multipart/${created.uploadId}?${query}`, 'GET', undefined],
      [`/api/s3/multipart/${created.uploadId}/1?${query}`, 'GET', undefined],
      [`/api/s3/multipart/${created.uploadId}/1?${query}&md5=${md5}&size=0`, 'GET', undefined],
      [`/api/s3/multipart/${created.uploadId}/batch?${query}`, 'POST', { parts: [{ partNumber: 1 }, { partNumber: 2 }] }],
      [`/api/s3/multipart/${created.uploadId}/batch?${query}&partNumbers=1,2`, 'GET', undefined],
      [`/api/s3/multipart/${created.uploadId}/complete?${query}`, 'POST', { parts: [{ PartNumber: 1, ETag: '"0"' }] }],
      [`/api/s3/multipart/${created.uploadId}?${query}`, 'DELETE', undefined],
      [`/demo/object?${query}`, 'GET', undefined],
    ] as const) {
      expect(await asBob(path, method, json), `${method} ${path}`).toEqual({ status: 403, body: expect.objectContaining({ code: 'key_forbidden' }) });
    }
    // Nothing Bob sent touched it: Alice still lists it (no parts yet).
    expect(await alicePage.evaluate(async (path) => (await fetch(path)).json(), `/api/s3/multipart/${created.uploadId}?${query}`)).toEqual([]);
    // A key that climbs out of Bob's prefix is refused as malformed, before any ownership question.
    await expect.poll(() => bobPage.locator('#prefix').innerText()).toMatch(/^demo\/[\w-]{22}\/$/);
    const prefix = await bobPage.locator('#prefix').innerText();
    const climbing = `${prefix}../${created.key.split('/')[1]}/x`;
    expect(await asBob(`/demo/object?key=${encodeURIComponent(climbing)}`)).toEqual({ status: 400, body: expect.objectContaining({ code: 'invalid_key' }) });
    // Alice still owns it and aborts it.
    expect(await alicePage.evaluate(async (path) => (await fetch(path, { method: 'DELETE' })).status, `/api/s3/multipart/${created.uploadId}?${query}`)).toBe(200);
  });
});
