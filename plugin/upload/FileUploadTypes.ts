/** What one file's upload is given, and what it answers: shared by its runs (single PUT, multipart). */
import type { ConfirmedFile, ConfirmFile, ParamsFile, ParamsResponse } from '../../contract.js';
import type { FileCounters } from '../counters.js';
import type { HashPool } from '../hashing/createHashPool.js';
import type { ApiClient } from '../network/createApiClient.js';
import type { BackendMode } from '../network/createBackendDetector.js';
import type { Limiter } from '../network/createLimiter.js';
import type { RetrySettings } from '../network/decideRetry.js';
import type { UnstampedTimelineEvent } from '../TimelineEvent.js';
import type { ResumeHandle } from './createResumeStore.js';

/** The multipart upload a file resumes into; kept in the file's state and in the resume store. */
export type MultipartState = ResumeHandle;

/**
 * The part size when neither the plugin's `partSize` nor the middleware's answer sets one; here,
 * not in FileUpload, because the plugin's shell reads it too (a resumed upload's part size that
 * its state lacks) without loading FileUpload.
 */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export interface UploadResult {
  location: string;
  key: string;
  /** The object's ETag as S3 answered it (quoted), when it answered one. */
  etag: string | undefined;
  uploadId?: string;
  /** What the app's completion hook on the server answered (`onUploadComplete`), when it answered something. */
  serverData?: unknown;
}

/** What a file upload needs from the plugin; shared by all files. */
export interface UploadServices {
  api: ApiClient;
  /** A presigned PUT for a whole file, asked for together with other files' (one request for many). */
  signSingle: (file: ParamsFile, signal: AbortSignal) => Promise<ParamsResponse>;
  /** The server's confirm of a single-request upload, sent together with other files'. */
  confirmSingle: (file: ConfirmFile, signal: AbortSignal) => Promise<ConfirmedFile>;
  /** A single-request upload's PUT is under way (its confirm will follow); answers the function that ends it. */
  singleUploading: () => () => void;
  /** Which routes the upload server has, decided once for all files (before the first upload needs it). */
  backend: (signal: AbortSignal) => Promise<BackendMode>;
  /**
   * Whether S3 checks an unsigned `Content-MD5` header on a part (and CORS lets it through): the
   * answer of the first `ask` (a probe with a part URL about to be used), kept for every file.
   */
  checksContentMd5: (ask: () => Promise<boolean>) => Promise<boolean>;
  /** `undefined` with `md5: false`: nothing is hashed, signed with an MD5 or checked against one. */
  hashPool: HashPool | undefined;
  /** Bounds the PUTs to S3 under way at once across files: `limit` per host the URL points at. */
  limiterFor: (url: string) => Limiter;
  /** Bounds the small files signed ahead of their turn at `limiter`. */
  signAhead: Limiter;
  settings: RetrySettings;
  /** The plugin's options that shape an upload. */
  partSize: number | undefined;
  hashAhead: number;
  signBatchSize: number;
  limit: number;
  stallTimeout: number;
  /** ms a call to the upload server (or the Content-MD5 probe) may go unanswered. */
  callTimeout: number;
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
