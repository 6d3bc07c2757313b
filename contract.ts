/**
 * The HTTP contract between the browser (our Uppy plugin, or the stock `@uppy/aws-s3` 6 in
 * `companionEndpoint` mode) and the middleware: route paths, request and response bodies, error
 * codes and the S3 limits both sides plan with.
 *
 * This file imports nothing, so the middleware and the plugin both compile against it: a renamed
 * field breaks the build, not production. Route shapes follow Uppy Companion's `/s3/...` routes;
 * everything marked "extension" is ours and is ignored by the stock plugin.
 */

// ---------------------------------------------------------------------------------------------
// S3 limits (AWS S3 documentation, "Amazon S3 multipart upload limits")
// ---------------------------------------------------------------------------------------------

const MiB = 1024 * 1024;

/** Smallest size of every part but the last. */
export const MIN_PART_SIZE = 5 * MiB;
/** Largest size of one part. */
export const MAX_PART_SIZE = 5 * 1024 * MiB;
/** Most parts in one multipart upload; part numbers run from 1 to this. */
export const MAX_PARTS = 10_000;
/** Largest object S3 stores. */
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MiB;
/** Largest object one presigned PUT or POST may create. */
export const MAX_SINGLE_UPLOAD_SIZE = 5 * 1024 * MiB;

/**
 * Part size for a file of `fileSize` bytes: `preferred`, raised to whole MiB when the file would
 * not fit in {@link MAX_PARTS} parts. Both sides plan with it, so a resumed upload cuts the same parts.
 */
export function choosePartSize(fileSize: number, preferred: number): number {
  return Math.max(preferred, Math.ceil(fileSize / MAX_PARTS / MiB) * MiB);
}

// ---------------------------------------------------------------------------------------------
// Routes, relative to where the middleware is mounted
// ---------------------------------------------------------------------------------------------

/** Express-style route patterns, used by the server. */
export const ROUTES = {
  /**
   * `GET`: parameters for a single presigned POST (Companion) or PUT (extension) upload. `POST`
   * (extension): presigned PUTs for many files at once, each bound to its own key, size and MD5.
   */
  params: '/s3/params',
  /** `POST`: create a multipart upload. */
  createMultipart: '/s3/multipart',
  /** `POST` (extension): sign many parts, each with its own MD5 and size. `GET`: Companion's batch shape. */
  batch: '/s3/multipart/:uploadId/batch',
  /** `POST`: complete the upload. */
  complete: '/s3/multipart/:uploadId/complete',
  /** `GET`: sign one part. */
  part: '/s3/multipart/:uploadId/:partNumber',
  /** `GET`: list the uploaded parts; `DELETE`: abort the upload. */
  upload: '/s3/multipart/:uploadId',
  /** `POST` (extension): confirm single-request uploads by their MD5, so the app's completion hook runs. */
  confirm: '/s3/confirm',
  /** `POST` (extension): S3 event notifications (a Ceph radosgw HTTP push, or AWS SNS), `?token=` the shared secret. */
  events: '/s3/events',
  /**
   * `GET` (extension): which extensions this server has ({@link CapabilitiesResponse}). Touches
   * nothing and asks no hook: a client calls it once to tell this middleware from a server with
   * Companion's routes only (which answers 404).
   */
  capabilities: '/s3/capabilities',
} as const;

/**
 * The extensions a server may have, as `GET /s3/capabilities` names them:
 * - `md5-signing`: parts signed with their MD5 and size (`POST .../batch`, `md5=`/`size=` on a part);
 * - `put-params`: `GET /s3/params?method=PUT` answers a presigned PUT (with `md5=` signed in) and the `key`;
 * - `part-size`: `POST /s3/multipart` with `size` answers the `partSize` to use;
 * - `confirm`: `POST /s3/confirm` checks single-request uploads and runs the completion hook;
 * - `events`: `POST /s3/events` takes the store's notifications (only when the server is set up for them).
 */
