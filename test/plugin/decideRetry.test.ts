/** The plugin's retry policy, without a browser: every failure kind and every bound. */
import { describe, expect, it, vi } from 'vitest';
import { createServerAvailability } from '../../plugin/network/createServerAvailability.js';
import { decideRetry, type RetrySettings } from '../../plugin/network/decideRetry.js';
import { RequestFailure, type Failure } from '../../plugin/network/RequestFailure.js';
import { withRetry } from '../../plugin/network/withRetry.js';
import { S3UploadError } from '../../plugin/S3UploadError.js';

const settings: RetrySettings = { retryDelays: [0, 100, 200], expiryMarginMs: 60_000, maxResigns: 2, serverOutageMs: 60_000 };
const now = 1_000_000;
const fresh = { retries: 0, resigns: 0, serverWaits: 0 };
const online = { now, online: true, lifetimeMs: 900_000 };
const s3 = (status: number, code: string, message = ''): Failure => ({ kind: 'http', target: 's3', status, code, message });
const api = (status: number, code: string, message = 'no'): Failure => ({ kind: 'http', target: 'middleware', status, code, message });
const failure = (f: Failure, expiresAt?: number) => new RequestFailure(f, 'part 3', expiresAt);
const failed = (decision: ReturnType<typeof decideRetry>) => (decision.action === 'fail' ? decision.error : undefined);

