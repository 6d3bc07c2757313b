import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MAX_SINGLE_UPLOAD_SIZE, MIN_PART_SIZE, type Metadata, type Operation } from '../../contract.js';
import { describe } from './parseInput.js';
import type { UploadError } from './UploadError.js';

const MiB = 1024 * 1024;

/**
 * A request as every adapter hands it to the core: path parameters, query and parsed JSON body,
 * all untrusted until a handler has validated them.
 */
export interface RawInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
}

/** What `getKey` is given to name a new object. */
export interface KeyContext<Req> {
  /** The validated file name as the client sent it (use {@link sanitizeFilename} before putting it in a key). */
  filename: string;
  type: string;
  metadata: Metadata;
  /** The caller's prefix; the key must start with it. */
  prefix: string;
  req: Req;
}

/**
 * What `onUploadComplete` receives: the finished object as the server itself found it in S3
 * (HeadObject), never as the client described it. `key` + `etag` identify it: the same object may
 * be reported more than once (a retried complete or confirm, an S3 event after either).
 */
export interface CompletedUpload<Req> {
  key: string;
  bucket: string;
  /** Bytes, from HeadObject. */
  size: number;
  /** Quoted, as S3 writes it: `"<md5>"` for a single request, `"<md5 of the part md5s>-N"` for N parts. */
  etag: string;
  contentType: string;
  /** User metadata as stored: names lowercased, non-ASCII values decoded. */
  metadata: Metadata;
  /** The multipart upload's id (`source: 'complete'` only). */
  uploadId?: string;
  /**
   * Whether every byte is known to match an MD5 the client computed: a confirm whose MD5 is the
   * object's ETag; a multipart complete when `requireContentMD5` is on (S3 then refused every part
   * whose bytes did not match the Content-MD5 signed into its URL). False for events, and for
   * multipart uploads when parts may have been signed without an MD5 (the server keeps no record).
   */
  md5Verified: boolean;
  /** What reported it: a multipart complete, a confirm of a single-request upload, or an S3 event. */
  source: 'complete' | 'confirm' | 'event';
  /**
   * True when this call may repeat an earlier one for the same object: a complete sent again after
   * S3 had already assembled the object, every confirm that is not the first, every event. False is
   * a best guess, not a promise (two concurrent completes may both see false): upsert by `key` + `etag`.
   */
  repeated: boolean;
  /** The framework's request, as the other hooks get it (for events: the event's request). */
  req: Req;
}

/** Where S3 event notifications come from, and how they prove it (see `docs/completion-hook.md`). */
export interface EventOptions {
  /**
   * The shared secret the store sends as `?token=` in the push endpoint's URL, compared in
   * constant time; at least 32 characters. Without the events option the route answers 404.
   */
  secret: string;
  /**
   * Only objects under this prefix reach the hook.
   * @default the `prefix` option when it is a string (required when `prefix` is a function)
   */
  prefix?: string;
  /**
   * AWS SNS HTTP(S) subscriptions: the messages' signatures are verified (the certificate fetched
   * from `https://sns.<region>.amazonaws.com/...pem` only), only these topics are accepted, and a
   * SubscriptionConfirmation is confirmed by fetching its SubscribeURL. Without it, SNS messages
   * are refused (403 `event_forbidden`).
   * @default undefined
   */
  sns?: {
    topicArns: readonly string[];
    /** Fetches a URL's text (the signing certificate, the SubscribeURL). @default global `fetch` */
    fetchText?: (url: string) => Promise<string>;
  };
}

/**
 * Options of the upload core, and through it of every adapter. `Req` is what the hooks receive:
 * the Web `Request` for `createS3Handler`, Express's `Request` for `createS3Middleware`, Node's
 * `IncomingMessage` (or the context you pass) for `createS3NodeHandler`.
 */
