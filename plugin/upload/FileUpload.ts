import type { ListedPart } from '../../contract.js';
import type { Digest } from '../md5/digest.js';
import { loadOnDemand } from '../network/loadOnDemand.js';
import type { PutToS3 } from '../network/putToS3.js';
import type { RetryOptions } from '../network/withRetry.js';
import { S3UploadError } from '../S3UploadError.js';
import type { PutOutcome } from '../TimelineEvent.js';
import { DEFAULT_PART_SIZE, type FileToUpload, type FileUploadEvents, type MultipartState, type UploadResult, type UploadServices } from './FileUploadTypes.js';
import { PartDigests } from './PartDigests.js';
import { putWithTimeline } from './putWithTimeline.js';
import type { RunContext } from './RunContext.js';
import type { MultipartSession } from './runMultipart.js';
import { runSingle } from './runSingle.js';

export type { FileToUpload, FileUploadEvents, MultipartState, UploadResult, UploadServices } from './FileUploadTypes.js';

/** Only files in parts run it (over the multipart threshold, or resumed): a page with small files only never loads it. */
const loadMultipart = loadOnDemand('multipart uploads', () => import('./runMultipart.js'));
/** Only small files through a backend with Companion's routes run it. */
const loadSingleForm = loadOnDemand('form uploads', () => import('./runSingleForm.js'));

const paused = () => new DOMException('The upload was paused.', 'AbortError');
const removed = () => new DOMException('The file was removed.', 'AbortError');

/**
 * One file's upload. `start()` runs it (or resumes it: the parts S3 already holds, with the
 * planned size and the local MD5 as ETag, or the size alone without MD5, are not sent again);
 * `pause()` stops it keeping everything; `remove()` stops it and aborts the multipart upload on S3.
 * The runs themselves are {@link runSingle} and {@link runMultipart}; this is their lifecycle.
 */
export class FileUpload {
  readonly #file: FileToUpload;
  readonly #services: UploadServices;
  readonly #events: FileUploadEvents;
  #state: MultipartState | undefined;
  /** MD5s by part number, kept across runs. */
  readonly #digests: PartDigests;
  #run: AbortController | undefined;
  #previous: Promise<unknown> = Promise.resolve();
  #finished = false;
  /** Aborted only by `remove()`: create and complete must not be cut off by a pause. */
  readonly #removal = new AbortController();
  /** PUTs so far, to pair each `put-start` with its `put-end`. */
  #puts = 0;
  readonly #context: RunContext;
  readonly #session: MultipartSession;