describe('decideRetry', () => {
  it('backs off on network errors, 5xx, 429, 408 and RequestTimeout, with the configured delays', () => {
    for (const f of [{ kind: 'network', target: 's3' } as Failure, api(500, 'internal_error'), s3(500, 'InternalError'), s3(503, 'SlowDown'), s3(429, 'TooMany'), s3(400, 'RequestTimeout'), api(502, 's3_error'), api(408, 'http_408')]) {
      expect(decideRetry(failure(f), fresh, online, settings)).toMatchObject({ action: 'retry', delayMs: 0, resign: false, rehash: false });
      expect(decideRetry(failure(f), { retries: 2, resigns: 0, serverWaits: 0 }, online, settings)).toMatchObject({ action: 'retry', delayMs: 200 });
    }
  });

  it('gives up after the last delay, with a code that names who failed', () => {
    const spent = { retries: 3, resigns: 0, serverWaits: 0 };
    expect(failed(decideRetry(failure({ kind: 'network', target: 's3' }), spent, online, settings))?.code).toBe('network_error');
    expect(failed(decideRetry(failure(s3(503, 'SlowDown')), spent, online, settings))?.code).toBe('s3_unavailable');
    expect(failed(decideRetry(failure(api(500, 'internal_error')), spent, online, settings))?.code).toBe('middleware_unavailable');
  });

  it('waits for an unreachable upload server (no answer, or a gateway 502/503/504) with growing pauses, up to serverOutageMs from when it went down', () => {
    const unreachable: Failure[] = [{ kind: 'network', target: 'middleware' }, api(502, 'http_502'), api(503, 'http_503'), api(504, 'http_504')];
    for (const f of unreachable) {
      const delays = [0, 1, 2, 3, 4, 5, 9].map((serverWaits) => decideRetry(failure(f), { retries: 9, resigns: 0, serverWaits }, { ...online, serverDownSince: now - 59_000 }, settings));
      expect(delays.map((d) => (d.action === 'retry' ? [d.reason, d.delayMs] : d.action))).toEqual([
        ['server-down', 1000],
        ['server-down', 2000],
        ['server-down', 4000],
        ['server-down', 8000],
        ['server-down', 15_000],
        ['server-down', 15_000],
        ['server-down', 15_000],
      ]);
      const gaveUp = failed(decideRetry(failure(f), fresh, { ...online, serverDownSince: now - 60_000 }, settings));
      expect(gaveUp).toMatchObject({ code: 'middleware_unavailable' });
      expect(gaveUp?.message).toMatch(/could not be reached for 60 s/);
    }
    // The middleware's own 502 (S3 failed behind it) is not an outage: the usual delays, then a failure.
    expect(decideRetry(failure(api(502, 's3_error')), fresh, online, settings)).toMatchObject({ reason: 'unavailable', delayMs: 0 });
    // Offline is not an outage either.
    expect(decideRetry(failure({ kind: 'network', target: 'middleware' }), fresh, { ...online, online: false }, settings)).toEqual({ action: 'wait-online' });
  });

  it('honours Retry-After on 429, up to a minute', () => {
    const slow: Failure = { kind: 'http', target: 'middleware', status: 429, code: 'http_429', message: '', retryAfterMs: 5000 };
    expect(decideRetry(failure(slow), fresh, online, settings)).toMatchObject({ action: 'retry', delayMs: 5000 });
    expect(decideRetry(failure({ ...slow, retryAfterMs: 3_600_000 }), fresh, online, settings)).toMatchObject({ delayMs: 60_000 });
  });

  it('waits for the network when offline, without spending a retry', () => {
    expect(decideRetry(failure({ kind: 'network', target: 's3' }), { retries: 3, resigns: 0, serverWaits: 0 }, { ...online, online: false }, settings)).toEqual({ action: 'wait-online' });
  });

  it('re-reads and re-hashes the part on BadDigest and on an ETag that is another MD5', () => {
    expect(decideRetry(failure(s3(400, 'BadDigest')), fresh, online, settings)).toMatchObject({ action: 'retry', rehash: true });
    expect(decideRetry(failure({ kind: 'etag-differs', etag: '"00"' }), fresh, online, settings)).toMatchObject({ action: 'retry', rehash: true });
    expect(failed(decideRetry(failure(s3(400, 'BadDigest')), { retries: 3, resigns: 0, serverWaits: 0 }, online, settings))?.code).toBe('digest_mismatch');
  });

  it('re-signs a 403 when the URL is expired by our clock (radosgw: a bare AccessDenied)', () => {
    const expiredAt = now - 1;
    expect(decideRetry(failure(s3(403, 'AccessDenied'), expiredAt), fresh, online, settings)).toMatchObject({ action: 'retry', resign: true, delayMs: 0 });
    // within the margin (at most half the lifetime) counts as expired too
    expect(decideRetry(failure(s3(403, 'AccessDenied'), now + 1000), fresh, { ...online, lifetimeMs: 3000 }, settings)).toMatchObject({ resign: true });
  });

  it("re-signs on AWS's 'Request has expired' whatever our clock says", () => {
    expect(decideRetry(failure(s3(403, 'AccessDenied', 'Request has expired'), now + 600_000), fresh, online, settings)).toMatchObject({ resign: true });
  });

  it('does not take a 403 on a fresh URL for expiry: the file fails with the likely cause', () => {
    const error = failed(decideRetry(failure(s3(403, 'AccessDenied'), now + 600_000), fresh, online, settings));
    expect(error?.code).toBe('s3_rejected');
    expect(error?.message).toMatch(/credentials/);
    expect(failed(decideRetry(failure(s3(403, 'SignatureDoesNotMatch'), now + 600_000), fresh, online, settings))?.message).toMatch(/host the browser uses/);
  });

  it('takes a failed request on an expired URL for expiry (the 403 came without CORS headers)', () => {
    expect(decideRetry(failure({ kind: 'network', target: 's3' }, now - 1), fresh, online, settings)).toMatchObject({ action: 'retry', resign: true });
    expect(decideRetry(failure({ kind: 'network', target: 's3' }, now + 600_000), fresh, online, settings)).toMatchObject({ action: 'retry', resign: false });
  });

  it('bounds re-signs: S3 refusing fresh URLs as expired means clocks apart', () => {
    expect(failed(decideRetry(failure(s3(403, 'AccessDenied'), now - 1), { retries: 0, resigns: 2, serverWaits: 0 }, online, settings))?.code).toBe('url_expired');
  });

  it('fails at once on a missing ETag, naming the CORS setting', () => {
    const error = failed(decideRetry(failure({ kind: 'no-etag' }), fresh, online, settings));
    expect(error?.code).toBe('missing_etag');
    expect(error?.message).toMatch(/CORS configuration expose the ETag header/);
  });

  it("passes the middleware's 4xx code through, and NoSuchUpload as upload_not_found", () => {
    const error = failed(decideRetry(failure(api(413, 'file_too_large', 'The file is larger than 1 GiB.')), fresh, online, settings));
    expect(error).toBeInstanceOf(S3UploadError);
    expect(error).toMatchObject({ code: 'file_too_large', status: 413 });
    expect(error?.message).toContain('larger than 1 GiB');
    expect(failed(decideRetry(failure(s3(404, 'NoSuchUpload')), fresh, online, settings))?.code).toBe('upload_not_found');
  });
});

