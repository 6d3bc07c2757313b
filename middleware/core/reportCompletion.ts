import type { Metadata } from '../../contract.js';
import type { Bucket, HeadedObject } from './createBucket.js';
import type { CompletedUpload, ResolvedOptions } from './options.js';
import { UploadError } from './UploadError.js';

/** What the caller of {@link createCompletionReporter}'s function knows about the object before S3 is asked. */
export interface Expectation {
  /** The ETag the object must have (quoted); unchecked when undefined. */
  etag?: string;
  uploadId?: string;
  md5Verified: boolean;
  source: CompletedUpload<unknown>['source'];
  repeated: boolean;
}

/** What the server verified, and what the hook answered. */
export interface Reported {
  object: HeadedObject;
  /** The hook's answer as JSON would carry it; undefined when it answered nothing (or there is no hook). */
  serverData?: unknown;
}

/** `=?UTF-8?B?…?=` values (how the middleware stores non-ASCII metadata) decoded; others as they are. */
function decodeMetadata(metadata: Metadata): Metadata {
  const decoded: Metadata = {};
  for (const [name, value] of Object.entries(metadata)) {
    const match = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/i.exec(value);
    decoded[name.toLowerCase()] = match?.[1] === undefined ? value : Buffer.from(match[1], 'base64').toString('utf8');
  }
  return decoded;
}

/** ETags compared as S3 means them: quotes and letter case aside. */
export function sameETag(a: string, b: string): boolean {
  return a.replace(/^"|"$/g, '').toLowerCase() === b.replace(/^"|"$/g, '').toLowerCase();
}

/**
 * The one way an object reaches `onUploadComplete`: HeadObject (no object: 404
 * `object_not_found`), its ETag against the expected one (409 `object_mismatch`), its size against
 * `maxFileSize` (over it, the object is deleted: 413 `file_too_large`), then the hook. A hook that
 * throws an {@link UploadError} answers it; anything else thrown, or an answer JSON cannot carry,
 * is 500 `hook_failed`.
 */
export function createCompletionReporter<Req>(options: ResolvedOptions<Req>, s3: Bucket) {
  return async function report(req: Req, key: string, expected: Expectation): Promise<Reported> {
    const object = await s3.headObject(key);
    if (object === undefined) throw new UploadError('object_not_found', 'S3 holds no object under that key.');
    if (expected.etag !== undefined && !sameETag(object.etag, expected.etag)) {
      throw new UploadError('object_mismatch', "The object's ETag is not the one expected: it holds other bytes.");
    }
    if (object.size > options.maxFileSize) {
      await s3.deleteObject(key);
      throw new UploadError('file_too_large', `The object is ${object.size} bytes; the limit is ${options.maxFileSize} bytes. It was deleted.`);
    }
    const hook = options.onUploadComplete;
    if (hook === undefined) return { object };
    const upload: CompletedUpload<Req> = {
      key,
      bucket: options.bucket,
      size: object.size,
      etag: object.etag,
      contentType: object.contentType,
      metadata: decodeMetadata(object.metadata),
      ...(expected.uploadId === undefined ? {} : { uploadId: expected.uploadId }),
      md5Verified: expected.md5Verified,
      source: expected.source,
      repeated: expected.repeated,
      req,
    };
    let answer: unknown;
    try {
      answer = await hook(upload);
    } catch (error) {
      if (error instanceof UploadError) throw error;
      throw new UploadError('hook_failed', 'The file is stored, but the server could not record it; send the same request again.', { cause: error });
    }
    if (answer === undefined) return { object };
    try {
      const text = JSON.stringify(answer) as string | undefined;
      return text === undefined ? { object } : { object, serverData: JSON.parse(text) as unknown };
    } catch (error) {
      throw new UploadError('hook_failed', 'The file is stored, but the server could not record it; send the same request again.', { cause: error });
    }
  };
}
