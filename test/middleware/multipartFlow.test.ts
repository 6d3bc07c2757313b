/** The whole multipart flow through the routes, with PUTs straight to the presigned URLs on a real S3. */
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BatchSignResponse,
  CompleteResponse,
  CreateMultipartResponse,
  ListedPart,
  ParamsResponse,
  SignPartResponse,
} from '../../contract.js';
import { MIN_PART_SIZE, paths } from '../../contract.js';
import { callApi, md5Base64, md5Hex, putTo, randomData, sha256Hex } from '../helpers/callApi.js';
import { createTestS3Client, startTestServer, type TestServer } from '../harness/testServer.js';

const user = 'flow';
let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startTestServer({ partSize: MIN_PART_SIZE });
  s3 = createTestS3Client();
});
afterAll(async () => {
  await server.close();
  s3.destroy();
});

async function readObject(key: string): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  return object.Body!.transformToByteArray();
}

async function create(filename: string, extra: Record<string, unknown> = {}) {
  const created = await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), {
    user,
    json: { filename, type: 'application/octet-stream', metadata: {}, ...extra },
  });
  expect(created.status).toBe(200);
  return created.body;
}

describe('multipart upload through the routes', () => {
  it('creates, signs with MD5 (one part and a batch), lists, completes: the object is byte-identical', async () => {
    const file = randomData(2 * MIN_PART_SIZE + 123_457);
    const { key, uploadId, bucket, partSize } = await create('holiday video.mp4', {
      type: 'video/mp4',
      metadata: { name: 'holiday video.mp4', caption: 'Été à Zürich', relativePath: null },
      size: file.length,
    });
    expect(bucket).toBe(server.bucket);
    expect(key).toMatch(/^test\/flow\/[0-9a-f]{32}\/holiday_video\.mp4$/);
    expect(partSize).toBe(MIN_PART_SIZE);

    const parts = [0, 1, 2].map((i) => file.subarray(i * MIN_PART_SIZE, Math.min(file.length, (i + 1) * MIN_PART_SIZE)));
    const etags: string[] = [];

    // Part 1 through the single-part route.
    const one = await callApi<SignPartResponse>(server, 'GET', paths.part(uploadId, 1, { key, md5: md5Base64(parts[0]!), size: parts[0]!.length }), { user });
    expect(one.status).toBe(200);
    expect(one.cacheControl).toBe('no-store');
    expect(one.body.expires).toBe(900);
    expect(one.body.headers).toEqual({ 'Content-MD5': md5Base64(parts[0]!) });
    expect(new URL(one.body.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-md5;host');
    const put1 = await putTo(one.body.url, parts[0]!, one.body.headers);
    expect(put1.status).toBe(200);
    etags[0] = put1.etag!;

    // Parts 2 and 3 through the batch route.
    const batch = await callApi<BatchSignResponse>(server, 'POST', paths.batch(uploadId, key), {
      user,
      json: { parts: [2, 3].map((partNumber) => ({ partNumber, md5: md5Base64(parts[partNumber - 1]!), size: parts[partNumber - 1]!.length })) },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.parts.map((p) => p.partNumber)).toEqual([2, 3]);
    for (const signed of batch.body.parts) {
      const put = await putTo(signed.url, parts[signed.partNumber - 1]!, signed.headers);
      expect(put.status).toBe(200);
      etags[signed.partNumber - 1] = put.etag!;
    }
    expect(etags).toEqual(parts.map((p) => `"${md5Hex(p)}"`));

    const listed = await callApi<ListedPart[]>(server, 'GET', paths.upload(uploadId, key), { user });
    expect(listed.status).toBe(200);
    expect(listed.body.map(({ PartNumber, ETag, Size }) => ({ PartNumber, ETag, Size }))).toEqual(
      parts.map((p, i) => ({ PartNumber: i + 1, ETag: etags[i], Size: p.length })),
    );

    const completed = await callApi<CompleteResponse>(server, 'POST', paths.complete(uploadId, key), {
      user,
      // Out of order on purpose: the server sorts.
      json: { parts: [3, 1, 2].map((n) => ({ PartNumber: n, ETag: etags[n - 1] })) },
    });
    expect(completed.status).toBe(200);
    expect(completed.body.key).toBe(key);
    expect(completed.body.bucket).toBe(server.bucket);
    expect(completed.body.location).toContain(encodeURIComponent('holiday_video.mp4'));
    const digests = Buffer.concat(parts.map((p) => Buffer.from(md5Hex(p), 'hex')));
    expect(completed.body.etag).toBe(`"${md5Hex(digests)}-3"`);

    expect(sha256Hex(await readObject(key))).toBe(sha256Hex(file));

    // A retried complete (its first answer lost) succeeds again: the object's ETag proves it.
    const again = await callApi<CompleteResponse>(server, 'POST', paths.complete(uploadId, key), {
      user,
      json: { parts: [1, 2, 3].map((n) => ({ PartNumber: n, ETag: etags[n - 1] })) },
    });
    expect(again).toMatchObject({ status: 200, body: { key, etag: completed.body.etag } });
    // Other parts do not match the object: no such upload.
    const other = await callApi(server, 'POST', paths.complete(uploadId, key), { user, json: { parts: [{ PartNumber: 1, ETag: etags[0] }] } });
    expect(other).toMatchObject({ status: 404, body: { code: 'upload_not_found' } });

    const head = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(head.ContentType).toBe('video/mp4');
    expect(head.ContentLength).toBe(file.length);
    expect(head.Metadata?.name).toBe('holiday video.mp4');
    expect(head.Metadata?.caption).toBe(`=?UTF-8?B?${Buffer.from('Été à Zürich').toString('base64')}?=`);
  });

  it('keeps letters of any script in keys, and the presigned URLs for them work', async () => {
    const file = randomData(4096);
    const { key, uploadId } = await create('Été à Zürich — 日本 (2).bin');
    expect(key.endsWith('/Été_à_Zürich_日本_2_.bin')).toBe(true);
    const signed = await callApi<SignPartResponse>(server, 'GET', paths.part(uploadId, 1, { key, md5: md5Base64(file) }), { user });
    const put = await putTo(signed.body.url, file, signed.body.headers);
    expect(put.status).toBe(200);
    const completed = await callApi<CompleteResponse>(server, 'POST', paths.complete(uploadId, key), { user, json: { parts: [{ PartNumber: 1, ETag: put.etag }] } });
    expect(completed.status).toBe(200);
    expect(sha256Hex(await readObject(key))).toBe(sha256Hex(file));
  });

  it('S3 rejects a part whose bytes differ from the signed MD5 (400 BadDigest), and one of another length (403)', async () => {
    const { key, uploadId } = await create('digest.bin');
    const good = randomData(1000);
    const bad = Uint8Array.from(good, (b, i) => (i === 500 ? b ^ 0xff : b));
    const signed = await callApi<SignPartResponse>(server, 'GET', paths.part(uploadId, 1, { key, md5: md5Base64(good), size: good.length }), { user });

    const corrupted = await putTo(signed.body.url, bad, signed.body.headers!);
    expect(corrupted.status).toBe(400);
    expect(corrupted.text).toContain('<Code>BadDigest</Code>');

    const longer = await putTo(signed.body.url, randomData(1001), signed.body.headers!);
    expect(longer.status).toBe(403);

    const withoutDigest = await putTo(signed.body.url, good);
    expect(withoutDigest.status).toBe(403);

    const listed = await callApi<ListedPart[]>(server, 'GET', paths.upload(uploadId, key), { user });
    expect(listed.body).toEqual([]);

    const ok = await putTo(signed.body.url, good, signed.body.headers!);
    expect(ok.status).toBe(200);
    expect(ok.etag).toBe(`"${md5Hex(good)}"`);
    await callApi(server, 'DELETE', paths.upload(uploadId, key), { user });
  });

  it('a URL signed with a 1 s lifetime works at once and is refused once it has expired', async () => {
    const shortLived = await startTestServer({ expiresIn: 1 });
    try {
      const created = await callApi<CreateMultipartResponse>(shortLived.base, 'POST', paths.createMultipart(), { user, json: { filename: 'expiry.bin' } });
      const { key, uploadId } = created.body;
      const data = randomData(100);
      const sign = (partNumber: number) =>
        callApi<SignPartResponse>(shortLived.base, 'GET', paths.part(uploadId, partNumber, { key, md5: md5Base64(data) }), { user });

      const fresh = await sign(1);
      expect(fresh.body.expires).toBe(1);
      expect((await putTo(fresh.body.url, data, fresh.body.headers)).status).toBe(200);

      const stale = await sign(2);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const expired = await putTo(stale.body.url, data, stale.body.headers);
      expect(expired.status).toBe(403);
      expect(expired.text).toContain('AccessDenied');
      await callApi(shortLived.base, 'DELETE', paths.upload(uploadId, key), { user });
    } finally {
      await shortLived.close();
    }
  });

  it('small files: a presigned POST form (Companion shape) stores the file with its type and metadata', async () => {
    const file = randomData(70_000);
    const params = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'note.txt', type: 'text/plain', metadata: { name: 'note.txt' } }), { user });
    expect(params.status).toBe(200);
    expect(params.body.method).toBe('POST');
    expect(params.body.expires).toBe(900);
    const { url, fields, key } = params.body;
    expect(fields.key).toBe(key);
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    form.set('file', new Blob([file]));
    const posted = await fetch(url, { method: 'POST', body: form });
    expect(posted.status).toBe(204);
    expect(sha256Hex(await readObject(key))).toBe(sha256Hex(file));
    const head = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(head.ContentType).toBe('text/plain');
    expect(head.Metadata?.name).toBe('note.txt');
  });

  it('small files: a declared size is pinned in the POST policy, so S3 refuses a larger file', async () => {
    const params = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'pinned.bin', size: 10 }), { user });
    const form = new FormData();
    for (const [name, value] of Object.entries(params.body.fields)) form.set(name, value);
    form.set('file', new Blob([randomData(11)]));
    const posted = await fetch(params.body.url, { method: 'POST', body: form });
    expect(posted.status).toBe(400);
    expect(await posted.text()).toContain('EntityTooLarge');
  });

  it('small files: a presigned PUT carries Content-MD5 and Content-Type, and S3 enforces both', async () => {
    const file = randomData(3000);
    const md5 = md5Base64(file);
    const params = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'photo.png', type: 'image/png', method: 'PUT', md5, size: file.length }), { user });
    expect(params.status).toBe(200);
    expect(params.body.method).toBe('PUT');
    expect(params.body.headers).toEqual({ 'Content-Type': 'image/png', 'Content-MD5': md5 });

    const corrupted = await putTo(params.body.url, Uint8Array.from(file, (b) => b ^ 1), params.body.headers);
    expect(corrupted.status).toBe(400);
    expect(corrupted.text).toContain('BadDigest');
    const otherType = await putTo(params.body.url, file, { ...params.body.headers, 'Content-Type': 'text/html' });
    expect(otherType.status).toBe(403);

    const stored = await putTo(params.body.url, file, params.body.headers);
    expect(stored.status).toBe(200);
    expect(stored.etag).toBe(`"${md5Hex(file)}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: server.bucket, Key: params.body.key }));
    expect(head.ContentType).toBe('image/png');
  });

  it('after abort, listing and completing answer 404 upload_not_found and S3 refuses parts', async () => {
    const { key, uploadId } = await create('aborted.bin');
    const data = randomData(10);
    const signed = await callApi<SignPartResponse>(server, 'GET', paths.part(uploadId, 1, { key }), { user });
    expect(signed.status).toBe(200);
    expect(signed.body.headers).toBeUndefined();

    const aborted = await callApi(server, 'DELETE', paths.upload(uploadId, key), { user });
    expect(aborted).toMatchObject({ status: 200, body: {} });

    const put = await putTo(signed.body.url, data);
    expect(put.status).toBe(404);
    expect(put.text).toContain('NoSuchUpload');
    const listed = await callApi(server, 'GET', paths.upload(uploadId, key), { user });
    expect(listed).toMatchObject({ status: 404, body: { code: 'upload_not_found' } });
    const completed = await callApi(server, 'POST', paths.complete(uploadId, key), { user, json: { parts: [{ PartNumber: 1, ETag: `"${md5Hex(data)}"` }] } });
    expect(completed).toMatchObject({ status: 404, body: { code: 'upload_not_found' } });
    const abortedAgain = await callApi(server, 'DELETE', paths.upload(uploadId, key), { user });
    expect(abortedAgain).toMatchObject({ status: 404, body: { code: 'upload_not_found' } });
  });
});
