import type { PluginOpts } from '@uppy/core';
import type { Body, Meta, UppyFile } from '@uppy/core/utils';
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../contract.js';
import { defaultResumeStorage, type ResumeStorage } from './upload/createResumeStore.js';

const MiB = 1024 * 1024;

/** Options of {@link S3ResumableUpload}. Only `endpoint` is required. */
export interface S3ResumableUploadOptions<M extends Meta, B extends Body> extends PluginOpts {
  /**
   * Where the middleware is mounted: its `/s3/...` routes live under this URL
   * (like the stock plugin's `companionEndpoint`).
   * @example '/upload'
   */
  endpoint: string;
  /**
   * Which routes the server at `endpoint` has. `'extended'`: this package's middleware (each part's
   * MD5 signed into its URL, small files by a PUT with their MD5 signed in). `'companion'`: Uppy
   * Companion's `/s3` routes only (or any server speaking them): parts signed without MD5s, sent
   * with a plain `Content-MD5` header where S3 checks it and the bucket's CORS allows it, and each
   * part's ETag compared with its MD5; small files by Companion's POST form, checked by the ETag
   * S3 answers. `'auto'` asks the server once, before the first upload (`GET /s3/capabilities`:
   * our middleware answers it, Companion answers 404), and keeps the answer.
   * @default 'auto'
   */
  backend?: 'auto' | 'extended' | 'companion';
  /**
   * Requests to S3 running at once, shared by all files and all their parts; per host, when the
   * upload server spreads URLs over several host names of the same S3 (its `uploadHosts`).
   * @default 6
   */
  limit?: number;
  /**
   * Whether a file goes up in parts (resumable, parallel) or in one presigned PUT.
   * @default files larger than 8 MiB go multipart
   */
  shouldUseMultipart?: boolean | ((file: UppyFile<M, B>) => boolean);
  /**
   * Size of every part but the last, in bytes (5 MiB to 5 GiB); raised when a file would need
   * more than 10,000 parts.
   * @default the middleware's `partSize` answer, else 8 MiB
   */
  partSize?: number;
  /**
   * Compute each part's MD5 (in Web Workers) and have it signed into the part's URL, so S3
   * refuses any part whose bytes changed on the way; the object's multipart ETag is checked too.
   * `false` sends parts (and small files) unhashed, verified by nothing but TCP, as the stock
   * `@uppy/aws-s3` does: no worker is started, and on resume a part S3 holds is matched by its
   * size alone. A middleware with `requireContentMD5` refuses such uploads (400 `md5_required`).
   * @default true
   */
  md5?: boolean;
  /**
   * Web Workers computing part MD5s (none with `md5: false`).
   * @default 2
   */
  hashWorkers?: number;
  /**
   * Parts of one file hashed ahead of those being sent, so hashing overlaps with sending. They are
   * asked for in batches of one run per worker lane (8 lanes with WebAssembly SIMD), a run being
   * up to 4 consecutive parts read through one stream (planHashRuns): digests cost no memory, and
   * a window of two batches of runs of 4 keeps one hashed while the next one is.
   * @default 64
   */
  hashAhead?: number;
  /**
   * Parts signed per request to the batch route (URLs are signed just before they are used).
   * @default 5
   */
  signBatchSize?: number;
  /**
   * Small files (one PUT each) that may wait with a signed URL for a connection to S3. Their URLs
   * are asked for many files to a request, and once this many wait, more are asked for only when
   * half of them have gone to S3: a large number keeps the requests few. A URL that went stale
   * while its file waited is signed again before it is used.
   * @default 100
   */
  signAhead?: number;
  /**
   * Delays before each retry of a failed request, ms; their count bounds the retries.
   * @default [0, 1000, 3000, 5000, 10000]
   */
  retryDelays?: number[];
  /**
   * A URL with less than this left of its life is signed again before it is used, ms
   * (at most half the URL's lifetime).
   * @default 60000
   */
  expiryMargin?: number;
  /**
   * Re-signs in a row for one part that S3 refuses as expired before the file fails.
   * @default 5
   */
  maxResigns?: number;
  /**
   * A part upload during which no byte moves for this long is aborted and retried, ms.
   * @default 30000
   */
  stallTimeout?: number;
  /**
   * How long the upload server (the middleware) may stay unreachable before a file fails, ms.
   * A deploy or a restart is not a failed upload: meanwhile parts whose URLs are signed keep
   * going to S3, and calls to the server are tried again after 1, 2, 4, 8, then every 15 s (all
   * at once as soon as one gets through). Unreachable means no answer (refused, reset, timed
   * out) or a gateway's 502/503/504; an answer from the middleware itself (a 4xx) fails the file at once.
   * @default 300000 (5 minutes)
   */
  serverOutageTimeout?: number;
  /**
   * A call to the upload server with no complete answer after this long counts as unanswered
   * and is tried again (completing a multipart upload may take up to 10 minutes), ms.
   * @default 30000
   */
  callTimeout?: number;
  /**
   * Extra headers for calls to the middleware (an auth or CSRF token). Not sent to S3.
   * @default no extra headers
   */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /**
   * `credentials` of calls to the middleware.
   * @default 'same-origin'
   */
  credentials?: RequestCredentials;
  /**
   * Metadata fields sent with the file: `true` for all, or a list of names.
   * @default true
   */
  allowedMetaFields?: string[] | boolean;
  /**
   * Starts an MD5 worker, for bundlers that don't follow `new Worker(new URL(...))`.
   * @default the package's `md5Worker.js`
   */
  createWorker?: () => Worker;
  /**
   * Where each multipart upload's resume handle (upload id, key, part size) is written the moment
   * the upload is created, so that a page reloaded or closed at any instant resumes it when the
   * same file comes back (restored by Golden Retriever, or selected again). `false` keeps none:
   * then only Golden Retriever's own, later, save can resume an upload.
   * @default localStorage
   */
  resumeStorage?: ResumeStorage | false;
}

