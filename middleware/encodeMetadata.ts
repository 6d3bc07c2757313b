import type { Metadata } from '../contract.js';

/**
 * Turns validated metadata into values S3 can carry as `x-amz-meta-*` headers. HTTP header values
 * must be printable ASCII, so any other value is RFC 2047 encoded (`=?UTF-8?B?…?=`), as S3's
 * documentation suggests and Companion does; such values read back encoded.
 */
export function encodeMetadata(metadata: Metadata): Metadata {
  const encoded: Metadata = {};
  for (const [name, value] of Object.entries(metadata)) {
    encoded[name] = /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
  }
  return encoded;
}
