/**
 * The plugin's retry policy, in one place: which failures are retried, after which delay, when a
 * URL is signed again, when a part is read and hashed again, when to wait for the network or the
 * upload server, and when to give up with which error. Every retry is bounded. Pure: the loop that
 * follows its decisions is {@link withRetry}.
 */
import { S3UploadError } from '../S3UploadError.js';
import type { Failure, RequestFailure } from './RequestFailure.js';

export interface RetrySettings {
  /** Delays before each retry, ms; their count bounds the retries of one request. */
  retryDelays: readonly number[];
  /** Re-sign a URL when less than this is left of its life (capped at half the life). */
  expiryMargin: number;
  /** How many times in a row one part may be re-signed for expiry before giving up. */
  maxResigns: number;
  /** How long the upload server may stay unreachable before a call to it gives up, ms. */
  serverOutageTimeout: number;
}

/** What to do next. */
export type Decision =
  | { action: 'retry'; delayMs: number; resign: boolean; rehash: boolean; reason: RetryReason }
  | { action: 'wait-online' }
  | { action: 'fail'; error: S3UploadError };

export type RetryReason = 'network' | 'unavailable' | 'expired' | 'bad-digest' | 'server-down';

/** Attempts so far in one chain of retries. */
export interface RetryCount {
  /** Retries that used a delay from `retryDelays`. */
  retries: number;
  /** Re-signs after an expired URL. */
  resigns: number;
  /** Waits for an unreachable upload server. */
  serverWaits: number;
}

const MAX_RETRY_AFTER_MS = 60_000;
/** Waits for an unreachable upload server double from 1 s up to this, so a long outage costs one call per 15 s. */
const MAX_SERVER_WAIT_MS = 15_000;

/** The delay before the `n`th retry (from 0) of a call to an unreachable upload server: 1, 2, 4, 8, 15, 15… s. */
export function serverWaitDelay(n: number): number {
  return Math.min(1000 * 2 ** n, MAX_SERVER_WAIT_MS);
}

/**
 * Gateways in front of an app answer 502, 503 or 504 while the app is down or restarting; the
 * middleware's own errors carry a JSON code, a gateway's page does not.
 */
function isGatewayError(failure: Failure & { kind: 'http' }): boolean {
  return failure.target === 'middleware' && [502, 503, 504].includes(failure.status) && failure.code.startsWith('http_');
}

/** Margin before expiry at which a URL counts as stale: the configured margin, at most half its life. */
export function staleMargin(lifetimeMs: number, settings: RetrySettings): number {
  return Math.min(settings.expiryMargin, lifetimeMs / 2);
}

/** Whether a URL that stops working at `expiresAt` (ms since epoch) is stale at `now`: within its margin, or past. */
export function isStale(expiresAt: number, lifetimeMs: number, settings: RetrySettings, now = Date.now()): boolean {
  return now >= expiresAt - staleMargin(lifetimeMs, settings);
}

/**
 * Was this 403 an expired URL? radosgw answers a bare `AccessDenied`, AWS adds "Request has
 * expired": the expiry time we hold decides, the message only confirms.
 */
function isExpiry(failure: Failure & { kind: 'http' }, expiresAt: number | undefined, now: number, marginMs: number): boolean {
  if (failure.status !== 403) return false;
  if (/request has expired/i.test(failure.message)) return true;
  return failure.code === 'AccessDenied' && expiresAt !== undefined && now >= expiresAt - marginMs;
}

function s3Rejection(failure: Failure & { kind: 'http' }, what: string): S3UploadError {
  const hint: Record<string, string> = {
    SignatureDoesNotMatch:
      'the signature does not match: the URL must be signed for the host the browser uses, and the body must be the part that was signed',
    AccessDenied: 'access denied: check the signing credentials and the bucket policy',
    InvalidDigest: 'the Content-MD5 header is malformed',
    NoSuchBucket: 'the bucket does not exist',
    EntityTooLarge: 'the body is larger than S3 accepts',
  };
  const why = hint[failure.code] ?? `S3 answered ${failure.status} ${failure.code}`;
  if (failure.code === 'NoSuchUpload') {
    return new S3UploadError('upload_not_found', `S3 no longer knows this multipart upload (${what}): it was aborted or expired.`, {
      status: failure.status,
    });
  }
  return new S3UploadError('s3_rejected', `S3 refused ${what}: ${why}.`, { status: failure.status });
}

