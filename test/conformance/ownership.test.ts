/** A caller with another prefix can do nothing to someone else's upload, even knowing its uploadId and key; through every adapter. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateMultipartResponse, ListedPart, SignPartResponse } from '../../contract.js';
import { paths } from '../../contract.js';
import { callApi, md5Base64, putTo, randomData } from '../helpers/callApi.js';
import { ADAPTERS, startTestServer, type TestServer } from '../harness/testServer.js';

/** The adapter under test's server, and alice's upload with one part on it (set by each adapter's beforeAll). */
let server: TestServer;
let upload: CreateMultipartResponse;
const data = randomData(64);

const attempts = () => {
  const { uploadId, key } = upload;
  return [
    ['sign one part', 'GET', paths.part(uploadId, 2, { key }), undefined],
    ['sign one part with an MD5', 'GET', paths.part(uploadId, 2, { key, md5: md5Base64(data), size: 64 }), undefined],
    ['sign a batch', 'POST', paths.batch(uploadId, key), { parts: [{ partNumber: 2 }] }],
    ['sign a Companion batch', 'GET', `${paths.batch(uploadId, key)}&partNumbers=2,3`, undefined],
    ['list', 'GET', paths.upload(uploadId, key), undefined],
    ['complete', 'POST', paths.complete(uploadId, key), { parts: [{ PartNumber: 1, ETag: '"0"' }] }],
    ['abort', 'DELETE', paths.upload(uploadId, key), undefined],
    ['confirm', 'POST', paths.confirm(), { key, md5: md5Base64(data) }],
  ] as const;
};

describe.each(ADAPTERS)('%s', (adapter) => {
  beforeAll(async () => {
    // Everyone but mallory may do something.
    server = await startTestServer({ authorize: (req) => req.header('x-test-user') !== 'mallory' }, adapter);
    upload = (await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user: 'alice', json: { filename: 'secret.pdf' } })).body;
    const signed = await callApi<SignPartResponse>(server, 'GET', paths.part(upload.uploadId, 1, { key: upload.key, md5: md5Base64(data) }), { user: 'alice' });
    expect((await putTo(signed.body.url, data, signed.body.headers)).status).toBe(200);
  });
  afterAll(async () => {
    await callApi(server, 'DELETE', paths.upload(upload.uploadId, upload.key), { user: 'alice' });
    await server.close();
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7])("bob, knowing alice's uploadId and key, is refused (403 key_forbidden): attempt %i", async (index) => {
    const [, method, path, json] = attempts()[index]!;
    const answer = await callApi(server, method, path, { user: 'bob', json });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ code: 'key_forbidden', message: expect.any(String) });
  });

  it("bob's attempts leave alice's upload untouched", async () => {
    const listed = await callApi<ListedPart[]>(server, 'GET', paths.upload(upload.uploadId, upload.key), { user: 'alice' });
    expect(listed.status).toBe(200);
    expect(listed.body.map((p) => p.PartNumber)).toEqual([1]);
  });

  it('bob cannot escape his prefix with a dot-dot key', async () => {
    const sneaky = `test/bob/../alice/${upload.key.split('/').slice(2).join('/')}`;
    const answer = await callApi(server, 'GET', paths.part(upload.uploadId, 1, { key: sneaky }), { user: 'bob' });
    expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_key' } });
  });

  it('a caller the authorize hook refuses gets 403 forbidden on every route', async () => {
    const { uploadId, key } = upload;
    for (const [method, path, json] of [
      ['POST', paths.createMultipart(), { filename: 'x.bin' }],
      ['GET', paths.params({ filename: 'x.bin' }), undefined],
      ['POST', paths.paramsBatch(), { files: [{ filename: 'x.bin', size: 1 }] }],
      ...attempts().map(([, m, p, j]) => [m, p, j] as const),
      ['GET', paths.part(uploadId, 1, { key }), undefined],
    ] as const) {
      const answer = await callApi(server, method, path, { user: 'mallory', json });
      expect(answer, `${method} ${path}`).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    }
  });
});
