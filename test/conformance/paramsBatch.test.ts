/**
 * `POST /s3/params` (extension): presigned PUTs for many small files in one request, in every
 * adapter. Each URL is bound to its own new key in the caller's prefix, its size and its MD5 (S3
 * refuses other bytes); a file the server refuses is answered in place with its code; `authorize`
 * is asked once, with the operation `params`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { paths, type ParamsBatchResponse, type ParamsResponse } from '../../contract.js';
import { callApi, md5Base64, putTo, randomData } from '../helpers/callApi.js';
import { ADAPTERS, s3ClientConfig, startTestServer, type TestServer } from '../harness/testServer.js';

const user = 'batcher';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(ADAPTERS)('%s', (adapter) => {
  it('signs a PUT per file, each for a key of its own bound to its size and MD5; refuses a file in place', async () => {
    const operations: string[] = [];
    server = await startTestServer({ maxFileSize: 1000, authorize: (_req, operation) => (operations.push(operation), true) }, adapter);
    const files = [randomData(100), randomData(300)];
    const answer = await callApi<ParamsBatchResponse>(server, 'POST', paths.paramsBatch(), {
      user,
      json: {
        files: [
          { filename: 'a.bin', type: 'application/octet-stream', size: 100, md5: md5Base64(files[0]!) },
          { filename: 'b.txt', type: 'text/plain', metadata: { tag: 'x' }, size: 300, md5: md5Base64(files[1]!) },
          { filename: 'big.bin', size: 5000, md5: md5Base64(files[0]!) },
          { filename: '../up.bin', size: 1 },
          { filename: 'nosize.bin' },
        ],
      },
    });
    expect(answer.status).toBe(200);
    expect(operations).toEqual(['params']);
    const [a, b, ...refused] = answer.body.files;
    expect(refused).toEqual([
      { ok: false, status: 413, code: 'file_too_large', message: expect.any(String) },
      { ok: false, status: 400, code: 'invalid_filename', message: expect.any(String) },
      { ok: false, status: 400, code: 'invalid_size', message: expect.any(String) },
    ]);
    const signed = [a, b] as Array<ParamsResponse & { ok: true }>;
    for (const file of signed) expect(file).toMatchObject({ ok: true, method: 'PUT', key: expect.stringMatching(/^test\/batcher\/[0-9a-f]{32}\/[ab]\.(bin|txt)$/) });
    expect(signed[0]!.key).not.toBe(signed[1]!.key);
    // Other bytes of the same size, or bytes of another size, are refused by S3; the right ones stored.
    const other = randomData(100);
    expect((await putTo(signed[0]!.url, other, signed[0]!.headers)).status).toBe(400);
    expect((await putTo(signed[0]!.url, randomData(101), signed[0]!.headers)).status).toBe(403);
    for (const [index, file] of signed.entries()) expect((await putTo(file.url, files[index]!, file.headers)).status).toBe(200);
  });

  it('spreads the URLs over uploadHosts, each signed for its host: S3 stores through each name and refuses a URL sent to another', async () => {
    const endpoint = new URL(String(s3ClientConfig().endpoint));
    // Another name of the same S3: radosgw answers on 127.0.0.1 under the name localhost too.
    const other = `localhost:${endpoint.port}`;
    server = await startTestServer({ uploadHosts: [other] }, adapter);
    const files = [randomData(10), randomData(20), randomData(30), randomData(40)];
    const answer = await callApi<ParamsBatchResponse>(server, 'POST', paths.paramsBatch(), {
      user,
      json: { files: files.map((bytes, index) => ({ filename: `${index}.bin`, size: bytes.length, md5: md5Base64(bytes) })) },
    });
    expect(answer.status).toBe(200);
    const signed = answer.body.files as Array<ParamsResponse & { ok: true }>;
    const hosts = signed.map((file) => new URL(file.url).host);
    expect(new Set(hosts)).toEqual(new Set([endpoint.host, other]));
    expect(hosts.filter((host) => host === other)).toHaveLength(2);
    const moved = new URL(signed[0]!.url);
    moved.host = hosts[0] === other ? endpoint.host : other;
    expect((await putTo(moved.href, files[0]!, signed[0]!.headers)).status).toBe(403);
    for (const [index, file] of signed.entries()) expect((await putTo(file.url, files[index]!, file.headers)).status).toBe(200);
  });

  it('asks authorize first: a refused caller gets 403 forbidden and nothing is signed', async () => {
    server = await startTestServer({ authorize: () => false }, adapter);
    const answer = await callApi(server, 'POST', paths.paramsBatch(), { user, json: { files: [{ filename: 'a.bin', size: 1 }] } });
    expect(answer).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });
});
