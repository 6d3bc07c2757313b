import { createHash, timingSafeEqual, type X509Certificate } from 'node:crypto';
import {
  choosePartSize,
  MAX_CONFIRM_FILES,
  MAX_PARAMS_FILES,
  MAX_OBJECT_SIZE,
  MAX_SINGLE_UPLOAD_SIZE,
  type AbortResponse,
  type BatchSignResponse,
  type CapabilitiesResponse,
  type CompanionBatchResponse,
  type CompleteRequest,
  type CompleteResponse,
  type ConfirmedFile,
  type ConfirmResponse,
  type CreateMultipartResponse,
  type EventsResponse,
  type ListedPart,
  type Metadata,
  type Operation,
  type ParamsBatchResponse,
  type ParamsResponse,
  type SignPartResponse,
} from '../../contract.js';
import { createBucket } from './createBucket.js';
import { createPresigner } from './createPresigner.js';
import { encodeMetadata } from './encodeMetadata.js';
import { multipartETag } from './multipartETag.js';
import { createObjectKey, isKeyInPrefix } from './objectKey.js';
import { objectCreatedRecords } from './objectCreatedRecords.js';
import { assertPrefix, resolveOptions, type RawInput, type ResolvedOptions, type UploadOptions } from './options.js';
import * as parse from './parseInput.js';
import { createCompletionReporter, type Expectation } from './reportCompletion.js';
import { toUploadError, UploadError } from './UploadError.js';
import { isSnsEnvelope, isSnsUrl, verifySnsMessage } from './verifySnsMessage.js';

export type { RawInput };

type Handler<Req, Res> = (req: Req, input: RawInput) => Promise<Res>;

/** The framework-free core: one handler per route, untrusted input in, a contract body out or an {@link UploadError} thrown. */
export interface UploadHandlers<Req> {
  getUploadParameters: Handler<Req, ParamsResponse>;
  /** Extension: presigned PUTs for many files, each with a key of its own; refused files are answered in place. */
  getUploadParametersBatch: Handler<Req, ParamsBatchResponse>;
  createMultipartUpload: Handler<Req, CreateMultipartResponse>;
  signPart: Handler<Req, SignPartResponse>;
  signParts: Handler<Req, BatchSignResponse>;
  signPartsCompanion: Handler<Req, CompanionBatchResponse>;
  listParts: Handler<Req, ListedPart[]>;
  completeMultipartUpload: Handler<Req, CompleteResponse>;
  abortMultipartUpload: Handler<Req, AbortResponse>;
  /** Extension: checks single-request uploads by their MD5 and runs `onUploadComplete` for each. */
  confirmUploads: Handler<Req, ConfirmResponse>;
  /**
   * Extension: S3 event notifications (radosgw's HTTP push, AWS SNS). Not asked of `authorize`
   * (a store sends them, not a user): the `token` query parameter must be `events.secret`.
   */
  receiveEvents: Handler<Req, EventsResponse>;
  /**
   * Extension: the extensions this server has. Not asked of `authorize`: it names no user's data,
   * and a client asks it before anything else, to tell this server from Companion.
   */
  capabilities: Handler<Req, CapabilitiesResponse>;
  /** The validated options, for adapters (e.g. `onError`). */
  readonly options: ResolvedOptions<Req>;
}

/** The name of each route's handler. */
export type HandlerName = Exclude<keyof UploadHandlers<unknown>, 'options'>;

/** The operation each handler performs, as the `authorize` hook is asked about it (all but the store's events). */
const OPERATIONS = {
  getUploadParameters: 'params',
  getUploadParametersBatch: 'params',
  createMultipartUpload: 'create',
  signPart: 'sign',
  signParts: 'sign',
  signPartsCompanion: 'sign',
  listParts: 'list',
  completeMultipartUpload: 'complete',
  abortMultipartUpload: 'abort',
  confirmUploads: 'confirm',
} as const satisfies Record<Exclude<HandlerName, 'receiveEvents' | 'capabilities'>, Operation>;

