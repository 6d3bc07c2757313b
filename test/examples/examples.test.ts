/**
 * The examples, started as their users start them, against the run's S3, driven in Chromium
 * through Uppy's Dashboard: examples/fastify and examples/hono (`npm start`, serving the built
 * examples/page) and examples/nextjs (`next build`, then `next start`). In each, a visitor uploads
 * a 20 MiB file with our plugin and another with the stock @uppy/aws-s3 6; both land under that
 * visitor's `users/<id>/` byte for byte, and the example's completion hook logs the multipart one; a second visitor is refused that visitor's upload, and a
 * request without the cookie is refused everything. The package itself is built first (`npm run
 * build`): the examples import it as users do, through its `exports`.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CreateMultipartResponse } from '../../contract.js';
import { freePort } from '../../scripts/freePort.js';
import { s3ConfigToEnv } from '../../scripts/s3ConfigFromEnv.js';
import { sha256Hex } from '../helpers/callApi.js';
import { launchPlaywrightChromium } from '../harness/engines/launchChromium.js';
import { objectSha256 } from '../helpers/pluginPage.js';
import { runToEnd, startProcess, type Command } from '../harness/startCommand.js';
import { createTestS3Client } from '../harness/testServer.js';

const MiB = 1024 * 1024;
const ENDPOINT = '/api/upload';
const env = () => ({
  ...s3ConfigToEnv(inject('s3')),
  NEXT_TELEMETRY_DISABLED: '1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

let browser: Browser;
let s3: S3Client;
let files: string;
/** Two 20 MiB files of random bytes on disk, one per uploader, and their SHA-256. */
const upload = { ours: { name: 'ours.bin', path: '', sha256: '' }, stock: { name: 'stock.bin', path: '', sha256: '' } };

beforeAll(async () => {
  files = await mkdtemp(join(tmpdir(), 'examples-'));
  for (const file of Object.values(upload)) {
    const bytes = randomBytes(20 * MiB);
    file.path = join(files, file.name);
    file.sha256 = sha256Hex(bytes);
    await writeFile(file.path, bytes);
  }
  // The examples import the package through its exports (dist/), and the Fastify and Hono ones serve the built page.
  await runToEnd('npm', ['run', 'build'], { env: env() });
  await runToEnd('npm', ['run', 'build', '--workspace', 'examples/page'], { env: env() });
  browser = await launchPlaywrightChromium();
  s3 = createTestS3Client();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  s3?.destroy();
  if (files) await rm(files, { recursive: true, force: true });
});

