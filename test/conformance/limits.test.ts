/** maxFileSize, allowedContentTypes and requireContentMD5, enforced by the server and, where signed, by S3; through every adapter. Options validated at creation by every factory. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompleteResponse, CreateMultipartResponse, ListedPart, ParamsResponse, SignPartResponse } from '../../contract.js';
import { MIN_PART_SIZE, paths } from '../../contract.js';
import { createS3Handler, createS3Middleware, createS3NodeHandler } from '../../middleware/index.js';
import { callApi, md5Base64, putTo, randomData } from '../helpers/callApi.js';
import { ADAPTERS, startTestServer, type TestServer } from '../harness/testServer.js';

const user = 'limits';
const MiB = 1024 * 1024;

describe.each(ADAPTERS)('%s', (adapter) => {
describe('maxFileSize (6 MiB)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ maxFileSize: 6 * MiB }, adapter);
  });
  afterAll(() => server.close());

  const create = (size?: number) => callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename: 'big.bin', size } });

  it('refuses a declared size over the limit at create and in /s3/params', async () => {
    expect(await create(6 * MiB + 1)).toMatchObject({ status: 413, body: { code: 'file_too_large' } });
    expect((await create(6 * MiB)).status).toBe(200);
    const params = await callApi(server, 'GET', paths.params({ filename: 'a', size: 6 * MiB + 1 }), { user });
    expect(params).toMatchObject({ status: 413, body: { code: 'file_too_large' } });
  });

  it('refuses to sign a part larger than the limit, alone or in a batch', async () => {
    const { key, uploadId } = (await create()).body;
    const one = await callApi(server, 'GET', paths.part(uploadId, 1, { key, size: 6 * MiB + 1 }), { user });
    expect(one).toMatchObject({ status: 413, body: { code: 'file_too_large' } });
    const batch = await callApi(server, 'POST', paths.batch(uploadId, key), { user, json: { parts: [{ partNumber: 1, size: 10 }, { partNumber: 2, size: 7 * MiB }] } });
    expect(batch).toMatchObject({ status: 413, body: { code: 'file_too_large' } });
    await callApi(server, 'DELETE', paths.upload(uploadId, key), { user });
  });

  it('at complete, adds up the parts S3 holds: over the limit, the upload is aborted and 413 answered', async () => {
    const { key, uploadId } = (await create()).body;
    const parts = [randomData(MIN_PART_SIZE), randomData(2 * MiB)];
    const etags: string[] = [];
    for (const [i, data] of parts.entries()) {
      // Unsized URLs, as the stock plugin gets them: only complete can catch the total.
      const signed = await callApi<SignPartResponse>(server, 'GET', paths.part(uploadId, i + 1, { key }), { user });
      const put = await putTo(signed.body.url, data);
      expect(put.status).toBe(200);
      etags.push(put.etag!);
    }
    const completed = await callApi(server, 'POST', paths.complete(uploadId, key), { user, json: { parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) } });
    expect(completed).toMatchObject({ status: 413, body: { code: 'file_too_large' } });
    const listed = await callApi<ListedPart[]>(server, 'GET', paths.upload(uploadId, key), { user });
    expect(listed).toMatchObject({ status: 404, body: { code: 'upload_not_found' } });
  });

  it('a retried complete of an upload that already completed answers the same result (proved by the object ETag)', async () => {
    // With a limit, complete lists the parts first, so the retry meets "no such upload" in the
    // middleware itself (as every retry does on AWS) and must recognise the finished object.
    const { key, uploadId } = (await create()).body;
    const data = randomData(1000);
    const signed = await callApi<SignPartResponse>(server, 'GET', paths.part(uploadId, 1, { key, md5: md5Base64(data) }), { user });
    const put = await putTo(signed.body.url, data, signed.body.headers);
    const body = { parts: [{ PartNumber: 1, ETag: put.etag }] };
    const first = await callApi<CompleteResponse>(server, 'POST', paths.complete(uploadId, key), { user, json: body });
    expect(first.status).toBe(200);
    expect(first.body.etag).toMatch(/^"[0-9a-f]{32}-1"$/);
    const retried = await callApi<CompleteResponse>(server, 'POST', paths.complete(uploadId, key), { user, json: body });
    expect(retried).toMatchObject({ status: 200, body: { key, bucket: server.bucket, etag: first.body.etag } });
    const wrong = await callApi(server, 'POST', paths.complete(uploadId, key), { user, json: { parts: [{ PartNumber: 1, ETag: `"${'0'.repeat(32)}"` }] } });
    expect(wrong).toMatchObject({ status: 404, body: { code: 'upload_not_found' } });
  });

  it('puts the limit into the POST policy, so S3 itself refuses a larger form upload', async () => {
    const params = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'form.bin' }), { user });
    const form = new FormData();
    for (const [name, value] of Object.entries(params.body.fields)) form.set(name, value);
    form.set('file', new Blob([randomData(6 * MiB + 1)]));
    const posted = await fetch(params.body.url, { method: 'POST', body: form });
    expect(posted.status).toBe(400);
    expect(await posted.text()).toContain('EntityTooLarge');
  });
});

describe('allowedContentTypes (image/*, application/pdf)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ allowedContentTypes: ['image/*', 'application/pdf'] }, adapter);
  });
  afterAll(() => server.close());

  it.each([
    ['image/png', 200],
    ['IMAGE/JPEG', 200],
    ['application/pdf', 200],
    ['text/html', 415],
    ['application/pdf-evil', 415],
    ['imagex/png', 415],
  ])('%s → %i', async (type, status) => {
    const created = await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename: 'f', type } });
    expect(created.status).toBe(status);
    if (status === 200) await callApi(server, 'DELETE', paths.upload(created.body.uploadId, created.body.key), { user });
    else expect(created.body).toMatchObject({ code: 'content_type_not_allowed' });
    const params = await callApi(server, 'GET', paths.params({ filename: 'f', type }), { user });
    expect(params.status).toBe(status);
  });
});

describe('requireContentMD5', () => {
  let server: TestServer;
  let upload: CreateMultipartResponse;
  beforeAll(async () => {
    server = await startTestServer({ requireContentMD5: true }, adapter);
    upload = (await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename: 'f' } })).body;
  });
  afterAll(async () => {
    await callApi(server, 'DELETE', paths.upload(upload.uploadId, upload.key), { user });
    await server.close();
  });

  it('refuses every signature without an MD5 and signs with one', async () => {
    const { uploadId, key } = upload;
    const refused = [
      await callApi(server, 'GET', paths.part(uploadId, 1, { key }), { user }),
      await callApi(server, 'POST', paths.batch(uploadId, key), { user, json: { parts: [{ partNumber: 1, md5: md5Base64(randomData(1)) }, { partNumber: 2 }] } }),
      await callApi(server, 'GET', `${paths.batch(uploadId, key)}&partNumbers=1`, { user }),
      await callApi(server, 'GET', paths.params({ filename: 'f', method: 'PUT' }), { user }),
      await callApi(server, 'GET', paths.params({ filename: 'f' }), { user }),
    ];
    for (const answer of refused) expect(answer).toMatchObject({ status: 400, body: { code: 'md5_required' } });
    const signed = await callApi(server, 'GET', paths.part(uploadId, 1, { key, md5: md5Base64(randomData(1)) }), { user });
    expect(signed.status).toBe(200);
  });
});

});

describe.each<[string, (options: never) => unknown]>([
  ['createS3Middleware', createS3Middleware],
  ['createS3NodeHandler', createS3NodeHandler],
  ['createS3Handler', createS3Handler],
])('%s validates options once, at creation, naming the option', (_name, create) => {
  const base = { s3: { region: 'us-east-1' }, bucket: 'uploads' };
  it.each([
    [{ bucket: 'Not_A_Bucket' }, /`bucket`.*"Not_A_Bucket" \(string\)/],
    [{ bucket: undefined }, /`bucket`.*got nothing/],
    [{ expiresIn: 0 }, /`expiresIn` to be a whole number from 1 to 604800, got 0 \(number\)/],
    [{ expiresIn: 604_801 }, /`expiresIn`/],
    [{ prefix: 'users' }, /`prefix`.*ending with "\/"/],
    [{ prefix: '/abs/' }, /`prefix`/],
    [{ prefix: 'a/../b/' }, /`prefix`/],
    [{ allowedContentTypes: [] }, /`allowedContentTypes`/],
    [{ allowedContentTypes: ['nope'] }, /`allowedContentTypes\[\]`.*"nope"/],
    [{ requireContentMD5: 'yes' }, /`requireContentMD5` to be a boolean/],
    [{ partSize: 1024 }, /`partSize` to be a whole number from 5242880/],
    [{ maxBatchSize: 0 }, /`maxBatchSize`/],
    [{ uploadHosts: 'localhost:7480' }, /`uploadHosts` to be an array of host names/],
    [{ uploadHosts: ['http://localhost:7480'] }, /`uploadHosts`/],
    [{ uploadHosts: ['evil.example/path'] }, /`uploadHosts`/],
    [{ uploadHosts: ['a@b'] }, /`uploadHosts`/],
    [{ maxFileSize: -1 }, /`maxFileSize`/],
    [{ getKey: 'x' }, /`getKey` to be a function/],
    [{ s3: 'x' }, /`s3` to be an S3Client or an S3ClientConfig/],
    [{ maxBodySize: 10 }, /`maxBodySize`/],
    [{ singleUploadMethod: 'GET' }, /`singleUploadMethod` to be "POST", "PUT" or a function/],
    [{ singleUploadMethod: 'PUT', maxFileSize: 1024 }, /`singleUploadMethod`.*`maxFileSize`/],
    [{ onUploadComplete: {} }, /`onUploadComplete` to be a function/],
    [{ events: 'x' }, /`events` to be an object/],
    [{ events: { secret: 'short' } }, /^Expected `events.secret` to be a string of at least 32 printable ASCII characters$/],
    [{ events: { secret: 'x'.repeat(32) }, prefix: () => 'a/' }, /`events.prefix` to be set/],
    [{ events: { secret: 'x'.repeat(32), prefix: 'a' } }, /`events.prefix`/],
    [{ events: { secret: 'x'.repeat(32), sns: { topicArns: [] } } }, /`events.sns.topicArns`/],
    [{ events: { secret: 'x'.repeat(32), sns: { topicArns: ['arn:aws:sns:eu-west-1:123456789012:t'], fetchText: 1 } } }, /`events.sns.fetchText` to be a function/],
  ])('%o', (override, message) => {
    expect(() => create({ ...base, ...override } as never)).toThrow(message);
  });

  it('does not mutate the options it is given', () => {
    const options = Object.freeze({ ...base, s3: Object.freeze({ region: 'us-east-1' }) });
    expect(() => create(options as never)).not.toThrow();
  });
});
