/**
 * The retry loop: runs a request until it succeeds or the policy ({@link decideRetry}) gives up,
 * sleeping, re-signing, re-hashing, waiting for the network or for the upload server as decided.
 */
import type { ServerAvailability } from './createServerAvailability.js';
import { decideRetry, type Decision, type RetryCount, type RetrySettings } from './decideRetry.js';
import { RequestFailure } from './RequestFailure.js';
import { browserOnline, waitUntilOnline } from './waitUntilOnline.js';

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
      const decision = decideRetry(
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
