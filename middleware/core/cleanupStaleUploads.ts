import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { s3ErrorCode } from './mapS3Error.js';
import { createClient, integerIn, invalid } from './options.js';

/** An incomplete multipart upload, as ListMultipartUploads names it. */
export interface IncompleteUpload {
  key: string;
  uploadId: string;
  /** When it was created (CreateMultipartUpload), by the store's clock. */
  initiated: Date;
}

/** An upload whose abort failed, and why (the S3 error code and message). */
export interface FailedAbort extends IncompleteUpload {
  error: string;
}

/**
 * What became of one upload: `kept` (younger than `olderThan`), `would-abort` (stale, on a dry
 * run), `aborted`, `gone` (stale, but completed or aborted by someone else before we got to it),
 * `failed` (the abort failed; `error` says why).
 */
export type CleanupOutcome = 'kept' | 'would-abort' | 'aborted' | 'gone' | 'failed';

/** One upload and what became of it, as {@link CleanupStaleUploadsOptions.onUpload} is told. */
export type CleanupEvent = IncompleteUpload & ({ outcome: Exclude<CleanupOutcome, 'failed'> } | { outcome: 'failed'; error: string });

export interface CleanupStaleUploadsOptions {
  /**
   * The S3 client, or the configuration to create one with, as for the middleware. A client
   * created here is destroyed when the sweep ends; one passed in is left open.
   */
  s3: S3Client | S3ClientConfig;
  bucket: string;
  /**
   * Only uploads whose key starts with this string are looked at. It is matched as S3 matches
   * prefixes, character by character: `uploads/1` also covers `uploads/10/`, so end it with `/` to
   * mean a folder.
   * @default '' (the whole bucket)
   */
  prefix?: string;
  /** Uploads created more than this many milliseconds before `now` are aborted. */
  olderThan: number;
  /**
   * List and judge, but abort nothing.
   * @default false
   */
  dryRun?: boolean;
  /**
   * The moment ages are measured from.
   * @default new Date()
   */
  now?: Date;
  /**
   * Most AbortMultipartUpload requests in flight at once.
   * @default 8
   */
  concurrency?: number;
  /**
   * Uploads asked for per ListMultipartUploads page (S3's `MaxUploads`, at most 1000).
   * @default 1000
   */
  pageSize?: number;
  /** Stops the sweep: it then rejects with the signal's reason; aborts already sent may have happened. */
  signal?: AbortSignal;
  /**
   * Called once for every upload listed, with what became of it, as it happens.
   * @default no-op
   */
  onUpload?: (event: CleanupEvent) => void;
}

/** What a sweep saw and did. */
export interface CleanupReport {
  dryRun: boolean;
  /** Incomplete uploads listed under the prefix. */
  scanned: number;
  /** Those created before `now - olderThan`: the ones to abort. */
  stale: IncompleteUpload[];
  /** Stale uploads aborted (none on a dry run). */
  aborted: IncompleteUpload[];
  /** Stale uploads already gone when aborted: completed or aborted meanwhile. Not a failure. */
  gone: IncompleteUpload[];
  /** Stale uploads whose abort failed; the sweep goes on past them. */
  failed: FailedAbort[];
  /** How many uploads were younger than `olderThan` and left alone. */
  kept: number;
}

/**
 * The sweep could not list the uploads: S3 failed (`list_failed`, the S3 error in `cause`), or it
 * answered that the list goes on without a new place to go on from (`endless_listing`).
 */
export class CleanupError extends Error {
  override readonly name = 'CleanupError';
  readonly code: 'list_failed' | 'endless_listing';

  constructor(code: CleanupError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

function resolveCleanupOptions(options: CleanupStaleUploadsOptions) {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object', options);
  const { bucket, prefix = '', dryRun = false, now = new Date(), signal, onUpload } = options;
  if (typeof bucket !== 'string' || bucket === '') invalid('bucket', 'a bucket name', bucket);
  // S3 keys are at most 1024 bytes, so a longer prefix matches nothing.
  if (typeof prefix !== 'string' || Buffer.byteLength(prefix) > 1024) invalid('prefix', 'a string of at most 1024 bytes', prefix);
  if (typeof dryRun !== 'boolean') invalid('dryRun', 'a boolean', dryRun);
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) invalid('now', 'a valid Date', now);
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalid('signal', 'an AbortSignal', signal);
  if (onUpload !== undefined && typeof onUpload !== 'function') invalid('onUpload', 'a function', onUpload);
  const olderThan = integerIn('olderThan', options.olderThan, 0, Number.MAX_SAFE_INTEGER);
  const concurrency = integerIn('concurrency', options.concurrency, 1, 1000, 8);
  const pageSize = integerIn('pageSize', options.pageSize, 1, 1000, 1000);
  // Last, so that no client is made for options that are refused.
  const client = createClient(options.s3);
  return { client, bucket, prefix, cutoff: now.getTime() - olderThan, dryRun, concurrency, pageSize, signal, onUpload: onUpload ?? (() => {}) };
}

/** An S3 failure in one line: its code, and its message when that says more. */
function errorText(error: unknown): string {
  const code = s3ErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === undefined || code === 'Error') return message;
  // radosgw's error bodies carry no message, for which the SDK says "UnknownError".
  return message === '' || message === code || message === 'UnknownError' ? code : `${code}: ${message}`;
}

