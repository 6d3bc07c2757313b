/** MD5 of no bytes, base64: a Content-MD5 that a one-byte body can never match. */
const MD5_OF_NOTHING = '1B2M2Y8AsgTpgAmY7PhCfg==';

/**
 * Whether S3 checks a `Content-MD5` header that a part's URL was not signed with (so the plugin can
 * send each part's MD5 against a server that signs none), asked once with a part URL about to be
 * used: one byte PUT with the MD5 of nothing.
 * - 400 `BadDigest`: S3 checked it and stored nothing → `true` (radosgw, AWS);
 * - another answer (2xx: the store ignores the header; it stored that byte as the part, which the
 *   part's own PUT replaces next) → `false`;
 * - no readable answer (the bucket's CORS does not allow the header, so the preflight fails; or the
 *   network failed just then) → `false`.
 * With `false` the parts go without the header and are checked by their answered ETag alone.
 */
export async function checkContentMd5(url: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'PUT', headers: { 'Content-MD5': MD5_OF_NOTHING }, body: 'x', signal });
    const text = await response.text();
    return response.status === 400 && /<Code>BadDigest<\/Code>/.test(text);
  } catch {
    return false;
  }
}
