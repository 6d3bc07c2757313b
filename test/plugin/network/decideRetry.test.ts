/** The retry policy's decisions, pure: the clock and the online state come in. */
import { describe, expect, it } from 'vitest';
import { decideRetry, type RetrySettings } from '../../../plugin/network/decideRetry.js';
import { RequestFailure, type Failure } from '../../../plugin/network/RequestFailure.js';
import { S3UploadError } from '../../../plugin/S3UploadError.js';

const settings: RetrySettings = { retryDelays: [0, 100, 200], expiryMargin: 60_000, maxResigns: 2, serverOutageTimeout: 60_000 };
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

  it('waits for an unreachable upload server (no answer, or a gateway 502/503/504) with growing pauses, up to serverOutageTimeout from when it went down', () => {
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
