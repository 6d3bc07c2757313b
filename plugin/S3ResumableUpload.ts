import { BasePlugin, EventManager, type Uppy } from '@uppy/core';
import type { Body, Meta, UppyFile } from '@uppy/core/utils';
import { filterFilesToEmitUploadStarted, filterFilesToUpload } from '@uppy/core/utils';
import type { FileCounters, UploadCounters } from './counters.js';
import { createHashPool, type HashPool } from './hashing/createHashPool.js';
import { batchSingleUploadCalls, type SingleUploadCalls } from './network/batchSingleUploadCalls.js';
import { createApiClient, type ApiClient } from './network/createApiClient.js';
import { createBackendDetector, type BackendMode } from './network/createBackendDetector.js';
import { createLimiter, type Limiter } from './network/createLimiter.js';
import { createHostLimiters } from './network/createHostLimiters.js';
import { createServerAvailability } from './network/createServerAvailability.js';
import type { RetrySettings } from './network/decideRetry.js';
import { resolveOptions, type ResolvedOptions, type S3ResumableUploadOptions } from './options.js';
import { PluginState, type S3ResumableUploadState } from './PluginState.js';
import { ResumeHandles } from './ResumeHandles.js';
import { S3UploadError } from './S3UploadError.js';
import { toFileToUpload } from './toFileToUpload.js';
import type { TimelineEvent, UnstampedTimelineEvent } from './TimelineEvent.js';
import { createResumeStore } from './upload/createResumeStore.js';
import { DEFAULT_PART_SIZE, FileUpload, type UploadResult, type UploadServices } from './upload/FileUpload.js';
import './uppyAugmentations.js';

export type { S3ResumableUploadState } from './PluginState.js';

/** What `upload-success` carries in `response.body`, as with the stock plugin. */
export interface S3UploadBody extends Body {
  location: string;
  key: string;
  /** The object's ETag (quoted), checked against the MD5s of the bytes sent when S3 answered one (unless `md5: false`). */
  etag?: string;
  /** What the app's `onUploadComplete` hook on the server answered for this object, when it answered something. */
  serverData?: unknown;
}

/**
 * An Uppy 6 uploader for the `uppy-s3-resumable` middleware: every part's MD5 (computed in a Web
 * Worker) is signed into its URL so S3 rejects corrupted bytes (unless `md5: false`); parts go out in parallel under one
 * request limit; URLs are re-signed before or when they expire; failures are retried by one
 * policy; uploads resume (retry, pause, page reload with Golden Retriever) from the parts S3
 * holds whose size and ETag match (size alone without MD5).
 *
 * @example
 * ```ts
 * const uppy = new Uppy().use(Dashboard, { inline: true, target: '#app' })
 *   .use(S3ResumableUpload, { endpoint: '/upload' });
 * ```
 */
export class S3ResumableUpload<M extends Meta, B extends Body> extends BasePlugin<ResolvedOptions<M, B>, M, B, S3ResumableUploadState> {
  static VERSION = '0.1.0';

