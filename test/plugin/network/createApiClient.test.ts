/** The plugin's API client confirms single-request uploads and carries the hook's serverData, against the real middleware and S3. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { paths, type CompleteResponse, type ParamsResponse, type SignPartResponse } from '../../../contract.js';
import { createApiClient, type ApiClient } from '../../../plugin/network/createApiClient.js';
import { createServerAvailability } from '../../../plugin/network/createServerAvailability.js';
import { callApi, md5Base64, md5Hex, putTo, randomData } from '../../helpers/callApi.js';
import { startTestServer, type TestServer } from '../../harness/testServer.js';

const user = 'api-client';
let server: TestServer;
let api: ApiClient;
const signal = new AbortController().signal;

beforeAll(async () => {
  server = await startTestServer({ onUploadComplete: ({ key, source }) => ({ id: key.slice(-8), source }) }, 'node');
  api = createApiClient({
    endpoint: server.base,
    headers: () => ({ 'x-test-user': user }),
    credentials: 'same-origin',
    retry: { settings: { retryDelays: [], expiryMargin: 1000, maxResigns: 1, serverOutageTimeout: 0 }, server: createServerAvailability() },
    callTimeoutMs: 30_000,
  });
});
afterAll(() => server.close());

it('confirmUploads answers each file: confirmed with serverData, or refused with its code', async () => {
  const data = randomData(300);
  const signed = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'a.txt', method: 'PUT', md5: md5Base64(data), size: data.length }), { user });
  await putTo(signed.body.url, data, signed.body.headers);
  const missing = `test/${user}/0123456789abcdef0123456789abcdef/none.txt`;
  const results = await api.confirmUploads([{ key: signed.body.key, md5: md5Base64(data) }, { key: missing, md5: md5Base64(data) }], signal);
  expect(results).toEqual([
    { ok: true, key: signed.body.key, etag: `"${md5Hex(data)}"`, size: 300, serverData: { id: signed.body.key.slice(-8), source: 'confirm' } },
    { ok: false, key: missing, status: 404, code: 'object_not_found', message: expect.any(String) },
  ]);
});

it('completeMultipartUpload answers the hook serverData', async () => {
  const created = await api.createMultipartUpload({ filename: 'b.bin' }, signal);
  const part = randomData(100);
  const signedPart = await callApi<SignPartResponse>(server, 'GET', paths.part(created.uploadId, 1, { key: created.key }), { user });
  const put = await putTo(signedPart.body.url, part);
  const done: CompleteResponse = await api.completeMultipartUpload(created.uploadId, created.key, { parts: [{ PartNumber: 1, ETag: put.etag! }] }, signal);
  expect(done).toMatchObject({ key: created.key, serverData: { id: created.key.slice(-8), source: 'complete' } });
});