/** Decides what follows a failed request. Pure: the clock and the online state come in. */
export function decideRetry(
  error: RequestFailure,
  count: RetryCount,
  context: { now: number; online: boolean; lifetimeMs?: number; partNumber?: number; serverDownSince?: number },
  settings: RetrySettings,
): Decision {
  const { failure, what, expiresAt } = error;
  const details = { partNumber: context.partNumber, cause: error };
  const backoff = (reason: RetryReason, extra: Partial<{ rehash: boolean; minDelayMs: number }> = {}): Decision | undefined => {
    const delay = settings.retryDelays[count.retries];
    if (delay === undefined) return undefined;
    return { action: 'retry', delayMs: Math.max(delay, extra.minDelayMs ?? 0), resign: false, rehash: extra.rehash ?? false, reason };
  };

  const resign = (status?: number): Decision =>
    count.resigns < settings.maxResigns
      ? { action: 'retry', delayMs: 0, resign: true, rehash: false, reason: 'expired' }
      : {
          action: 'fail',
          error: new S3UploadError('url_expired', `S3 kept refusing freshly signed URLs for ${what} as expired. Are the clocks of the signing server and S3 far apart?`, {
            ...details,
            status,
          }),
        };

  // The upload server is down (a deploy, a restart): wait for it, with longer and longer pauses,
  // up to `serverOutageTimeout` from when it was first found down.
  const serverDown = (): Decision => {
    const downFor = context.now - (context.serverDownSince ?? context.now);
    if (downFor >= settings.serverOutageTimeout) {
      return {
        action: 'fail',
        error: new S3UploadError('middleware_unavailable', `The upload server could not be reached for ${Math.round(downFor / 1000)} s (trying to ${what}).`, details),
      };
    }
    return { action: 'retry', delayMs: serverWaitDelay(count.serverWaits), resign: false, rehash: false, reason: 'server-down' };
  };

  switch (failure.kind) {
    case 'network':
      if (!context.online) return { action: 'wait-online' };
      if (failure.target === 'middleware') return serverDown();
      // radosgw answers an expired URL (and its CORS preflight) with a 403 that has no CORS
      // headers, so the page sees only a failed request: our clock says whether it was expiry.
      if (expiresAt !== undefined && isStale(expiresAt, context.lifetimeMs ?? 0, settings, context.now)) return resign();
      return (
        backoff('network') ?? {
          action: 'fail',
          error: new S3UploadError('network_error', `The network failed on every attempt to ${what}.`, details),
        }
      );
    case 'no-etag':
      return {
        action: 'fail',
        error: new S3UploadError(
          'missing_etag',
          `S3 accepted ${what} but its answer has no ETag the page can read. Does the bucket's CORS configuration expose the ETag header?`,
          details,
        ),
      };
    case 'etag-differs':
      // S3 stored other bytes than we hashed: treat it as a failed digest check.
      return (
        backoff('bad-digest', { rehash: true }) ?? {
          action: 'fail',
          error: new S3UploadError('digest_mismatch', `S3 kept storing other bytes than were read for ${what} (ETag ${failure.etag}).`, details),
        }
      );
    case 'invalid-response':
      return { action: 'fail', error: new S3UploadError('invalid_response', `The middleware answered ${what} with ${failure.detail}.`, details) };
    case 'http':
      break;
  }

  const { status, target } = failure;
  if (isGatewayError(failure)) return serverDown();
  const lifetimeMs = context.lifetimeMs ?? 0;
  if (target === 's3' && isExpiry(failure, expiresAt, context.now, staleMargin(lifetimeMs, settings))) return resign(status);
  if (target === 's3' && status === 400 && failure.code === 'BadDigest') {
    return (
      backoff('bad-digest', { rehash: true }) ?? {
        action: 'fail',
        error: new S3UploadError('digest_mismatch', `S3 kept rejecting ${what} with BadDigest: the bytes changed between reading and sending.`, { ...details, status }),
      }
    );
  }
  const transient = status >= 500 || status === 429 || status === 408 || (target === 's3' && failure.code === 'RequestTimeout');
  if (transient) {
    const retryAfter = Math.min(failure.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
    const decision = backoff('unavailable', { minDelayMs: retryAfter });
    if (decision) return decision;
    return target === 's3'
      ? { action: 'fail', error: new S3UploadError('s3_unavailable', `S3 kept failing ${what} (${status} ${failure.code}).`, { ...details, status }) }
      : {
          action: 'fail',
          error: new S3UploadError('middleware_unavailable', `The upload server kept failing to ${what} (${status}).`, { ...details, status }),
        };
  }
  if (target === 's3') return { action: 'fail', error: s3Rejection(failure, what) };
  // The middleware's 4xx: its code is stable and its message is meant for people.
  return {
    action: 'fail',
    error: new S3UploadError(failure.code as never, `The upload server refused to ${what}: ${failure.message}`, { ...details, status }),
  };
}