export const EXTENSIONS = ['md5-signing', 'put-params', 'part-size', 'confirm', 'events'] as const;

/** One extension of {@link EXTENSIONS}. */
export type Extension = (typeof EXTENSIONS)[number];

/** Answer of `GET /s3/capabilities` (extension). A client ignores names it does not know. */
export interface CapabilitiesResponse {
  extensions: Extension[];
}

/** Most files one confirm request may name. */
export const MAX_CONFIRM_FILES = 100;

/** Most files one `POST /s3/params` request may ask URLs for. */
export const MAX_PARAMS_FILES = 100;

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query: Query): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? path : `${path}?${text}`;
}

const up = (uploadId: string) => `/s3/multipart/${encodeURIComponent(uploadId)}`;

/** Concrete request paths, used by clients. Each returns the path with its query string. */
export const paths = {
  params: (query: ParamsQuery) => {
    const { metadata, ...rest } = query;
    const flat: Query = { ...rest };
    for (const [name, value] of Object.entries(metadata ?? {})) flat[`metadata[${name}]`] = value;
    return withQuery(ROUTES.params, flat);
  },
  paramsBatch: () => ROUTES.params,
  createMultipart: () => ROUTES.createMultipart,
  batch: (uploadId: string, key: string) => withQuery(`${up(uploadId)}/batch`, { key }),
  complete: (uploadId: string, key: string) => withQuery(`${up(uploadId)}/complete`, { key }),
  part: (uploadId: string, partNumber: number, query: { key: string; md5?: string; size?: number }) =>
    withQuery(`${up(uploadId)}/${partNumber}`, query),
  upload: (uploadId: string, key: string) => withQuery(up(uploadId), { key }),
  confirm: () => ROUTES.confirm,
  events: (token: string) => withQuery(ROUTES.events, { token }),
  capabilities: () => ROUTES.capabilities,
  /** Companion's batch signing: URLs without MD5s, `{presignedUrls}` answered. */
  companionBatch: (uploadId: string, key: string, partNumbers: number[]) => withQuery(`${up(uploadId)}/batch`, { key, partNumbers: partNumbers.join(',') }),
} as const;

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

/** User metadata stored with the object (`x-amz-meta-*`). Values are sent as strings. */
export type Metadata = Record<string, string>;

/** Query of `GET /s3/params`. Companion sends `filename`, `type` and `metadata[name]=value`. */
export interface ParamsQuery {
  filename: string;
  type?: string;
  metadata?: Metadata;
  /** Extension: `PUT` asks for a presigned PUT (which can carry a Content-MD5). @default 'POST' */
  method?: 'POST' | 'PUT';
  /** Extension, PUT only: base64 MD5 of the whole file, signed into the URL. */
  md5?: string;
  /** Extension: the file's size in bytes, checked against the server's limit and signed (PUT). */
  size?: number;
}

/** Answer of `GET /s3/params`. */
export interface ParamsResponse {
  method: 'POST' | 'PUT';
  url: string;
  /** Form fields for POST (the file goes last); empty for PUT. */
  fields: Record<string, string>;
  /** Headers the PUT must send exactly (Content-Type, Content-MD5, metadata). Extension. */
  headers?: Record<string, string>;
  /** The object key the upload will create. Extension (POST also has it as `fields.key`). */
  key: string;
  /** Lifetime of the signature, in seconds from when it was made. */
  expires: number;
}

/** One file of a `POST /s3/params` body: what a presigned PUT for it is signed with. */
export interface ParamsFile {
  filename: string;
  type?: string;
  metadata?: Metadata;
  /** The file's size in bytes, signed into the URL (S3 refuses a body of another length). */
  size: number;
  /** Base64 MD5 of the file, signed into the URL (S3 refuses other bytes). */
  md5?: string;
}

/** Body of `POST /s3/params` (extension): up to {@link MAX_PARAMS_FILES} files. */
export interface ParamsBatchRequest {
  files: ParamsFile[];
}

