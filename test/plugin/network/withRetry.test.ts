/** The retry loop following the policy's decisions. */
import { describe, expect, it, vi } from 'vitest';
import { createServerAvailability } from '../../../plugin/network/createServerAvailability.js';
import { type RetrySettings } from '../../../plugin/network/decideRetry.js';
import { RequestFailure, type Failure } from '../../../plugin/network/RequestFailure.js';
import { withRetry } from '../../../plugin/network/withRetry.js';

const s3 = (status: number, code: string, message = ''): Failure => ({ kind: 'http', target: 's3', status, code, message });

describe('withRetry', () => {
  const quick: RetrySettings = { retryDelays: [0, 0, 0], expiryMargin: 0, maxResigns: 1, serverOutageTimeout: 0 };

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
        { settings: { ...quick, serverOutageTimeout: 60_000 }, signal: new AbortController().signal, server, onServerWait: (waiting) => waits.push(waiting) },
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

  it('fails a call to an unreachable server once it has been down serverOutageTimeout', async () => {
    const server = createServerAvailability();
    server.markDown(Date.now() - 61_000);
    const run = withRetry(async () => Promise.reject(new RequestFailure({ kind: 'network', target: 'middleware' }, 'sign parts')), {
      settings: { ...quick, serverOutageTimeout: 60_000 },
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
