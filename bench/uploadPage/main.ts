/**
 * The upload benchmark's page: uploads the files chosen in `#files` with one contender and
 * reports how long it took. Contenders: our plugin with and without MD5, the stock
 * `@uppy/aws-s3` 6 as users install it (companionEndpoint mode, its defaults), and plain
 * parallel presigned PUTs of `File.slice` Blobs with no Uppy at all (the ceiling). All go through
 * the middleware at `/api` into the same bucket.
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import { paths, type BatchSignResponse, type CompleteResponse, type CreateMultipartResponse } from '../../contract.js';
import { S3ResumableUpload } from '../../plugin/index.js';
import { planParts } from '../../plugin/planParts.js';
import { recordProgress, type ProgressRecorder, type ProgressSample } from './recordProgress.js';

export type Contender = 'ours' | 'ours-no-md5' | 'stock' | 'plain';

export interface RunResult {
  ms: number;
  files: number;
  bytes: number;
  /** Why files failed (empty when all arrived). */
  errors: string[];
  /**
   * The upload's pace, sampled every 50 ms at most: bytes sent as Uppy's `upload-progress`
   * events tell it (for the plain PUTs, which fetch gives no upload progress, the bytes of
   * finished parts) and files stored (`upload-success`; plain: completed).
   */
  progress: ProgressSample[];
}

const API = '/api';

function chosenFiles(): File[] {
  return Array.from((document.querySelector('#files') as HTMLInputElement).files ?? []);
}

/** One Uppy, one uploader, the chosen files; the clock stops at Uppy's 'complete', before the instance is torn down. */
async function runUppy(contender: Exclude<Contender, 'plain'>, files: File[]): Promise<{ ms: number; errors: string[]; progress: ProgressSample[] }> {
  const uppy = new Uppy({ autoProceed: false });
  if (contender === 'stock') uppy.use(AwsS3, { companionEndpoint: API });
  else uppy.use(S3ResumableUpload, { endpoint: API, md5: contender === 'ours' });
  uppy.addFiles(files.map((file) => ({ name: file.name, type: file.type || 'application/octet-stream', data: file })));
  try {
    const started = performance.now();
    const progress = recordProgress(started);
    uppy.on('upload-progress', (file, { bytesUploaded }) => file && progress.sent(file.id, bytesUploaded));
    uppy.on('upload-success', () => progress.stored());
    const result = await uppy.upload();
    const ms = performance.now() - started;
    return { ms, errors: (result?.failed ?? []).map((file) => `${file.name}: ${file.error ?? 'failed'}`), progress: progress.finish() };
  } finally {
    uppy.destroy();
  }
}

async function callApi<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${API}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * The ceiling: create, sign every part in batches of 100, PUT `File.slice` Blobs with `limit` in
 * flight (fetch, no progress events, no retries, no MD5), complete.
 */
async function runPlain(file: File, limit: number, progress: ProgressRecorder): Promise<void> {
  const created = await callApi<CreateMultipartResponse>(paths.createMultipart(), {
    method: 'POST',
    body: JSON.stringify({ filename: file.name, type: 'application/octet-stream', size: file.size }),
  });
  const { key, uploadId } = created;
  const parts = planParts(file.size, created.partSize ?? 8 * 1024 * 1024);
  const urls = new Map<number, BatchSignResponse['parts'][number]>();
  for (let at = 0; at < parts.length; at += 100) {
    const batch = parts.slice(at, at + 100).map((part) => ({ partNumber: part.partNumber, size: part.size }));
    const signed = await callApi<BatchSignResponse>(paths.batch(uploadId, key), { method: 'POST', body: JSON.stringify({ parts: batch }) });
    for (const part of signed.parts) urls.set(part.partNumber, part);
  }
  const queue = parts.slice();
  const etags = new Map<number, string>();
  let sent = 0;
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const signed = urls.get(part.partNumber)!;
      const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: file.slice(part.start, part.end) });
      if (!response.ok) throw new Error(`part ${part.partNumber}: ${response.status}`);
      etags.set(part.partNumber, response.headers.get('etag') ?? '');
      sent += part.size;
      progress.sent(file.name, sent);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, parts.length) }, worker));
  await callApi<CompleteResponse>(paths.complete(uploadId, key), {
    method: 'POST',
    body: JSON.stringify({ parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: etags.get(part.partNumber) })) }),
  });
  progress.stored();
}

/** Uploads the chosen files with `contender`; the clock runs from the start to the last byte stored. */
async function run(contender: Contender): Promise<RunResult> {
  const files = chosenFiles();
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  if (contender !== 'plain') return { ...(await runUppy(contender, files)), files: files.length, bytes };
  const errors: string[] = [];
  const started = performance.now();
  const progress = recordProgress(started);
  for (const file of files) await runPlain(file, 6, progress).catch((error: unknown) => errors.push(`${file.name}: ${String(error)}`));
  return { ms: performance.now() - started, files: files.length, bytes, errors, progress: progress.finish() };
}

Object.assign(window, { bench: { run } });
document.body.dataset.ready = 'true';
