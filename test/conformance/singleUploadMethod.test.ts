/**
 * `singleUploadMethod`: what `GET /s3/params` answers the stock clients, which name no method.
 * Uppy 4 and 5's `@uppy/aws-s3` (`endpoint` mode) ask as their companion-client does
 * (`Accept: application/json`, `metadata[name]=value`; @uppy/aws-s3 4.3.2 and 5.1.0,
 * `getUploadParameters`), then send a PUT with the answered headers and need the `ETag` of S3's
 * answer (`uploadPartBytes`), which radosgw gives a PUT but not a POST form. Through every adapter.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths, type ParamsResponse } from '../../contract.js';
import { callApi, md5Hex, randomData, sha256Hex } from '../helpers/callApi.js';
import { ADAPTERS, createTestS3Client, startTestServer, type TestOptions, type TestServer } from '../harness/testServer.js';

let server: TestServer;
let s3: S3Client;

/** Uppy 4/5's request for single-upload parameters: companion-client's headers, the file's meta as `metadata[…]`. */
const uppy45Params = (filename: string, type: string) =>
  callApi<ParamsResponse>(server, 'GET', `/s3/params?${new URLSearchParams({ filename, type, 'metadata[name]': filename, 'metadata[type]': type })}`, {
    headers: { accept: 'application/json' },
  });

/** uploadPartBytes: XHR PUT with every answered header; the ETag header is what it waits for. */
async function putAsUppy45(params: ParamsResponse, body: Uint8Array<ArrayBuffer>) {
  const response = await fetch(params.url, { method: params.method, headers: params.headers, body });
  return { status: response.status, etag: response.headers.get('etag') };
}

const MiB = 1024 * 1024;

describe.each(ADAPTERS)('%s', (adapter) => {
  const useServer = (options: TestOptions) => {
    beforeAll(async () => {
      server = await startTestServer({ prefix: 'stock/', ...options }, adapter);
      s3 = createTestS3Client();
    });
    afterAll(async () => {
      await server.close();
      s3.destroy();
    });
  };

  describe('"PUT"', () => {
    useServer({ singleUploadMethod: 'PUT' });

    it('answers Uppy 4/5 a presigned PUT: sent with the answered headers, S3 stores the bytes and answers an ETag', async () => {
      const file = randomData(54_321);
      const params = await uppy45Params('small photo.jpg', 'image/jpeg');
      expect(params.status).toBe(200);
      expect(params.body).toMatchObject({ method: 'PUT', fields: {}, headers: { 'Content-Type': 'image/jpeg' }, key: expect.stringMatching(/^stock\/[0-9a-f]{32}\/small_photo\.jpg$/) });
      const put = await putAsUppy45(params.body, file);
      expect(put).toEqual({ status: 200, etag: `"${md5Hex(file)}"` });
      const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: params.body.key }));
      expect(object.ContentType).toBe('image/jpeg');
      expect(object.Metadata).toEqual({ name: 'small photo.jpg', type: 'image/jpeg' });
      expect(sha256Hex(await object.Body!.transformToByteArray())).toBe(sha256Hex(file));
    });

    it('a client that asks for a POST still gets the form', async () => {
      const params = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'a.txt', method: 'POST' }));
      expect(params.body).toMatchObject({ method: 'POST', fields: { key: params.body.key, Policy: expect.any(String) } });
    });
  });

  describe('a function of the request (Uppy 4/5 send Accept: application/json, Uppy 6 no Accept), with a maxFileSize of 1 MiB', () => {
    useServer({ singleUploadMethod: (req) => (req.header('accept') === 'application/json' ? 'PUT' : 'POST'), maxFileSize: MiB });

    it('answers the form to a client that sends no Accept, as Uppy 6 does', async () => {
      const params = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'a.txt' }));
      expect(params.body.method).toBe('POST');
    });

    it('refuses a PUT without the size (it could not be bounded): 400 invalid_size, whoever chose the PUT', async () => {
      expect(await uppy45Params('a.txt', 'text/plain')).toMatchObject({ status: 400, body: { code: 'invalid_size' } });
      const asked = await callApi(server, 'GET', paths.params({ filename: 'a.txt', method: 'PUT' }));
      expect(asked).toMatchObject({ status: 400, body: { code: 'invalid_size' } });
    });

    it('signs a PUT with a declared size into Content-Length', async () => {
      const params = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'a.txt', method: 'PUT', size: 1000 }));
      expect(params.status).toBe(200);
      expect(new URL(params.body.url).searchParams.get('X-Amz-SignedHeaders')).toContain('content-length');
    });
  });
});
