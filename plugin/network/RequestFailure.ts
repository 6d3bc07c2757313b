/**
 * The failure model of every request the plugin makes (to the middleware or to S3): what went
 * wrong, as the retry policy ({@link decideRetry}) reads it.
 */
/** One failed request, as the policy sees it. */
export type Failure =
  /**
   * No answer: the connection failed, was reset, timed out, or the browser is offline. `stalled`:
   * the plugin gave up on a PUT during which no byte moved.
   */
  | { kind: 'network'; target: 's3' | 'middleware'; stalled?: boolean }
  /** An HTTP answer that is not a success. `code` is S3's error code or the middleware's. */
  | { kind: 'http'; target: 's3' | 'middleware'; status: number; code: string; message: string; retryAfterMs?: number }
  /** S3 stored a part whose ETag is an MD5 other than the one we computed. */
  | { kind: 'etag-differs'; etag: string }
  /** S3 accepted a part but the page cannot read its ETag. */
  | { kind: 'no-etag' }
  /** A 2xx answer from the middleware that is not its contract. */
  | { kind: 'invalid-response'; detail: string };

/** Thrown by a request to hand its failure to the policy. */
export class RequestFailure extends Error {
  override readonly name = 'RequestFailure';
  constructor(
    readonly failure: Failure,
    /** What was being done, for messages: "part 3", "create the upload". */
    readonly what: string,
    /** When the URL used stops being valid (ms since epoch), for S3 requests. */
    readonly expiresAt?: number,
    cause?: unknown,
  ) {
    super(`${what}: ${failure.kind === 'http' ? `${failure.status} ${failure.code}` : failure.kind}`, { cause });
  }
}
