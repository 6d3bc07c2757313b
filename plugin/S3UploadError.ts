import type { ErrorCode } from '../contract.js';

/** Why the plugin gave up on a file (after every retry the policy allows). */
export type PluginErrorCode =
  /** The network failed on every attempt. */
  | 'network_error'
  /** S3 kept answering 5xx, 429 or a timeout. */
  | 's3_unavailable'
  /** S3 refused a request with a 4xx that no retry can fix (see the message for the likely cause). */
  | 's3_rejected'
  /** S3 answered a part without an `ETag` header the page can read. */
  | 'missing_etag'
  /** S3 kept rejecting the body with `BadDigest`: the bytes change between reading and sending. */
  | 'digest_mismatch'
  /** The assembled object's ETag is not the one its parts add up to. */
  | 'etag_mismatch'
  /** Freshly signed URLs kept being refused as expired (is a clock far off?). */
  | 'url_expired'
  /** The middleware kept answering 5xx, or could not be reached for `serverOutageTimeout`. */
  | 'middleware_unavailable'
  /** The middleware answered something that is not its contract. */
  | 'invalid_response'
  /** The file has no data to read (a restored "ghost" that was not re-selected). */
  | 'file_missing'
  /** The browser could not read the file (changed, moved or deleted since it was selected). */
  | 'file_unreadable'
  /** Code the plugin loads when an upload first needs it (multipart, Companion's form) did not load: offline? A retry loads it again. */
  | 'code_load_failed';

/** Every code an {@link S3UploadError} can carry: the plugin's own, or the middleware's (see `ERROR_STATUS`). */
export type S3UploadErrorCode = PluginErrorCode | ErrorCode;

/** An upload failed; `code` is stable, `message` names the likely cause, `cause` keeps the original. */
export class S3UploadError extends Error {
  override readonly name = 'S3UploadError';
  readonly code: S3UploadErrorCode;
  /** HTTP status of the answer that decided it, when there was one. */
  readonly status: number | undefined;
  /** The part concerned, for part-level failures. */
  readonly partNumber: number | undefined;

  constructor(code: S3UploadErrorCode, message: string, details: { status?: number; partNumber?: number; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.partNumber = details.partNumber;
  }
}