describe('withRetry', () => {
  const quick: RetrySettings = { retryDelays: [0, 0, 0], expiryMarginMs: 0, maxResigns: 1, serverOutageMs: 0 };

  it('retries until success, telling each attempt what the last failure asks for', async () => {
    const seen: Array<{ resign: boolean; rehash: boolean }> = [];
    const failures = [s3(500, 'InternalError'), s3(400, 'BadDigest')];
    const result = await withRetry(
      async (next) => {
        seen.push(next);
        const f = failures.shift();
        if (f) throw new RequestFailure(f, 'part 1');
        return 'etag';
      },
      { settings: quick, signal: new AbortController().signal },
    );
    expect(result).toBe('etag');
    expect(seen).toEqual([
      { resign: false, rehash: false },
      { resign: false, rehash: false },
      { resign: false, rehash: true },
    ]);
  });

  it('stops at the bound with a typed error', async () => {
    let attempts = 0;
    const run = withRetry(
      async () => {
        attempts += 1;
        throw new RequestFailure(s3(503, 'SlowDown'), 'part 1');
      },
      { settings: quick, signal: new AbortController().signal },
    );
    await expect(run).rejects.toMatchObject({ name: 'S3UploadError', code: 's3_unavailable' });
    expect(attempts).toBe(4); // the first try and one per delay
  });

  it('waits out an unreachable server, woken at once when another call gets through, and says when it waits', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const server = createServerAvailability();
      const waits: boolean[] = [];
      let attempts = 0;
      let result: string | undefined;
      void withRetry(
        async () => {
          attempts += 1;
          if (attempts < 3) throw new RequestFailure({ kind: 'network', target: 'middleware' }, 'sign parts');
          return 'signed';
        },
        { settings: { ...quick, serverOutageMs: 60_000 }, signal: new AbortController().signal, server, onServerWait: (waiting) => waits.push(waiting) },
      ).then((value) => (result = value));
      await vi.advanceTimersByTimeAsync(999);
      expect([attempts, server.downSince, waits]).toEqual([1, 0, [true]]);
      await vi.advanceTimersByTimeAsync(1); // the first pause: 1 s
      expect(attempts).toBe(2);
      await vi.advanceTimersByTimeAsync(1500); // the second pause is 2 s: still waiting
      expect([attempts, result]).toEqual([2, undefined]);
      server.markUp(); // another call got through: this one goes at once
      await vi.advanceTimersByTimeAsync(0);
      expect([attempts, result, waits]).toEqual([3, 'signed', [true, false]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails a call to an unreachable server once it has been down serverOutageMs', async () => {
    const server = createServerAvailability();
    server.markDown(Date.now() - 61_000);
    const run = withRetry(async () => Promise.reject(new RequestFailure({ kind: 'network', target: 'middleware' }, 'sign parts')), {
      settings: { ...quick, serverOutageMs: 60_000 },
      signal: new AbortController().signal,
      server,
    });
    await expect(run).rejects.toMatchObject({ code: 'middleware_unavailable' });
  });

  it('passes other errors (an abort, a bug) through untouched', async () => {
    const bug = new TypeError('bug');
    await expect(withRetry(async () => Promise.reject(bug), { settings: quick, signal: new AbortController().signal })).rejects.toBe(bug);
    const controller = new AbortController();
    controller.abort(new Error('paused'));
    await expect(withRetry(async () => 'never', { settings: quick, signal: controller.signal })).rejects.toThrow('paused');
  });
});
