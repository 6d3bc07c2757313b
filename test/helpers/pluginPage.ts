/**
 * The browser tests' plugin page (test/browser/pluginPage/), driven the same way in every engine
 * through {@link EnginePage}: open it, add files made from a seed, upload and wait for the outcome,
 * read the plugin's counters. What reached S3 is read from the fault proxy's records, which every
 * engine's requests pass.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FileCounters, UploadCounters } from '../../plugin/index.js';
import type { EnginePage } from '../harness/engines/EngineBrowser.js';
import type { ProxyRecord } from '../harness/startFaultProxy.js';
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
  page: {
    makeFile(name: string, size: number, seed: number): File;
    sha256(blob: Blob): Promise<string>;
    headerCalls(): number;
    md5OfPicked(ranges: Array<[number, number]>): Promise<string[]>;
    /** Reloads the page from inside the plugin's first timeline event of this type. */
    reloadOn(type: string): void;
    /** Whether Golden Retriever has saved the file of this name (so that a reload brings it back). */
    goldenRetrieverHas(name: string): Promise<boolean>;
    /** The warnings Uppy logged (the plugin's among them). */
    warnings(): string[];
    /** What the page's Content-Security-Policy refused, as `directive blocked-URI` (e.g. `script-src wasm-eval`). */
    violations(): string[];
  };
}

const pluginPage = new URL('../browser/pluginPage/', import.meta.url);
export { pluginPage };

export type PageQuery = Record<string, string | number>;

/** Loads the test page with the given query (`limit`, `partSize`, `golden`…) and waits until it is ready. */
export async function gotoPluginPage(page: EnginePage, base: string, query: PageQuery = {}): Promise<void> {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  await page.goto(`${base}?${search}`);
  await page.waitFor(() => document.body?.dataset.ready === 'true', undefined, { what: 'the test page to be ready' });
}

/** Adds seeded files to Uppy; answers each file's SHA-256 by name. */
export function addSeededFiles(page: EnginePage, files: SeededFile[]): Promise<Record<string, string>> {
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
  /** `upload-success`'s `body.serverData` by file name: what the server's completion hook answered. */
  serverData: Record<string, unknown>;
  /** Error message (with its code) by file name. */
  errors: Record<string, string>;
}

interface OutcomeWindow {
  uploadOutcome?: UploadOutcome & { done: boolean };
  uploadOutcomeListening?: boolean;
}

/**
 * From now on, records in the page what becomes of the uploads (successes, errors) until the
 * next 'complete'; with `start`, starts `uppy.upload()`. Read it with {@link waitForOutcome}.
 */
export function watchOutcome(page: EnginePage, { start = true }: { start?: boolean } = {}): Promise<void> {
  return page.evaluate((start) => {
    const w = window as unknown as OutcomeWindow & PageGlobals;
    w.uploadOutcome = { keys: {}, urls: {}, etags: {}, serverData: {}, errors: {}, done: false };
    if (!w.uploadOutcomeListening) {
      w.uploadOutcomeListening = true;
      const { uppy } = w;
      uppy.on('upload-success', (file, response) => {
        const body = response.body as { key?: string; etag?: string; serverData?: unknown } | undefined;
        if (body?.serverData !== undefined) w.uploadOutcome!.serverData[file?.name ?? ''] = body.serverData;
        w.uploadOutcome!.keys[file?.name ?? ''] = body?.key ?? '';
        w.uploadOutcome!.etags[file?.name ?? ''] = body?.etag ?? '';
        w.uploadOutcome!.urls[file?.name ?? ''] = response.uploadURL ?? '';
      });
      uppy.on('upload-error', (file, error) => {
        w.uploadOutcome!.errors[file?.name ?? ''] = `${(error as { code?: string }).code ?? error.name}: ${error.message}`;
      });
      uppy.on('complete', () => (w.uploadOutcome!.done = true));
    }
    if (start) void w.uppy.upload().catch((error: unknown) => (w.uploadOutcome!.errors['*'] = String(error)));
  }, start);
}