/** Opens the app's page in a fresh context (a new visitor); answers the page and the visitor's id from its cookie. */
async function visit(origin: string, query = ''): Promise<{ context: BrowserContext; page: Page; user: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${origin}/${query}`);
  const user = (await context.cookies()).find((cookie) => cookie.name === 'user')?.value;
  expect(user).toMatch(/^[0-9a-f-]{36}$/);
  return { context, page, user: user! };
}

/** Picks `path` in the Dashboard, presses Upload, waits for the status bar to say it is done; answers the requests the page sent S3. */
async function uploadThroughDashboard(page: Page, path: string): Promise<{ puts: number; putsWithMd5: number; posts: number }> {
  const toS3 = { puts: 0, putsWithMd5: 0, posts: 0 };
  const origin = new URL(page.url()).origin;
  page.on('request', (request) => {
    if (request.url().startsWith(origin)) return;
    if (request.method() === 'POST') toS3.posts += 1;
    if (request.method() !== 'PUT') return;
    toS3.puts += 1;
    if (request.headers()['content-md5'] !== undefined) toS3.putsWithMd5 += 1;
  });
  await page.locator('input.uppy-Dashboard-input[type=file]:not([webkitdirectory])').first().setInputFiles(path);
  await page.getByRole('button', { name: /^Upload/ }).click();
  const statusBar = page.locator('.uppy-StatusBar.is-complete, .uppy-StatusBar.is-error');
  await statusBar.waitFor({ timeout: 120_000 });
  expect(await statusBar.getAttribute('class')).toContain('is-complete');
  return toS3;
}

/** Calls the upload routes from the page, with its cookies, as the plugins do. */
function callFromPage(page: Page, method: string, path: string, json?: unknown): Promise<{ status: number; body: { code?: string } & Partial<CreateMultipartResponse> }> {
  return page.evaluate(
    async ({ method, url, json }) => {
      const response = await fetch(url, { method, headers: json === undefined ? {} : { 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
      return { status: response.status, body: await response.json() };
    },
    { method, url: `${ENDPOINT}${path}`, json },
  );
}

const EXAMPLES = [
  { name: 'Fastify', dir: 'examples/fastify' },
  { name: 'Hono', dir: 'examples/hono' },
  { name: 'Next.js', dir: 'examples/nextjs', build: true },
];

describe.each(EXAMPLES)('examples: $name', ({ name, dir, build }) => {
  let app: Command;
  let origin: string;

  beforeAll(async () => {
    if (build) {
      // From scratch, as on a fresh clone: no build output or cache of an earlier run.
      await rm(join(dir, '.next'), { recursive: true, force: true });
      const { seconds } = await runToEnd('npm', ['run', 'build'], { cwd: dir, env: env() });
      console.log(`[numbers] ${name} example: \`next build\` took ${seconds.toFixed(1)} s`);
    }
    const port = await freePort();
    app = startProcess('npm', ['start'], { cwd: dir, env: { ...env(), PORT: String(port) }, readyWhen: /Listening on|Ready in/ });
    await app.ready;
    origin = `http://127.0.0.1:${port}`;
  }, 600_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('a visitor uploads a 20 MiB file with our plugin and one with the stock @uppy/aws-s3 6: both land under users/<id>/, byte for byte', async () => {
    const ours = await visit(origin);
    // Our plugin: 8 MiB parts (3, more if one is retried), each with its MD5.
    const sentByOurs = await uploadThroughDashboard(ours.page, upload.ours.path);
    expect(sentByOurs.puts).toBeGreaterThanOrEqual(3);
    expect(sentByOurs).toMatchObject({ putsWithMd5: sentByOurs.puts, posts: 0 });
    // The example's completion hook logged the object as the server found it in S3 (3 parts: the multipart ETag).
    const logged = new RegExp(`Upload complete \\(complete\\): users/${ours.user}/[0-9a-f]{32}/ours\\.bin, ${20 * MiB} bytes, ETag "[0-9a-f]{32}-3"`);
    await expect.poll(() => app.output(), { timeout: 10_000 }).toMatch(logged);
    // The same visitor, the page with the stock plugin: a file under its 100 MiB threshold goes up as one POST form.
    const stockPage = await ours.context.newPage();
    await stockPage.goto(`${origin}/?uploader=stock`);
    expect(await uploadThroughDashboard(stockPage, upload.stock.path)).toEqual({ puts: 0, putsWithMd5: 0, posts: 1 });

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: inject('s3').bucket, Prefix: `users/${ours.user}/` }));
    const keys = (listed.Contents ?? []).map((object) => object.Key!);
    expect(keys).toHaveLength(2);
    for (const file of Object.values(upload)) {
      const key = keys.find((k) => k.endsWith(`/${file.name}`));
      expect(key, file.name).toMatch(new RegExp(`^users/${ours.user}/[0-9a-f]{32}/${file.name.replace('.', '\\.')}$`));
      expect(await objectSha256(s3, inject('s3').bucket, key!)).toBe(file.sha256);
    }
    await ours.context.close();
  }, 300_000);

  it("a second visitor is refused the first one's upload, a request without the cookie everything, a body over 1 MiB with 413", async () => {
    const first = await visit(origin);
    const created = await callFromPage(first.page, 'POST', '/s3/multipart', { filename: 'private.bin' });
    expect(created.status).toBe(200);
    const { key, uploadId } = created.body as CreateMultipartResponse;
    expect(key.startsWith(`users/${first.user}/`)).toBe(true);
    const id = encodeURIComponent(uploadId);
    const query = `key=${encodeURIComponent(key)}`;

    const second = await visit(origin);
    expect(second.user).not.toBe(first.user);
    for (const [method, path, json] of [
      ['GET', `/s3/multipart/${id}/1?${query}`],
      ['POST', `/s3/multipart/${id}/batch?${query}`, { parts: [{ partNumber: 1 }] }],
      ['GET', `/s3/multipart/${id}?${query}`],
      ['POST', `/s3/multipart/${id}/complete?${query}`, { parts: [{ PartNumber: 1, ETag: '"0"' }] }],
      ['DELETE', `/s3/multipart/${id}?${query}`],
    ] as const) {
      expect(await callFromPage(second.page, method, path, json), `${method} ${path}`).toMatchObject({ status: 403, body: { code: 'key_forbidden' } });
    }
    const anonymous = await fetch(`${origin}${ENDPOINT}/s3/multipart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"filename":"a.bin"}' });
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toMatchObject({ code: 'forbidden' });

    // The framework lets the handler keep its own body limit (Next.js route handlers have none of their own).
    expect(await callFromPage(first.page, 'POST', '/s3/multipart', { filename: 'big.json', pad: 'x'.repeat(2 * MiB) })).toMatchObject({ status: 413, body: { code: 'body_too_large' } });

    // Still the first visitor's to abort.
    expect((await callFromPage(first.page, 'DELETE', `/s3/multipart/${id}?${query}`)).status).toBe(200);
    await first.context.close();
    await second.context.close();
  });
});
