import { BasePlugin, EventManager, type Uppy } from '@uppy/core';
import type { Body, Meta, UppyFile } from '@uppy/core/utils';
import { filterFilesToEmitUploadStarted, filterFilesToUpload } from '@uppy/core/utils';
import type { FileCounters, UploadCounters } from './counters.js';
import { loadOnDemand } from './network/loadOnDemand.js';
import { resolveOptions, type ResolvedOptions, type S3ResumableUploadOptions } from './options.js';
import { PluginState, type S3ResumableUploadState } from './PluginState.js';
import { ResumeHandles } from './ResumeHandles.js';
import { S3UploadError } from './S3UploadError.js';
import { toFileToUpload } from './toFileToUpload.js';
import type { TimelineEvent, UnstampedTimelineEvent } from './TimelineEvent.js';
import { createResumeStore } from './upload/createResumeStore.js';
import type { Uploads } from './upload/createUploads.js';
import type { FileUpload } from './upload/FileUpload.js';
import { DEFAULT_PART_SIZE, type FileUploadEvents, type UploadResult } from './upload/FileUploadTypes.js';
import './uppyAugmentations.js';

export type { S3ResumableUploadState } from './PluginState.js';

/**
 * The code that runs uploads (createUploads, and through it FileUpload and its runs, the upload
 * server's client, the retry policy, the limits, the MD5 worker pool), loaded by `import()` so
 * that a bundler gives it a chunk of its own and the page's script holds only this shell. Loading
 * starts when a file is added (or restored), so the code is normally there when its upload starts.
 */
const loadUploadCode = loadOnDemand('uploads', () => import('./upload/createUploads.js'));