/** Runs `task` on every item, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Aborts the incomplete multipart uploads under `prefix` that were created more than `olderThan`
 * milliseconds ago, following every ListMultipartUploads page. Parts already uploaded do not
 * matter: an upload's age is its creation time. A failed abort is reported in `failed` and the
 * sweep goes on; only a failure to list throws (a {@link CleanupError}).
 *
 * A bucket lifecycle rule (`AbortIncompleteMultipartUpload`) is the bucket-wide floor; this is for
 * shorter ages, for one prefix, on demand, or to see what is there.
 *
 * @example
 * const report = await cleanupStaleUploads({
 *   s3: { region: 'eu-west-1' },
 *   bucket: 'my-uploads',
 *   prefix: 'users/',
 *   olderThan: 6 * 60 * 60 * 1000, // six hours
 * });
 * console.log(`${report.aborted.length} aborted, ${report.failed.length} failed, ${report.kept} kept`);
 */
export async function cleanupStaleUploads(options: CleanupStaleUploadsOptions): Promise<CleanupReport> {
  const { client, bucket, prefix, cutoff, dryRun, concurrency, pageSize, signal, onUpload } = resolveCleanupOptions(options);
  const report: CleanupReport = { dryRun, scanned: 0, stale: [], aborted: [], gone: [], failed: [], kept: 0 };

  function record(event: CleanupEvent): void {
    const { key, uploadId, initiated } = event;
    if (event.outcome === 'kept') report.kept += 1;
    else if (event.outcome === 'aborted') report.aborted.push({ key, uploadId, initiated });
    else if (event.outcome === 'gone') report.gone.push({ key, uploadId, initiated });
    else if (event.outcome === 'failed') report.failed.push({ key, uploadId, initiated, error: event.error });
    onUpload(event);
  }

  async function abort(upload: IncompleteUpload): Promise<CleanupEvent> {
    signal?.throwIfAborted();
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }), { abortSignal: signal });
      return { ...upload, outcome: 'aborted' };
    } catch (error) {
      signal?.throwIfAborted();
      const code = s3ErrorCode(error);
      // Completed or aborted since it was listed. radosgw says NoSuchKey for NoSuchUpload elsewhere (docs/s3-behaviour.md).
      if (code === 'NoSuchUpload' || code === 'NoSuchKey') return { ...upload, outcome: 'gone' };
      return { ...upload, outcome: 'failed', error: errorText(error) };
    }
  }

  try {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const page = await client
        .send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, MaxUploads: pageSize, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }), { abortSignal: signal })
        .catch((error: unknown) => {
          signal?.throwIfAborted();
          throw new CleanupError('list_failed', `Could not list the multipart uploads in bucket "${bucket}": ${errorText(error)}`, { cause: error });
        });

      const stale: IncompleteUpload[] = [];
      for (const { Key, UploadId, Initiated } of page.Uploads ?? []) {
        // S3 always sends all three; without them an upload can be neither judged nor aborted.
        if (!Key || !UploadId || !Initiated) continue;
        const upload = { key: Key, uploadId: UploadId, initiated: Initiated };
        report.scanned += 1;
        if (Initiated.getTime() < cutoff) stale.push(upload);
        else record({ ...upload, outcome: 'kept' });
      }
      report.stale.push(...stale);
      if (dryRun) for (const upload of stale) record({ ...upload, outcome: 'would-abort' });
      else await forEachLimited(stale, concurrency, async (upload) => record(await abort(upload)));

      if (page.IsTruncated !== true) return report;
      const { NextKeyMarker, NextUploadIdMarker } = page;
      // Asking again from the same place would answer the same page forever.
      if (!NextKeyMarker || (NextKeyMarker === keyMarker && NextUploadIdMarker === uploadIdMarker)) {
        throw new CleanupError(
          'endless_listing',
          `ListMultipartUploads in bucket "${bucket}" says there are more uploads after key ${JSON.stringify(keyMarker ?? '')} ` +
            `but gives no new marker to go on from; stopped after ${report.scanned} uploads.`,
        );
      }
      keyMarker = NextKeyMarker;
      uploadIdMarker = NextUploadIdMarker;
    }
  } finally {
    if (client !== options.s3) client.destroy();
  }
}
