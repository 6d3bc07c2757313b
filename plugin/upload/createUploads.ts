/**
 * Everything that runs uploads, behind the plugin's shell (S3ResumableUpload): each file's
 * {@link FileUpload} and what the files share, the upload server's client with the retry policy,
 * the limits on requests to S3, the small files' batched calls, the backend question and the MD5
 * worker pool. The shell loads this module by `import()` (see its `loadUploadCode`), so that a
 * bundler gives it, and all it imports, a chunk of its own: the page's script holds only the
 * shell, and this chunk is fetched when the first file is added.
 */
import type { UploadCounters } from '../counters.js';
import { createHashPool, type HashPool } from '../hashing/createHashPool.js';
import { batchSingleUploadCalls } from '../network/batchSingleUploadCalls.js';
import { createApiClient, type ApiClient } from '../network/createApiClient.js';
import { createBackendDetector } from '../network/createBackendDetector.js';
import { createHostLimiters } from '../network/createHostLimiters.js';
import { createLimiter } from '../network/createLimiter.js';
import { createServerAvailability } from '../network/createServerAvailability.js';
import type { RetrySettings } from '../network/decideRetry.js';
import type { TimelineEvent, UnstampedTimelineEvent } from '../TimelineEvent.js';
import type { ResumeHandle } from './createResumeStore.js';
import { FileUpload } from './FileUpload.js';
import type { FileToUpload, FileUploadEvents, UploadServices } from './FileUploadTypes.js';

/** The plugin's options that uploads read, as the plugin resolved them (plugin/options.ts). */
export interface UploadOptions extends RetrySettings {
  endpoint: string;
  headers: () => Record<string, string> | Promise<Record<string, string>>;
  credentials: RequestCredentials;
  callTimeout: number;
  backend: 'auto' | 'extended' | 'companion';
  limit: number;
  signAhead: number;
  md5: boolean;
  hashWorkers: number;
  createWorker: (() => Worker) | undefined;
  partSize: number | undefined;
  hashAhead: number;
  signBatchSize: number;
  stallTimeout: number;
}

/** What the plugin's shell gives: its options, and where counts, timeline events and logs go. */
export interface UploadsHost {
  /** The options as they are now: each file's upload reads them when it is created. */
  options: () => UploadOptions;
  /** Counts in the plugin's totals and, with `fileID`, in that file's own counters. */
  count(name: keyof UploadCounters, fileID?: string, by?: number): void;
  timeline(fileID: string, event: UnstampedTimelineEvent): void;
  /** A call of the file starts (`true`) or stops waiting for the upload server. */
  serverWait(fileID: string, waiting: boolean): void;
  log(message: string, type?: 'info' | 'warning' | 'error'): void;
  /** Aborted when the plugin is uninstalled: ends the batch requests under way. */
  signal: AbortSignal;
}

/** The uploads of one installed plugin. */
export interface Uploads {
  /** A file's upload, sharing the connections, the MD5 workers and the batches with the others. */
  fileUpload(fileID: string, file: FileToUpload, events: FileUploadEvents): FileUpload;
  /** Aborts on S3 a multipart upload that no {@link FileUpload} runs (a restored file removed before its upload); retried by the policy. */
  abortMultipartUpload(handle: ResumeHandle, signal: AbortSignal): Promise<void>;
  /** Bytes hashed and the time the hashing took, for the counters. */
  hashStats(): { bytes: number; ms: number };
  /** Stops the MD5 workers (the plugin is uninstalled). */
  terminate(): void;
}

