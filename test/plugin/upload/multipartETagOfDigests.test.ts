/** The object's multipart ETag from the parts' digests, as S3 and the middleware compute it. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toDigest, unquoteETag } from '../../../plugin/md5/digest.js';
import { multipartETag, multipartETagForm } from '../../../plugin/upload/multipartETagOfDigests.js';
import { multipartETag as serverMultipartETag } from '../../../middleware/core/multipartETag.js';

describe('multipartETag agreement', () => {
  it("multipartETag agrees with the middleware's and reads ETag forms", async () => {
    const parts = [1, 2, 3].map((n) => toDigest(new Uint8Array(createHash('md5').update(`part ${n}`).digest())));
    expect(await multipartETag(parts)).toBe(serverMultipartETag(parts.map((p) => p.hex))!.replace(/"/g, ''));
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
      expect(await multipartETag(digests.map((digest) => toDigest(new Uint8Array(digest))))).toBe(expected);
    }
  });
});