/** Waits for the 'complete' after {@link watchOutcome} and answers what became of the uploads. */
export async function waitForOutcome(page: EnginePage, timeout = 240_000): Promise<UploadOutcome> {
  const { done: _done, ...outcome } = await page.waitFor(
    () => {
      const outcome = (window as unknown as OutcomeWindow).uploadOutcome;
      return outcome?.done ? outcome : undefined;
    },
    undefined,
    { timeout, what: "Uppy's 'complete'" },
  );
  return outcome;
}

/** Starts `uppy.upload()` (or only listens when `start` is false) and waits for 'complete'. */
export async function uploadAll(page: EnginePage, options: { start?: boolean } = {}): Promise<UploadOutcome> {
  await watchOutcome(page, options);
  return waitForOutcome(page);
}

/** Retries the page's first file (`uppy.retryUpload`, which emits no 'complete'); answers its key and whether it completed. */
export async function retryFirstFile(page: EnginePage): Promise<{ key: string; complete: boolean | undefined }> {
  await page.evaluate(() => {
    const w = window as unknown as PageGlobals & { retried?: { key: string; done: boolean } };
    const retried: { key: string; done: boolean } = (w.retried = { key: '', done: false });
    const file = w.uppy.getFiles()[0]!;
    w.uppy.on('upload-success', (_file, response) => (retried.key = (response.body as unknown as { key: string }).key));
    const finish = () => (retried.done = true);
    w.uppy.retryUpload(file.id).then(finish, finish);
  });
  const { key } = await page.waitFor(() => {
    const { retried } = window as unknown as { retried: { key: string; done: boolean } };
    return retried.done ? retried : undefined;
  }, undefined, { timeout: 240_000, what: 'uppy.retryUpload() to settle' });
  const complete = await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles()[0]!.progress.uploadComplete);
  return { key, complete };
}

export function readCounters(page: EnginePage): Promise<UploadCounters> {
  return page.evaluate(() => (window as unknown as PageGlobals).plugin.getCounters());
}

/** Each file's own counters, by file name. */
export function readFileCounters(page: EnginePage): Promise<Record<string, FileCounters | undefined>> {
  return page.evaluate(() => {
    const { uppy, plugin } = window as unknown as PageGlobals;
    return Object.fromEntries(uppy.getFiles().map((file) => [file.name ?? '', plugin.getFileCounters(file.id) ?? null])) as Record<string, FileCounters | undefined>;
  });
}

/** Waits until the plugin counted at least `count` parts uploaded. */
export function partsUploaded(page: EnginePage, count: number, timeout = 60_000): Promise<unknown> {
  return page.waitFor((n) => (window as unknown as PageGlobals).plugin.getCounters().partsUploaded >= n, count, { timeout, what: `${count} parts uploaded` });
}

/** Pauses or resumes the page's first file, as its Dashboard button would (`uppy.pauseResume`). */
export async function togglePause(page: EnginePage): Promise<void> {
  await page.evaluate(() => {
    const { uppy } = window as unknown as PageGlobals;
    uppy.pauseResume(uppy.getFiles()[0]!.id);
  });
}

export async function objectSha256(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return sha256Hex(await object.Body!.transformToByteArray());
}

/** Part PUTs among the proxy's records (`?partNumber=` in the URL). */
export function partPuts(records: ProxyRecord[]): ProxyRecord[] {
  return records.filter((record) => record.method === 'PUT' && record.partNumber !== undefined);
}

/** PUTs to S3 among the proxy's records (parts and small files' single PUTs). */
export function s3Puts(records: ProxyRecord[]): ProxyRecord[] {
  return records.filter((record) => record.method === 'PUT');
}

/** The part numbers S3 stored (200), in the order the PUTs arrived. */
export function storedParts(records: ProxyRecord[]): number[] {
  return partPuts(records)
    .filter((record) => record.status === 200)
    .map((record) => record.partNumber!);
}