const paused = () => new DOMException('The upload was paused.', 'AbortError');

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

  /** What runs the uploads, made once its code has loaded (see `loadUploadCode`); until then, and after uninstall, none. */
  #uploads: Uploads | undefined;
  /** The uploads under way or paused, by file id. */
  readonly #running = new Map<string, FileUpload>();
  readonly #state = new PluginState({
    publish: (state) => this.setPluginState(state),
    hashStats: () => this.#uploads?.hashStats() ?? { bytes: 0, ms: 0 },
  });
  /** Aborted on uninstall: ends the batch requests under way, and the waits for the upload code. */
  #installed = new AbortController();
  /** The upload code's load started ahead of the uploads, when a file was added; `undefined` again if it failed. */
  #preloading: Promise<unknown> | undefined;
  /** Each multipart upload's resume handle, kept the moment it exists (not on Golden Retriever's timer). */
  readonly #resumeHandles: ResumeHandles<M, B>;

  constructor(uppy: Uppy<M, B>, options: S3ResumableUploadOptions<M, B>) {
    const resolved = resolveOptions(options);
    super(uppy, resolved);
    this.type = 'uploader';
    this.id = resolved.id ?? 'S3ResumableUpload';
    const scope = typeof location === 'undefined' ? resolved.endpoint : new URL(resolved.endpoint, location.href).href;
    this.#resumeHandles = new ResumeHandles(uppy, createResumeStore({ scope, storage: resolved.resumeStorage }), resolved.partSize ?? DEFAULT_PART_SIZE);
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
    if (this.#installed.signal.aborted) this.#installed = new AbortController();
    this.setPluginState(this.#state.snapshot());
    this.#setResumable(true);
    this.uppy.addUploader(this.#upload);
    this.uppy.on('file-removed', this.#onFileRemoved);
    this.uppy.on('file-added', this.#onFileAdded);
    this.uppy.on('restored', this.#onRestored);
    this.#resumeHandles.adoptAll();
    if (this.uppy.getFiles().length > 0) this.#preload();
  }

  override uninstall(): void {
    this.#setResumable(false);
    this.uppy.removeUploader(this.#upload);
    this.uppy.off('file-removed', this.#onFileRemoved);
    this.uppy.off('file-added', this.#onFileAdded);
    this.uppy.off('restored', this.#onRestored);
    for (const upload of this.#running.values()) upload.pause();
    this.#uploads?.terminate();
    this.#uploads = undefined;
    this.#installed.abort();
    this.#preloading = undefined;
  }

  #setResumable(value: boolean): void {
    const { capabilities } = this.uppy.getState();
    this.uppy.setState({ capabilities: { ...capabilities, resumableUploads: value } });
  }

  #onFileAdded = (file: UppyFile<M, B>): void => {
    this.#resumeHandles.adopt(file);
    this.#preload();
  };

  /** Golden Retriever brought files back after a reload. */
  #onRestored = (): void => {
    this.#resumeHandles.adoptAll();
    if (this.uppy.getFiles().length > 0) this.#preload();
  };

  /**
   * Starts loading the upload code, once a file is there to upload, so that pressing upload does
   * not wait for it. Offline, the load waits for the network (loadOnDemand). A failure is left to
   * the upload, which loads again and fails its file with it (`code_load_failed`); the next file
   * added tries again.
   */
  #preload(): void {
    if (this.#preloading) return;
    this.#preloading = this.#loadUploads(this.#installed.signal).catch(() => (this.#preloading = undefined));
  }

  /** What runs the uploads, its code loaded first if need be (see `loadUploadCode`); `signal` stops the wait. */
  async #loadUploads(signal: AbortSignal, onOffline?: (waiting: boolean) => void): Promise<Uploads> {
    const { createUploads } = await loadUploadCode(signal, onOffline);
    // Uninstalled while the code loaded: nothing is made for a plugin that is gone.
    this.#installed.signal.throwIfAborted();
    this.#uploads ??= createUploads({
      options: () => this.opts,
      count: (name, fileID, by) => this.#state.count(name, fileID, by),
      timeline: (fileID, event) => this.#timeline(fileID, event),
      serverWait: (fileID, waiting) => this.#serverWait(fileID, waiting),
      log: (message, type) => this.uppy.log(`[S3ResumableUpload] ${message}`, type === 'info' ? undefined : type),
      signal: this.#installed.signal,
    });
    return this.#uploads;
  }

  /** Removing a file (or cancel-all) aborts its upload on S3, running or not. */
  #onFileRemoved = (file: UppyFile<M, B>): void => {
    this.#state.forget(file.id);
    const upload = this.#running.get(file.id);
    const handle = this.#resumeHandles.of(file);
    this.#resumeHandles.forget(file.id);
    if (upload) {
      upload.remove();
      this.#running.delete(file.id);
      return;
    }
    if (handle) {
      // No upload of this file runs (restored after a reload and not started, or still waiting for
      // the upload code): the abort is the upload code's call, loaded for it if need be.
      const signal = AbortSignal.timeout(60_000);
      this.#loadUploads(signal)
        .then((uploads) => uploads.abortMultipartUpload(handle, signal))
        .catch((error: unknown) => {
          this.uppy.log(`[S3ResumableUpload] Could not abort upload ${handle.uploadId}: ${String(error)}`, 'warning');
        });
    }
  };

  /** The file starts (`true`) or stops waiting for the browser to be back online (for the upload code). */
  #offline(fileID: string, waiting: boolean): void {
    if (waiting) this.#state.count('offlineWaits', fileID);
    this.#timeline(fileID, { type: 'offline', waiting });
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
    const toUpload = toFileToUpload(file as typeof file & { data: Blob }, this.opts, this.#resumeHandles.of(file));
    this.#state.track(fileID);

    return new Promise<void>((resolve) => {
      const events = new EventManager(this.uppy);
      const handlers: FileUploadEvents = {
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
      };
      /** Made once the upload code is there. */
      let upload: FileUpload | undefined;
      /** Set while the file waits for the upload code: aborted by a pause, or when the file is done with. */
      let waitingForCode: AbortController | undefined;
      let finished = false;

      const finish = () => {
        finished = true;
        waitingForCode?.abort(paused());
        events.remove();
        if (upload && this.#running.get(fileID) === upload) this.#running.delete(fileID);
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
        if (finished || this.uppy.getFile(fileID)?.isPaused) return; // resumes on 'upload-pause' false or 'resume-all'
        if (upload) {
          upload.start()?.then(succeed, fail);
          return;
        }
        if (waitingForCode) return; // on its way; `go` runs again when it is there
        // A load that fails (code_load_failed) fails the file like any upload error; the retry loads again.
        const waiting = (waitingForCode = new AbortController());
        this.#loadUploads(AbortSignal.any([waiting.signal, this.#installed.signal]), (offline) => this.#offline(fileID, offline)).then(
          (uploads) => {
            waitingForCode = undefined;
            if (finished) return;
            upload = uploads.fileUpload(fileID, toUpload, handlers);
            this.#running.set(fileID, upload);
            go();
          },
          (error: unknown) => {
            if (waitingForCode === waiting) waitingForCode = undefined;
            fail(error);
          },
        );
      };
      const pause = () => {
        upload?.pause();
        waitingForCode?.abort(paused());
      };

      events.onFilePause(fileID, (isPaused) => (isPaused ? pause() : go()));
      events.onPauseAll(fileID, pause);
      events.onResumeAll(fileID, go);
      // cancel-all removes every file: 'file-removed' covers it (the plugin's handler aborts on S3).
      events.onFileRemove(fileID, finish);
      go();
    });
  }
}
