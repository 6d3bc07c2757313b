import { createHash } from 'node:crypto';

/**
 * The ETag S3 gives an object assembled from `parts`: the MD5 of the parts' binary MD5s, then `-N`
 * (`"<hex>-3"`). Undefined when a part ETag is not a plain MD5 (SSE-KMS, SSE-C), where the form
 * does not hold.
 */
export function multipartETag(partETags: readonly string[]): string | undefined {
  const digests: Buffer[] = [];
  for (const etag of partETags) {
    const hex = etag.replace(/^"|"$/g, '');
    if (!/^[0-9a-f]{32}$/i.test(hex)) return undefined;
    digests.push(Buffer.from(hex, 'hex'));
  }
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${partETags.length}"`;
}