  readonly #api: ApiClient;
  readonly #limiterFor: (url: string) => Limiter;
  readonly #signAhead: Limiter;
  /** Whether the upload server answers, shared by every call so that an outage ends for all at once. */
  readonly #server = createServerAvailability();
  #hashPool: HashPool | undefined;
  readonly #uploads = new Map<string, FileUpload>();
  readonly #state = new PluginState({
    publish: (state) => this.setPluginState(state),
    hashStats: () => this.#hashPool?.stats ?? { bytes: 0, ms: 0 },
  });
  /** Small files' URLs and confirms, many files to a request. */
  #singles: SingleUploadCalls;
  /** Aborted on uninstall: ends the batch requests under way. */
  #installed = new AbortController();
  /** Warnings given already: each hashing fallback is warned about once, however many workers take it. */
  readonly #warned = new Set<string>();
  /** Each multipart upload's resume handle, kept the moment it exists (not on Golden Retriever's timer). */
  readonly #resumeHandles: ResumeHandles<M, B>;
  /** Our middleware or Companion's routes only: asked of the server once, for every file (option `backend`). */
  readonly #backend: (signal: AbortSignal) => Promise<BackendMode>;
  /** Whether S3 checks a part's unsigned Content-MD5 (Companion backends): asked once, with the first part URL. */
  #checksContentMd5: Promise<boolean> | undefined;

  constructor(uppy: Uppy<M, B>, options: S3ResumableUploadOptions<M, B>) {
    const resolved = resolveOptions(options);
    super(uppy, resolved);
    this.type = 'uploader';
    this.id = resolved.id ?? 'S3ResumableUpload';
    this.#limiterFor = createHostLimiters(resolved.limit);
    this.#signAhead = createLimiter(resolved.signAhead);
    this.#api = this.#createApi({ count: (name) => this.#state.count(name) });
    this.#singles = batchSingleUploadCalls(this.#api, this.#installed.signal);
    this.#backend = createBackendDetector(resolved.backend, (signal) => this.#api.capabilities(signal));
    const scope = typeof location === 'undefined' ? resolved.endpoint : new URL(resolved.endpoint, location.href).href;
    this.#resumeHandles = new ResumeHandles(uppy, createResumeStore({ scope, storage: resolved.resumeStorage }), resolved.partSize ?? DEFAULT_PART_SIZE);
  }

  /** A client for the middleware whose retries and waits go to `count` (and a file's timeline). */
  #createApi(on: { count: (name: 'retries' | 'offlineWaits') => void; timeline?: (event: TimelineEvent) => void; serverWait?: (waiting: boolean) => void }): ApiClient {
    const timeline = (event: UnstampedTimelineEvent) => on.timeline?.({ ...event, at: Date.now() } as TimelineEvent);
    return createApiClient({
      endpoint: this.opts.endpoint,
      headers: this.opts.headers,
      credentials: this.opts.credentials,
      callTimeoutMs: this.opts.callTimeout,
      retry: {
        settings: this.#retrySettings(),
        server: this.#server,
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
  }

  #retrySettings(): RetrySettings {
    return {
      retryDelays: this.opts.retryDelays,
      expiryMargin: this.opts.expiryMargin,
      maxResigns: this.opts.maxResigns,
      serverOutageTimeout: this.opts.serverOutageTimeout,
    };
  }

  /** Emits a file's timeline event, stamped now. */
  #timeline(fileID: string, event: UnstampedTimelineEvent): void {
    const file = this.uppy.getFile(fileID);
    if (file) this.uppy.emit('s3-resumable:timeline', file, { ...event, at: Date.now() } as TimelineEvent);
  }

  /** A call of the file starts (`true`) or stops waiting for the upload server; the file waits while any call does. */
  #serverWait(fileID: string, waiting: boolean): void {
    const change = this.#state.serverWait(fileID, waiting);
    if (change) this.#timeline(fileID, { type: 'server-wait', waiting: change === 'started' });
  }

  /** A copy of the counters (parts verified, re-signs, retries…). */
  getCounters(): UploadCounters {
    return this.#state.counters();
  }

  /** One file's counters (parts verified, re-signs, retries…), or `undefined` before its first upload. */
  getFileCounters(fileID: string): FileCounters | undefined {
    return this.#state.fileCounters(fileID);
  }

  override install(): void {
    if (this.#installed.signal.aborted) {
      this.#installed = new AbortController();
      this.#singles = batchSingleUploadCalls(this.#api, this.#installed.signal);
    }
    this.setPluginState(this.#state.snapshot());
    this.#setResumable(true);
    this.uppy.addUploader(this.#upload);
    this.uppy.on('file-removed', this.#onFileRemoved);
    this.uppy.on('file-added', this.#resumeHandles.adopt);
    this.uppy.on('restored', this.#resumeHandles.adoptAll);
    this.#resumeHandles.adoptAll();
  }

  override uninstall(): void {
    this.#setResumable(false);
    this.uppy.removeUploader(this.#upload);
    this.uppy.off('file-removed', this.#onFileRemoved);
    this.uppy.off('file-added', this.#resumeHandles.adopt);
    this.uppy.off('restored', this.#resumeHandles.adoptAll);
    for (const upload of this.#uploads.values()) upload.pause();
    this.#hashPool?.terminate();
    this.#hashPool = undefined;
    this.#installed.abort();
  }

  #setResumable(value: boolean): void {
    const { capabilities } = this.uppy.getState();
    this.uppy.setState({ capabilities: { ...capabilities, resumableUploads: value } });
  }

  /** Removing a file (or cancel-all) aborts its upload on S3, running or not. */
  #onFileRemoved = (file: UppyFile<M, B>): void => {
    this.#state.forget(file.id);
    const upload = this.#uploads.get(file.id);
    const state = this.#resumeHandles.of(file);
    this.#resumeHandles.forget(file.id);
    if (upload) {
      upload.remove();
      this.#uploads.delete(file.id);
      return;
    }
    if (state) {
      this.#api.abortMultipartUpload(state.uploadId, state.key, AbortSignal.timeout(60_000)).catch((error: unknown) => {
        this.uppy.log(`[S3ResumableUpload] Could not abort upload ${state.uploadId}: ${String(error)}`, 'warning');
      });
    }
  };

  #warnOnce(kind: string, message: string): void {
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    this.uppy.log(`[S3ResumableUpload] ${message}`, 'warning');
  }

  #services(fileID: string): UploadServices {
    const count = (name: keyof FileCounters, by?: number) => this.#state.count(name, fileID, by);
    // With `md5: false` nothing is hashed: no worker is ever started.
    if (this.opts.md5) {
      this.#hashPool ??= createHashPool({
        size: this.opts.hashWorkers,
        createWorker: this.opts.createWorker,
        onFallback: (reason) => {
          this.#state.count('mainThreadHashing');
          this.#warnOnce('main-thread', `An MD5 worker could not start (${reason}); hashing on the main thread.`);
        },
        onMd5Fallback: ({ used, reason }) => {
          if (used !== 'js') return; // a one-lane WebAssembly MD5 where the SIMD one failed: as safe, nearly as fast
          this.#state.count('jsMd5Hashing');
          this.#warnOnce('js-md5', `WebAssembly can't compile here (${reason}); MD5 in plain JavaScript, slower.`);
        },
      });
    }
    this.#state.track(fileID);
    return {
      signSingle: this.#singles.sign,
      confirmSingle: this.#singles.confirm,
      api: this.#createApi({
        count,
        timeline: (event) => this.#timeline(fileID, event),
        serverWait: (waiting) => this.#serverWait(fileID, waiting),
      }),
      backend: this.#backend,
      checksContentMd5: (ask) => (this.#checksContentMd5 ??= ask()),
      hashPool: this.opts.md5 ? this.#hashPool : undefined,
      limiterFor: this.#limiterFor,
      signAhead: this.#signAhead,
      settings: this.#retrySettings(),
      partSize: this.opts.partSize,
      hashAhead: this.opts.hashAhead,
      signBatchSize: this.opts.signBatchSize,
      limit: this.opts.limit,
      stallTimeout: this.opts.stallTimeout,
      callTimeout: this.opts.callTimeout,
      count,
      log: (message, type) => this.uppy.log(`[S3ResumableUpload] ${message}`, type === 'info' ? undefined : type),
    };
  }

  #upload = async (fileIDs: string[]): Promise<void> => {
    if (fileIDs.length === 0) return;
    const files = filterFilesToUpload(this.uppy.getFilesByIds(fileIDs));
    this.uppy.emit('upload-start', filterFilesToEmitUploadStarted(files));
    await Promise.allSettled(files.map((file) => this.#uploadFile(file.id)));
  };

  /** Uploads one file; settles when it succeeded, failed or was removed (not when paused). */
  #uploadFile(fileID: string): Promise<void> {
    const file = this.uppy.getFile(fileID);
    if (!file) return Promise.resolve();
    if (file.isRemote) {
      this.uppy.emit('upload-error', file, new S3UploadError('file_missing', 'Files from remote providers need Companion; this plugin uploads local files.'));
      return Promise.resolve();
    }
    if (!(file.data instanceof Blob)) {
      this.uppy.emit('upload-error', file, new S3UploadError('file_missing', `Select ${file.name ?? 'the file'} again: its data did not survive the page reload.`));
      return Promise.resolve();
    }
    const resume = this.#resumeHandles.of(file);

    return new Promise<void>((resolve) => {
      const events = new EventManager(this.uppy);
      const upload = new FileUpload(
        toFileToUpload(file as typeof file & { data: Blob }, this.opts, resume),
        this.#services(fileID),
        {
          progress: (bytesUploaded, bytesTotal) => {
            const current = this.uppy.getFile(fileID);
            if (!current) return;
            this.uppy.emit('upload-progress', current, { uploadStarted: current.progress.uploadStarted ?? Date.now(), bytesUploaded, bytesTotal });
          },
          partUploaded: (part) => {
            const current = this.uppy.getFile(fileID);
            if (current) this.uppy.emit('s3-multipart:part-uploaded', current, part);
          },
          timeline: (event) => this.#timeline(fileID, event),
          stateChanged: (state) => this.#resumeHandles.set(fileID, state),
        },
      );
      this.#uploads.set(fileID, upload);

      const finish = () => {
        events.remove();
        if (this.#uploads.get(fileID) === upload) this.#uploads.delete(fileID);
        resolve();
      };
      const succeed = (result: UploadResult) => {
        const current = this.uppy.getFile(fileID);
        if (current) {
          this.uppy.emit('upload-success', current, {
            status: 200,
            body: { location: result.location, key: result.key, etag: result.etag, serverData: result.serverData } as unknown as B,
            uploadURL: result.location,
          });
        }
        finish();
      };
      const fail = (error: unknown) => {
        if (error instanceof DOMException && error.name === 'AbortError') return; // paused; removal finishes below
        const current = this.uppy.getFile(fileID);
        if (current) this.uppy.emit('upload-error', current, error instanceof Error ? error : new Error(String(error)));
        finish();
      };
      const go = () => {
        if (this.uppy.getFile(fileID)?.isPaused) return; // resumes on 'upload-pause' false or 'resume-all'
        upload.start()?.then(succeed, fail);
      };

      events.onFilePause(fileID, (isPaused) => (isPaused ? upload.pause() : go()));
      events.onPauseAll(fileID, () => upload.pause());
      events.onResumeAll(fileID, go);
      // cancel-all removes every file: 'file-removed' covers it (the plugin's handler aborts on S3).
      events.onFileRemove(fileID, finish);
      go();
    });
  }
}