export interface UploadOptions<Req> {
  /**
   * The S3 client, or the configuration to create one with. A client created from a configuration
   * uses `requestChecksumCalculation: 'WHEN_REQUIRED'` (the default would sign an empty-body CRC32
   * into presigned URLs, which AWS, R2 and MinIO then reject) and `forcePathStyle` when an
   * `endpoint` is set. One client serves the middleware's whole life.
   */
  s3: S3Client | S3ClientConfig;
  /** The bucket uploads go to. */
  bucket: string;
  /**
   * Lifetime of every presigned URL, in seconds (1 to 604800).
   * @default 900
   */
  expiresIn?: number;
  /**
   * The caller's key prefix: a string for everyone, or a function of the request for per-user
   * prefixes (`req => \`users/${req.session.userId}/\``). Keys are created under it, and signing,
   * listing, completing and aborting refuse (403 `key_forbidden`) any key outside it. Must be empty
   * or end with `/`, so that `users/1/` does not also cover `users/10/`.
   * @default 'uploads/'
   */
  prefix?: string | ((req: Req) => string | Promise<string>);
  /**
   * Names a new object. Clients never choose raw keys; whatever this returns must lie inside the
   * caller's prefix.
   * @default ({ prefix, filename }) => `${prefix}${random 128-bit hex id}/${sanitizeFilename(filename)}`
   */
  getKey?: (context: KeyContext<Req>) => string | Promise<string>;
  /**
   * Asked before every operation; `false` answers 403 `forbidden`. Throw an {@link UploadError}
   * to answer something else (e.g. 401 from your own code path). `input` is the request's path
   * parameters, query and body as received, not yet validated: for logging, or checks of your own
   * (e.g. that `input.params.uploadId` is one your database gave this user).
   * @default () => true
   */
  authorize?: (req: Req, operation: Operation, input: Readonly<RawInput>) => boolean | Promise<boolean>;
  /**
   * Largest file accepted, in bytes: checked at create when a size is declared, on every part
   * signed with a size, as a POST policy condition, and at complete by adding up the parts S3
   * holds (an upload over the limit is aborted and answered 413 `file_too_large`).
   * @default undefined (S3's own limit, 5 TiB)
   */
  maxFileSize?: number;
  /**
   * Media types accepted for uploads, exact (`video/mp4`) or by family (`image/*`).
   * @default undefined (any type)
   */
  allowedContentTypes?: readonly string[];
  /**
   * What `GET /s3/params` answers a client that names no `method` (the stock `@uppy/aws-s3` of
   * every version; our plugin always asks for a PUT):
   * - `'POST'`: a presigned POST form, as Companion answers. The stock Uppy 6 plugin knows only
   *   this. Uppy 4 and 5 then wait for the `ETag` header of S3's answer to the form: AWS sends
   *   one, Ceph radosgw answers 204 with none, and those clients hang at "Uploading: 100%".
   * - `'PUT'`: a presigned PUT (Content-Type signed), which every S3 answers with an `ETag`: for
   *   Uppy 4 and 5 clients on a store like radosgw. The stock Uppy 6 plugin cannot use it (it
   *   posts a form to the URL, which S3 refuses). A PUT has no size range as a POST policy has,
   *   so with a `maxFileSize` under 5 GiB a PUT is only signed with a declared `size` (the stock
   *   clients send none): a `'PUT'` here then throws at creation; a function answering `'PUT'`
   *   gets such requests refused (400 `invalid_size`).
   * - a function of the request, for an app that serves both kinds of client.
   * @default 'POST'
   */
  singleUploadMethod?: 'POST' | 'PUT' | ((req: Req) => 'POST' | 'PUT' | Promise<'POST' | 'PUT'>);
  /**
   * Refuse to sign a part, or a PUT, without an MD5 (400 `md5_required`). Turning this on locks out
   * the stock `@uppy/aws-s3` plugin, which sends none.
   * @default false
   */
  requireContentMD5?: boolean;
  /**
   * Preferred part size answered at create when the client declares the file's size; raised as
   * needed so the file fits in 10,000 parts.
   * @default 8 MiB
   */
  partSize?: number;
  /**
   * Other host names (`host` or `host:port`) under which browsers reach the same S3 endpoint and
   * bucket, at the same path: e.g. a bucket's dual-stack name beside its usual one on AWS. Presigned
   * single PUTs (small files) are spread over the endpoint's own host and these. Browsers speak
   * HTTP/1.1 to S3 and keep at most 6 connections per host, so with many small files and a long
   * round trip that limit, not the bandwidth, sets the pace; our plugin keeps `limit` requests
   * under way per host. Parts of big files stay on the endpoint's own host.
   * @default [] (the endpoint's host only)
   */
  uploadHosts?: readonly string[];
  /**
   * Most parts signed by one batch request.
   * @default 100
   */
  maxBatchSize?: number;
  /**
   * Called once S3 holds a finished object, with what the server verified (see
   * {@link CompletedUpload}): after a multipart complete, a confirm of a single-request upload
   * (`POST /s3/confirm`), or an S3 event (`POST /s3/events`, see `events`). At least once: retries
   * and events repeat calls, so upsert by `key` + `etag`. What it returns (JSON) is answered to the
   * client as `serverData`. Throw an {@link UploadError} (e.g. `upload_rejected`) to answer it;
   * anything else thrown answers 500 `hook_failed`, and the same request sent again runs the hook
   * again. The object is never deleted for a hook's failure.
   * @default undefined (no hook; completes answer as before)
   */
  onUploadComplete?: (upload: CompletedUpload<Req>) => unknown;
  /**
   * Accept S3 event notifications (Ceph radosgw HTTP push, AWS SNS) on `POST /s3/events` and run
   * `onUploadComplete` for each ObjectCreated record whose object HeadObject finds.
   * @default undefined (the route answers 404)
   */
  events?: EventOptions;
  /**
   * Called with every error answered (4xx and 5xx), the original failure in `error.cause`.
   * @default logs 5xx errors with console.error
   */
  onError?: (error: UploadError, req: Req) => void;
}

