/** The hooks (authorize, prefix, getKey, onError) and what happens when S3 itself fails. */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { paths, type CreateMultipartResponse } from '../contract.js';
import { createS3Middleware, UploadError, type S3MiddlewareOptions } from '../middleware/index.js';
import { callApi } from './helpers/callApi.js';
import { s3ClientConfig, startTestServer, type TestServer } from './helpers/testServer.js';

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

describe('authorize', () => {
  it('may throw an UploadError to answer its own status and code', async () => {
    server = await startTestServer({
      authorize: (req) => {
        if (!req.get('authorization')) throw new UploadError('forbidden', 'Sign in first.');
        return true;
      },
    });
    const answer = await callApi(server.base, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
    expect(answer).toEqual({ status: 403, body: { code: 'forbidden', message: 'Sign in first.' }, contentType: expect.stringMatching(/json/), cacheControl: 'no-store' });
  });

  it('is told the operation', async () => {
    const seen: string[] = [];
    server = await startTestServer({ authorize: (_req, operation) => (seen.push(operation), operation !== 'abort') });
    const { body } = await callApi<CreateMultipartResponse>(server.base, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
    const aborted = await callApi(server.base, 'DELETE', paths.upload(body.uploadId, body.key), { user });
    expect(aborted).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(seen).toEqual(['create', 'abort']);
  });
});

describe('getKey and prefix', () => {
  it('getKey names the object inside the prefix', async () => {
    server = await startTestServer({ getKey: ({ prefix, filename, type }) => `${prefix}by-type/${type.replace('/', '-')}/${filename.length}` });
    const { body } = await callApi<CreateMultipartResponse>(server.base, 'POST', paths.createMultipart(), { user, json: { filename: 'abc.png', type: 'image/png' } });
    expect(body.key).toBe('test/hooks/by-type/image-png/7');
    await callApi(server.base, 'DELETE', paths.upload(body.uploadId, body.key), { user });
  });

  it.each(['elsewhere/x', 'test/hooks/../x', 'test/hooks/'])('a getKey answering %o is a server bug: 500 internal_error, the details only in onError', async (bad) => {
    const { errors, onError } = collectErrors();
    server = await startTestServer({ getKey: () => bad, onError });
    const answer = await callApi(server.base, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
    expect(answer).toMatchObject({ status: 500, body: { code: 'internal_error', message: 'The upload server failed; the failure is in its logs.' } });
    expect(String((errors[0]?.cause as Error).message)).toContain('not a valid key inside the caller\'s prefix');
  });

  it('a prefix function returning a bad prefix is a server bug too', async () => {
    server = await startTestServer({ prefix: () => 'no-slash', onError: () => {} });
    const answer = await callApi(server.base, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
    expect(answer).toMatchObject({ status: 500, body: { code: 'internal_error' } });
  });
});

describe('onError', () => {
  it('sees every error answered, with the S3 error as cause', async () => {
    const { errors, onError } = collectErrors();
    server = await startTestServer({ onError });
    await callApi(server.base, 'GET', paths.part('x', 0, { key: 'test/hooks/a' }), { user });
    await callApi(server.base, 'GET', paths.upload('no-such-upload', 'test/hooks/a'), { user });
    expect(errors.map((e) => e.code)).toEqual(['invalid_part_number', 'upload_not_found']);
    expect((errors[1]?.cause as { name?: string }).name).toMatch(/NoSuch/);
  });

  it('a throwing onError does not change the answer', async () => {
    server = await startTestServer({ onError: () => { throw new Error('logger down'); } });
    const answer = await callApi(server.base, 'GET', paths.part('x', 0, { key: 'test/hooks/a' }), { user });
    expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_part_number' } });
  });
});

it('an unreachable S3 answers 502 s3_error without its error text', async () => {
  const { bucket, ...config } = s3ClientConfig();
  const { errors, onError } = collectErrors();
  // A port nothing listens on.
  server = await startTestServer({ s3: { ...config, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }, bucket, onError });
  const answer = await callApi(server.base, 'POST', paths.createMultipart(), { user, json: { filename: 'a' } });
  expect(answer).toEqual({ status: 502, body: { code: 's3_error', message: 'S3 failed to create the upload; try again later.' }, contentType: expect.stringMatching(/json/), cacheControl: 'no-store' });
  expect(String(errors[0]?.cause)).toMatch(/ECONNREFUSED|connect/);
});

it('works under an app that parses query strings the "extended" way', async () => {
  const { bucket, ...s3 } = s3ClientConfig();
  const app = express();
  app.set('query parser', 'extended');
  app.use('/api', createS3Middleware({ s3, bucket, onError: () => {} } satisfies S3MiddlewareOptions));
  const listening = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => listening.once('listening', resolve));
  try {
    const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/api`;
    const ok = await callApi<{ fields: Record<string, string> }>(base, 'GET', paths.params({ filename: 'a.txt', metadata: { name: 'a.txt' } }));
    expect(ok.status).toBe(200);
    expect(ok.body.fields['x-amz-meta-name']).toBe('a.txt');
    const nested = await callApi(base, 'GET', '/s3/params?filename[x]=1');
    expect(nested).toMatchObject({ status: 400, body: { code: 'invalid_filename' } });
  } finally {
    listening.closeAllConnections();
    listening.close();
  }
});