/** A file the server signed no URL for, with the error it would have answered for it alone. */
export interface RefusedParams extends ErrorBody {
  ok: false;
  status: number;
}

/** Answer of `POST /s3/params`: one result per file, in order; each signed PUT has a key of its own. */
export interface ParamsBatchResponse {
  files: Array<(ParamsResponse & { ok: true }) | RefusedParams>;
}

/** Body of `POST /s3/multipart`. */
export interface CreateMultipartRequest {
  filename: string;
  type?: string;
  metadata?: Record<string, unknown>;
  /** Extension: the file's size in bytes; the server checks it and answers the part size to use. */
  size?: number;
}

/** Answer of `POST /s3/multipart`. */
export interface CreateMultipartResponse {
  key: string;
  uploadId: string;
  bucket: string;
  /** Extension, when `size` was sent: the size of every part but the last. */
  partSize?: number;
}

/** Answer of `GET /s3/multipart/:uploadId/:partNumber?key=[&md5=&size=]`. */
export interface SignPartResponse {
  url: string;
  /** Extension: headers the PUT must send (`Content-MD5` when an MD5 was signed). */
  headers?: Record<string, string>;
  /** Lifetime of the signature, in seconds from when it was made. */
  expires: number;
}

/** One part to sign in a batch. */
export interface BatchPartRequest {
  partNumber: number;
  /** Base64 MD5 of the part's bytes (24 characters). */
  md5?: string;
  /** The part's size in bytes; signed as Content-Length. */
  size?: number;
}

/** Body of `POST /s3/multipart/:uploadId/batch?key=` (extension). */
export interface BatchSignRequest {
  parts: BatchPartRequest[];
}

/** Answer of `POST /s3/multipart/:uploadId/batch?key=` (extension). */
export interface BatchSignResponse {
  parts: Array<{ partNumber: number; url: string; headers: Record<string, string>; expires: number }>;
}

/** Answer of Companion's `GET /s3/multipart/:uploadId/batch?key=&partNumbers=1,2,3`. */
export interface CompanionBatchResponse {
  presignedUrls: Record<string, string>;
}

/** One element of the bare array answered by `GET /s3/multipart/:uploadId?key=`. */
export interface ListedPart {
  PartNumber: number;
  /** As S3 gives it, with quotes. */
  ETag: string;
  Size: number;
  LastModified?: string;
}

/** Body of `POST /s3/multipart/:uploadId/complete?key=`. */
export interface CompleteRequest {
  parts: Array<{ PartNumber: number; ETag: string }>;
}

/** Answer of `POST /s3/multipart/:uploadId/complete?key=`. */
export interface CompleteResponse {
  location: string;
  key: string;
  bucket: string;
  /** Extension: the object's ETag (for multipart objects `"<md5 of the part md5s>-N"` on most stores). */
  etag?: string;
  /** Extension: what the server's `onUploadComplete` hook returned (absent when it returned nothing or there is none). */
  serverData?: unknown;
}

/** One file to confirm: its key and the MD5 of its bytes, base64 (as signed into the PUT) or hex. */
export interface ConfirmFile {
  key: string;
  md5: string;
}

/**
 * Body of `POST /s3/confirm` (extension): one file, or up to {@link MAX_CONFIRM_FILES} of them.
 * The server checks that each object exists under the caller's prefix, within the size limit, with
 * an ETag equal to the MD5, then runs its completion hook.
 */
export type ConfirmRequest = ConfirmFile | { files: ConfirmFile[] };

/** The object as the server verified it. */
export interface ConfirmedFile {
  ok: true;
  key: string;
  /** Quoted, as S3 writes it. */
  etag: string;
  size: number;
  /** What the server's `onUploadComplete` hook returned, when it returned something. */
  serverData?: unknown;
}

/** A file the server did not confirm, with the error it would have answered for it alone. */
export interface RefusedFile extends ErrorBody {
  ok: false;
  key: string;
  status: number;
}

/**
 * Answer of `POST /s3/confirm`. For the one-file body: the {@link ConfirmedFile}, or the error
 * answer itself (4xx/5xx). For `{files}`: 200 with one result per file, in order.
 */
