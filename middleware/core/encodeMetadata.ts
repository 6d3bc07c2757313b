import type { Metadata } from '../../contract.js';

/**
 * One metadata value as S3 can carry it in an `x-amz-meta-*` header. Header values must be
 * printable ASCII, so any other value is RFC 2047 encoded (`=?UTF-8?B?…?=`), as S3's documentation
 * suggests and Companion does; such values read back encoded.
 */
export function encodeMetadataValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** Validated metadata, every value encoded with {@link encodeMetadataValue}. */
export function encodeMetadata(metadata: Metadata): Metadata {
  const encoded: Metadata = {};
  for (const [name, value] of Object.entries(metadata)) encoded[name] = encodeMetadataValue(value);
  return encoded;
}
