/**
 * Validation at the edge: every value a client sends passes through one of these functions, which
 * return a typed value or throw an {@link UploadError} with a 4xx code. Nothing downstream sees
 * raw client input.
 */
import {
  MAX_OBJECT_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
  type ErrorCode,
  type Metadata,
} from '../../contract.js';
import { encodeMetadataValue } from './encodeMetadata.js';
import { UploadError } from './UploadError.js';

/** Short, safe description of a client value for error messages: `"abc" (string)`, `3 (number)`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `${short} (${typeof value})`;
}

function fail(code: ErrorCode, what: string, value: unknown): never {
  throw new UploadError(code, `${what}, got ${describe(value)}.`);
}

// Control characters (C0, DEL, C1) never belong in names, keys or ids.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Longest filename accepted, in characters. */
export const MAX_FILENAME_LENGTH = 1024;

/** A file's name: a non-empty string, not a path, no control characters. */
/**
 * Whether a string is well-formed UTF-16: no half of a surrogate pair alone. JSON can carry one
 * (`"\udfff"`), but no URL can: the AWS SDK throws on it, so such a key or name is bad input.
 */
function isWellFormed(value: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);
}

export function parseFilename(value: unknown): string {
  const what = `filename must be a file name of 1 to ${MAX_FILENAME_LENGTH} characters without "/", "\\" or control characters`;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FILENAME_LENGTH) fail('invalid_filename', what, value);
  if (CONTROL.test(value) || /[/\\]/.test(value) || value === '.' || value === '..' || !isWellFormed(value)) fail('invalid_filename', what, value);
  return value;
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/** A media type such as `image/png` (parameters after `;` are kept but not checked beyond printable ASCII). */
export function parseContentType(value: unknown): string {
  if (value === undefined || value === '') return 'application/octet-stream';
  const what = 'type must be a media type such as "image/png"';
  if (typeof value !== 'string' || value.length > 255 || !/^[\x20-\x7e]*$/.test(value)) fail('invalid_type', what, value);
  const [essence = ''] = value.split(';');
  if (!MEDIA_TYPE.test(essence.trim())) fail('invalid_type', what, value);
  return value;
}

/** S3 allows 2 KB of user metadata (names plus values, as stored) per object. */
export const MAX_METADATA_BYTES = 2048;
const HEADER_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

/**
 * Metadata as Uppy sends it (`file.meta`, filtered by `allowedMetaFields`): a flat object. Strings,
 * numbers and booleans are kept as strings; `null` and `undefined` are dropped (Uppy's `relativePath`
 * is often null). Names must be HTTP header tokens, since S3 sends them as `x-amz-meta-<name>`.
 */
export function parseMetadata(value: unknown): Metadata {
  if (value === undefined || value === null) return {};
  const what = 'metadata must be an object of names (letters, digits, "-", "_") to strings';
  if (typeof value !== 'object' || Array.isArray(value)) fail('invalid_metadata', what, value);
  const result: Metadata = {};
  let bytes = 0;
  for (const [name, raw] of Object.entries(value)) {
    if (raw === null || raw === undefined) continue;
    if (!HEADER_TOKEN.test(name)) fail('invalid_metadata', `metadata names must be HTTP header tokens`, name);
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      fail('invalid_metadata', `metadata.${name} must be a string, number or boolean`, raw);
    }
    const text = String(raw);
    // S3 counts what it stores: the names and the encoded values.
    bytes += name.length + encodeMetadataValue(text).length;
    result[name.toLowerCase()] = text;
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new UploadError('invalid_metadata', `metadata must total at most ${MAX_METADATA_BYTES} bytes, got ${bytes}.`);
  }
  return result;
}

/** A whole number of bytes from 0 to `max`. Query strings arrive as text and are parsed strictly. */
export function parseByteCount(value: unknown, name: string, max: number): number {
  const what = `${name} must be a whole number of bytes from 0 to ${max}`;
  const number = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0 || number > max) fail('invalid_size', what, value);
  return number;
}

