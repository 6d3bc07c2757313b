/** An MD5 digest in the forms S3 speaks: raw bytes, base64 (Content-MD5) and hex (ETag). */
export interface Digest {
  bytes: Uint8Array;
  base64: string;
  hex: string;
}

export function toDigest(bytes: Uint8Array): Digest {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return { bytes, base64: btoa(binary), hex };
}

/** An ETag as S3 sends it (`"abc…"`, sometimes `W/"…"`), without its quotes. */
export function unquoteETag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}
