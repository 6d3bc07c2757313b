import type { ListedPart } from '../../contract.js';
import type { ApiClient } from '../network/createApiClient.js';
import type { HashPool } from '../hashing/createHashPool.js';
import type { RequestLimiter } from '../network/createRequestLimiter.js';
import type { FileCounters } from '../counters.js';
import { unquoteETag, type Digest } from '../md5/digest.js';
import { multipartETag, multipartETagForm } from './multipartETagOfDigests.js';
import { PartSigner, type SignedPart } from './PartSigner.js';
import { planHashRuns } from './planHashRuns.js';
import { planParts, type PlannedPart } from './planParts.js';
import { putToS3, type PutToS3 } from '../network/putToS3.js';
import { isStale, type RetrySettings } from '../network/decideRetry.js';
import { RequestFailure } from '../network/RequestFailure.js';
import { withRetry, type Attempt, type RetryOptions } from '../network/withRetry.js';
import { S3UploadError } from '../S3UploadError.js';
import { PUT_PROGRESS_INTERVAL_MS, type PutOutcome, type UnstampedTimelineEvent } from '../TimelineEvent.js';

/** The part size when neither the plugin's `partSize` nor the middleware's answer sets one. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MD5_HEX = /^[0-9a-f]{32}$/i;

/** The multipart upload a file resumes into; kept in the file's state (`s3Multipart` + `s3Resumable`). */
export interface MultipartState {
  uploadId: string;
  key: string;
  partSize: number;
}

export interface UploadResult {
  location: string;
  key: string;
  /** The object's ETag as S3 answered it (quoted), when it answered one. */
  etag: string | undefined;
  uploadId?: string;
}

/** What a file upload needs from the plugin; shared by all files. */
export interface UploadServices {
  api: ApiClient;
  /** `undefined` with `md5: false`: nothing is hashed, signed with an MD5 or checked against one. */
  hashPool: HashPool | undefined;
  limiter: RequestLimiter;
  /** Bounds the small files signed ahead of their turn at `limiter`. */
  signAhead: RequestLimiter;
  settings: RetrySettings;
  /** The plugin's options that shape an upload. */
  partSize: number | undefined;
  hashAhead: number;
  signBatchSize: number;
  limit: number;
  stallTimeoutMs: number;
  /** Counts for this file (and the plugin's totals). */
  count: (name: keyof FileCounters, by?: number) => void;
  log: (message: string, type?: 'info' | 'warning' | 'error') => void;
}

export interface FileToUpload {
  name: string;
  type: string;
  data: Blob;
  metadata: Record<string, string>;
  multipart: boolean;
  /** Where an earlier run (or page) left the upload. */
  resume: MultipartState | undefined;
}

export interface FileUploadEvents {
  progress: (bytesUploaded: number, bytesTotal: number) => void;
  partUploaded: (part: { PartNumber: number; ETag: string }) => void;
  /** The upload to remember for resume; `undefined` once there is none. */
  stateChanged: (state: MultipartState | undefined) => void;
  /** What happens, part by part (see {@link TimelineEvent}); `at` is added here. */
  timeline: (event: UnstampedTimelineEvent) => void;
}

const paused = () => new DOMException('The upload was paused.', 'AbortError');
const removed = () => new DOMException('The file was removed.', 'AbortError');

/**
 * One file's upload. `start()` runs it (or resumes it: the parts S3 already holds, with the
 * planned size and the local MD5 as ETag, or the size alone without MD5, are not sent again);
 * `pause()` stops it keeping everything; `remove()` stops it and aborts the multipart upload on S3.
 */
export class FileUpload {
  readonly #file: FileToUpload;
  readonly #services: UploadServices;
  readonly #events: FileUploadEvents;
  #state: MultipartState | undefined;
  /** MD5s by part number for `#state.partSize` (or of the whole file under 0); kept across runs. */
  readonly #digests = new Map<number, Digest>();
  #digestsPartSize: number | undefined;
  #run: AbortController | undefined;
  #previous: Promise<unknown> = Promise.resolve();
  #finished = false;
  /** Aborted only by `remove()`: create and complete must not be cut off by a pause. */
  readonly #removal = new AbortController();
  /** PUTs so far, to pair each `put-start` with its `put-end`. */
  #puts = 0;