/** Options after validation, defaults filled in. */
export interface ResolvedOptions<Req> {
  client: S3Client;
  bucket: string;
  expiresIn: number;
  prefix: (req: Req) => string | Promise<string>;
  getKey?: (context: KeyContext<Req>) => string | Promise<string>;
  authorize: (req: Req, operation: Operation, input: Readonly<RawInput>) => boolean | Promise<boolean>;
  maxFileSize: number;
  allowedContentTypes?: readonly string[];
  singleUploadMethod: (req: Req) => 'POST' | 'PUT' | Promise<'POST' | 'PUT'>;
  requireContentMD5: boolean;
  partSize: number;
  maxBatchSize: number;
  uploadHosts: readonly string[];
  onUploadComplete?: (upload: CompletedUpload<Req>) => unknown;
  events?: ResolvedEventOptions;
  onError: (error: UploadError, req: Req) => void;
}

export interface ResolvedEventOptions {
  secret: string;
  prefix: string;
  sns?: { topicArns: ReadonlySet<string>; fetchText: (url: string) => Promise<string> };
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.text();
}

function resolveEvents(events: unknown, prefix: unknown): ResolvedEventOptions | undefined {
  if (events === undefined) return undefined;
  if (typeof events !== 'object' || events === null) invalid('events', 'an object { secret, prefix?, sns? }', events);
  const { secret, prefix: eventPrefix = typeof prefix === 'string' ? prefix : undefined, sns } = events as EventOptions;
  // Not through invalid(): the message would quote the secret.
  if (typeof secret !== 'string' || secret.length < 32 || !/^[\x21-\x7e]+$/.test(secret)) throw new TypeError('Expected `events.secret` to be a string of at least 32 printable ASCII characters');
  if (eventPrefix === undefined) throw new TypeError('Expected `events.prefix` to be set: `prefix` is a function, so events need the prefix all uploads share (e.g. "users/")');
  assertPrefix(eventPrefix, 'events.prefix');
  if (sns === undefined) return { secret, prefix: eventPrefix };
  if (typeof sns !== 'object' || sns === null) invalid('events.sns', 'an object { topicArns, fetchText? }', sns);
  const { topicArns } = sns;
  if (!Array.isArray(topicArns) || topicArns.length === 0 || !topicArns.every((arn) => typeof arn === 'string' && /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(arn))) {
    invalid('events.sns.topicArns', 'a non-empty array of SNS topic ARNs', topicArns);
  }
  return { secret, prefix: eventPrefix, sns: { topicArns: new Set(topicArns), fetchText: optionalFunction('events.sns.fetchText', sns.fetchText) ?? fetchText } };
}

function resolveUploadHosts(hosts: unknown): readonly string[] {
  if (hosts === undefined) return [];
  // A host name or IPv4 address, or a bracketed IPv6 address, with an optional port: nothing a URL could be bent with.
  const host = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
  if (!Array.isArray(hosts) || !hosts.every((name) => typeof name === 'string' && host.test(name))) {
    invalid('uploadHosts', 'an array of host names, each "host" or "host:port" (e.g. "localhost:7480")', hosts);
  }
  return hosts.map((name: string) => name.toLowerCase());
}

