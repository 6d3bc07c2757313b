/**
 * The upload benchmark's page: uploads the files chosen in `#files` with one contender and
 * reports how long it took. Contenders: our plugin with and without MD5, the stock
 * `@uppy/aws-s3` 6 as users install it (companionEndpoint mode, its defaults), and plain
 * parallel presigned PUTs of `File.slice` Blobs with no Uppy at all (the ceiling), our plugin with
 * the middleware spreading small files' URLs over two host names of the S3 (`ours-hosts`), and the same
 * with a Content-MD5 each, the part read twice (hashed, then sent) or once (runPlainMd5: the
 * read-once experiment). All go through the middleware at `/api` into the same bucket.
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import { paths, type BatchSignResponse } from '../../../contract.js';
import { S3ResumableUpload } from '../../../plugin/index.js';
import { recordProgress, type ProgressRecorder, type ProgressSample } from './recordProgress.js';
import { runPlainMd5 } from './runPlainMd5.js';
import { API, callApi, uploadInParts } from './uploadInParts.js';

export type Contender = 'ours' | 'ours-no-md5' | 'ours-hosts' | 'stock' | 'plain' | 'plain-md5' | 'plain-md5-once' | 'plain-md5-once-parallel' | 'ours-companion' | 'stock-companion';

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

function chosenFiles(): File[] {
  return Array.from((document.querySelector('#files') as HTMLInputElement).files ?? []);
}

/** Options of our plugin a profile may set (bench/studies/profileUpload.ts `--workers`); the defaults otherwise. */
export interface PluginOverrides {
  hashWorkers?: number;
  /** Where the upload server is (the `*-companion` contenders: Companion's URL), for both plugins. @default the middleware at /api */
  endpoint?: string;
}

/** One Uppy, one uploader, the chosen files; the clock stops at Uppy's 'complete', before the instance is torn down. */
async function runUppy(contender: 'ours' | 'ours-no-md5' | 'stock', files: File[], overrides: PluginOverrides): Promise<{ ms: number; errors: string[]; progress: ProgressSample[] }> {
  const uppy = new Uppy({ autoProceed: false });
  const { endpoint = API, ...options } = overrides;
  if (contender === 'stock') uppy.use(AwsS3, { companionEndpoint: endpoint });
  else uppy.use(S3ResumableUpload, { endpoint, md5: contender === 'ours', ...options });
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

/**
 * The ceiling: create, sign every part in batches of 100, PUT `File.slice` Blobs with `limit` in
 * flight (uploadInParts: fetch, no progress events, no retries, no MD5), complete.
 */
function runPlain(file: File, limit: number, progress: ProgressRecorder): Promise<void> {
  return uploadInParts(file, limit, progress, async ({ uploadId, key, parts }) => {
    const urls = new Map<number, BatchSignResponse['parts'][number]>();
    for (let at = 0; at < parts.length; at += 100) {
      const batch = parts.slice(at, at + 100).map((part) => ({ partNumber: part.partNumber, size: part.size }));
      const signed = await callApi<BatchSignResponse>(paths.batch(uploadId, key), { method: 'POST', body: JSON.stringify({ parts: batch }) });
      for (const part of signed.parts) urls.set(part.partNumber, part);
    }
    return { request: async (part) => ({ ...urls.get(part.partNumber)!, body: file.slice(part.start, part.end) }) };
  });
}

/** Uploads the chosen files with `contender`; the clock runs from the start to the last byte stored. */
async function run(contender: Contender, overrides: PluginOverrides = {}): Promise<RunResult> {
  const files = chosenFiles();
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  if (contender === 'ours' || contender === 'ours-no-md5' || contender === 'stock') return { ...(await runUppy(contender, files, overrides)), files: files.length, bytes };
  if (contender === 'ours-hosts') return { ...(await runUppy('ours', files, overrides)), files: files.length, bytes };
  if (contender === 'ours-companion' || contender === 'stock-companion') {
    return { ...(await runUppy(contender === 'ours-companion' ? 'ours' : 'stock', files, overrides)), files: files.length, bytes };
  }
  const errors: string[] = [];
  const started = performance.now();
  const progress = recordProgress(started);
  const modes = { 'plain-md5': 'twice', 'plain-md5-once': 'once', 'plain-md5-once-parallel': 'once-parallel' } as const;
  const plain = (file: File) => (contender === 'plain' ? runPlain(file, 6, progress) : runPlainMd5(file, 6, modes[contender], progress));
  for (const file of files) await plain(file).catch((error: unknown) => errors.push(`${file.name}: ${String(error)}`));
  return { ms: performance.now() - started, files: files.length, bytes, errors, progress: progress.finish() };
}

Object.assign(window, { bench: { run } });
document.body.dataset.ready = 'true';
