/**
 * The whole retry policy of the plugin, in one place: which failures are retried, after which
 * delay, when a URL is signed again, when a part is read and hashed again, when to wait for the
 * network, and when to give up with which error. Every retry is bounded.
 */
import type { ServerAvailability } from './createServerAvailability.js';
import { S3UploadError } from '../S3UploadError.js';

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

export interface RetrySettings {
  /** Delays before each retry, ms; their count bounds the retries of one request. */
  retryDelays: readonly number[];
  /** Re-sign a URL when less than this is left of its life (capped at half the life). */
  expiryMarginMs: number;
  /** How many times in a row one part may be re-signed for expiry before giving up. */
  maxResigns: number;
  /** How long the upload server may stay unreachable before a call to it gives up, ms. */
  serverOutageMs: number;
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
  return Math.min(settings.expiryMarginMs, lifetimeMs / 2);
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
export function decide(
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
  // up to `serverOutageMs` from when it was first found down.
  const serverDown = (): Decision => {
    const downFor = context.now - (context.serverDownSince ?? context.now);
    if (downFor >= settings.serverOutageMs) {
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

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when the browser is back online, or rejects when `signal` aborts. */
export function waitUntilOnline(signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    if (navigator.onLine) return resolve();
    const done = () => {
      window.removeEventListener('online', onOnline);
      signal.removeEventListener('abort', onAbort);
    };
    const onOnline = () => {
      done();
      resolve();
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    window.addEventListener('online', onOnline);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const browserOnline = () => typeof navigator === 'undefined' || navigator.onLine;

/** What `withRetry` tells each attempt. */
export interface Attempt {
  /** The previous attempt failed on an expired URL: sign a new one. */
  resign: boolean;
  /** The previous attempt failed its digest check: read and hash the bytes again. */
  rehash: boolean;
}

export interface RetryOptions {
  settings: RetrySettings;
  signal: AbortSignal;
  partNumber?: number;
  /** Lifetime of the URL the last attempt used, ms (for the expiry margin). */
  lifetimeMs?: () => number | undefined;
  /** Whether the browser is online. @default navigator.onLine */
  online?: () => boolean;
  /** Called with `true` when an attempt found the browser offline and waits for `online`, `false` once it is back. */
  onOffline?: (waiting: boolean) => void;
  /** Called before each retry, for counters and logs. */
  onRetry?: (decision: Decision & { action: 'retry' }, error: RequestFailure) => void;
  /** For calls to the upload server: whether it answers, shared by every call. */
  server?: ServerAvailability;
  /** Called with `true` when this call starts waiting for an unreachable upload server, `false` when it got through. */
  onServerWait?: (waiting: boolean) => void;
}

/**
 * Runs `attempt` until it succeeds, the policy gives up (throws an {@link S3UploadError}), or
 * `signal` aborts. Errors other than {@link RequestFailure} (an abort, a bug) pass through.
 */
export async function withRetry<T>(attempt: (next: Attempt) => Promise<T>, options: RetryOptions): Promise<T> {
  const count: RetryCount = { retries: 0, resigns: 0, serverWaits: 0 };
  let next: Attempt = { resign: false, rehash: false };
  let waitingForServer = false;
  const serverWait = (waiting: boolean) => {
    if (waiting === waitingForServer) return;
    waitingForServer = waiting;
    options.onServerWait?.(waiting);
  };
  for (;;) {
    options.signal.throwIfAborted();
    try {
      const result = await attempt(next);
      serverWait(false);
      return result;
    } catch (error) {
      if (!(error instanceof RequestFailure) || options.signal.aborted) throw error;
      const now = Date.now();
      const decision = decide(
        error,
        count,
        {
          now,
          online: (options.online ?? browserOnline)(),
          lifetimeMs: options.lifetimeMs?.(),
          partNumber: options.partNumber,
          serverDownSince: options.server?.downSince,
        },
        options.settings,
      );
      if (decision.action === 'fail') throw decision.error;
      if (decision.action === 'retry' && decision.reason === 'server-down') {
        options.server?.markDown(now);
        serverWait(true);
        count.serverWaits += 1;
        await (options.server ? options.server.wait(decision.delayMs, options.signal) : sleep(decision.delayMs, options.signal));
        next = { resign: false, rehash: false };
        continue;
      }
      serverWait(false);
      if (decision.action === 'wait-online') {
        options.onOffline?.(true);
        await waitUntilOnline(options.signal);
        options.onOffline?.(false);
        next = { resign: false, rehash: false };
        continue;
      }
      options.onRetry?.(decision, error);
      if (decision.resign) count.resigns += 1;
      else count.retries += 1;
      await sleep(decision.delayMs, options.signal);
      next = { resign: decision.resign, rehash: decision.rehash };
    }
  }
}
