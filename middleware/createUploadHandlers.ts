import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type Part,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import {
  MAX_OBJECT_SIZE,
  MAX_PARTS,
  MAX_SINGLE_UPLOAD_SIZE,
  type AbortResponse,
  type BatchSignResponse,
  type CompanionBatchResponse,
  type CompleteRequest,
  type CompleteResponse,
  type CreateMultipartResponse,
  type ListedPart,
  type Metadata,
  type Operation,
  type ParamsResponse,
  type SignPartResponse,
} from '../contract.js';
import { createPresigner } from './createPresigner.js';
import { encodeMetadata } from './encodeMetadata.js';
import { mapS3Error } from './mapS3Error.js';
import { multipartETag } from './multipartETag.js';
import { createObjectKey, isKeyInPrefix } from './objectKey.js';
import { assertPrefix, resolveOptions, type ResolvedOptions, type UploadOptions } from './options.js';
import * as parse from './parseInput.js';
import { UploadError } from './UploadError.js';

/** A request as any framework can hand it over: path parameters, query and parsed JSON body, all untrusted. */
export interface RawInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
}

type Handler<Req, Res> = (req: Req, input: RawInput) => Promise<Res>;

/** The framework-free core: one handler per route, untrusted input in, a contract body out or an {@link UploadError} thrown. */
export interface UploadHandlers<Req> {
  getUploadParameters: Handler<Req, ParamsResponse>;
  createMultipartUpload: Handler<Req, CreateMultipartResponse>;
  signPart: Handler<Req, SignPartResponse>;
  signParts: Handler<Req, BatchSignResponse>;
  signPartsCompanion: Handler<Req, CompanionBatchResponse>;
  listParts: Handler<Req, ListedPart[]>;
  completeMultipartUpload: Handler<Req, CompleteResponse>;
  abortMultipartUpload: Handler<Req, AbortResponse>;
  /** The validated options, for adapters (e.g. `onError`). */
  readonly options: ResolvedOptions<Req>;
}

const MiB = 1024 * 1024;

/** An ETag in S3's quoted form (`"abc-3"`); undefined when empty. */
function quoteETag(etag: string | undefined): string | undefined {
  if (etag === undefined || etag === '') return undefined;
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/** Part size for a file: the preferred size, raised to whole MiB so the file fits in 10,000 parts. */
export function choosePartSize(fileSize: number, preferred: number): number {
  return Math.max(preferred, Math.ceil(fileSize / MAX_PARTS / MiB) * MiB);
}

function typeAllowed(type: string, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  const essence = (type.split(';')[0] ?? '').trim().toLowerCase();
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.endsWith('/*') ? essence.startsWith(p.slice(0, -1)) : essence === p;
  });
}

/** Companion's `metadata[name]=value` query parameters (or a nested object, if the app parses queries the "extended" way). */
function metadataFromQuery(query: Record<string, unknown>): unknown {
  if (query.metadata !== undefined) return query.metadata;
  const metadata: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query)) {
    const match = /^metadata\[(.*)\]$/.exec(name);
    if (match?.[1] !== undefined) metadata[match[1]] = value;
  }
  return metadata;
}

/**
 * Creates the upload core over one S3 client and one reused presigner. Options are validated here,
 * once; a bad option throws a `TypeError` naming it.
 *
 * @example
 * const handlers = createUploadHandlers({ s3: { region: 'eu-west-1' }, bucket: 'my-uploads' });
 * const { key, uploadId } = await handlers.createMultipartUpload(req, { params: {}, query: {}, body: { filename: 'a.mp4' } });
 */
