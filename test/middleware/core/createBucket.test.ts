/**
 * The bucket's HeadObject is signed by the presigner and sent through the client's request handler
 * instead of the SDK's `send`: it must describe an object exactly as the SDK's HeadObject does, for
 * keys whose path needs escaping too, and tell a missing object from a failure.
 */
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, expect, it } from 'vitest';
import { createBucket } from '../../../middleware/core/createBucket.js';
import { createPresigner } from '../../../middleware/core/createPresigner.js';
import { createTestS3Client, s3ClientConfig } from '../../harness/testServer.js';

const { bucket: name } = s3ClientConfig();
const client = createTestS3Client();
const bucket = createBucket(client, name, createPresigner(client, name));
afterAll(() => client.destroy());

const KEYS = ['test/head/plain.txt', 'test/head/a b+c%d&e=f?g#h.txt', 'test/head/Été 日本/😀 (1)!*\'.bin', 'test/head/~tilde/x;y,z@$.txt'];

it.each(KEYS)('describes %s as the SDK does: ETag, size, type, metadata', async (key) => {
  await client.send(new PutObjectCommand({ Bucket: name, Key: key, Body: `bytes of ${key}`, ContentType: 'text/x-test', Metadata: { title: '=?UTF-8?B?w4l0w6k=?=', n: '3' } }));
  const sdk = await client.send(new HeadObjectCommand({ Bucket: name, Key: key }));
  expect(await bucket.headObject(key)).toEqual({ etag: sdk.ETag, size: sdk.ContentLength, contentType: 'text/x-test', metadata: sdk.Metadata });
  expect(await bucket.headETag(key)).toBe(sdk.ETag);
});

it('answers undefined for a missing object', async () => {
  expect(await bucket.headObject('test/head/never stored')).toBeUndefined();
  expect(await bucket.headETag('test/head/never stored')).toBeUndefined();
});

it('throws s3_error when S3 refuses the request (wrong credentials)', async () => {
  const wrong = new S3Client({ ...s3ClientConfig(), credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong' } });
  try {
    const refused = createBucket(wrong, name, createPresigner(wrong, name));
    await expect(refused.headObject(KEYS[0]!)).rejects.toMatchObject({ code: 's3_error', status: 502 });
  } finally {
    wrong.destroy();
  }
});

it('throws s3_error when S3 cannot be reached', async () => {
  const nowhere = new S3Client({ ...s3ClientConfig(), endpoint: 'http://127.0.0.1:9' });
  try {
    const unreachable = createBucket(nowhere, name, createPresigner(nowhere, name));
    await expect(unreachable.headObject(KEYS[0]!)).rejects.toMatchObject({ code: 's3_error' });
  } finally {
    nowhere.destroy();
  }
});