/** `a === b` in time that depends on neither (both hashed first, so their lengths do not show either). */
function secretEquals(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Runs `work` on every item, at most `limit` at a time; answers the results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  const queue = items.map((item, index) => [item, index] as const);
  const lane = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) results[next[1]] = await work(next[0]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
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
  const presigner = createPresigner(client, bucket, { uploadHosts: options.uploadHosts });
  const s3 = createBucket(client, bucket, presigner);

  /** Tells `onError` of an error that is not the answer (a refused file of a batch, a skipped event). */
  function reportError(error: UploadError, req: Req): void {
    try {
      options.onError(error, req);
    } catch {
      // A failing log hook changes nothing.
    }
  }

  async function authorize(req: Req, operation: Operation, input: RawInput): Promise<void> {
    if ((await options.authorize(req, operation, input)) !== true) {
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
    // A bad key from getKey is the app's bug, not the client's: a 500, not a 400.
    if (!parse.isValidKey(key) || !isKeyInPrefix(key, prefix)) throw new Error(`getKey returned ${JSON.stringify(key)}, which is not a valid key inside the caller's prefix "${prefix}"`);
    return key;
  }

  async function defaultSingleUploadMethod(req: Req): Promise<'POST' | 'PUT'> {
    const method = await options.singleUploadMethod(req);
    // What the app's function answers is the app's bug if wrong: a 500, not a 400.
    if (method !== 'POST' && method !== 'PUT') throw new Error(`singleUploadMethod returned ${JSON.stringify(method)}, not "POST" or "PUT"`);
    return method;
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

  /** A presigned POST form or PUT for one file, from its raw fields (a query's or a batch item's). */
  async function signSingle(req: Req, input: { filename: unknown; type: unknown; metadata: unknown; method: unknown; md5: unknown; size: unknown }): Promise<ParamsResponse> {
    const filename = parse.parseFilename(input.filename);
    const type = parse.parseContentType(input.type);
    const metadata = parse.parseMetadata(input.metadata);
    const method = input.method;
    if (method !== 'POST' && method !== 'PUT') throw new UploadError('invalid_method', `method must be "POST" or "PUT", got ${parse.describe(method)}.`);
    const md5 = parse.parseOptionalMd5(input.md5);
    const size = parse.parseFileSize(input.size, MAX_SINGLE_UPLOAD_SIZE);
    checkType(type);
    checkSize(size, 'The file');
    checkMd5(md5);
    if (method === 'POST' && md5 !== undefined) throw new UploadError('invalid_method', 'An MD5 can only be signed into a PUT: send method=PUT.');
    // A POST policy bounds the size; a PUT only by a signed Content-Length, so it needs the size.
    if (method === 'PUT' && size === undefined && maxFileSize < MAX_SINGLE_UPLOAD_SIZE) {
      throw new UploadError('invalid_size', `This server limits files to ${maxFileSize} bytes: send the file's size (size=) to upload it by PUT.`);
    }
    const key = await newKey(req, filename, type, metadata);
    const s3Metadata = encodeMetadata(metadata);
    if (method === 'PUT') {
      const { url, headers } = await presigner.presignPutObject({ key, contentType: type, metadata: s3Metadata, md5, size, expiresIn });
      return { method, url, fields: {}, headers, key, expires: expiresIn };
    }
    const fields: Record<string, string> = { 'Content-Type': type };
    for (const [name, value] of Object.entries(s3Metadata)) fields[`x-amz-meta-${name}`] = value;
    const max = Math.min(maxFileSize, MAX_SINGLE_UPLOAD_SIZE);
    const { url, fields: signedFields } = await s3.presignPost(key, fields, size ?? 0, size ?? max, expiresIn);
    return { method, url, fields: signedFields, key, expires: expiresIn };
  }

  const report = createCompletionReporter(options, s3);
  const certificates = new Map<string, Promise<X509Certificate>>();

  async function complete(key: string, uploadId: string, parts: CompleteRequest['parts']): Promise<CompleteResponse> {
    // With a hook, an upload S3 has already assembled must be told from a new one: radosgw
    // answers a second Complete of it with success; listing its parts answers "no such upload".
    if (maxFileSize < MAX_OBJECT_SIZE || options.onUploadComplete !== undefined) {
      const named = new Set(parts.map((p) => p.PartNumber));
      const total = (await s3.listParts(key, uploadId)).filter((part) => named.has(part.PartNumber)).reduce((sum, part) => sum + part.Size, 0);
      if (total > maxFileSize) {
        await s3.abort(key, uploadId);
        throw new UploadError('file_too_large', `The upload is ${total} bytes; the limit is ${maxFileSize} bytes. It was aborted.`);
      }
    }
    return { ...(await s3.complete(key, uploadId, parts)), key, bucket };
  }

  /** `answer` with what the completion hook made of the object (HeadObject's ETag, `serverData`); as it is without a hook. */
  async function reported(req: Req, answer: CompleteResponse, expected: Expectation): Promise<CompleteResponse> {
    if (options.onUploadComplete === undefined) return answer;
    const { object, serverData } = await report(req, answer.key, expected);
    return serverData === undefined ? { ...answer, etag: object.etag } : { ...answer, etag: object.etag, serverData };
  }

  /** The answer of an earlier, successful complete of these very parts, if the object proves it by its ETag. */
  async function completedEarlier(key: string, parts: CompleteRequest['parts']): Promise<CompleteResponse | undefined> {
    const expected = multipartETag(parts.map((part) => part.ETag));
    if (expected === undefined || (await s3.headETag(key)) !== expected) return undefined;
    return { location: await s3.objectUrl(key), key, bucket, etag: expected };
  }

  const handlers: Omit<UploadHandlers<Req>, 'options'> = {
    async getUploadParameters(req, { query }) {
      return signSingle(req, {
        filename: parse.queryString(query, 'filename'),
        type: parse.queryString(query, 'type'),
        metadata: metadataFromQuery(query),
        method: parse.queryString(query, 'method') ?? (await defaultSingleUploadMethod(req)),
        md5: parse.queryString(query, 'md5'),
        size: parse.queryString(query, 'size'),
      });
    },

    async getUploadParametersBatch(req, { body }) {
      const files = parse.parseParamsFiles(parse.parseBodyObject(body).files, MAX_PARAMS_FILES);
      const results = await Promise.all(
        files.map(async (file) => {
          try {
            if (file.size === undefined) throw new UploadError('invalid_size', 'Each file needs its size: it is signed into its URL.');
            return { ok: true as const, ...(await signSingle(req, { filename: file.filename, type: file.type, metadata: file.metadata, md5: file.md5, size: file.size, method: 'PUT' })) };
          } catch (error) {
            const refused = toUploadError(error);
            reportError(refused, req);
            return { ok: false as const, status: refused.status, ...refused.toBody() };
          }
        }),
      );
      return { files: results };
    },

    async createMultipartUpload(req, { body }) {
      const input = parse.parseBodyObject(body);
      const filename = parse.parseFilename(input.filename);
      const type = parse.parseContentType(input.type);
      const metadata = parse.parseMetadata(input.metadata);
      const size = parse.parseFileSize(input.size);
      checkType(type);
      checkSize(size, 'The file');
      const key = await newKey(req, filename, type, metadata);
      const uploadId = await s3.createMultipartUpload(key, type, encodeMetadata(metadata));
      const response: CreateMultipartResponse = { key, uploadId, bucket };
      if (size !== undefined) response.partSize = choosePartSize(size, options.partSize);
      return response;
    },

    async signPart(req, { params, query }) {
      const uploadId = parse.parseUploadId(params.uploadId);
      const partNumber = parse.parsePartNumber(params.partNumber);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      const md5 = parse.parseOptionalMd5(parse.queryString(query, 'md5'));
      const size = parse.parsePartSize(parse.queryString(query, 'size'));
      const { url, headers } = await signOne(key, uploadId, { partNumber, md5, size });
      return Object.keys(headers).length > 0 ? { url, headers, expires: expiresIn } : { url, expires: expiresIn };
    },

    async signParts(req, { params, query, body }) {
      const uploadId = parse.parseUploadId(params.uploadId);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      const parts = parse.parseBatchParts(parse.parseBodyObject(body).parts, options.maxBatchSize);
      const signed = await Promise.all(
        parts.map(async (part) => ({ partNumber: part.partNumber, ...(await signOne(key, uploadId, part)), expires: expiresIn })),
      );
      return { parts: signed };
    },

    async signPartsCompanion(req, { params, query }) {
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
      const uploadId = parse.parseUploadId(params.uploadId);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      return s3.listParts(key, uploadId);
    },

    async completeMultipartUpload(req, { params, query, body }) {
      const uploadId = parse.parseUploadId(params.uploadId);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      const parts = parse.parseCompleteParts(parse.parseBodyObject(body).parts);
      const expected = { etag: multipartETag(parts.map((part) => part.ETag)), uploadId, md5Verified: options.requireContentMD5, source: 'complete' } as const;
      let answer: CompleteResponse;
      let repeated = false;
      try {
        answer = await complete(key, uploadId, parts);
      } catch (error) {
        // A retried complete whose first answer was lost finds no upload; the object is there.
        const earlier = error instanceof UploadError && error.code === 'upload_not_found' ? await completedEarlier(key, parts) : undefined;
        if (earlier === undefined) throw error;
        answer = earlier;
        repeated = true;
      }
      return reported(req, answer, { ...expected, repeated });
    },

    async confirmUploads(req, { body }) {
      const input = parse.parseBodyObject(body);
      const single = !('files' in input);
      const files = parse.parseConfirmFiles(single ? [input] : input.files, MAX_CONFIRM_FILES);
      const prefix = await callerPrefix(req);
      const results = await mapLimited(files, 8, async ({ key, md5 }): Promise<ConfirmedFile | UploadError> => {
        try {
          if (!isKeyInPrefix(key, prefix)) throw new UploadError('key_forbidden', 'That key is not yours: it lies outside your upload prefix.');
          const { object, serverData } = await report(req, key, { etag: `"${md5}"`, md5Verified: true, source: 'confirm', repeated: false });
          const confirmed: ConfirmedFile = { ok: true, key, etag: object.etag, size: object.size };
          return serverData === undefined ? confirmed : { ...confirmed, serverData };
        } catch (error) {
          return toUploadError(error);
        }
      });
      const answers = results.map((result, index) => {
        if (!(result instanceof UploadError)) return result;
        if (single) throw result;
        reportError(result, req);
        return { ok: false as const, key: files[index]?.key ?? '', status: result.status, ...result.toBody() };
      });
      return single && answers[0] !== undefined && answers[0].ok ? answers[0] : { files: answers };
    },

    async receiveEvents(req, { query, body }) {
      const events = options.events;
      if (events === undefined) throw new UploadError('not_found', 'No such upload route.');
      const token = parse.queryString(query, 'token');
      if (token === undefined || !secretEquals(token, events.secret)) throw new UploadError('event_forbidden', 'The event carries no valid token.');
      let records: unknown = body;
      if (isSnsEnvelope(body)) {
        if (events.sns === undefined) throw new UploadError('event_forbidden', 'This server accepts no SNS messages.');
        const message = await verifySnsMessage(body, events.sns.fetchText, certificates);
        if (!events.sns.topicArns.has(message.TopicArn)) throw new UploadError('event_forbidden', 'The SNS message comes from a topic this server does not accept.');
        if (message.Type === 'SubscriptionConfirmation') {
          if (!isSnsUrl(message.SubscribeURL)) throw new UploadError('invalid_event', 'The SubscribeURL is not an SNS URL.');
          await events.sns.fetchText(message.SubscribeURL).catch((error: unknown) => {
            throw new UploadError('s3_error', 'SNS did not confirm the subscription; it will send the confirmation again.', { cause: error });
          });
        }
        if (message.Type !== 'Notification') return { delivered: 0, skipped: 0 };
        try {
          records = JSON.parse(message.Message) as unknown;
        } catch (error) {
          throw new UploadError('invalid_event', 'The SNS message does not carry an S3 event.', { cause: error });
        }
      }
      const { created, skipped } = objectCreatedRecords(records, bucket, events.prefix);
      const answer: EventsResponse = { delivered: 0, skipped };
      for (const object of created) {
        try {
          await report(req, object.key, { etag: object.etag, md5Verified: false, source: 'event', repeated: true });
          answer.delivered += 1;
        } catch (error) {
          // Gone, replaced since (its own event will come), deleted as too large, or refused by the
          // hook: nothing a resend would change. A failing hook or S3 is answered, so the store resends.
          if (!(error instanceof UploadError) || error.status >= 500) throw error;
          reportError(error, req);
          answer.skipped += 1;
        }
      }
      return answer;
    },

    async capabilities() {
      return { extensions: options.events === undefined ? ['md5-signing', 'put-params', 'part-size', 'confirm'] : ['md5-signing', 'put-params', 'part-size', 'confirm', 'events'] };
    },

    async abortMultipartUpload(req, { params, query }) {
      const uploadId = parse.parseUploadId(params.uploadId);
      const key = await ownedKey(req, parse.queryString(query, 'key'));
      await s3.abort(key, uploadId);
      return {};
    },
  };

  // Every handler asks `authorize` first, before it looks at the input.
  const authorized = Object.fromEntries(
    Object.entries(OPERATIONS).map(([name, operation]) => {
      const handler = handlers[name as HandlerName] as Handler<Req, unknown>;
      const checked = async (req: Req, input: RawInput) => {
        await authorize(req, operation, input);
        return handler(req, input);
      };
      return [name, checked];
    }),
  ) as Omit<UploadHandlers<Req>, 'options' | 'receiveEvents' | 'capabilities'>;
  return { options, ...authorized, receiveEvents: handlers.receiveEvents, capabilities: handlers.capabilities };
}
