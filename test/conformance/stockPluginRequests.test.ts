/**
 * Exactly the requests the stock `@uppy/aws-s3` 6 plugin makes in `companionEndpoint` mode
 * (node_modules/@uppy/aws-s3/src/s3-client/CompanionS3.ts), built the way it builds them: its own
 * path strings, plain fetch, and a part PUT with no headers at all. This proves the middleware is
 * a drop-in Companion replacement without our extensions. (Its PUTs go through XMLHttpRequest in a
 * browser; the browser test in the plugin issue runs the real plugin.) Through every adapter.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_PART_SIZE } from '../../contract.js';
import { md5Hex, randomData, sha256Hex } from '../helpers/callApi.js';
import { ADAPTERS, createTestS3Client, startTestServer, type TestServer } from '../harness/testServer.js';

/** The adapter under test's server (set by each adapter's beforeAll). */
let server: TestServer;
let s3: S3Client;

/** CompanionS3#_fetch: `${companionEndpoint}/s3${path}`, non-2xx is a failure. */
async function companionFetch(path: string, opts?: RequestInit): Promise<Response> {
  const response = await server.fetch(`${server.base}/s3${path}`, opts);
  if (!response.ok) throw new Error(`Companion request failed: ${response.status} ${await response.text()}`);
  return response;
}

// Uppy's file.meta for a dropped file, sent whole (allowedMetaFields: true).
const meta = (name: string, type: string) => ({ name, type, relativePath: null });

describe.each(ADAPTERS)('%s', (adapter) => {
beforeAll(async () => {
  // Stock Uppy sends no user header: a single shared prefix, as a Companion deployment would have.
  server = await startTestServer({ prefix: 'stock/' }, adapter);
  s3 = createTestS3Client();
});
afterAll(async () => {
  await server.close();
  s3.destroy();
});

it('multipart: create, sign each part, PUT with no headers, list, complete', async () => {
  const file = randomData(MIN_PART_SIZE + 4321);
  const type = 'application/octet-stream';

  const created = await companionFetch('/multipart', {
    method: 'POST',
    body: JSON.stringify({ filename: 'stock.bin', metadata: meta('stock.bin', type), type }),
    headers: { 'content-type': 'application/json' },
  });
  const { key, uploadId } = (await created.json()) as { key: string; uploadId: string };
  expect(key).toMatch(/^stock\/[0-9a-f]{32}\/stock\.bin$/);

  const chunks = [file.subarray(0, MIN_PART_SIZE), file.subarray(MIN_PART_SIZE)];
  const uploaded: Array<{ partNumber: number; etag: string }> = [];
  for (const [index, chunk] of chunks.entries()) {
    const partNumber = index + 1;
    const signed = await companionFetch(
      `/multipart/${encodeURIComponent(uploadId)}/${encodeURIComponent(partNumber)}?${new URLSearchParams({ key })}`,
      { method: 'GET' },
    );
    const { url } = (await signed.json()) as { url: string };
    const put = await fetch(url, { method: 'PUT', body: chunk });
    expect(put.status).toBe(200);
    const etag = put.headers.get('etag');
    expect(etag).toBe(`"${md5Hex(chunk)}"`);
    uploaded.push({ partNumber, etag: etag! });
  }

  // Resume path: listParts, read as {PartNumber, ETag}.
  const listed = await companionFetch(`/multipart/${encodeURIComponent(uploadId)}?${new URLSearchParams({ key })}`, { method: 'GET' });
  const parts = (await listed.json()) as Array<{ PartNumber: string; ETag: string }>;
  expect(parts.map((p) => ({ partNumber: parseInt(String(p.PartNumber), 10), etag: String(p.ETag) }))).toEqual(uploaded);

  const completed = await companionFetch(`/multipart/${encodeURIComponent(uploadId)}/complete?${new URLSearchParams({ key })}`, {
    method: 'POST',
    body: JSON.stringify({ parts: uploaded.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) }),
    headers: { 'content-type': 'application/json' },
  });
  const result = (await completed.json()) as { location: string; bucket?: string; key: string };
  expect(result.key).toBe(key);
  expect(result.bucket).toBe(server.bucket);
  expect(typeof result.location).toBe('string');

  const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  expect(sha256Hex(await object.Body!.transformToByteArray())).toBe(sha256Hex(file));
});

it('multipart: abort answers 2xx', async () => {
  const created = await companionFetch('/multipart', {
    method: 'POST',
    body: JSON.stringify({ filename: 'cancelled.bin', metadata: meta('cancelled.bin', 'application/zip'), type: 'application/zip' }),
    headers: { 'content-type': 'application/json' },
  });
  const { key, uploadId } = (await created.json()) as { key: string; uploadId: string };
  await companionFetch(`/multipart/${encodeURIComponent(uploadId)}?${new URLSearchParams({ key })}`, { method: 'DELETE' });
});

it('single upload: /s3/params then the POST form the plugin builds', async () => {
  const file = randomData(12_345);
  const searchParams = new URLSearchParams({
    filename: 'small photo.jpg',
    type: 'image/jpeg',
    ...Object.fromEntries(Object.entries(meta('small photo.jpg', 'image/jpeg')).map(([k, v]) => [`metadata[${k}]`, String(v)])),
  });
  const response = await companionFetch(`/params?${searchParams}`);
  const { url, fields } = (await response.json()) as { url: string; fields: Record<string, string> };

  // U.buildPostPolicyForm: every field, then the file last.
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file], { type: 'image/jpeg' }));
  const posted = await fetch(url, { method: 'POST', body: form });
  expect(posted.ok).toBe(true);

  // U.postObjectLocation(url, fields.key) is where the plugin says the file went.
  const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: fields.key }));
  expect(object.ContentType).toBe('image/jpeg');
  expect(sha256Hex(await object.Body!.transformToByteArray())).toBe(sha256Hex(file));
});
});