export function createUploadHandlers<Req>(userOptions: UploadOptions<Req>): UploadHandlers<Req> {
  const options = resolveOptions(userOptions);
  const { client, bucket, expiresIn, maxFileSize } = options;
  const presigner = createPresigner(client, bucket);

  async function authorize(req: Req, operation: Operation): Promise<void> {
    if ((await options.authorize(req, operation)) !== true) {
      throw new UploadError('forbidden', `You may not ${operation === 'params' ? 'upload' : operation} here.`);
    }
  }

  async function callerPrefix(req: Req): Promise<string> {
    const prefix = await options.prefix(req);
    assertPrefix(prefix, 'prefix(req)');
    return prefix;
  }

  /** Validates `key` and checks that it is the caller's. */
  async function ownedKey(req: Req, value: unknown): Promise<string> {
    const key = parse.parseKey(value);
    if (!isKeyInPrefix(key, await callerPrefix(req))) {
      throw new UploadError('key_forbidden', 'That key is not yours: it lies outside your upload prefix.');
    }
    return key;
  }

  async function newKey(req: Req, filename: string, type: string, metadata: Metadata): Promise<string> {
    const prefix = await callerPrefix(req);
    const key = options.getKey ? await options.getKey({ filename, type, metadata, prefix, req }) : createObjectKey(prefix, filename);
    parse.parseKey(key);
    if (!isKeyInPrefix(key, prefix)) throw new Error(`getKey returned "${key}", which lies outside the caller's prefix "${prefix}"`);
    return key;
  }

  function checkType(type: string): void {
    if (!typeAllowed(type, options.allowedContentTypes)) {
      throw new UploadError('content_type_not_allowed', `Files of type "${type}" are not accepted here.`);
    }
  }

  function checkSize(size: number | undefined, what: string): void {
    if (size !== undefined && size > maxFileSize) {
      throw new UploadError('file_too_large', `${what} is ${size} bytes; the limit is ${maxFileSize} bytes.`);
    }
  }

  function checkMd5(md5: string | undefined): void {
    if (md5 === undefined && options.requireContentMD5) {
      throw new UploadError('md5_required', 'This server signs uploads only with an MD5: send md5 (base64 Content-MD5).');
    }
  }

  async function signOne(key: string, uploadId: string, part: { partNumber: number; md5?: string; size?: number }) {
    checkMd5(part.md5);
    checkSize(part.size, `Part ${part.partNumber}`);
    return presigner.presignUploadPart({ key, uploadId, expiresIn, ...part });
  }

  /** Every part of the upload, following ListParts pages. */
  async function listAllParts(key: string, uploadId: string): Promise<Part[]> {
    const parts: Part[] = [];
    let marker: string | undefined;
    // 10,000 parts at 1,000 a page: 10 pages; one more to see the end. A store that never ends the list is cut off.
    for (let page = 0; page <= MAX_PARTS / 1000; page += 1) {
      const result = await client
        .send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }))
        .catch((error: unknown) => { throw mapS3Error(error, 'list the parts'); });
      parts.push(...(result.Parts ?? []));
      const next = result.NextPartNumberMarker;
      if (result.IsTruncated !== true || next === undefined || next === marker) return parts;
      marker = next;
    }
    return parts;
  }

  /** Throws 404 `upload_not_found` when S3 knows no such upload. */
  async function assertUploadExists(key: string, uploadId: string): Promise<void> {
    await client
      .send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MaxParts: 1 }))
      .catch((error: unknown) => {
        const mapped = mapS3Error(error, 'list the parts');
        if (mapped.code === 'upload_not_found') throw mapped;
      });
  }

  async function abort(key: string, uploadId: string): Promise<void> {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
      .catch((error: unknown) => { throw mapS3Error(error, 'abort the upload'); });
  }

  async function complete(key: string, uploadId: string, parts: CompleteRequest['parts']): Promise<CompleteResponse> {
    if (maxFileSize < MAX_OBJECT_SIZE) {
      const named = new Set(parts.map((p) => p.PartNumber));
      const total = (await listAllParts(key, uploadId))
        .filter((part) => named.has(part.PartNumber ?? 0))
        .reduce((sum, part) => sum + (part.Size ?? 0), 0);
      if (total > maxFileSize) {
        await abort(key, uploadId);
        throw new UploadError('file_too_large', `The upload is ${total} bytes; the limit is ${maxFileSize} bytes. It was aborted.`);
      }
    }
    const result = await client
      .send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }))
      .catch(async (error: unknown) => {
        const mapped = mapS3Error(error, 'complete the upload');
        // radosgw answers Complete on an unknown upload with 500 InternalError ("completion already
        // in progress"); asking for its parts tells a missing upload from a real failure.
        if (mapped.code === 's3_error') await assertUploadExists(key, uploadId);
        throw mapped;
      });
    // radosgw answers Complete with an empty ETag (FACTS §2), or an unquoted one when the upload
    // was already completed; HeadObject has it, quoted as S3 quotes ETags everywhere.
    const etag = quoteETag(result.ETag) ?? (await headETag(key));
    const response: CompleteResponse = { location: result.Location || (await objectLocation(key)), key, bucket };
    if (etag !== undefined) response.etag = etag;
    return response;
  }

  async function headETag(key: string): Promise<string | undefined> {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    return quoteETag(head?.ETag);
  }

  /** The answer of an earlier, successful complete of these very parts, if the object proves it by its ETag. */
  async function completedEarlier(key: string, parts: CompleteRequest['parts']): Promise<CompleteResponse | undefined> {
    const expected = multipartETag(parts.map((part) => part.ETag));
    if (expected === undefined || (await headETag(key)) !== expected) return undefined;
    return { location: await objectLocation(key), key, bucket, etag: expected };
  }

  async function objectLocation(key: string): Promise<string> {
    const base = await presigner.bucketUrl();
    return `${base.href}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  return {
    options,

    async getUploadParameters(req, { query }) {
      await authorize(req, 'params');
      const filename = parse.parseFilename(parse.queryString(query, 'filename'));
      const type = parse.parseContentType(parse.queryString(query, 'type'));
      const metadata = parse.parseMetadata(metadataFromQuery(query));
      const method = parse.queryString(query, 'method') ?? 'POST';
      if (method !== 'POST' && method !== 'PUT') throw new UploadError('invalid_method', `method must be "POST" or "PUT", got ${parse.describe(method)}.`);
      const md5 = parse.parseOptionalMd5(parse.queryString(query, 'md5'));
      const size = parse.parseFileSize(parse.queryString(query, 'size'), MAX_SINGLE_UPLOAD_SIZE);
      checkType(type);
      checkSize(size, 'The file');
      checkMd5(md5);
      if (method === 'POST' && md5 !== undefined) throw new UploadError('invalid_method', 'An MD5 can only be signed into a PUT: send method=PUT.');
      const key = await newKey(req, filename, type, metadata);
      const s3Metadata = encodeMetadata(metadata);
      if (method === 'PUT') {
        const { url, headers } = await presigner.presignPutObject({ key, contentType: type, metadata: s3Metadata, md5, size, expiresIn });
        return { method, url, fields: {}, headers, key, expires: expiresIn };
      }
      const fields: Record<string, string> = { 'Content-Type': type };
      for (const [name, value] of Object.entries(s3Metadata)) fields[`x-amz-meta-${name}`] = value;
      const max = Math.min(maxFileSize, MAX_SINGLE_UPLOAD_SIZE);
      const { url, fields: signedFields } = await createPresignedPost(client, {
        Bucket: bucket,
        Key: key,
        Fields: fields,
        Conditions: [['content-length-range', size ?? 0, size ?? max]],
        Expires: expiresIn,
      }).catch((error: unknown) => { throw mapS3Error(error, 'sign the upload'); });
      return { method, url, fields: signedFields, key, expires: expiresIn };
    },

    async createMultipartUpload(req, { body }) {
      await authorize(req, 'create');
      const input = parse.parseBodyObject(body);
      const filename = parse.parseFilename(input.filename);
      const type = parse.parseContentType(input.type);
      const metadata = parse.parseMetadata(input.metadata);
      const size = parse.parseFileSize(input.size);
      checkType(type);
      checkSize(size, 'The file');
      const key = await newKey(req, filename, type, metadata);
      const result = await client
        .send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: type, Metadata: encodeMetadata(metadata) }))
        .catch((error: unknown) => { throw mapS3Error(error, 'create the upload'); });
      if (result.UploadId === undefined) throw mapS3Error(new Error('CreateMultipartUpload answered no UploadId'), 'create the upload');
      const response: CreateMultipartResponse = { key, uploadId: result.UploadId, bucket };
      if (size !== undefined) response.partSize = choosePartSize(size, options.partSize);
      return response;
    },

    async signPart(req, { params, query }) {
      await authorize(req, 'sign');
      const uploadId = parse.parseUploadId(params.uploadId);
      const partNumber = parse.parsePartNumber(params.partNumber);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      const md5 = parse.parseOptionalMd5(parse.queryString(query, 'md5'));
      const size = parse.parsePartSize(parse.queryString(query, 'size'));
      const { url, headers } = await signOne(key, uploadId, { partNumber, md5, size });
      return Object.keys(headers).length > 0 ? { url, headers, expires: expiresIn } : { url, expires: expiresIn };
    },

    async signParts(req, { params, query, body }) {
      await authorize(req, 'sign');
      const uploadId = parse.parseUploadId(params.uploadId);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      const parts = parse.parseBatchParts(parse.parseBodyObject(body).parts, options.maxBatchSize);
      const signed = await Promise.all(
        parts.map(async (part) => ({ partNumber: part.partNumber, ...(await signOne(key, uploadId, part)), expires: expiresIn })),
      );
      return { parts: signed };
    },

    async signPartsCompanion(req, { params, query }) {
      await authorize(req, 'sign');
      const uploadId = parse.parseUploadId(params.uploadId);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      const list = parse.queryString(query, 'partNumbers') ?? '';
      const numbers = list.split(',').map((n) => parse.parsePartNumber(n));
      parse.parseBatchParts(numbers.map((partNumber) => ({ partNumber })), options.maxBatchSize);
      const presignedUrls: Record<string, string> = {};
      for (const partNumber of numbers) presignedUrls[partNumber] = (await signOne(key, uploadId, { partNumber })).url;
      return { presignedUrls };
    },

    async listParts(req, { params, query }) {
      await authorize(req, 'list');
      const uploadId = parse.parseUploadId(params.uploadId);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      const parts = await listAllParts(key, uploadId);
      return parts.map((part) => ({
        PartNumber: part.PartNumber ?? 0,
        ETag: part.ETag ?? '',
        Size: part.Size ?? 0,
        ...(part.LastModified ? { LastModified: part.LastModified.toISOString() } : {}),
      }));
    },

    async completeMultipartUpload(req, { params, query, body }) {
      await authorize(req, 'complete');
      const uploadId = parse.parseUploadId(params.uploadId);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      const parts = parse.parseCompleteParts(parse.parseBodyObject(body).parts);
      try {
        return await complete(key, uploadId, parts);
      } catch (error) {
        // A retried complete whose first answer was lost finds no upload; the object is there.
        if (error instanceof UploadError && error.code === 'upload_not_found') {
          const earlier = await completedEarlier(key, parts);
          if (earlier !== undefined) return earlier;
        }
        throw error;
      }
    },

    async abortMultipartUpload(req, { params, query }) {
      await authorize(req, 'abort');
      const uploadId = parse.parseUploadId(params.uploadId);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      await abort(key, uploadId);
      return {};
    },
  };
}
