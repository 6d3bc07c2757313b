import type { NextFunction, Request, Response } from 'express';
import { invalid } from '../core/options.js';
import { UploadError } from '../core/UploadError.js';
import { jsonAnswer } from '../http/jsonAnswer.js';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Whose budget a request spends: the user id from your session or token. Requests for which it
   * returns `undefined` are not limited (e.g. let your auth answer 401 first).
   * @default req => req.ip (per client address; behind a proxy set Express's `trust proxy`)
   */
  key?: (req: Request) => string | undefined;
  /**
   * Requests each key may make per second, on average. An upload of N parts with our plugin makes
   * about N / 5 + 2 calls (parts are signed five at a time); the stock plugin makes N + 2 and does
   * not retry a 429.
   * @default 20
   */
  requestsPerSecond?: number;
  /**
   * Requests each key may make at once after being idle (the bucket's size).
   * @default 2 × requestsPerSecond
   */
  burst?: number;
  /**
   * Most keys remembered; the longest idle one is forgotten first (a forgotten key starts with a
   * full budget). Bounds memory under a flood of distinct keys.
   * @default 100000
   */
  maxKeys?: number;
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

function positive(name: string, value: unknown, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
    invalid(name, `a ${integer ? 'whole ' : ''}number above 0`, value);
  }
  return value;
}

/**
 * A per-user rate limit in front of the middleware (a token bucket per key, in memory). Over the
 * limit a request is answered 429 `rate_limited` with `Retry-After`, which our plugin honours
 * before it retries. In memory means per process: with several server processes, use a shared
 * store (any Express limiter works in its place; answer 429 with a JSON `{code, message}`).
 *
 * @example
 * app.use('/uploads', createRateLimiter({ key: (req) => req.session?.userId }), createS3Middleware(options));
 */
export function createRateLimiter(options: RateLimiterOptions = {}) {
  const rate = positive('requestsPerSecond', options.requestsPerSecond, 20);
  const burst = positive('burst', options.burst, 2 * rate);
  const maxKeys = positive('maxKeys', options.maxKeys, 100_000, true);
  const key = options.key ?? ((req: Request) => req.ip);
  const now = options.now ?? Date.now;
  if (typeof key !== 'function') invalid('key', 'a function', key);
  // A Map iterates in insertion order; re-inserting on use keeps the longest idle key first.
  const buckets = new Map<string, Bucket>();

  /** Spends one token of `id`'s bucket; answers how many ms until one is free, or 0 if spent. */
  function take(id: string): number {
    const time = now();
    const bucket = buckets.get(id) ?? { tokens: burst, updated: time };
    buckets.delete(id);
    bucket.tokens = Math.min(burst, bucket.tokens + ((time - bucket.updated) / 1000) * rate);
    bucket.updated = time;
    buckets.set(id, bucket);
    if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return ((1 - bucket.tokens) / rate) * 1000;
  }

  return function rateLimiter(req: Request, res: Response, next: NextFunction): void {
    const id = key(req);
    if (id === undefined) return next();
    const waitMs = take(id);
    if (waitMs === 0) return next();
    const error = new UploadError('rate_limited', 'Too many requests; try again shortly.');
    const answer = jsonAnswer(error.status, error.toBody());
    res.writeHead(answer.status, { ...answer.headers, 'Retry-After': String(Math.ceil(waitMs / 1000)) }).end(answer.body);
  };
}
