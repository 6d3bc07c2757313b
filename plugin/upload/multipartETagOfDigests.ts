import { toDigest, type Digest } from '../md5/digest.js';
import { loadOnDemand } from '../network/loadOnDemand.js';

/**
 * The plain-JavaScript MD5, a chunk of its own where the page is bundled: only multipart uploads
 * with MD5s need it, once at their end. Through loadOnDemand, as the other code loaded on demand:
 * not asked for while offline, and a load that fails is an upload error (`code_load_failed`) that
 * a retry loads again, not the browser's bare TypeError.
 */
const loadJsMd5 = loadOnDemand('the multipart ETag check', () => import('../md5/createJsMd5.js'));

/**
 * The ETag S3 gives a multipart object: the MD5 of the parts' binary MD5s, then `-` and the number
 * of parts (without quotes). AWS documents it for objects without SSE-KMS/SSE-C; radosgw does the same.
 * Hashed in plain JavaScript: 16 bytes a part (160 KB for 10,000 parts) take a millisecond or two,
 * and nothing is compiled on the main thread, which a CSP without `'wasm-unsafe-eval'` would refuse.
 * That MD5 is loaded on demand (see `loadJsMd5`): `signal` stops the wait for it, `onOffline` is
 * told when the wait is for the network.
 */
export async function multipartETag(parts: readonly Digest[], signal: AbortSignal, onOffline?: (waiting: boolean) => void): Promise<string> {
  const { createJsMd5 } = await loadJsMd5(signal, onOffline);
  const joined = new Uint8Array(parts.length * 16);
  parts.forEach((part, index) => joined.set(part.bytes, index * 16));
  return `${toDigest(createJsMd5().update(joined).digest()).hex}-${parts.length}`;
}

/**
 * Starts loading the MD5 multipartETag runs: runMultipart asks when an upload has opened, while
 * the network is known to work, so the check at its end waits for nothing. A failure is left to
 * multipartETag, which loads again and fails the file with it.
 */
export function preloadMultipartETag(signal: AbortSignal): void {
  loadJsMd5(signal).catch(() => {});
}

/** `abc…-N` when an ETag has the multipart form, else undefined (SSE-KMS, other stores). */
export function multipartETagForm(etag: string): string | undefined {
  const match = /^"?([0-9a-f]{32}-\d+)"?$/i.exec(etag.trim());
  return match?.[1]?.toLowerCase();
}