/** An optional file size (`size`), within S3's object limit. */
export function parseFileSize(value: unknown, max = MAX_OBJECT_SIZE): number | undefined {
  if (value === undefined || value === '') return undefined;
  return parseByteCount(value, 'size', max);
}

/** An optional part size, within S3's part limit. */
export function parsePartSize(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  return parseByteCount(value, 'size', MAX_PART_SIZE);
}

/** A part number: a whole number from 1 to 10000 (as a number, or as decimal digits in a path). */
export function parsePartNumber(value: unknown, name = 'partNumber'): number {
  const number = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > MAX_PARTS) {
    fail('invalid_part_number', `${name} must be a whole number from 1 to ${MAX_PARTS}`, value);
  }
  return number;
}

/** A Content-MD5 value: 24 base64 characters that decode to 16 bytes. */
export function parseMd5(value: unknown, name = 'md5', hexToo = false): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(value) || Buffer.from(value, 'base64').length !== 16) {
    fail('invalid_md5', `${name} must be the base64 MD5 digest (24 characters, 16 bytes)${hexToo ? ' or its 32 hex digits' : ''}`, value);
  }
  return value;
}

/** An optional MD5; absent or empty means none. */
export function parseOptionalMd5(value: unknown, name = 'md5'): string | undefined {
  return value === undefined || value === '' ? undefined : parseMd5(value, name);
}

/** S3 caps keys at 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/**
 * Whether `value` is a key we would sign: non-empty, at most 1024 bytes, no control characters,
 * no leading `/`, no `.`, `..` or empty segments (a browser would rewrite such a URL path, and our
 * own keys never have them).
 */
export function isValidKey(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    Buffer.byteLength(value) <= MAX_KEY_BYTES &&
    !CONTROL.test(value) &&
    isWellFormed(value) &&
    !value.startsWith('/') &&
    value.split('/').every((segment) => segment !== '.' && segment !== '..' && segment !== '')
  );
}

/** An object key as a client echoes it back (see {@link isValidKey}); whether it is the caller's is checked separately. */
export function parseKey(value: unknown): string {
  if (!isValidKey(value)) fail('invalid_key', 'key must be the object key the upload was created with', value);
  return value;
}

/**
 * Longest upload id accepted, in characters. Stores issue far shorter ids (radosgw's are 34
 * characters). The bound is there because radosgw names an upload's record after its key and id
 * together: a 1024-byte key with an id of about 1000 characters is answered 500, which would read
 * as an S3 outage for what is bad input (docs/s3-behaviour.md#radosgw-differences).
 */
export const MAX_UPLOAD_ID_LENGTH = 512;

