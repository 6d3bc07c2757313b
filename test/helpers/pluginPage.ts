import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import type { FileCounters, UploadCounters } from '../../plugin/index.js';
import { sha256Hex } from './callApi.js';

/** A file the page makes from a seed, so it can make the same bytes again after a reload. */
export interface SeededFile {
  name: string;
  size: number;
  seed: number;
}

/** What `window` holds on the test page (test/browser/pluginPage/main.ts). */
export interface PageGlobals {
  uppy: import('@uppy/core').default;
  plugin: { getCounters(): UploadCounters; getFileCounters(fileID: string): FileCounters | undefined };
  page: { makeFile(name: string, size: number, seed: number): File; sha256(blob: Blob): Promise<string>; headerCalls(): number };
}

const pluginPage = new URL('../browser/pluginPage/', import.meta.url);
export { pluginPage };

/** Opens the test page with the given query (`limit`, `partSize`, `golden`) and waits until it is ready. */
export async function openPluginPage(browser: Browser, base: string, query: Record<string, string | number> = {}): Promise<Page> {
  const page = await browser.newPage();
  // Vite's dev client may fail to open its (unused) websocket when the tests go offline: not the page's fault.
  page.on('pageerror', (error) => {
    if (!/WebSocket/.test(error.message)) console.error('page error:', error);
  });
  await gotoPluginPage(page, base, query);
  return page;
}

export async function gotoPluginPage(page: Page, base: string, query: Record<string, string | number> = {}): Promise<void> {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  await page.goto(`${base}?${search}`);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
}

/** Adds seeded files to Uppy; answers each file's SHA-256 by name. */
export function addSeededFiles(page: Page, files: SeededFile[]): Promise<Record<string, string>> {
  return page.evaluate(async (specs) => {
    const { uppy, page: helpers } = window as unknown as PageGlobals;
    const digests: Record<string, string> = {};
    for (const spec of specs) {
      const file = helpers.makeFile(spec.name, spec.size, spec.seed);
      uppy.addFile({ name: spec.name, type: file.type, data: file });
      digests[spec.name] = await helpers.sha256(file);
    }
    return digests;
  }, files);
}

export interface UploadOutcome {
  /** Object key by file name, from `upload-success`'s `body.key`. */
  keys: Record<string, string>;
  /** `upload-success`'s `uploadURL` by file name. */
  urls: Record<string, string>;
  /** `upload-success`'s `body.etag` by file name (our plugin's; the stock one sends none). */
  etags: Record<string, string>;
  /** Error message (with its code) by file name. */
  errors: Record<string, string>;
}

/** Starts `uppy.upload()` (or only listens when `start` is false) and waits for 'complete'. */
export function uploadAll(page: Page, { start = true }: { start?: boolean } = {}): Promise<UploadOutcome> {
  return page.evaluate(
    (start) =>
      new Promise<UploadOutcome>((resolve) => {
        const { uppy } = window as unknown as PageGlobals;
        const outcome: UploadOutcome = { keys: {}, urls: {}, etags: {}, errors: {} };
        uppy.on('upload-success', (file, response) => {
          const body = response.body as { key?: string; etag?: string } | undefined;
          outcome.keys[file?.name ?? ''] = body?.key ?? '';
          outcome.etags[file?.name ?? ''] = body?.etag ?? '';
          outcome.urls[file?.name ?? ''] = response.uploadURL ?? '';
        });
        uppy.on('upload-error', (file, error) => {
          outcome.errors[file?.name ?? ''] = `${(error as { code?: string }).code ?? error.name}: ${error.message}`;
        });
        uppy.on('complete', () => resolve(outcome));
        if (start) void uppy.upload().catch((error: unknown) => (outcome.errors['*'] = String(error)));
      }),
    start,
  );
}

/** Retries the page's first file (`uppy.retryUpload`); answers its key and whether it completed. */
export function retryFirstFile(page: Page): Promise<{ key: string; complete: boolean | undefined }> {
  return page.evaluate(async () => {
    const { uppy } = window as unknown as PageGlobals;
    const file = uppy.getFiles()[0]!;
    let key = '';
    uppy.on('upload-success', (_file, response) => (key = (response.body as unknown as { key: string }).key));
    await uppy.retryUpload(file.id);
    return { key, complete: uppy.getFile(file.id).progress.uploadComplete };
  });
}

export function readCounters(page: Page): Promise<UploadCounters> {
  return page.evaluate(() => (window as unknown as PageGlobals).plugin.getCounters());
}

/** Each file's own counters, by file name. */
export function readFileCounters(page: Page): Promise<Record<string, FileCounters | undefined>> {
  return page.evaluate(() => {
    const { uppy, plugin } = window as unknown as PageGlobals;
    return Object.fromEntries(uppy.getFiles().map((file) => [file.name ?? '', plugin.getFileCounters(file.id)]));
  });
}

export async function objectSha256(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return sha256Hex(await object.Body!.transformToByteArray());
}

/** Part PUTs seen by the page (to radosgw, with `partNumber=` in the URL). */
export function isPartPut(request: { method(): string; url(): string }): boolean {
  return request.method() === 'PUT' && /[?&]partNumber=\d+/.test(request.url());
}

export function partNumberOf(url: string): number {
  return Number(new URL(url).searchParams.get('partNumber'));
}

/** Slows the page's uplink (Chrome DevTools Protocol), so the tests can act mid-upload. */
export async function throttle(page: Page, bytesPerSecond: number, latencyMs = 10): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: latencyMs, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
}

/** Pauses or resumes the page's first file, as its Dashboard button would (`uppy.pauseResume`). */
export async function togglePause(page: Page): Promise<void> {
  await page.evaluate(() => {
    const { uppy } = window as unknown as PageGlobals;
    uppy.pauseResume(uppy.getFiles()[0]!.id);
  });
}