/** Throws the TypeError of a bad option: ``Expected `name` to be <expected>, got <value> (<type>)``. */
export function invalid(name: string, expected: string, value: unknown): never {
  throw new TypeError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}`);
}

/** A whole-number option from `min` to `max`; `fallback` when it is not given (without one, it is required). */
export function integerIn(name: string, value: unknown, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    invalid(name, max === Number.MAX_SAFE_INTEGER ? `a whole number from ${min} up` : `a whole number from ${min} to ${max}`, value);
  }
  return value;
}

function optionalFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') invalid(name, 'a function', value);
  return value;
}

/** Throws unless `prefix` is a usable key prefix; used at creation and on every hook result. */
export function assertPrefix(prefix: unknown, name = 'prefix'): asserts prefix is string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (typeof prefix !== 'string' || Buffer.byteLength(prefix) > 512 || /[\u0000-\u001f\u007f]/.test(prefix)) {
    invalid(name, 'a string of at most 512 bytes without control characters', prefix);
  }
  if (prefix !== '' && (!prefix.endsWith('/') || prefix.startsWith('/') || prefix.split('/').slice(0, -1).some((s) => s === '' || s === '.' || s === '..'))) {
    invalid(name, 'empty or a path ending with "/" (like "uploads/"), without empty, "." or ".." segments', prefix);
  }
}

const logServerErrors = (error: UploadError) => {
  if (error.status >= 500) console.error('[uppy-s3-resumable]', error.code, error.message, error.cause);
};

/**
 * The caller's S3Client as it is, or a new one from an S3ClientConfig: checksums only where S3
 * requires them (the default would sign an empty-body CRC32 into presigned URLs) and path style
 * when an `endpoint` is set. Anything else throws a `TypeError` naming `s3`.
 */
export function createClient(s3: unknown): S3Client {
  if (s3 instanceof S3Client) return s3;
  if (typeof s3 !== 'object' || s3 === null) invalid('s3', 'an S3Client or an S3ClientConfig object', s3);
  const config = s3 as S3ClientConfig;
  return new S3Client({
    forcePathStyle: config.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
  });
}

/** Validates options once, at creation, and fills in defaults. Never mutates `options`. */
export function resolveOptions<Req>(options: UploadOptions<Req>): ResolvedOptions<Req> {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object', options);
  const { bucket, prefix = 'uploads/', allowedContentTypes, requireContentMD5 = false } = options;
  if (typeof bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    invalid('bucket', 'an S3 bucket name (3 to 63 lowercase letters, digits, "." or "-")', bucket);
  }
  if (typeof prefix !== 'function') assertPrefix(prefix);
  if (allowedContentTypes !== undefined) {
    if (!Array.isArray(allowedContentTypes) || allowedContentTypes.length === 0) {
      invalid('allowedContentTypes', 'a non-empty array of media types such as "image/*"', allowedContentTypes);
    }
    for (const type of allowedContentTypes) {
      if (typeof type !== 'string' || !/^[a-z0-9!#$&^_.+-]+\/([a-z0-9!#$&^_.+-]+|\*)$/i.test(type)) {
        invalid('allowedContentTypes[]', 'a media type such as "video/mp4" or "image/*"', type);
      }
    }
  }
  if (typeof requireContentMD5 !== 'boolean') invalid('requireContentMD5', 'a boolean', requireContentMD5);
  const partSize = integerIn('partSize', options.partSize, MIN_PART_SIZE, MAX_PART_SIZE, 8 * MiB);
  const maxFileSize = integerIn('maxFileSize', options.maxFileSize, 0, MAX_OBJECT_SIZE, MAX_OBJECT_SIZE);
  const { singleUploadMethod = 'POST' } = options;
  if (singleUploadMethod !== 'POST' && singleUploadMethod !== 'PUT' && typeof singleUploadMethod !== 'function') {
    invalid('singleUploadMethod', '"POST", "PUT" or a function of the request', singleUploadMethod);
  }
  if (singleUploadMethod === 'PUT' && maxFileSize < MAX_SINGLE_UPLOAD_SIZE) {
    throw new TypeError(
      'Expected `singleUploadMethod` to be "POST" with a `maxFileSize` under 5 GiB: a PUT cannot bound the size of a file whose client does not declare it (the stock @uppy/aws-s3 never does). ' +
        'Keep "POST", or drop `maxFileSize`, or have Uppy 4/5 send every file in parts (shouldUseMultipart: () => true), whose total is checked at complete.',
    );
  }
  return {
    client: createClient(options.s3),
    bucket,
    expiresIn: integerIn('expiresIn', options.expiresIn, 1, 604_800, 900),
    prefix: typeof prefix === 'function' ? prefix : () => prefix,
    getKey: optionalFunction('getKey', options.getKey),
    authorize: optionalFunction('authorize', options.authorize) ?? (() => true),
    maxFileSize,
    allowedContentTypes,
    singleUploadMethod: typeof singleUploadMethod === 'function' ? singleUploadMethod : () => singleUploadMethod,
    requireContentMD5,
    partSize,
    maxBatchSize: integerIn('maxBatchSize', options.maxBatchSize, 1, MAX_PARTS, 100),
    uploadHosts: resolveUploadHosts(options.uploadHosts),
    onUploadComplete: optionalFunction('onUploadComplete', options.onUploadComplete),
    events: resolveEvents(options.events, prefix),
    onError: optionalFunction('onError', options.onError) ?? logServerErrors,
  };
}
