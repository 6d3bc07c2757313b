/**
 * What the real Companion 6 (`@uppy/companion`) answers on its `/s3` routes against the run's S3,
 * beside our middleware where they differ: the facts docs/companion-backends.md records. Among
 * them the probe that tells the two apart (an extension route: Companion's Express 404 page, our
 * JSON error), and what S3 does with a part PUT presigned by Companion (nothing of the request
 * signed but the host; the SDK's CRC32 of an empty body in the query) when the browser adds a
 * Content-MD5.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startCompanion, type RunningCompanion } from '../harness/startCompanion.js';
import { md5Base64, putTo, randomData } from '../helpers/callApi.js';
import { startTestServer, type TestServer } from '../harness/testServer.js';

const origin = 'http://127.0.0.1:9'; // a page origin Companion allows (nothing listens there)
let companion: RunningCompanion;
let ours: TestServer;

beforeAll(async () => {
  companion = await startCompanion({ s3: inject('s3'), corsOrigins: [origin], getKey: ({ filename }) => `test/companion/${crypto.randomUUID()}/${filename}` });
  ours = await startTestServer();
});
afterAll(async () => {
  await companion?.close();
  await ours?.close();
});

async function answer(url: string, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, headers: { origin, ...(init.headers as Record<string, string>) } });
  return { status: response.status, type: response.headers.get('content-type') ?? '', allowOrigin: response.headers.get('access-control-allow-origin'), text: await response.text() };
}

const json = (value: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

it('the probe: POST /s3/multipart/-/batch with {} is a 404 HTML page from Companion and a JSON error with a code from us, neither touching S3', async () => {
  const fromCompanion = await answer(`${companion.url}/s3/multipart/-/batch`, json({}));
  expect(fromCompanion).toMatchObject({ status: 404, type: 'text/html; charset=utf-8', allowOrigin: origin });
  expect(fromCompanion.text).toContain('Cannot POST /s3/multipart/-/batch');

  const fromUs = await answer(`${ours.base}/s3/multipart/-/batch`, json({}));
  expect(fromUs.status).toBe(400);
  expect(fromUs.type).toBe('application/json; charset=utf-8');
  expect(JSON.parse(fromUs.text)).toMatchObject({ code: 'invalid_key' });

  // The dedicated route the plugin asks: Express's HTML 404 from Companion, our extensions as JSON.
  expect(await answer(`${companion.url}/s3/capabilities`)).toMatchObject({ status: 404, type: 'text/html; charset=utf-8', allowOrigin: origin });
  expect(JSON.parse((await answer(`${ours.base}/s3/capabilities`)).text)).toEqual({ extensions: ['md5-signing', 'put-params', 'part-size', 'confirm'] });
  // An unknown GET route: the same split (Express's HTML 404 there, our JSON not_found here).
  expect(await answer(`${companion.url}/s3/no-such-route`)).toMatchObject({ status: 404, type: 'text/html; charset=utf-8' });
  expect(JSON.parse((await answer(`${ours.base}/s3/no-such-route`)).text)).toEqual({ code: 'not_found', message: 'No such upload route.' });

  // Companion answers every preflight itself (204), so a cross-origin probe with a JSON body gets through to the 404.
  const preflight = await answer(`${companion.url}/s3/multipart/-/batch`, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  expect(preflight).toMatchObject({ status: 204, allowOrigin: origin });
});

it('GET /s3/params ignores our method=PUT: always a presigned POST form, no key field outside `fields`', async () => {
  const params = JSON.parse((await answer(`${companion.url}/s3/params?filename=a.txt&type=text/plain&metadata[x]=y&method=PUT&size=3`)).text) as Record<string, unknown>;
  expect(params).toMatchObject({ method: 'POST', expires: 800, fields: { 'content-type': 'text/plain', 'x-amz-meta-x': 'y', success_action_status: '201' } });
  expect(params.key).toBeUndefined();
  expect((params.fields as Record<string, string>).key).toMatch(/^test\/companion\/.+\/a\.txt$/);
});

it('multipart through Companion: its part URLs sign only the host and carry the CRC32 of an empty body; S3 still checks a Content-MD5 the browser adds', async () => {
  const created = JSON.parse((await answer(`${companion.url}/s3/multipart`, json({ filename: 'x.bin', type: 'application/octet-stream', metadata: { a: 'b' } }))).text) as { key: string; uploadId: string; bucket: string };
  expect(created).toEqual({ key: expect.stringMatching(/^test\/companion\//), uploadId: expect.any(String), bucket: inject('s3').bucket });
  const upload = `${companion.url}/s3/multipart/${encodeURIComponent(created.uploadId)}`;
  const key = `key=${encodeURIComponent(created.key)}`;

  const { url, expires } = JSON.parse((await answer(`${upload}/1?${key}`)).text) as { url: string; expires: number };
  expect(expires).toBe(800);
  const query = new URL(url).searchParams;
  expect(query.get('X-Amz-SignedHeaders')).toBe('host');
  expect(query.get('x-amz-checksum-crc32')).toBe('AAAAAA=='); // CRC32 of '' (the SDK's default requestChecksumCalculation, WHEN_SUPPORTED)
  expect(query.get('x-amz-sdk-checksum-algorithm')).toBe('CRC32');

  const batch = JSON.parse((await answer(`${upload}/batch?${key}&partNumbers=1,2`)).text) as { presignedUrls: Record<string, string> };
  expect(Object.keys(batch.presignedUrls)).toEqual(['1', '2']);

  const body = randomData(5 * 1024 * 1024);
  const last = randomData(1000);
  const wrong = await putTo(url, body, { 'content-md5': md5Base64(last) });
  expect(wrong.status).toBe(400);
  expect(wrong.text).toContain('<Code>BadDigest</Code>');
  const right = await putTo(url, body, { 'content-md5': md5Base64(body) });
  expect(right.status).toBe(200); // this S3 does not check the CRC32 in the query against the body
  const none = await putTo(batch.presignedUrls['2']!, last);
  expect(none.status).toBe(200);

  const listed = JSON.parse((await answer(`${upload}?${key}`)).text) as Array<Record<string, unknown>>;
  expect(listed.map(({ PartNumber, ETag, Size }) => ({ PartNumber, ETag, Size }))).toEqual([
    { PartNumber: 1, ETag: right.etag, Size: body.length },
    { PartNumber: 2, ETag: none.etag, Size: last.length },
  ]);
  const completed = JSON.parse((await answer(`${upload}/complete?${key}`, json({ parts: listed.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) }))).text) as Record<string, string>;
  expect(completed).toEqual({ location: expect.any(String), key: created.key, bucket: inject('s3').bucket });
});

it('errors: Companion checks its inputs as {error} JSON 400s; an S3 failure is Express’s default 500 HTML page', async () => {
  const noKey = await answer(`${companion.url}/s3/multipart/nope/1`);
  expect(noKey).toMatchObject({ status: 400, type: 'application/json; charset=utf-8' });
  expect(JSON.parse(noKey.text)).toEqual({ error: expect.stringContaining('object key must be passed') });
  const noNumbers = await answer(`${companion.url}/s3/multipart/nope/batch?key=a`);
  expect(JSON.parse(noNumbers.text)).toEqual({ error: expect.stringContaining('part numbers must be passed') });

  const unknownUpload = await answer(`${companion.url}/s3/multipart/nope?key=nope`);
  expect(unknownUpload).toMatchObject({ status: 500, type: 'text/html; charset=utf-8' });
  // Aborting an upload S3 does not know (radosgw: NoSuchUpload) is a 500 too, not a 404.
  expect(await answer(`${companion.url}/s3/multipart/nope?key=nope`, { method: 'DELETE' })).toMatchObject({ status: 500, type: 'text/html; charset=utf-8' });
});
