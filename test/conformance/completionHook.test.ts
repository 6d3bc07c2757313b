/**
 * `onUploadComplete` after a multipart complete (once, with what the server verified, its answer
 * as `serverData`; again with `repeated: true` when the complete is sent again) and the confirm
 * route for single-request uploads (missing, foreign and mismatched objects refused with their
 * codes, the hook never run for them); through every adapter, against the real S3.
 */
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { paths, type CompleteResponse, type ConfirmResponse, type CreateMultipartResponse, type ErrorBody, type ParamsResponse, type SignPartResponse } from '../../contract.js';
import { UploadError, type UploadOptions } from '../../middleware/index.js';
import { multipartETag } from '../../middleware/core/multipartETag.js';
import { callApi, md5Base64, md5Hex, putTo, randomData } from '../helpers/callApi.js';
import { ADAPTERS, createTestS3Client, startTestServer, type TestRequest, type TestServer } from '../harness/testServer.js';

type Call = Parameters<NonNullable<UploadOptions<TestRequest>['onUploadComplete']>>[0];

const user = 'hook';
let server: TestServer | undefined;
let s3: S3Client;
beforeAll(() => void (s3 = createTestS3Client()));
afterAll(() => s3.destroy());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A hook that records its calls (the request as the user it came from) and answers `answer(call)`. */
function recordingHook(answer: (call: Call) => unknown = (call) => ({ id: `db-${call.key.length}`, source: call.source })) {
  const calls: Array<Omit<Call, 'req'> & { user: string | undefined }> = [];
  const onUploadComplete = (call: Call) => {
    const { req, ...rest } = call;
    calls.push({ ...rest, user: req.header('x-test-user') });
    return answer(call);
  };
  return { calls, onUploadComplete };
}

/** A two-part multipart upload through the API, not yet completed: its ids, the parts to complete with, the object's ETag and size. */
async function uploadParts(target: TestServer, as = user) {
  const created = await callApi<CreateMultipartResponse>(target, 'POST', paths.createMultipart(), { user: as, json: { filename: 'movie.mp4', type: 'video/mp4', metadata: { title: 'Été', n: 3 } } });
  expect(created.status).toBe(200);
  const { key, uploadId } = created.body;
  const datas = [randomData(5 * 1024 * 1024), randomData(1000)];
  const parts: Array<{ PartNumber: number; ETag: string }> = [];
  for (const [index, data] of datas.entries()) {
    const signed = await callApi<SignPartResponse>(target, 'GET', paths.part(uploadId, index + 1, { key, md5: md5Base64(data), size: data.length }), { user: as });
    const put = await putTo(signed.body.url, data, signed.body.headers);
    expect(put.status).toBe(200);
    parts.push({ PartNumber: index + 1, ETag: put.etag! });
  }
  return { key, uploadId, parts, etag: multipartETag(parts.map((p) => p.ETag))!, size: datas[0]!.length + datas[1]!.length };
}

/** A single PUT through `GET /s3/params?method=PUT`: the key and the data's MD5. */
async function putSingle(target: TestServer, data = randomData(1234), as = user) {
  const signed = await callApi<ParamsResponse>(target, 'GET', paths.params({ filename: 'note.txt', type: 'text/plain', method: 'PUT', md5: md5Base64(data), size: data.length, metadata: { tag: 'a' } }), { user: as });
  expect(signed.status).toBe(200);
  expect((await putTo(signed.body.url, data, signed.body.headers)).status).toBe(200);
  return { key: signed.body.key, md5: md5Base64(data), hex: md5Hex(data), size: data.length };
}

