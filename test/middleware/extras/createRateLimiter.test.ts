/** The per-user rate limiter: a token bucket per key, 429 `rate_limited` with Retry-After past it, other users untouched. */
import express, { type Request } from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../../contract.js';
import { createRateLimiter, createS3Middleware, type RateLimiterOptions } from '../../../middleware/index.js';
import { callApi } from '../../helpers/callApi.js';
import { s3ClientConfig, userPrefix } from '../../harness/testServer.js';

/** Runs `count` requests of `user` through a limiter on a fake clock; answers each status. */
function statuses(limiter: ReturnType<typeof createRateLimiter>, user: string | undefined, count: number): Array<{ status: number; retryAfter?: string; body?: unknown }> {
  const results: Array<{ status: number; retryAfter?: string; body?: unknown }> = [];
  for (let i = 0; i < count; i += 1) {
    const result: { status: number; retryAfter?: string; body?: unknown } = { status: 0 };
    const res = {
      writeHead(code: number, headers: Record<string, string>) {
        result.status = code;
        result.retryAfter = headers['Retry-After'];
        return res;
      },
      end(body: Uint8Array) {
        result.body = JSON.parse(Buffer.from(body).toString('utf8'));
      },
    };
    limiter({ user } as unknown as Request, res as never, () => (result.status = 200));
    results.push(result);
  }
  return results;
}

describe('createRateLimiter', () => {
  let time = 0;
  const options = (more: RateLimiterOptions = {}): RateLimiterOptions => ({
    key: (req) => (req as unknown as { user?: string }).user,
    requestsPerSecond: 2,
    burst: 3,
    now: () => time,
    ...more,
  });

  it('lets a burst through, then answers 429 rate_limited with Retry-After until tokens refill', () => {
    time = 0;
    const limiter = createRateLimiter(options());
    const first = statuses(limiter, 'alice', 5);
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(first[3]).toMatchObject({ retryAfter: '1', body: { code: 'rate_limited', message: 'Too many requests; try again shortly.' } });
    time = 500; // one token back at 2 per second
    expect(statuses(limiter, 'alice', 2).map((r) => r.status)).toEqual([200, 429]);
    time = 10_000; // refilled to the burst, not beyond
    expect(statuses(limiter, 'alice', 4).map((r) => r.status)).toEqual([200, 200, 200, 429]);
  });

  it('keeps one budget per key, and leaves requests without a key alone', () => {
    time = 0;
    const limiter = createRateLimiter(options());
    expect(statuses(limiter, 'alice', 4).at(-1)?.status).toBe(429);
    expect(statuses(limiter, 'bob', 3).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(statuses(limiter, undefined, 50).every((r) => r.status === 200)).toBe(true);
  });

  it('forgets the longest idle key first when over maxKeys', () => {
    time = 0;
    const limiter = createRateLimiter(options({ maxKeys: 2 }));
    statuses(limiter, 'alice', 3);
    statuses(limiter, 'bob', 1);
    statuses(limiter, 'carol', 1); // alice, idle longest, is forgotten: a full budget again
    expect(statuses(limiter, 'alice', 3).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('refuses bad options, naming them', () => {
    expect(() => createRateLimiter({ requestsPerSecond: 0 })).toThrow('Expected `requestsPerSecond` to be a number above 0, got 0 (number)');
    expect(() => createRateLimiter({ burst: Number.NaN })).toThrow('Expected `burst` to be a number above 0');
    expect(() => createRateLimiter({ maxKeys: 1.5 })).toThrow('Expected `maxKeys` to be a whole number above 0');
    expect(() => createRateLimiter({ key: 'user' as never })).toThrow('Expected `key` to be a function');
  });
});

describe('mounted in front of the middleware', () => {
  let base: string;
  let close: () => void;

  beforeAll(async () => {
    const { bucket, ...s3 } = s3ClientConfig();
    const app = express();
    const limiter = createRateLimiter({ key: (req) => req.get('x-test-user'), requestsPerSecond: 0.1, burst: 5 }); // a token per 10 s: none refills during the test
    app.use('/api', limiter, createS3Middleware({ s3, bucket, prefix: userPrefix, onError: () => {} }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    close = () => server.close();
  });
  afterAll(() => close());

  it("limits a flooding user with JSON 429s while another user's requests go through", async () => {
    const flood = await Promise.all(Array.from({ length: 30 }, () => callApi(base, 'GET', paths.upload('none', 'test/mallory/x'), { user: 'mallory' })));
    const codes = flood.map((r) => r.status);
    expect(codes.filter((s) => s === 404)).toHaveLength(5); // the burst reached the middleware (no such upload)
    expect(codes.filter((s) => s === 429)).toHaveLength(25);
    expect(flood.find((r) => r.status === 429)).toMatchObject({ contentType: expect.stringContaining('application/json'), body: { code: 'rate_limited' } });

    const other = await callApi(base, 'GET', paths.upload('none', 'test/alice/x'), { user: 'alice' });
    expect(other).toMatchObject({ status: 404, body: { code: 'upload_not_found' } });
  });
});
