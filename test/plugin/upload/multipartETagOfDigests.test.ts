/** The object's multipart ETag from the parts' digests, as S3 and the middleware compute it; its MD5 loaded on demand. */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toDigest, unquoteETag } from '../../../plugin/md5/digest.js';
import { multipartETag, multipartETagForm } from '../../../plugin/upload/multipartETagOfDigests.js';
import { multipartETag as serverMultipartETag } from '../../../middleware/core/multipartETag.js';

const signal = new AbortController().signal;

describe('multipartETag agreement', () => {
  it("multipartETag agrees with the middleware's and reads ETag forms", async () => {
    const parts = [1, 2, 3].map((n) => toDigest(new Uint8Array(createHash('md5').update(`part ${n}`).digest())));
    expect(await multipartETag(parts, signal)).toBe(serverMultipartETag(parts.map((p) => p.hex))!.replace(/"/g, ''));
    expect(multipartETagForm('"0123456789abcdef0123456789ABCDEF-3"')).toBe('0123456789abcdef0123456789abcdef-3');
    expect(multipartETagForm('"0123456789abcdef0123456789abcdef"')).toBeUndefined();
    expect(unquoteETag('W/"abc"')).toBe('abc');
  });
});

describe('multipartETag', () => {
  it("is node:crypto's MD5 of the parts' binary digests, then the number of parts", async () => {
    for (const count of [1, 2, 7, 10_000]) {
      const digests = Array.from({ length: count }, (_, i) => createHash('md5').update(`part ${i}`).digest());
      const expected = `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${count}`;
      expect(await multipartETag(digests.map((digest) => toDigest(new Uint8Array(digest))), signal)).toBe(expected);
    }
  });
});

describe('multipartETag, its MD5 failing to load', () => {
  afterEach(() => {
    vi.doUnmock('../../../plugin/md5/createJsMd5.js');
    vi.resetModules();
  });

  it('rejects as code_load_failed, not a bare TypeError, and the next call loads again', async () => {
    // A fresh copy of the module, so that its loader has not loaded the MD5 yet.
    vi.resetModules();
    const cause = new TypeError('Failed to fetch dynamically imported module: /assets/createJsMd5-x.js');
    vi.doMock('../../../plugin/md5/createJsMd5.js', () => {
      throw cause;
    });
    const { multipartETag: fresh } = await import('../../../plugin/upload/multipartETagOfDigests.js');
    const parts = [toDigest(new Uint8Array(createHash('md5').update('part').digest()))];
    await expect(fresh(parts, signal)).rejects.toMatchObject({
      name: 'S3UploadError',
      code: 'code_load_failed',
      message: expect.stringMatching(/^The plugin's code for the multipart ETag check could not be loaded \(.+\)\. Retry the upload/),
    });

    vi.doUnmock('../../../plugin/md5/createJsMd5.js');
    expect(await fresh(parts, signal)).toBe(`${createHash('md5').update(parts[0]!.bytes).digest('hex')}-1`);
  });
});
