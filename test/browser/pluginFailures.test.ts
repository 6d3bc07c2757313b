/**
 * How the plugin treats the middleware and answers it cannot fix, in every engine: a 5xx from
 * the middleware is retried like S3 requests; a call that gets no complete answer waits for the server
 * (an outage, see test/browser/serverOutage.test.ts); a 4xx fails the file with the middleware's
 * stable code; a part answer without a readable ETag fails it with a message that names the
 * bucket's CORS rule. Faults of the middleware come from a handler in front of it on the page
 * server, faults of S3 from the proxy in front of S3: every engine meets the same.
 */
import type { Request, RequestHandler, Response } from 'express';
import { afterEach, expect, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import { addSeededFiles, objectSha256, readCounters, readFileCounters, uploadAll } from '../helpers/pluginPage.js';
import { interceptJsonAnswer } from '../helpers/interceptJsonAnswer.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';

const MiB = 1024 * 1024;

/** What the handler in front of the middleware does with a call. */
type ServerFault =
  | 'pass'
  /**
   * Answer 200 with a body cut off halfway: no complete answer, as from a server that died while
   * answering. (A connection reset before any answer is no test of the plugin: Chromium and
   * Firefox send such a call again by themselves, on another kept-alive connection, several
   * times, and the page may never see it.)
   */
  | 'cut-answer'
  /** Answer this instead of the middleware. */
  | { status: number; json: unknown; headers?: Record<string, string> }
  /** Let the middleware answer, and change its JSON. */
  | { rewrite: (body: Record<string, unknown>) => void };

let serverFault: (req: Request) => ServerFault = () => 'pass';
const faultHandler: RequestHandler = (req, res: Response, next) => {
  const fault = serverFault(req);
  if (fault === 'pass') return next();
  if (fault === 'cut-answer') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '64' });
    res.write('{"parts":[');
    return void setTimeout(() => req.socket.destroy(), 50);
  }
  if ('status' in fault) return void res.status(fault.status).set(fault.headers ?? {}).json(fault.json);
  interceptJsonAnswer(res, fault.rewrite);
  next();
};
const env = usePluginPage({}, [faultHandler]);
afterEach(() => {
  serverFault = () => 'pass';
});

forEachEngine((engine) => {
  it('retries calls to the middleware that fail with 503, and waits for it when an answer breaks off', async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB });
    const arrivals = { create: 0, batch: 0, complete: 0 };
    serverFault = (req) => {
      if (req.method === 'POST' && req.path === '/s3/multipart') {
        return arrivals.create++ > 0 ? 'pass' : { status: 503, headers: { 'retry-after': '0' }, json: { code: 's3_error', message: 'S3 failed.' } };
      }
      if (req.method === 'POST' && req.path.endsWith('/batch')) return arrivals.batch++ > 0 ? 'pass' : 'cut-answer';
      if (req.method === 'POST' && req.path.endsWith('/complete')) return arrivals.complete++ > 0 ? 'pass' : 'cut-answer';
      return 'pass';
    };
    const digests = await addSeededFiles(page, [{ name: 'hiccups.bin', size: 12 * MiB, seed: 51 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['hiccups.bin']!)).toBe(digests['hiccups.bin']);
    expect(arrivals).toMatchObject({ create: 2, complete: 2 });
    expect(arrivals.batch).toBeGreaterThanOrEqual(2); // parts are signed a few at a time, as they are hashed
    // The 503 (the middleware's own, with its code) is a retry; the answers cut short are waits for the server.
    expect(await readCounters(page)).toMatchObject({ retries: 1, serverWaits: 2 });
    expect((await readFileCounters(page))['hiccups.bin']).toMatchObject({ retries: 1, serverWaits: 2 }); // calls to the middleware count for the file too
  });

  it("fails a file with the middleware's code when it refuses (4xx), without retrying", async () => {
    const page = await openPluginPage(engine, env);
    let calls = 0;
    serverFault = (req) => {
      if (!req.path.startsWith('/s3/params')) return 'pass';
      calls += 1;
      return { status: 415, json: { code: 'content_type_not_allowed', message: 'Files of type application/octet-stream are not accepted.' } };
    };
    await addSeededFiles(page, [{ name: 'refused.bin', size: 1000, seed: 52 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors['refused.bin']).toBe(
      'content_type_not_allowed: The upload server refused to sign the upload: Files of type application/octet-stream are not accepted.',
    );
    expect(calls).toBe(1);
  });

  it('fails a file whose part answer has no readable ETag, naming the CORS rule', async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB });
    // What a bucket whose CORS rule does not expose ETag looks like to the page.
    env.proxy.setFault((request) => (request.method === 'PUT' && request.partNumber !== undefined ? { kind: 'hide-etag' } : { kind: 'pass' }));
    await addSeededFiles(page, [{ name: 'no-etag.bin', size: 12 * MiB, seed: 53 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors['no-etag.bin']).toMatch(/^missing_etag: S3 accepted part \d but its answer has no ETag the page can read\. Does the bucket's CORS configuration expose the ETag header\?$/);
  });

  it('hashes on the main thread when the MD5 worker cannot start, and still verifies every part', async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, brokenWorker: 1 });
    const digests = await addSeededFiles(page, [{ name: 'no-worker.bin', size: 12 * MiB, seed: 54 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['no-worker.bin']!)).toBe(digests['no-worker.bin']);
    const counters = await readCounters(page);
    expect(counters.mainThreadHashing).toBeGreaterThanOrEqual(1);
    expect(counters).toMatchObject({ partsUploaded: 3, partsVerified: 3, objectsVerified: 1 });
  });

  it("fails a file whose assembled object's ETag is not what its parts add up to", async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB });
    serverFault = (req) =>
      req.method === 'POST' && req.path.endsWith('/complete')
        ? { rewrite: (body) => (body.etag = `"${'0'.repeat(32)}-3"`) } // as if S3 had assembled other parts
        : 'pass';
    await addSeededFiles(page, [{ name: 'wrong-etag.bin', size: 12 * MiB, seed: 55 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors['wrong-etag.bin']).toMatch(/^etag_mismatch: The assembled object's ETag 0{32}-3 is not [0-9a-f]{32}-3, what its 3 parts add up to\.$/);
    expect((await readCounters(page)).objectsVerified).toBe(0);
  });
});
