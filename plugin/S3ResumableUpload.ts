import { BasePlugin, EventManager, type Uppy } from '@uppy/core';
import type { Body, Meta, UppyFile } from '@uppy/core/utils';
import { filterFilesToEmitUploadStarted, filterFilesToUpload, getAllowedMetaFields } from '@uppy/core/utils';
import { emptyCounters, emptyFileCounters, type FileCounters, type UploadCounters } from './counters.js';
import { createApiClient, type ApiClient } from './network/createApiClient.js';
import { createHashPool, type HashPool } from './hashing/createHashPool.js';
import { createResumeStore, type ResumeStore } from './upload/createResumeStore.js';
import { createRequestLimiter, type RequestLimiter } from './network/createRequestLimiter.js';
import { createServerAvailability } from './network/createServerAvailability.js';
import { DEFAULT_PART_SIZE, FileUpload, type MultipartState, type UploadResult, type UploadServices } from './upload/FileUpload.js';
import { resolveOptions, type ResolvedOptions, type S3ResumableUploadOptions } from './options.js';
import type { RetrySettings } from './network/decideRetry.js';
import { S3UploadError } from './S3UploadError.js';
import type { TimelineEvent, UnstampedTimelineEvent } from './TimelineEvent.js';

/** What `upload-success` carries in `response.body`, as with the stock plugin. */
export interface S3UploadBody extends Body {
  location: string;
  key: string;
  /** The object's ETag (quoted), checked against the MD5s of the bytes sent when S3 answered one (unless `md5: false`). */
  etag?: string;
}

/**
 * The plugin's state (`uppy.getState().plugins[id]`), updated as it changes: the plugin's
 * counters, each file's own (by file id, from its first upload until it is removed), and the
 * files waiting for an unreachable upload server (by file id: since when, ms since epoch).
 */
export type S3ResumableUploadState = {
  counters: UploadCounters;
  files: Record<string, FileCounters>;
  waitingForServer: Record<string, number>;
};

declare module '@uppy/core' {
  export interface UppyEventMap<M extends Meta, B extends Body> {
    's3-multipart:part-uploaded': (file: UppyFile<M, B>, part: { PartNumber: number; ETag: string }) => void;
    /** What happens to a file's upload, part by part (see {@link TimelineEvent}). */
    's3-resumable:timeline': (file: UppyFile<M, B>, event: TimelineEvent) => void;
  }
}

