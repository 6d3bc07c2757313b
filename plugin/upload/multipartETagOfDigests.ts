import { toDigest, type Digest } from '../md5/digest.js';

/**
 * The ETag S3 gives a multipart object: the MD5 of the parts' binary MD5s, then `-` and the number
 * of parts (without quotes). AWS documents it for objects without SSE-KMS/SSE-C; radosgw does the same.
 * Hashed in plain JavaScript: 16 bytes a part (160 KB for 10,000 parts) take a millisecond or two,
 * and nothing is compiled on the main thread, which a CSP without `'wasm-unsafe-eval'` would refuse.
 * That MD5 is loaded by `import()` (preloadMultipartETag), not with the page's script.
 */
export async function multipartETag(parts: readonly Digest[]): Promise<string> {
  const { createJsMd5 } = await preloadMultipartETag();
  const joined = new Uint8Array(parts.length * 16);
  parts.forEach((part, index) => joined.set(part.bytes, index * 16));
  return `${toDigest(createJsMd5().update(joined).digest()).hex}-${parts.length}`;
}

let loading: Promise<typeof import('../md5/createJsMd5.js')> | undefined;

/**
 * Starts loading the MD5 multipartETag runs (a chunk of its own where the page is bundled), once:
 * runMultipart asks when an upload has opened, while the network is known to work, so the check
 * at its end waits for nothing. A load that failed is tried again at the next call.
 */
export function preloadMultipartETag(): Promise<typeof import('../md5/createJsMd5.js')> {
  loading ??= import('../md5/createJsMd5.js').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** `abc…-N` when an ETag has the multipart form, else undefined (SSE-KMS, other stores). */
export function multipartETagForm(etag: string): string | undefined {
  const match = /^"?([0-9a-f]{32}-\d+)"?$/i.exec(etag.trim());
  return match?.[1]?.toLowerCase();
}