const UPLOAD_ID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_UPLOAD_ID_LENGTH}}$`);

/** An S3 upload id: 1 to {@link MAX_UPLOAD_ID_LENGTH} printable ASCII characters without spaces. */
export function parseUploadId(value: unknown): string {
  if (typeof value !== 'string' || !UPLOAD_ID.test(value)) {
    fail('invalid_upload_id', 'uploadId must be the id answered when the upload was created', value);
  }
  return value;
}

/** A JSON request body that must be an object. */
export function parseBodyObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('invalid_body', 'The request body must be a JSON object (Content-Type: application/json)', value);
  }
  return value as Record<string, unknown>;
}

/** One query parameter as a single string (repeated parameters arrive as arrays and are refused). */
export function queryString(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  const code: ErrorCode = name === 'key' ? 'invalid_key' : name === 'filename' ? 'invalid_filename' : 'invalid_body';
  throw new UploadError(code, `${name} must be given once in the query string, got ${describe(value)}.`);
}

/** The parts list of a complete request: 1 to 10000 unique part numbers, each with an ETag, sorted. */
export function parseCompleteParts(value: unknown): Array<{ PartNumber: number; ETag: string }> {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PARTS) {
    fail('invalid_parts', `parts must be an array of 1 to ${MAX_PARTS} {PartNumber, ETag} objects`, value);
  }
  const seen = new Set<number>();
  const parts = value.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null) fail('invalid_parts', `parts[${index}] must be an object {PartNumber, ETag}`, entry);
    const { PartNumber, ETag } = entry as Record<string, unknown>;
    const partNumber = parsePartNumber(PartNumber, `parts[${index}].PartNumber`);
    if (typeof ETag !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(ETag)) {
      fail('invalid_parts', `parts[${index}].ETag must be the ETag S3 answered for the part`, ETag);
    }
    if (seen.has(partNumber)) throw new UploadError('invalid_parts', `Part ${partNumber} is listed twice.`);
    seen.add(partNumber);
    return { PartNumber: partNumber, ETag };
  });
  // AWS requires ascending order (InvalidPartOrder); sorting here spares clients that detail.
  return parts.sort((a, b) => a.PartNumber - b.PartNumber);
}

/** The parts of a batch sign request: 1 to `max` unique part numbers with optional MD5 and size. */
export function parseBatchParts(value: unknown, max: number): Array<{ partNumber: number; md5?: string; size?: number }> {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    fail('invalid_parts', `parts must be an array of 1 to ${max} {partNumber, md5, size} objects`, value);
  }
  const seen = new Set<number>();
  return value.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null) fail('invalid_parts', `parts[${index}] must be an object {partNumber, md5, size}`, entry);
    const raw = entry as Record<string, unknown>;
    const partNumber = parsePartNumber(raw.partNumber, `parts[${index}].partNumber`);
    if (seen.has(partNumber)) throw new UploadError('invalid_parts', `Part ${partNumber} is listed twice.`);
    seen.add(partNumber);
    const md5 = raw.md5 === undefined ? undefined : parseMd5(raw.md5, `parts[${index}].md5`);
    const size = raw.size === undefined ? undefined : parseByteCount(raw.size, `parts[${index}].size`, MAX_PART_SIZE);
    return { partNumber, md5, size };
  });
}

/** An MD5 as a confirm sends it: base64 (24 characters, as signed into a PUT) or hex (32); answered as lowercase hex. */
export function parseMd5Hex(value: unknown, name = 'md5'): string {
  if (typeof value === 'string' && /^[0-9a-f]{32}$/i.test(value)) return value.toLowerCase();
  return Buffer.from(parseMd5(value, name, true), 'base64').toString('hex');
}

/** The files of a `POST /s3/params` request: 1 to `max` objects, each checked by the file's own route rules later. */
export function parseParamsFiles(value: unknown, max: number): Array<Record<string, unknown>> {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    fail('invalid_files', `files must be an array of 1 to ${max} {filename, type, metadata, size, md5} objects`, value);
  }
  return value.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail('invalid_files', `files[${index}] must be an object {filename, type, metadata, size, md5}`, entry);
    return entry as Record<string, unknown>;
  });
}

/** The files of a confirm request: 1 to `max` `{key, md5}` objects, each key once. */
export function parseConfirmFiles(value: unknown, max: number): Array<{ key: string; md5: string }> {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    fail('invalid_files', `files must be an array of 1 to ${max} {key, md5} objects`, value);
  }
  const seen = new Set<string>();
  return value.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail('invalid_files', `files[${index}] must be an object {key, md5}`, entry);
    const raw = entry as Record<string, unknown>;
    if (!isValidKey(raw.key)) fail('invalid_key', `files[${index}].key must be the object key the upload was signed for`, raw.key);
    if (seen.has(raw.key)) throw new UploadError('invalid_files', `files[${index}].key is listed twice.`);
    seen.add(raw.key);
    return { key: raw.key, md5: parseMd5Hex(raw.md5, `files[${index}].md5`) };
  });
}