export type ConfirmResponse = ConfirmedFile | { files: Array<ConfirmedFile | RefusedFile> };

/** Answer of `POST /s3/events`: what became of the event's records. */
export interface EventsResponse {
  /** Records that reached the completion hook. */
  delivered: number;
  /** Records passed over: not ObjectCreated, another bucket, outside the prefix, or no such object (any more). */
  skipped: number;
}

/** Answer of `DELETE /s3/multipart/:uploadId?key=`. */
export type AbortResponse = Record<string, never>;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Every error the middleware answers, with its HTTP status. The codes are stable: clients may
 * branch on them. The body is always {@link ErrorBody}.
 */
export const ERROR_STATUS = {
  /** The body is not JSON, or not the JSON object the route expects. */
  invalid_body: 400,
  /** The body is larger than the server accepts. */
  body_too_large: 413,
  /** `filename` is missing, too long, or a path rather than a name. */
  invalid_filename: 400,
  /** `type` is not a media type. */
  invalid_type: 400,
  /** `type` is not among the server's allowed content types. */
  content_type_not_allowed: 415,
  /** `metadata` is not a flat object of short strings. */
  invalid_metadata: 400,
  /** `size` is not a whole number of bytes within S3's limits. */
  invalid_size: 400,
  /** The file, or a part of it, is larger than the server allows. */
  file_too_large: 413,
  /** `key` is missing or malformed. */
  invalid_key: 400,
  /** `uploadId` is malformed. */
  invalid_upload_id: 400,
  /** A part number is not a whole number from 1 to 10000. */
  invalid_part_number: 400,
  /** An MD5 is not 24 base64 characters encoding 16 bytes. */
  invalid_md5: 400,
  /** The server signs parts only with an MD5, and none was sent. */
  md5_required: 400,
  /** `method` is neither POST nor PUT. */
  invalid_method: 400,
  /** The list of parts is empty, too long, has duplicates or malformed entries. */
  invalid_parts: 400,
  /** The caller may not do this (the `authorize` hook said no). */
  forbidden: 403,
  /** The key lies outside the caller's prefix. */
  key_forbidden: 403,
  /** No such route. */
  not_found: 404,
  /** The caller made too many requests (see `Retry-After`); only when the app mounts a rate limiter. */
  rate_limited: 429,
  /** S3 knows no such multipart upload (never created, completed or aborted). */
  upload_not_found: 404,
  /** S3 refused the part list: a part is missing or its ETag does not match. */
  invalid_part: 400,
  /** S3 refused the part list: a part other than the last is smaller than 5 MiB. */
  part_too_small: 400,
  /** `files` of a confirm request is not an array of 1 to 100 `{key, md5}` objects. */
  invalid_files: 400,
  /** S3 holds no object under that key (not uploaded yet, or deleted). */
  object_not_found: 404,
  /** The object's ETag is not the MD5 sent: other bytes, or an object that is not a single-request upload. */
  object_mismatch: 409,
  /** The app's completion hook refused the object (it threw this code). */
  upload_rejected: 422,
  /** The event did not come from the configured store: no or a wrong token, or an SNS signature that does not verify. */
  event_forbidden: 403,
  /** The event body is not an S3 event or SNS message the server understands. */
  invalid_event: 400,
  /** The object is stored, but the app's completion hook failed; sending the same request again runs it again. */
  hook_failed: 500,
  /** S3 failed or could not be reached. */
  s3_error: 502,
  /** A bug on the server; details are in its logs. */
  internal_error: 500,
} as const satisfies Record<string, number>;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** Body of every error answer. */
export interface ErrorBody {
  code: ErrorCode;
  /** One plain sentence for people; never an S3 or stack text. */
  message: string;
}

/** Operations the `authorize` hook is asked about. */
export type Operation = 'params' | 'create' | 'sign' | 'list' | 'complete' | 'abort' | 'confirm';