declare module '@uppy/core/utils' {
  // An augmentation must repeat the interface's type parameters, used or not.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  export interface LocalUppyFile<M extends Meta, B extends Body> {
    /** The multipart upload to resume, as the stock `@uppy/aws-s3` keeps it (Golden Retriever persists it). */
    s3Multipart?: { uploadId: string; key: string };
    /** Our addition to `s3Multipart`: the part size the upload was planned with. */
    s3Resumable?: { partSize: number };
  }
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
  readonly #limiter: RequestLimiter;
  readonly #signAhead: RequestLimiter;
  /** Whether the upload server answers, shared by every call so that an outage ends for all at once. */
  readonly #server = createServerAvailability();
  /** Calls of each file waiting for the upload server. */
  readonly #waitingCalls = new Map<string, number>();
  #waitingForServer: Record<string, number> = {};
  #hashPool: HashPool | undefined;
  readonly #uploads = new Map<string, FileUpload>();
  #counters = emptyCounters();
  #fileCounters: Record<string, FileCounters> = {};
  /** Warnings given already: each hashing fallback is warned about once, however many workers take it. */
  readonly #warned = new Set<string>();
  /** Each multipart upload's resume handle, written the moment it exists (not on Golden Retriever's timer). */
  readonly #resumeStore: ResumeStore;

  constructor(uppy: Uppy<M, B>, options: S3ResumableUploadOptions<M, B>) {
    const resolved = resolveOptions(options);
    super(uppy, resolved);
    this.type = 'uploader';
    this.id = resolved.id ?? 'S3ResumableUpload';
    this.#limiter = createRequestLimiter(resolved.limit);
    this.#signAhead = createRequestLimiter(resolved.limit);
    this.#api = this.#createApi({ count: (name) => this.#count(name) });
    const scope = typeof location === 'undefined' ? resolved.endpoint : new URL(resolved.endpoint, location.href).href;
    this.#resumeStore = createResumeStore({ scope, storage: resolved.resumeStorage });
  }

  /** The upload a file resumes into: from its state (the stock plugin's `s3Multipart`, kept by Golden Retriever) or the plugin's own store. */
  #resumeHandle(file: UppyFile<M, B>): MultipartState | undefined {
    const partSize = 's3Resumable' in file ? file.s3Resumable?.partSize : undefined;
    if (file.s3Multipart) return { ...file.s3Multipart, partSize: partSize ?? this.opts.partSize ?? DEFAULT_PART_SIZE };
    return this.#resumeStore.get(file.id);
  }

  /** A file that comes back (restored after a reload, or selected again) gets the upload it had in its state, where Uppy and Golden Retriever see it. */
  #adoptResumeHandle = (file: UppyFile<M, B> | undefined): void => {
    if (!file || file.s3Multipart) return;
    const handle = this.#resumeStore.get(file.id);
    if (handle) this.#setResumeState(file.id, handle);
  };

  #onRestored = (): void => {
    for (const file of this.uppy.getFiles()) this.#adoptResumeHandle(file);
  };

  /** Keeps the file's upload where resume finds it: in its state, and in the store at once. */
  #setResumeState(fileID: string, state: MultipartState | undefined): void {
    if (state) this.#resumeStore.set(fileID, state);
    else this.#resumeStore.delete(fileID);
    if (!this.uppy.getFile(fileID)) return;
    this.uppy.setFileState(fileID, {
      s3Multipart: state && { uploadId: state.uploadId, key: state.key },
      s3Resumable: state && { partSize: state.partSize },
    } as Partial<UppyFile<M, B>>);
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
      expiryMarginMs: this.opts.expiryMargin,
      maxResigns: this.opts.maxResigns,
      serverOutageMs: this.opts.serverOutageTimeout,
    };
  }

  /** Emits a file's timeline event, stamped now. */
  #timeline(fileID: string, event: UnstampedTimelineEvent): void {
    const file = this.uppy.getFile(fileID);
    if (file) this.uppy.emit('s3-resumable:timeline', file, { ...event, at: Date.now() } as TimelineEvent);
  }

  /** A call of the file starts (`true`) or stops waiting for the upload server; the file waits while any call does. */
  #serverWait(fileID: string, waiting: boolean): void {
    const calls = (this.#waitingCalls.get(fileID) ?? 0) + (waiting ? 1 : -1);
    if (calls > 0) this.#waitingCalls.set(fileID, calls);
    else this.#waitingCalls.delete(fileID);
    if (waiting && calls === 1) {
      this.#waitingForServer = { ...this.#waitingForServer, [fileID]: Date.now() };
      this.#countFor(fileID, 'serverWaits');
      this.#timeline(fileID, { type: 'server-wait', waiting: true });
    } else if (!waiting && calls === 0 && fileID in this.#waitingForServer) {
      const { [fileID]: _done, ...rest } = this.#waitingForServer;
      this.#waitingForServer = rest;
      this.setPluginState({ waitingForServer: rest });
      this.#timeline(fileID, { type: 'server-wait', waiting: false });
    }
  }

  /** A copy of the counters (parts verified, re-signs, retries…). */
  getCounters(): UploadCounters {
    const { bytes, ms } = this.#hashPool?.stats ?? { bytes: 0, ms: 0 };
    return { ...this.#counters, hashedBytes: bytes, hashMs: Math.round(ms) };
  }

  /** One file's counters (parts verified, re-signs, retries…), or `undefined` before its first upload. */
  getFileCounters(fileID: string): FileCounters | undefined {
    const counters = this.#fileCounters[fileID];
    return counters && { ...counters };
  }

  #count(name: keyof UploadCounters, by = 1): void {
    this.#counters = { ...this.#counters, [name]: this.#counters[name] + by };
    this.setPluginState({ counters: this.getCounters(), files: this.#fileCounters, waitingForServer: this.#waitingForServer });
  }

  /** Counts for one file and in the plugin's totals; a removed file keeps only the totals. */
  #countFor(fileID: string, name: keyof FileCounters, by = 1): void {
    const file = this.#fileCounters[fileID];
    if (file) this.#fileCounters = { ...this.#fileCounters, [fileID]: { ...file, [name]: file[name] + by } };
    this.#count(name, by);
  }

  override install(): void {
    this.setPluginState({ counters: this.getCounters(), files: this.#fileCounters, waitingForServer: this.#waitingForServer });
    this.#setResumable(true);
    this.uppy.addUploader(this.#upload);
    this.uppy.on('file-removed', this.#onFileRemoved);
    this.uppy.on('file-added', this.#adoptResumeHandle);
    this.uppy.on('restored', this.#onRestored);
    this.#onRestored();
  }

  override uninstall(): void {
    this.#setResumable(false);
    this.uppy.removeUploader(this.#upload);
    this.uppy.off('file-removed', this.#onFileRemoved);
    this.uppy.off('file-added', this.#adoptResumeHandle);
    this.uppy.off('restored', this.#onRestored);
    for (const upload of this.#uploads.values()) upload.pause();
    this.#hashPool?.terminate();
    this.#hashPool = undefined;
  }

  #setResumable(value: boolean): void {
    const { capabilities } = this.uppy.getState();
    this.uppy.setState({ capabilities: { ...capabilities, resumableUploads: value } });
  }

  /** Removing a file (or cancel-all) aborts its upload on S3, running or not. */
  #onFileRemoved = (file: UppyFile<M, B>): void => {
    if (file.id in this.#fileCounters) {
      const { [file.id]: _removed, ...rest } = this.#fileCounters;
      this.#fileCounters = rest;
      this.setPluginState({ files: rest });
    }
    const upload = this.#uploads.get(file.id);
    const state = this.#resumeHandle(file);
    this.#resumeStore.delete(file.id);
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
    const count = (name: keyof FileCounters, by?: number) => this.#countFor(fileID, name, by);
    // With `md5: false` nothing is hashed: no worker is ever started.
    if (this.opts.md5) {
      this.#hashPool ??= createHashPool({
        size: this.opts.hashWorkers,
        createWorker: this.opts.createWorker,
        onFallback: (reason) => {
          this.#count('mainThreadHashing');
          this.#warnOnce('main-thread', `An MD5 worker could not start (${reason}); hashing on the main thread.`);
        },
        onMd5Fallback: ({ used, reason }) => {
          if (used !== 'js') return; // a one-lane WebAssembly MD5 where the SIMD one failed: as safe, nearly as fast
          this.#count('jsMd5Hashing');
          this.#warnOnce('js-md5', `WebAssembly can't compile here (${reason}); MD5 in plain JavaScript, slower.`);
        },
      });
    }
    if (!(fileID in this.#fileCounters)) {
      this.#fileCounters = { ...this.#fileCounters, [fileID]: emptyFileCounters() };
      this.setPluginState({ files: this.#fileCounters });
    }
    return {
      api: this.#createApi({
        count,
        timeline: (event) => this.#timeline(fileID, event),
        serverWait: (waiting) => this.#serverWait(fileID, waiting),
      }),
      hashPool: this.opts.md5 ? this.#hashPool : undefined,
      limiter: this.#limiter,
      signAhead: this.#signAhead,
      settings: this.#retrySettings(),
      partSize: this.opts.partSize,
      hashAhead: this.opts.hashAhead,
      signBatchSize: this.opts.signBatchSize,
      limit: this.opts.limit,
      stallTimeoutMs: this.opts.stallTimeout,
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

  #metadata(file: UppyFile<M, B>): Record<string, string> {
    const metadata: Record<string, string> = {};
    for (const name of getAllowedMetaFields(this.opts.allowedMetaFields, file.meta)) {
      const value: unknown = file.meta[name];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') metadata[name] = String(value);
    }
    return metadata;
  }

  #shouldUseMultipart(file: UppyFile<M, B>): boolean {
    const { shouldUseMultipart } = this.opts;
    const wanted = typeof shouldUseMultipart === 'function' ? shouldUseMultipart(file) : shouldUseMultipart;
    return wanted && (file.size ?? 0) > 0; // an empty file has no part to send
  }

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
    const resume = this.#resumeHandle(file);

    return new Promise<void>((resolve) => {
      const events = new EventManager(this.uppy);
      const upload = new FileUpload(
        {
          name: file.name ?? 'file',
          type: file.type || 'application/octet-stream',
          data: file.data as Blob,
          metadata: this.#metadata(file),
          multipart: this.#shouldUseMultipart(file),
          resume,
        },
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
          stateChanged: (state) => this.#setResumeState(fileID, state),
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
            body: { location: result.location, key: result.key, etag: result.etag } as unknown as B,
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