  constructor(file: FileToUpload, services: UploadServices, events: FileUploadEvents) {
    this.#file = file;
    this.#services = services;
    this.#events = events;
    this.#state = file.resume;
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
      .then(() => {
        signal.throwIfAborted();
        // The previous run may have completed the upload after all.
        if (this.#finished) throw paused();
        return this.#file.multipart || this.#state ? this.#runMultipart(signal) : this.#runSingle(signal);
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

  #retryOptions(signal: AbortSignal, extra: Partial<RetryOptions> = {}): RetryOptions {
    const { count, settings } = this.#services;
    return {
      settings,
      signal,
      onOffline: (waiting) => {
        if (waiting) count('offlineWaits');
        this.#events.timeline({ type: 'offline', waiting });
      },
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

  /**
   * One PUT to S3 with its timeline events: `put-start`, then `put-end` with how it ended (the
   * ETag check included). Resolves with the checked ETag; throws as {@link putToS3} does.
   */
  async #put(
    request: Omit<PutToS3, 'stallTimeoutMs'>,
    partNumber: number,
    attempt: number,
    digest: Digest | undefined,
  ): Promise<string> {
    const timeline = this.#events.timeline;
    const put = ++this.#puts;
    let bytesSent = 0;
    let reportedAt = 0;
    timeline({ type: 'put-start', put, partNumber, attempt, url: request.url, expiresAt: request.expiresAt });
    const end = (outcome: PutOutcome) => timeline({ type: 'put-end', put, partNumber, attempt, bytesSent, ...outcome });
    try {
      const { etag, status } = await putToS3({
        ...request,
        stallTimeoutMs: this.#services.stallTimeoutMs,
        onProgress: (loaded) => {
          bytesSent = loaded;
          request.onProgress(loaded);
          const now = Date.now();
          if (now - reportedAt >= PUT_PROGRESS_INTERVAL_MS) {
            reportedAt = now;
            timeline({ type: 'put-progress', put, partNumber, bytesSent });
          }
        },
      });
      bytesSent = request.body.size;
      try {
        const checked = this.#checkETag(etag, digest, request.what);
        end({ outcome: 'stored', status });
        return checked;
      } catch (error) {
        end({ outcome: 'refused', status, code: error instanceof RequestFailure && error.failure.kind === 'no-etag' ? 'NoETag' : 'ETagDiffers' });
        throw error;
      }
    } catch (error) {
      if (error instanceof RequestFailure) {
        const { failure } = error;
        if (failure.kind === 'http') end({ outcome: 'refused', status: failure.status, code: failure.code });
        else if (failure.kind === 'network') end(failure.stalled ? { outcome: 'stalled' } : { outcome: 'network' });
      } else if (request.signal.aborted) {
        end(this.#cancelReason(request.signal));
      }
      throw error;
    }
  }

  /** The MD5 of `blob`; `undefined` without hashing when the plugin runs with `md5: false`. */
  #md5(blob: Blob, signal: AbortSignal): Promise<Digest | undefined> {
    return this.#md5Parts(blob, [blob.size], signal)[0] as Promise<Digest | undefined>;
  }

  /** The MD5s of consecutive parts of `blob`, read through one stream (`undefined` each with `md5: false`). */
  #md5Parts(blob: Blob, sizes: readonly number[], signal: AbortSignal): Array<Promise<Digest | undefined>> {
    const { hashPool } = this.#services;
    if (!hashPool) return sizes.map(() => Promise.resolve(undefined));
    return hashPool.md5Parts(blob, sizes, signal).map((digest) =>
      digest.catch((error: unknown) => {
        signal.throwIfAborted();
        throw new S3UploadError('file_unreadable', `Could not read ${this.#file.name}: was it changed, moved or deleted since it was selected?`, { cause: error });
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // One presigned PUT
  // ---------------------------------------------------------------------------------------------

  async #runSingle(signal: AbortSignal): Promise<UploadResult> {
    const { api, limiter, signAhead, settings, count } = this.#services;
    const file = this.#file;
    if (this.#digestsPartSize !== 0) this.#digests.clear();
    this.#digestsPartSize = 0;
    const hashFile = async () => {
      this.#events.timeline({ type: 'hash-start', partNumber: 0 });
      const hashed = await this.#md5(file.data, signal);
      this.#events.timeline({ type: 'hash-end', partNumber: 0 });
      if (hashed) this.#digests.set(0, hashed);
      return hashed;
    };
    this.#events.timeline({ type: 'run-start', parts: 1, partSize: file.data.size, resumed: false });
    let digest = this.#digests.get(0) ?? (this.#services.hashPool ? await hashFile() : undefined);
    let attempts = 0;
    let signedBefore = false;
    let lifetimeMs: number | undefined;
    const sign = async () => {
      if (signedBefore) count('resigns');
      const params = await api.getUploadParameters(
        { filename: file.name, type: file.type, metadata: file.metadata, method: 'PUT', md5: digest?.base64, size: file.data.size },
        signal,
      );
      signedBefore = true;
      if (params.method !== 'PUT') throw new RequestFailure({ kind: 'invalid-response', detail: `a ${params.method} upload instead of a PUT` }, 'sign the upload');
      lifetimeMs = params.expires * 1000;
      return { ...params, expiresAt: Date.now() + lifetimeMs };
    };

    const result = await withRetry(
      // Every attempt signs anew (a re-sign after the first), whatever failed.
      async ({ rehash }: Attempt) => {
        if (rehash && digest) digest = await hashFile();
        // Signed before its turn to send, so S3's connections never wait on the middleware (with
        // many small files that is a round trip per file); at most `limit` files wait signed.
        let params: Awaited<ReturnType<typeof sign>>;
        let release: () => void;
        const ahead = await signAhead.acquire(signal);
        try {
          params = await sign();
          release = await limiter.acquire(signal);
        } finally {
          ahead();
        }
        try {
          if (isStale(params.expiresAt, params.expires * 1000, settings)) params = await sign(); // waited too long for a slot
          attempts += 1;
          const checked = await this.#put(
            {
              url: params.url,
              headers: params.headers ?? {},
              body: file.data,
              signal,
              onProgress: (loaded) => this.#events.progress(Math.min(loaded, file.data.size), file.data.size),
              what: 'the file',
              expiresAt: params.expiresAt,
            },
            0,
            attempts,
            digest,
          );
          const location = new URL(params.url, pageBase()).href.split('?')[0] as string;
          return { location, key: params.key, etag: checked };
        } catch (error) {
          this.#events.progress(0, file.data.size);
          throw error;
        } finally {
          release();
        }
      },
      this.#retryOptions(signal, { lifetimeMs: () => lifetimeMs }),
    );
    count('singleUploads');
    this.#events.progress(file.data.size, file.data.size);
    return result;
  }

  /**
   * The ETag must be readable (CORS); one that is an MD5 must be ours; other forms (SSE-KMS) are
   * S3's word after its Content-MD5 check. Without a digest (`md5: false`) there is nothing to compare.
   */
  #checkETag(etag: string | undefined, digest: Digest | undefined, what: string): string {
    if (etag === undefined) throw new RequestFailure({ kind: 'no-etag' }, what);
    const plain = unquoteETag(etag);
    if (digest && MD5_HEX.test(plain) && plain.toLowerCase() !== digest.hex) throw new RequestFailure({ kind: 'etag-differs', etag }, what);
    return etag;
  }

  // ---------------------------------------------------------------------------------------------
  // Multipart
  // ---------------------------------------------------------------------------------------------

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

  async #runMultipart(signal: AbortSignal): Promise<UploadResult> {
    const listed = await this.#listResumed(signal);
    const resumed = this.#state !== undefined;
    const state = this.#state ?? (await this.#create());
    signal.throwIfAborted();
    const services = this.#services;
    const timeline = this.#events.timeline;
    const size = this.#file.data.size;
    const parts = planParts(size, state.partSize);
    timeline({ type: 'run-start', uploadId: state.uploadId, key: state.key, parts: parts.length, partSize: state.partSize, resumed });
    if (this.#digestsPartSize !== state.partSize) this.#digests.clear();
    this.#digestsPartSize = state.partSize;

    const inner = new AbortController();
    const abortInner = () => inner.abort(signal.reason);
    signal.addEventListener('abort', abortInner, { once: true });
    const runSignal = inner.signal;

    const loaded = new Map<number, number>();
    const etags = new Map<number, string>();
    const report = () => {
      let sum = 0;
      for (const bytes of loaded.values()) sum += bytes;
      this.#events.progress(sum, size);
    };
    const queue = parts.slice();
    const hashing = new Map<number, Promise<Digest | undefined>>();
    const slice = (part: PlannedPart) => this.#file.data.slice(part.start, part.end);
    // Without a digest (`md5: false`) a part S3 holds can only be matched by its size, as the stock plugin does.
    const isHeld = (part: PlannedPart, digest: Digest | undefined) => {
      const held = listed.get(part.partNumber);
      return held !== undefined && held.Size === part.size && (digest === undefined || unquoteETag(held.ETag).toLowerCase() === digest.hex);
    };

    /** Hashes a run of consecutive parts through one stream (or takes the digests known from before). */
    const hashRun = (run: readonly PlannedPart[]) => {
      if (!services.hashPool) {
        for (const part of run) hashing.set(part.partNumber, Promise.resolve(undefined));
        return;
      }
      const [first, last] = [run[0] as PlannedPart, run[run.length - 1] as PlannedPart];
      const digests = this.#md5Parts(this.#file.data.slice(first.start, last.end), run.map((part) => part.size), runSignal);
      run.forEach((part, i) => {
        timeline({ type: 'hash-start', partNumber: part.partNumber });
        const promise = (digests[i] as Promise<Digest | undefined>).then((digest) => {
          timeline({ type: 'hash-end', partNumber: part.partNumber });
          if (digest) this.#digests.set(part.partNumber, digest);
          return digest;
        });
        promise.catch(() => {}); // look-ahead hashes may be abandoned by an abort
        hashing.set(part.partNumber, promise);
      });
    };
    const hash = (part: PlannedPart): Promise<Digest | undefined> => {
      const known = this.#digests.get(part.partNumber);
      if (known && !hashing.has(part.partNumber)) hashing.set(part.partNumber, Promise.resolve(known));
      if (!hashing.has(part.partNumber)) hashRun([part]);
      return hashing.get(part.partNumber) as Promise<Digest | undefined>;
    };
    /** After a BadDigest: the part's bytes read and hashed again (if the file really changed, the new MD5 is signed). */
    const rehashPart = (part: PlannedPart): Promise<Digest | undefined> => {
      hashing.delete(part.partNumber);
      this.#digests.delete(part.partNumber);
      return hash(part);
    };
    let batches = 0;
    const digestOf = (part: PlannedPart) => {
      // The window: this part and the next `hashAhead`; those not asked for go in batches of runs (planHashRuns).
      const window = [part, ...queue.slice(0, services.hashAhead)];
      const unasked = window.filter((next) => !hashing.has(next.partNumber) && !this.#digests.has(next.partNumber));
      if (services.hashPool && unasked.length > 0) {
        const planned = planHashRuns(unasked, { lanes: services.hashPool.lanes, window: services.hashAhead, batches, toEnd: window.length > queue.length });
        batches = planned.batches;
        for (const run of planned.runs) hashRun(run);
      }
      return hash(part);
    };

    const signer = new PartSigner({
      sign: (batch) => services.api.signParts(state.uploadId, state.key, batch, runSignal),
      // Parts hashed already, or every queued part when nothing is hashed.
      upcoming: () =>
        queue.flatMap((part) => {
          const digest = this.#digests.get(part.partNumber);
          return (digest || !services.hashPool) && !isHeld(part, digest) ? [{ part, digest }] : [];
        }),
      batchSize: services.signBatchSize,
      settings: services.settings,
      onResign: () => services.count('resigns'),
      onSign: (partNumbers, resigned) => timeline({ type: 'sign-start', partNumbers, resigned }),
      onSigned: (partNumbers, ok) => timeline({ type: 'sign-end', partNumbers, ok }),
    });

    const sendPart = async (part: PlannedPart, first: Digest | undefined): Promise<string> => {
      let digest = first;
      let signed: SignedPart | undefined;
      let attempts = 0;
      const what = `part ${part.partNumber}`;
      return withRetry(
        async ({ resign, rehash }) => {
          // BadDigest: read the bytes again; if the file really changed, the new MD5 is signed.
          if (rehash && digest) digest = await rehashPart(part);
          // The URL first, then a connection to S3: a part waiting on the upload server (slow, or
          // down for a deploy) must not hold a connection that a part with a URL could use.
          signed = await signer.urlFor(part, digest, resign);
          const release = await services.limiter.acquire(runSignal);
          try {
            // Waiting for the connection may have taken the URL into its margin: a fresh one then.
            signed = await signer.urlFor(part, digest, false);
            attempts += 1;
            const checked = await this.#put(
              {
                url: signed.url,
                headers: signed.headers,
                body: slice(part),
                signal: runSignal,
                onProgress: (bytes) => {
                  loaded.set(part.partNumber, Math.min(bytes, part.size));
                  report();
                },
                what,
                expiresAt: signed.expiresAt,
              },
              part.partNumber,
              attempts,
              digest,
            );
            services.count('partsUploaded');
            if (digest && unquoteETag(checked).toLowerCase() === digest.hex) services.count('partsVerified');
            return checked;
          } catch (error) {
            // A failed attempt's bytes don't count: the retry sends them again.
            loaded.set(part.partNumber, 0);
            report();
            throw error;
          } finally {
            release();
          }
        },
        this.#retryOptions(runSignal, { partNumber: part.partNumber, lifetimeMs: () => signed?.lifetimeMs }),
      );
    };

    const runner = async () => {
      for (let part = queue.shift(); part; part = queue.shift()) {
        const digest = await digestOf(part);
        if (isHeld(part, digest)) {
          etags.set(part.partNumber, listed.get(part.partNumber)?.ETag as string);
          timeline({ type: 'skipped', partNumber: part.partNumber });
          services.count('partsSkipped');
        } else {
          const etag = await sendPart(part, digest);
          etags.set(part.partNumber, etag);
          this.#events.partUploaded({ PartNumber: part.partNumber, ETag: etag });
        }
        loaded.set(part.partNumber, part.size);
        report();
      }
    };

    try {
      await Promise.all(
        Array.from({ length: Math.min(services.limit, parts.length) }, () =>
          runner().catch((error: unknown) => {
            inner.abort(error); // one part failed for good: stop the others
            throw error;
          }),
        ),
      );
    } finally {
      signal.removeEventListener('abort', abortInner);
    }

    const completed = await services.api.completeMultipartUpload(
      state.uploadId,
      state.key,
      { parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: etags.get(part.partNumber) as string })) },
      this.#removal.signal,
    );
    await this.#verifyObject(completed.etag, parts);
    this.#state = undefined;
    this.#digests.clear();
    this.#events.stateChanged(undefined);
    return { location: completed.location, key: completed.key, etag: completed.etag, uploadId: state.uploadId };
  }

  /** The object's ETag, when it has the multipart form, must be `md5(part digests)-N` (unchecked with `md5: false`). */
  async #verifyObject(etag: string | undefined, parts: PlannedPart[]): Promise<void> {
    const form = etag === undefined ? undefined : multipartETagForm(etag);
    if (form === undefined || !this.#services.hashPool) return;
    const expected = await multipartETag(parts.map((part) => this.#digests.get(part.partNumber) as Digest));
    if (form !== expected) {
      throw new S3UploadError('etag_mismatch', `The assembled object's ETag ${form} is not ${expected}, what its ${parts.length} parts add up to.`);
    }
    this.#services.count('objectsVerified');
  }
}

/** Base for resolving a relative URL (the middleware may answer one). */
function pageBase(): string {
  return typeof location === 'undefined' ? 'http://localhost/' : location.href;
}
