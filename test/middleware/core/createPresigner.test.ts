/**
 * The reused signer produces byte-for-byte the URL the SDK's getSignedUrl makes for the same
 * UploadPart (same endpoint rules, same signature), without running the SDK stack per URL.
 * No network: signing is local.
 */
import { S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it, vi } from 'vitest';
import { createPresigner } from '../../../middleware/core/createPresigner.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const when = new Date('2026-11-24T12:00:00Z');

const clients = {
  'AWS, virtual-hosted style': new S3Client({ region: 'eu-west-1', credentials, requestChecksumCalculation: 'WHEN_REQUIRED' }),
  'custom endpoint, path style': new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:7480',
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  }),
};

describe.each(Object.entries(clients))('%s', (_name, client) => {
  const input = { key: "uploads/ab12/My file (1)!'*.bin", uploadId: '2~abc.DEF_-', partNumber: 7, md5: 'XrY7u+Ae7tCTyyK7j1rNww==', size: 5_242_880 };

  it('matches getSignedUrl for UploadPart with Content-MD5 and Content-Length', async () => {
    vi.useFakeTimers({ now: when, toFake: ['Date'] });
    try {
      const ours = await createPresigner(client, 'my-bucket').presignUploadPart({ ...input, expiresIn: 900 });
      const sdk = await getSignedUrl(
        client,
        new UploadPartCommand({ Bucket: 'my-bucket', Key: input.key, UploadId: input.uploadId, PartNumber: input.partNumber, ContentMD5: input.md5, ContentLength: input.size }),
        { expiresIn: 900 },
      );
      const a = new URL(ours.url);
      const b = new URL(sdk);
      expect(a.origin + a.pathname).toBe(b.origin + b.pathname);
      expect(Object.fromEntries(a.searchParams)).toEqual(Object.fromEntries(b.searchParams));
      expect(a.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-md5;host');
      expect(ours.headers).toEqual({ 'Content-MD5': input.md5 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('signs Content-Type into a PUT (the SDK presigner leaves it unsigned) and hoists metadata', async () => {
    const signed = await createPresigner(client, 'my-bucket').presignPutObject({
      key: 'uploads/x/a.png',
      contentType: 'image/png',
      metadata: { name: 'a.png' },
      md5: input.md5,
      size: 10,
      expiresIn: 60,
    });
    const url = new URL(signed.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-md5;content-type;host');
    expect(url.searchParams.get('x-amz-meta-name')).toBe('a.png');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(signed.headers).toEqual({ 'Content-Type': 'image/png', 'Content-MD5': input.md5 });
  });
});