describe.each(ADAPTERS)('%s', (adapter) => {
  it('a multipart complete runs the hook once, with what S3 holds, and answers its result as serverData', async () => {
    const hook = recordingHook();
    server = await startTestServer({ onUploadComplete: hook.onUploadComplete }, adapter);
    const upload = await uploadParts(server);
    const answer = await callApi<CompleteResponse>(server, 'POST', paths.complete(upload.uploadId, upload.key), { user, json: { parts: upload.parts } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ key: upload.key, bucket: server.bucket, etag: upload.etag, serverData: { id: `db-${upload.key.length}`, source: 'complete' } });
    expect(hook.calls).toEqual([
      {
        key: upload.key,
        bucket: server.bucket,
        size: upload.size,
        etag: upload.etag,
        contentType: 'video/mp4',
        metadata: { title: 'Été', n: '3' },
        uploadId: upload.uploadId,
        md5Verified: false,
        source: 'complete',
        repeated: false,
        user,
      },
    ]);
  });

  it('a complete sent again after success (its answer lost) runs the hook again, repeated, for the same key and ETag', async () => {
    const hook = recordingHook();
    server = await startTestServer({ onUploadComplete: hook.onUploadComplete, requireContentMD5: true }, adapter);
    const upload = await uploadParts(server);
    const first = await callApi<CompleteResponse>(server, 'POST', paths.complete(upload.uploadId, upload.key), { user, json: { parts: upload.parts } });
    const again = await callApi<CompleteResponse>(server, 'POST', paths.complete(upload.uploadId, upload.key), { user, json: { parts: upload.parts } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.body.serverData).toEqual({ id: `db-${upload.key.length}`, source: 'complete' });
    expect(hook.calls.map((c) => [c.key, c.etag, c.repeated, c.md5Verified])).toEqual([
      [upload.key, upload.etag, false, true],
      [upload.key, upload.etag, true, true],
    ]);
  });

  it('a hook that throws an UploadError answers it; one that fails answers 500 hook_failed, and sending the complete again runs it again', async () => {
    let attempt = 0;
    const hook = recordingHook((call) => {
      attempt += 1;
      if (call.metadata.title === 'refuse') throw new UploadError('upload_rejected', 'Not this one.');
      if (attempt === 1) throw new Error('database down');
      return 'stored';
    });
    server = await startTestServer({ onUploadComplete: hook.onUploadComplete }, adapter);
    const upload = await uploadParts(server);
    const failed = await callApi<ErrorBody>(server, 'POST', paths.complete(upload.uploadId, upload.key), { user, json: { parts: upload.parts } });
    expect(failed).toMatchObject({ status: 500, body: { code: 'hook_failed' } });
    const retried = await callApi<CompleteResponse>(server, 'POST', paths.complete(upload.uploadId, upload.key), { user, json: { parts: upload.parts } });
    expect(retried).toMatchObject({ status: 200, body: { key: upload.key, etag: upload.etag, serverData: 'stored' } });
    expect(hook.calls.map((c) => c.repeated)).toEqual([false, true]);

    const created = await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename: 'x', metadata: { title: 'refuse' } } });
    const data = randomData(10);
    const signed = await callApi<SignPartResponse>(server, 'GET', paths.part(created.body.uploadId, 1, { key: created.body.key }), { user });
    const put = await putTo(signed.body.url, data);
    const refused = await callApi(server, 'POST', paths.complete(created.body.uploadId, created.body.key), { user, json: { parts: [{ PartNumber: 1, ETag: put.etag }] } });
    expect(refused).toMatchObject({ status: 422, body: { code: 'upload_rejected', message: 'Not this one.' } });
  });

  it('confirm: a single PUT upload, by its base64 or hex MD5, runs the hook (md5Verified) and answers serverData', async () => {
    const hook = recordingHook();
    server = await startTestServer({ onUploadComplete: hook.onUploadComplete }, adapter);
    const file = await putSingle(server);
    const answer = await callApi<ConfirmResponse>(server, 'POST', paths.confirm(), { user, json: { key: file.key, md5: file.md5 } });
    expect(answer).toMatchObject({ status: 200, body: { ok: true, key: file.key, etag: `"${file.hex}"`, size: file.size, serverData: { source: 'confirm' } } });
    const byHex = await callApi<ConfirmResponse>(server, 'POST', paths.confirm(), { user, json: { files: [{ key: file.key, md5: file.hex.toUpperCase() }] } });
    expect(byHex).toMatchObject({ status: 200, body: { files: [{ ok: true, key: file.key, etag: `"${file.hex}"` }] } });
    expect(hook.calls).toEqual([
      { key: file.key, bucket: server.bucket, size: file.size, etag: `"${file.hex}"`, contentType: 'text/plain', metadata: { tag: 'a' }, md5Verified: true, source: 'confirm', repeated: false, user },
      expect.objectContaining({ key: file.key, source: 'confirm' }),
    ]);
  });

  it('confirm refuses a missing object (404), a foreign key (403), other bytes (409), each with its code, and runs no hook for them', async () => {
    const hook = recordingHook();
    server = await startTestServer({ onUploadComplete: hook.onUploadComplete }, adapter);
    const mine = await putSingle(server);
    const changed = await putSingle(server, randomData(7));
    const theirs = await putSingle(server, randomData(10), 'someone-else');
    const missing = { key: `test/${user}/0123456789abcdef0123456789abcdef/none.txt`, md5: mine.md5 };
    const other = { key: changed.key, md5: md5Base64(randomData(5)) };
    const cases = [
      [missing, 404, 'object_not_found'],
      [{ key: theirs.key, md5: theirs.md5 }, 403, 'key_forbidden'],
      [other, 409, 'object_mismatch'],
    ] as const;
    for (const [file, status, code] of cases) {
      const answer = await callApi(server, 'POST', paths.confirm(), { user, json: file });
      expect(answer, code).toMatchObject({ status, body: { code, message: expect.any(String) } });
    }
    const batch = await callApi<ConfirmResponse>(server, 'POST', paths.confirm(), { user, json: { files: [...cases.map(([file]) => file), { key: mine.key, md5: mine.md5 }] } });
    expect(batch.status).toBe(200);
    expect(batch.body).toEqual({
      files: [
        ...cases.map(([file, status, code]) => ({ ok: false, key: file.key, status, code, message: expect.any(String) })),
        { ok: true, key: mine.key, etag: `"${mine.hex}"`, size: mine.size, serverData: expect.anything() },
      ],
    });
    expect(hook.calls.map((c) => c.key)).toEqual([mine.key]);
  });

  it('confirm of an object over maxFileSize deletes it: 413 file_too_large, no hook', async () => {
    const hook = recordingHook();
    server = await startTestServer({ onUploadComplete: hook.onUploadComplete, maxFileSize: 100 }, adapter);
    // Written around the middleware, as a client with old or stolen credentials might.
    const data = randomData(101);
    const key = `test/${user}/0123456789abcdef0123456789abcdef/big.bin`;
    await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: data }));
    const answer = await callApi(server, 'POST', paths.confirm(), { user, json: { key, md5: md5Base64(data) } });
    expect(answer).toMatchObject({ status: 413, body: { code: 'file_too_large' } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect(hook.calls).toEqual([]);
  });

  it("confirm asks authorize ('confirm', the raw input) first; refused, no object is looked at and no hook runs", async () => {
    const hook = recordingHook();
    const seen: unknown[] = [];
    server = await startTestServer(
      {
        onUploadComplete: hook.onUploadComplete,
        authorize: (req, operation, input) => {
          seen.push([operation, input.body]);
          return req.header('x-test-user') !== 'mallory';
        },
      },
      adapter,
    );
    const file = await putSingle(server);
    seen.length = 0;
    const refused = await callApi(server, 'POST', paths.confirm(), { user: 'mallory', json: { key: file.key, md5: file.md5 } });
    expect(refused).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(seen).toEqual([['confirm', { key: file.key, md5: file.md5 }]]);
    expect(hook.calls).toEqual([]);
  });

  const badBodies: Array<[string, unknown, string]> = [
    ['no body', undefined, 'invalid_body'],
    ['files not an array', { files: 'x' }, 'invalid_files'],
    ['files empty', { files: [] }, 'invalid_files'],
    ['101 files', { files: Array.from({ length: 101 }, (_, i) => ({ key: `test/hook/${i}`, md5: md5Base64(new Uint8Array(1)) })) }, 'invalid_files'],
    ['a key twice', { files: [{ key: 'test/hook/a', md5: md5Base64(new Uint8Array(1)) }, { key: 'test/hook/a', md5: md5Base64(new Uint8Array(1)) }] }, 'invalid_files'],
    ['a key with ".."', { key: 'test/hook/../x', md5: md5Base64(new Uint8Array(1)) }, 'invalid_key'],
    ['no md5', { key: 'test/hook/a' }, 'invalid_md5'],
    ['an md5 of 31 hex digits', { key: 'test/hook/a', md5: 'a'.repeat(31) }, 'invalid_md5'],
  ];
  it.each(badBodies.map(([name, json, code]) => ({ name, json, code })))('confirm with $name → 400 $code', async ({ json, code }) => {
    server = await startTestServer({}, adapter);
    const answer = await callApi(server, 'POST', paths.confirm(), { user, json });
    expect(answer).toMatchObject({ status: 400, body: { code } });
  });
});