export type ResolvedOptions<M extends Meta, B extends Body> = PluginOpts &
  Required<Omit<S3ResumableUploadOptions<M, B>, keyof PluginOpts | 'partSize' | 'createWorker' | 'headers' | 'resumeStorage'>> & {
  partSize: number | undefined;
  /** `undefined` where nothing is kept (`false`, or a page without `localStorage`). */
  resumeStorage: ResumeStorage | undefined;
  createWorker: (() => Worker) | undefined;
  headers: () => Record<string, string> | Promise<Record<string, string>>;
};

const describe = (value: unknown) => `\`${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}\` (${Array.isArray(value) ? 'array' : typeof value})`;

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`Expected \`${name}\` to be a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** Validates the options once, at construction; the caller's object is not changed. */
export function resolveOptions<M extends Meta, B extends Body>(options: S3ResumableUploadOptions<M, B>): ResolvedOptions<M, B> {
  if (typeof options?.endpoint !== 'string' || options.endpoint === '') {
    throw new TypeError(`Expected \`endpoint\` to be the URL where the middleware is mounted, got ${describe(options?.endpoint)}`);
  }
  // An option given as `undefined` takes its default.
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as S3ResumableUploadOptions<M, B>;
  const resolved: ResolvedOptions<M, B> = {
    md5: true,
    backend: 'auto',
    limit: 6,
    shouldUseMultipart: (file: UppyFile<M, B>) => (file.size ?? 0) > 8 * MiB,
    hashWorkers: 2,
    hashAhead: 64,
    signBatchSize: 5,
    signAhead: 100,
    retryDelays: [0, 1000, 3000, 5000, 10_000],
    expiryMargin: 60_000,
    maxResigns: 5,
    stallTimeout: 30_000,
    serverOutageTimeout: 300_000,
    callTimeout: 30_000,
    credentials: 'same-origin',
    allowedMetaFields: true,
    ...given,
    partSize: options.partSize,
    createWorker: options.createWorker,
    resumeStorage: options.resumeStorage === false ? undefined : (options.resumeStorage ?? defaultResumeStorage()),
    headers: typeof options.headers === 'function' ? options.headers : () => ({ ...(options.headers as Record<string, string> | undefined) }),
  };
  integer('limit', resolved.limit, 1, 100);
  integer('hashWorkers', resolved.hashWorkers, 1, 16);
  integer('hashAhead', resolved.hashAhead, 0, 100);
  integer('signBatchSize', resolved.signBatchSize, 1, 100);
  integer('signAhead', resolved.signAhead, 1, 10_000);
  integer('expiryMargin', resolved.expiryMargin, 0, 24 * 3600 * 1000);
  integer('maxResigns', resolved.maxResigns, 0, 100);
  integer('stallTimeout', resolved.stallTimeout, 1000, 3600 * 1000);
  integer('serverOutageTimeout', resolved.serverOutageTimeout, 0, 7 * 24 * 3600 * 1000);
  integer('callTimeout', resolved.callTimeout, 1000, 3600 * 1000);
  if (resolved.partSize !== undefined) integer('partSize', resolved.partSize, MIN_PART_SIZE, MAX_PART_SIZE);
  if (!Array.isArray(resolved.retryDelays) || !resolved.retryDelays.every((delay) => Number.isFinite(delay) && delay >= 0)) {
    throw new TypeError(`Expected \`retryDelays\` to be an array of delays in ms (0 and up), got ${describe(resolved.retryDelays)}`);
  }
  if (typeof resolved.md5 !== 'boolean') throw new TypeError(`Expected \`md5\` to be a boolean, got ${describe(resolved.md5)}`);
  const { resumeStorage } = options;
  if (resumeStorage !== undefined && resumeStorage !== false && !['getItem', 'setItem', 'removeItem', 'key'].every((name) => typeof (resumeStorage as unknown as Record<string, unknown>)[name] === 'function')) {
    throw new TypeError(`Expected \`resumeStorage\` to be \`false\` or a Storage (getItem, setItem, removeItem, key, length), got ${describe(resumeStorage)}`);
  }
  if (!['auto', 'extended', 'companion'].includes(resolved.backend)) {
    throw new TypeError(`Expected \`backend\` to be 'auto', 'extended' or 'companion', got ${describe(resolved.backend)}`);
  }
  const { shouldUseMultipart } = resolved;
  if (typeof shouldUseMultipart !== 'boolean' && typeof shouldUseMultipart !== 'function') {
    throw new TypeError(`Expected \`shouldUseMultipart\` to be a boolean or a function, got ${describe(shouldUseMultipart)}`);
  }
  return resolved;
}
