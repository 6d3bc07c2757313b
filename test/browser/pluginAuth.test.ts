/**
 * An app with bearer tokens and a per-user rate limit in front of the middleware, in every engine, as docs/security.md
 * shows: the plugin's `headers` function gives every call to the middleware the
 * token (and S3 never sees it), the token decides the user and so the prefix, no token is a 403,
 * and a user over the limit gets 429s that the plugin waits out.
 */
import type { Request, RequestHandler } from 'express';
import { afterEach, expect, it } from 'vitest';
import { createRateLimiter } from '../../middleware/index.js';
import { forEachEngine } from '../harness/forEachEngine.js';
import { addSeededFiles, objectSha256, partPuts, readCounters, uploadAll } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';

const MiB = 1024 * 1024;
const TOKENS: Record<string, string> = { 'token-alice': 'alice', 'token-busy': 'busy' };
/** The user each request authenticated as (set by `authenticate`). */
const users = new WeakMap<Request, string>();
/** Every call to the middleware: who, with which Authorization header, and the answer's status. */
const calls: Array<{ user: string | undefined; authorization: string | undefined; status: number; method: string; path: string }> = [];

const authenticate: RequestHandler = (req, res, next) => {
  const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
  const user = token === undefined ? undefined : TOKENS[token];
  if (user !== undefined) users.set(req, user);
  res.on('finish', () => calls.push({ user, authorization: req.get('authorization'), status: res.statusCode, method: req.method, path: req.path }));
  next();
};
const limiter = createRateLimiter({ key: (req) => users.get(req), requestsPerSecond: 2, burst: 2 });

const env = usePluginPage(
  {
    authorize: (req) => users.has(req),
    prefix: (req) => `test/users/${users.get(req)}/`,
  },
  [authenticate, limiter],
);
afterEach(() => {
  calls.length = 0;
});

forEachEngine((engine) => {

  it('sends the token from the headers function on every call to the middleware, never to S3; the token picks the prefix', async () => {
    const page = await openPluginPage(engine, env, { token: 'token-alice', partSize: 5 * MiB });
    const digests = await addSeededFiles(page, [{ name: 'token.bin', size: 12 * MiB, seed: 71 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    expect(outcome.keys['token.bin']).toMatch(/^test\/users\/alice\/[0-9a-f]{32}\/token\.bin$/);
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['token.bin']!)).toBe(digests['token.bin']);
    const alice = calls.filter((call) => call.user === 'alice');
    expect(alice.length).toBeGreaterThanOrEqual(3); // create, sign, complete
    expect(alice.every((call) => call.authorization === 'Bearer token-alice')).toBe(true);
    // Asked once per call, so a token that rotates is always fresh.
    expect(await page.evaluate(() => (window as unknown as { page: { headerCalls(): number } }).page.headerCalls())).toBe(alice.length);
    const s3Authorization = partPuts(env.proxy.records).map((put) => put.headers.authorization);
    expect(s3Authorization).toEqual([undefined, undefined, undefined]);
  });

  it("fails the file with the middleware's 403 forbidden when there is no token", async () => {
    const page = await openPluginPage(engine, env);
    await addSeededFiles(page, [{ name: 'anonymous.bin', size: 1000, seed: 72 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors['anonymous.bin']).toMatch(/^forbidden: /);
    // (Asking which routes the server has, GET /s3/capabilities, needs no token: it tells nothing of anyone's uploads.)
    expect(calls.filter((call) => call.user === undefined && call.path !== '/s3/capabilities').map((call) => call.status)).toEqual([403]);
  });

  it('waits out 429 rate_limited answers (Retry-After) for a user over the limit, and every file arrives', async () => {
    // Six small files in parts of their own: six creates at once (small files' URLs would go in one batch).
    const page = await openPluginPage(engine, env, { token: 'token-busy', multipart: 1 });
    const files = Array.from({ length: 6 }, (_, i) => ({ name: `busy-${i}.bin`, size: 100_000, seed: 80 + i }));
    const digests = await addSeededFiles(page, files);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    for (const { name } of files) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[name]!)).toBe(digests[name]);
    const busy = calls.filter((call) => call.user === 'busy');
    const refused = busy.filter((call) => call.status === 429).length;
    expect(refused).toBeGreaterThanOrEqual(4); // six calls at once against a burst of two
    // Each file created once, whatever was refused on the way.
    expect(busy.filter((call) => call.status === 200 && call.method === 'POST' && call.path === '/s3/multipart')).toHaveLength(6);
    expect((await readCounters(page)).retries).toBe(refused);
  });
});