export function createUploads(host: UploadsHost): Uploads {
  const { options } = host;
  const retrySettings = (): RetrySettings => {
    const { retryDelays, expiryMargin, maxResigns, serverOutageTimeout } = options();
    return { retryDelays, expiryMargin, maxResigns, serverOutageTimeout };
  };
  /** Whether the upload server answers, shared by every call so that an outage ends for all at once. */
  const server = createServerAvailability();
  /** A client for the middleware whose retries and waits go to `count` (and a file's timeline). */
  const createApi = (on: { count: (name: 'retries' | 'offlineWaits') => void; timeline?: (event: TimelineEvent) => void; serverWait?: (waiting: boolean) => void }): ApiClient => {
    const timeline = (event: UnstampedTimelineEvent) => on.timeline?.({ ...event, at: Date.now() } as TimelineEvent);
    const { endpoint, headers, credentials, callTimeout } = options();
    return createApiClient({
      endpoint,
      headers,
      credentials,
      callTimeoutMs: callTimeout,
      retry: {
        settings: retrySettings(),
        server,
        onOffline: (waiting) => {
          if (waiting) on.count('offlineWaits');
          timeline({ type: 'offline', waiting });
        },
        onRetry: (decision) => {
          on.count('retries');
          timeline({ type: 'retry', reason: decision.reason, delayMs: decision.delayMs });
        },
        onServerWait: on.serverWait,
      },
    });
  };
  const api = createApi({ count: (name) => host.count(name) });
  /** Small files' URLs and confirms, many files to a request. */
  const singles = batchSingleUploadCalls(api, host.signal);
  const { backend: forcedBackend, limit, signAhead } = options();
  /** Our middleware or Companion's routes only: asked of the server once, for every file (option `backend`). */
  const backend = createBackendDetector(forcedBackend, (signal) => api.capabilities(signal));
  const limiterFor = createHostLimiters(limit);
  // Refilled when half have gone to S3: the next URLs are then asked for many files to a request,
  // not one request for each file that took a connection.
  const signAheadLimiter = createLimiter(signAhead, { refillAt: Math.floor(signAhead / 2) });
  let hashPool: HashPool | undefined;
  /** Whether S3 checks a part's unsigned Content-MD5 (Companion backends): asked once, with the first part URL. */
  let checksContentMd5: Promise<boolean> | undefined;
  /** Warnings given already: each hashing fallback is warned about once, however many workers take it. */
  const warned = new Set<string>();
  const warnOnce = (kind: string, message: string) => {
    if (warned.has(kind)) return;
    warned.add(kind);
    host.log(message, 'warning');
  };

  const services = (fileID: string): UploadServices => {
    const opts = options();
    const count = (name: keyof UploadCounters, by?: number) => host.count(name, fileID, by);
    // With `md5: false` nothing is hashed: no worker is ever started.
    if (opts.md5) {
      hashPool ??= createHashPool({
        size: opts.hashWorkers,
        createWorker: opts.createWorker,
        onFallback: (reason) => {
          host.count('mainThreadHashing');
          warnOnce('main-thread', `An MD5 worker could not start (${reason}); hashing on the main thread.`);
        },
        onMd5Fallback: ({ used, reason }) => {
          if (used !== 'js') return; // a one-lane WebAssembly MD5 where the SIMD one failed: as safe, nearly as fast
          host.count('jsMd5Hashing');
          warnOnce('js-md5', `WebAssembly can't compile here (${reason}); MD5 in plain JavaScript, slower.`);
        },
      });
    }
    return {
      signSingle: singles.sign,
      confirmSingle: singles.confirm,
      singleUploading: singles.uploading,
      api: createApi({
        count,
        timeline: (event) => host.timeline(fileID, event),
        serverWait: (waiting) => host.serverWait(fileID, waiting),
      }),
      backend,
      checksContentMd5: (ask) => (checksContentMd5 ??= ask()),
      hashPool: opts.md5 ? hashPool : undefined,
      limiterFor,
      signAhead: signAheadLimiter,
      settings: retrySettings(),
      partSize: opts.partSize,
      hashAhead: opts.hashAhead,
      signBatchSize: opts.signBatchSize,
      limit: opts.limit,
      stallTimeout: opts.stallTimeout,
      callTimeout: opts.callTimeout,
      count,
      log: host.log,
    };
  };

  return {
    fileUpload: (fileID, file, events) => new FileUpload(file, services(fileID), events),
    abortMultipartUpload: ({ uploadId, key }, signal) => api.abortMultipartUpload(uploadId, key, signal),
    hashStats: () => hashPool?.stats ?? { bytes: 0, ms: 0 },
    terminate() {
      hashPool?.terminate();
      hashPool = undefined;
    },
  };
}