  constructor(file: FileToUpload, services: UploadServices, events: FileUploadEvents) {
    this.#file = file;
    this.#services = services;
    this.#events = events;
    this.#state = file.resume;
    this.#digests = new PartDigests(file.name, services.hashPool);
    this.#context = {
      file,
      services,
      events,
      digests: this.#digests,
      removal: this.#removal.signal,
      put: (request, partNumber, attempt, digest) => this.#put(request, partNumber, attempt, digest),
      retryOptions: (signal, extra) => this.#retryOptions(signal, extra),
      onOffline: this.#offline,
    };
    this.#session = {
      open: (signal) => this.#open(signal),
      completed: () => {
        this.#state = undefined;
        this.#digests.clear();
        this.#events.stateChanged(undefined);
      },
    };
  }

  /**
   * Starts a run; `undefined` when one is already going or the upload is over. Rejects with an
   * AbortError when paused or removed. A run starts only once the previous one has settled: a
   * create or complete still in flight from before a pause must not be done twice.
   */
  start(): Promise<UploadResult> | undefined {
    if ((this.#run && !this.#run.signal.aborted) || this.#removal.signal.aborted || this.#finished) return undefined;
    const run = new AbortController();
    this.#run = run;
    const signal = AbortSignal.any([run.signal, this.#removal.signal]);
    const work = this.#previous
      .catch(() => {})
      .then(async () => {
        signal.throwIfAborted();
        // The previous run may have completed the upload after all.
        if (this.#finished) throw paused();
        const multipart = this.#file.multipart || this.#state !== undefined;
        // Its code loads while the backend is asked for, so neither waits on the other (a load
        // that failed is tried again below).
        if (multipart) loadMultipart(signal).catch(() => {});
        const backend = await this.#services.backend(signal);
        if (multipart) return (await loadMultipart(signal, this.#offline)).runMultipart(this.#context, this.#session, signal, backend);
        if (backend === 'companion') return (await loadSingleForm(signal, this.#offline)).runSingleForm(this.#context, signal);
        return runSingle(this.#context, signal);
      })
      .then(
        (result) => {
          this.#finished = true;
          this.#events.timeline({ type: 'run-end', outcome: 'complete' });
          return result;
        },
        (error: unknown) => {
          if (this.#removal.signal.aborted) this.#events.timeline({ type: 'run-end', outcome: 'removed' });
          else if (run.signal.aborted) this.#events.timeline({ type: 'run-end', outcome: 'paused' });
          else this.#events.timeline({ type: 'run-end', outcome: 'failed', code: error instanceof S3UploadError ? error.code : 'unexpected' });
          throw error;
        },
      )
      .finally(() => {
        if (this.#run === run) this.#run = undefined;
      });
    this.#previous = work;
    return work;
  }

  pause(): void {
    this.#run?.abort(paused());
  }

  /** Stops the upload and aborts it on S3 (best effort, retried by the policy). */
  remove(): void {
    if (this.#removal.signal.aborted) return;
    this.#removal.abort(removed());
    this.#abortOnS3();
  }

  #abortOnS3(): void {
    const state = this.#state;
    if (!state) return;
    this.#state = undefined;
    this.#services.api.abortMultipartUpload(state.uploadId, state.key, AbortSignal.timeout(60_000)).catch((error: unknown) => {
      this.#services.log(`Could not abort upload ${state.uploadId} on S3: ${String(error)}`, 'warning');
    });
  }

  /** The file starts (`true`) or stops waiting for the browser to be back online. */
  #offline = (waiting: boolean): void => {
    if (waiting) this.#services.count('offlineWaits');
    this.#events.timeline({ type: 'offline', waiting });
  };

  #retryOptions(signal: AbortSignal, extra: Partial<RetryOptions> = {}): RetryOptions {
    const { count, settings } = this.#services;
    return {
      settings,
      signal,
      onOffline: this.#offline,
      onRetry: (decision) => {
        if (!decision.resign) count('retries');
        if (decision.rehash) count('rehashes');
        this.#events.timeline({ type: 'retry', partNumber: extra.partNumber, reason: decision.reason, delayMs: decision.delayMs });
      },
      ...extra,
    };
  }

  /** Why a PUT cut short by `signal` was: the file paused, removed, or failed on another part. */
  #cancelReason(signal: AbortSignal): PutOutcome & { outcome: 'cancelled' } {
    if (this.#removal.signal.aborted) return { outcome: 'cancelled', reason: 'removed' };
    const reason: unknown = signal.reason;
    return { outcome: 'cancelled', reason: reason instanceof DOMException && reason.name === 'AbortError' ? 'paused' : 'file-failed' };
  }

  #put(request: Omit<PutToS3, 'stallTimeout'>, partNumber: number, attempt: number, digest: Digest | undefined): Promise<string> {
    return putWithTimeline({
      request,
      partNumber,
      attempt,
      digest,
      put: ++this.#puts,
      stallTimeout: this.#services.stallTimeout,
      timeline: this.#events.timeline,
      cancelReason: (signal) => this.#cancelReason(signal),
    });
  }

  /** The multipart upload to run: the resumed one, with the parts S3 holds, or a new one. */
  async #open(signal: AbortSignal): Promise<{ state: MultipartState; listed: Map<number, ListedPart>; resumed: boolean }> {
    const listed = await this.#listResumed(signal);
    const resumed = this.#state !== undefined;
    const state = this.#state ?? (await this.#create());
    return { state, listed, resumed };
  }

  /** Lists what S3 holds for a resumed upload; forgets the upload when S3 no longer knows it. */
  async #listResumed(signal: AbortSignal): Promise<Map<number, ListedPart>> {
    const listed = new Map<number, ListedPart>();
    const state = this.#state;
    if (!state) return listed;
    try {
      for (const part of await this.#services.api.listParts(state.uploadId, state.key, signal)) listed.set(part.PartNumber, part);
    } catch (error) {
      if (!(error instanceof S3UploadError && error.code === 'upload_not_found')) throw error;
      this.#services.log(`Upload ${state.uploadId} is gone from S3; starting over.`, 'warning');
      this.#state = undefined;
      this.#events.stateChanged(undefined);
    }
    return listed;
  }

  async #create(): Promise<MultipartState> {
    const file = this.#file;
    // Not cut off by a pause or a removal: S3 may create the upload anyway, and we would lose
    // track of it. A removal while it was on its way aborts it once we know its id.
    const created = await this.#services.api.createMultipartUpload(
      { filename: file.name, type: file.type, metadata: file.metadata, size: file.data.size },
      new AbortController().signal,
    );
    const state = { uploadId: created.uploadId, key: created.key, partSize: this.#services.partSize ?? created.partSize ?? DEFAULT_PART_SIZE };
    this.#state = state;
    if (this.#removal.signal.aborted) {
      this.#abortOnS3();
      throw this.#removal.signal.reason;
    }
    this.#events.stateChanged(state);
    return state;
  }
}
