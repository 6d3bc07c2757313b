/** The hooks (authorize, prefix, getKey, onError) and what happens when S3 itself fails; through every adapter. */
import type { FastifyRequest } from 'fastify';
import type { Context as KoaContext } from 'koa';
import { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { paths, type CreateMultipartResponse, type ParamsResponse } from '../../contract.js';
import { UploadError, type RawInput } from '../../middleware/index.js';
import { callApi, md5Base64, putTo } from '../helpers/callApi.js';
import { ADAPTERS, s3ClientConfig, startTestServer, type AdapterName, type TestServer } from '../harness/testServer.js';

const user = 'hooks';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function collectErrors() {
  const errors: UploadError[] = [];
  return { errors, onError: (error: UploadError) => void errors.push(error) };
}

/** What each adapter hands the hooks: its framework's own request. */
const isNativeRequest: Record<AdapterName, (native: unknown) => boolean> = {
  express: (native) => native instanceof IncomingMessage && typeof (native as { get?: unknown }).get === 'function',
  fastify: (native) => (native as FastifyRequest).raw instanceof IncomingMessage,
  hono: (native) => native instanceof Request,
  koa: (native) => (native as KoaContext).req instanceof IncomingMessage && typeof (native as KoaContext).get === 'function',
  node: (native) => native instanceof IncomingMessage,
  web: (native) => native instanceof Request,
};

describe.each(ADAPTERS)('%s', (adapter) => {
  it("hands the hooks the framework's own request", async () => {
    const seen: unknown[] = [];
    const record = (req: { native: unknown }) => void seen.push(req.native);
    server = await startTestServer({ prefix: (req) => (record(req) ?? 'test/hooks/'), authorize: (req) => (record(req) ?? true) }, adapter);
    const answer = await callApi(server, 'GET', paths.params({ filename: 'a.txt' }), { user });
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(2);
    for (const native of seen) expect(isNativeRequest[adapter](native)).toBe(true);
  });

  it("onUploadComplete gets the framework's own request too", async () => {
    const seen: unknown[] = [];
    server = await startTestServer({ onUploadComplete: ({ req }) => void seen.push(req.native) }, adapter);
    const data = new Uint8Array([1, 2, 3]);
    const signed = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'a.txt', method: 'PUT', md5: md5Base64(data), size: 3 }), { user });
    await putTo(signed.body.url, data, signed.body.headers);
    expect(await callApi(server, 'POST', paths.confirm(), { user, json: { key: signed.body.key, md5: md5Base64(data) } })).toMatchObject({ status: 200 });
    expect(seen).toHaveLength(1);
    expect(isNativeRequest[adapter](seen[0])).toBe(true);
  });

  it('authorize may throw an UploadError to answer its own status and code', async () => {
    server = await startTestServer(
      {
        authorize: (req) => {
          if (!req.header('authorization')) throw new UploadError('forbidden', 'Sign in first.');
          return true;
        },
      },
      adapter,
    );
    const answer = await callApi(server, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
    expect(answer).toEqual({ status: 403, body: { code: 'forbidden', message: 'Sign in first.' }, contentType: expect.stringMatching(/json/), cacheControl: 'no-store' });
  });

  it('authorize is told the operation and the raw input', async () => {
    const seen: unknown[] = [];
    const authorize = (operation: string, input: RawInput) => {
      seen.push([operation, input.params, { ...input.query }]);
      return operation !== 'abort';
    };
    server = await startTestServer({ authorize: (_req, operation, input) => authorize(operation, input) }, adapter);
    const { body } = await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
    const aborted = await callApi(server, 'DELETE', paths.upload(body.uploadId, body.key), { user });
    expect(aborted).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(seen).toEqual([
      ['create', {}, {}],
      ['abort', { uploadId: body.uploadId }, { key: body.key }],
    ]);
  });

  it('getKey names the object inside the prefix', async () => {
    server = await startTestServer({ getKey: ({ prefix, filename, type }) => `${prefix}by-type/${type.replace('/', '-')}/${filename.length}` }, adapter);
    const { body } = await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename: 'abc.png', type: 'image/png' } });
    expect(body.key).toBe('test/hooks/by-type/image-png/7');
    await callApi(server, 'DELETE', paths.upload(body.uploadId, body.key), { user });
  });

  it.each(['elsewhere/x', 'test/hooks/../x', 'test/hooks/'])('a getKey answering %o is a server bug: 500 internal_error, the details only in onError', async (bad) => {
    const { errors, onError } = collectErrors();
    server = await startTestServer({ getKey: () => bad, onError }, adapter);
    const answer = await callApi(server, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
    expect(answer).toMatchObject({ status: 500, body: { code: 'internal_error', message: 'The upload server failed; the failure is in its logs.' } });
    expect(String((errors[0]?.cause as Error).message)).toContain("not a valid key inside the caller's prefix");
  });

  it('a prefix function returning a bad prefix is a server bug too', async () => {
    server = await startTestServer({ prefix: () => 'no-slash' }, adapter);
    const answer = await callApi(server, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
    expect(answer).toMatchObject({ status: 500, body: { code: 'internal_error' } });
  });

  it('onError sees every error answered, with the S3 error as cause', async () => {
    const { errors, onError } = collectErrors();
    server = await startTestServer({ onError }, adapter);
    await callApi(server, 'GET', paths.part('x', 0, { key: 'test/hooks/a' }), { user });
    await callApi(server, 'GET', paths.upload('no-such-upload', 'test/hooks/a'), { user });
    await callApi(server, 'GET', '/s3/nowhere', { user });
    expect(errors.map((e) => e.code)).toEqual(['invalid_part_number', 'upload_not_found', 'not_found']);
    expect((errors[1]?.cause as { name?: string }).name).toMatch(/NoSuch/);
  });

  it('a throwing onError does not change the answer', async () => {
    server = await startTestServer({ onError: () => { throw new Error('logger down'); } }, adapter);
    const answer = await callApi(server, 'GET', paths.part('x', 0, { key: 'test/hooks/a' }), { user });
    expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_part_number' } });
  });

  it('an unreachable S3 answers 502 s3_error without its error text', async () => {
    const { bucket, ...config } = s3ClientConfig();
    const { errors, onError } = collectErrors();
    // A port nothing listens on.
    server = await startTestServer({ s3: { ...config, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }, bucket, onError }, adapter);
    const answer = await callApi(server, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
    expect(answer).toEqual({ status: 502, body: { code: 's3_error', message: 'S3 failed to create the upload; try again later.' }, contentType: expect.stringMatching(/json/), cacheControl: 'no-store' });
    expect(String(errors[0]?.cause)).toMatch(/ECONNREFUSED|connect/);
  });
});
