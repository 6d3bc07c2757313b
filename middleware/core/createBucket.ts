import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { HttpResponse } from '@smithy/types';
import { MAX_PARTS, type CompleteRequest, type ListedPart, type Metadata } from '../../contract.js';
import type { Presigner } from './createPresigner.js';
import { mapS3Error } from './mapS3Error.js';

/** An object as HeadObject describes it. */
export interface HeadedObject {
  /** Quoted, as S3 writes it. */
  etag: string;
  size: number;
  contentType: string;
  /** User metadata as stored (names lowercased, values as S3 gives them back). */
  metadata: Metadata;
}

/**
 * The S3 calls the middleware makes, on one bucket. Every S3 failure leaves here as an
 * {@link UploadError} (via {@link mapS3Error}); store quirks are smoothed over here and nowhere else.
 */
export interface Bucket {
  readonly name: string;
  /** Starts a multipart upload; answers its upload id. */
  createMultipartUpload(key: string, contentType: string, metadata: Metadata): Promise<string>;
  /** A presigned POST form for `key`, its size limited to `[minSize, maxSize]`. */
  presignPost(key: string, fields: Record<string, string>, minSize: number, maxSize: number, expiresIn: number): Promise<{ url: string; fields: Record<string, string> }>;
  /** Every part S3 holds, following ListParts pages. */
  listParts(key: string, uploadId: string): Promise<ListedPart[]>;
  /** Assembles the object; answers its location and ETag (quoted, as S3 writes them). */
  complete(key: string, uploadId: string, parts: CompleteRequest['parts']): Promise<{ location: string; etag?: string }>;
  abort(key: string, uploadId: string): Promise<void>;
  /** The object's ETag (quoted), or undefined when there is no such object. */
  headETag(key: string): Promise<string | undefined>;
  /** The object as HeadObject describes it, or undefined when there is no such object; other failures throw `s3_error`. */
  headObject(key: string): Promise<HeadedObject | undefined>;
  deleteObject(key: string): Promise<void>;
  /** The object's URL (not signed). */
  objectUrl(key: string): Promise<string>;
}

/** Tries of a HeadObject whose failure may pass, as the SDK's default retry strategy makes them. */
const HEAD_ATTEMPTS = 3;

/** An ETag in S3's quoted form (`"abc-3"`); undefined when empty. */
function quoteETag(etag: string | undefined): string | undefined {
  if (etag === undefined || etag === '') return undefined;
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/** The S3 calls on `name`, through one client. */
export function createBucket(client: S3Client, name: string, presigner: Presigner): Bucket {
  const Bucket = name;

  async function send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw mapS3Error(error, action);
    }
  }

  async function assertUploadExists(key: string, uploadId: string): Promise<void> {
    try {
      await client.send(new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId, MaxParts: 1 }));
    } catch (error) {
      const mapped = mapS3Error(error, 'list the parts');
      if (mapped.code === 'upload_not_found') throw mapped;
    }
  }

  /**
   * HeadObject signed by the presigner and sent through the client's own request handler: the
   * SDK's `send` costs several times the CPU (docs/s3-behaviour.md#signing-cost), and every
   * confirmed file pays it. Like the SDK, a failure that may pass (network, 5xx) is tried again.
   */
  async function sendHeadObject(key: string): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { response } = (await client.config.requestHandler.handle(await presigner.signHeadObject(key))) as { response: HttpResponse };
        (response.body as { resume?: () => void } | undefined)?.resume?.();
        if (response.statusCode < 500 || attempt >= HEAD_ATTEMPTS) return response;
      } catch (error) {
        if (attempt >= HEAD_ATTEMPTS) throw mapS3Error(error, 'read the object');
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }

  async function headObject(key: string): Promise<HeadedObject | undefined> {
    const response = await sendHeadObject(key);
    if (response.statusCode === 404) return undefined;
    const header = (name: string): string | undefined => response.headers[name];
    const etag = quoteETag(header('etag'));
    const size = Number(header('content-length'));
    if (response.statusCode !== 200 || etag === undefined || !Number.isSafeInteger(size)) {
      throw mapS3Error(new Error(`HeadObject answered ${response.statusCode}${etag === undefined ? ' without an ETag' : ''}`), 'read the object');
    }
    const metadata: Metadata = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    }
    return { etag, size, contentType: header('content-type') ?? 'application/octet-stream', metadata };
  }

  const bucket: Bucket = {
    name,

    async createMultipartUpload(key, contentType, metadata) {
      const result = await send('create the upload', () =>
        client.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ContentType: contentType, Metadata: metadata })),
      );
      if (!result.UploadId) throw mapS3Error(new Error('CreateMultipartUpload answered no UploadId'), 'create the upload');
      return result.UploadId;
    },

    presignPost(key, fields, minSize, maxSize, expiresIn) {
      return send('sign the upload', () =>
        createPresignedPost(client, { Bucket, Key: key, Fields: fields, Conditions: [['content-length-range', minSize, maxSize]], Expires: expiresIn }),
      );
    },

    async listParts(key, uploadId) {
      const parts: ListedPart[] = [];
      let marker: string | undefined;
      // 10,000 parts at 1,000 a page: 10 pages, one more to see the end; a store that never ends the list is cut off.
      for (let page = 0; page <= MAX_PARTS / 1000; page += 1) {
        const result = await send('list the parts', () => client.send(new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker })));
        for (const part of result.Parts ?? []) {
          parts.push({
            PartNumber: part.PartNumber ?? 0,
            ETag: quoteETag(part.ETag) ?? '',
            Size: part.Size ?? 0,
            ...(part.LastModified ? { LastModified: part.LastModified.toISOString() } : {}),
          });
        }
        const next = result.NextPartNumberMarker;
        if (result.IsTruncated !== true || next === undefined || next === marker) break;
        marker = next;
      }
      return parts;
    },

    async complete(key, uploadId, parts) {
      let result;
      try {
        result = await client.send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
      } catch (error) {
        const mapped = mapS3Error(error, 'complete the upload');
        // radosgw answers Complete on an unknown upload with 500 InternalError ("completion already
        // in progress"); asking for its parts tells a missing upload from a real failure.
        if (mapped.code === 's3_error') await assertUploadExists(key, uploadId);
        throw mapped;
      }
      // radosgw answers Complete with an empty ETag (docs/s3-behaviour.md), or a bare one when the upload was
      // already completed; HeadObject has it.
      const etag = quoteETag(result.ETag) ?? (await bucket.headETag(key));
      const location = result.Location || (await bucket.objectUrl(key));
      return etag === undefined ? { location } : { location, etag };
    },

    async abort(key, uploadId) {
      await send('abort the upload', () => client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId })));
    },

    async headETag(key) {
      return (await headObject(key).catch(() => undefined))?.etag;
    },

    headObject,

    async deleteObject(key) {
      await send('delete the object', () => client.send(new DeleteObjectCommand({ Bucket, Key: key })));
    },

    async objectUrl(key) {
      const base = await presigner.bucketUrl();
      return `${base.href}/${key.split('/').map(encodeURIComponent).join('/')}`;
    },
  };
  return bucket;
}
