import {
  paths,
  type BatchPartRequest,
  type BatchSignResponse,
  type CompanionBatchResponse,
  type CompleteRequest,
  type CompleteResponse,
  type ConfirmedFile,
  type ConfirmFile,
  type CreateMultipartRequest,
  type CreateMultipartResponse,
  type ErrorBody,
  type Extension,
  type ListedPart,
  type ParamsBatchResponse,
  type ParamsFile,
  type ParamsQuery,
  type ParamsResponse,
  type RefusedFile,
} from '../../contract.js';
import { S3UploadError } from '../S3UploadError.js';
import type { ServerAvailability } from './createServerAvailability.js';
import { RequestFailure } from './RequestFailure.js';
import { withRetry, type RetryOptions } from './withRetry.js';

/** The middleware's routes as calls; each one is retried by the policy and throws `S3UploadError` when it gives up. */
export interface ApiClient {
  /** Presigned PUTs for many files at once (`POST /s3/params`): one result per file, in order, each signed or refused with its error code. */
  signSingleUploads(files: ParamsFile[], signal: AbortSignal): Promise<ParamsBatchResponse['files']>;
  createMultipartUpload(body: CreateMultipartRequest, signal: AbortSignal): Promise<CreateMultipartResponse>;
  signParts(uploadId: string, key: string, parts: BatchPartRequest[], signal: AbortSignal): Promise<BatchSignResponse>;
  listParts(uploadId: string, key: string, signal: AbortSignal): Promise<ListedPart[]>;
  completeMultipartUpload(uploadId: string, key: string, body: CompleteRequest, signal: AbortSignal): Promise<CompleteResponse>;
  abortMultipartUpload(uploadId: string, key: string, signal: AbortSignal): Promise<void>;
  /**
   * Confirms finished single-request uploads by their MD5 (`POST /s3/confirm`), so the server's
   * completion hook runs: one result per file, in order, each confirmed (with the hook's
   * `serverData`) or refused with its error code.
   */
  confirmUploads(files: ConfirmFile[], signal: AbortSignal): Promise<Array<ConfirmedFile | RefusedFile>>;
  /**
   * The extensions the server has (`GET /s3/capabilities`), or `undefined` when it has none: it
   * answered 404 without our JSON error, as Companion does. Our middleware from before the route
   * answers a JSON 404 `not_found`: it has the signing extensions.
   */
  capabilities(signal: AbortSignal): Promise<Extension[] | undefined>;
  /** Companion's batch signing (`GET .../batch?partNumbers=`): URLs with nothing signed but the host. */
  signPartsCompanion(uploadId: string, key: string, partNumbers: number[], signal: AbortSignal): Promise<CompanionBatchResponse>;
  /** Companion's `GET /s3/params`: a presigned POST form (`fields.key` is the key). */
  getUploadForm(query: ParamsQuery, signal: AbortSignal): Promise<UploadForm>;
}

/** A presigned POST form as Companion answers `GET /s3/params`. */
export interface UploadForm {
  method: 'POST';
  url: string;
  fields: Record<string, string> & { key: string };
  /** Seconds; Companion answers it (800 by default). */
  expires: number;
}

export interface ApiClientOptions {
  /** Where the middleware is mounted, e.g. `/upload` or `https://api.example.com/upload`. */
  endpoint: string;
  /** Extra headers for every call (an auth or CSRF token). */
  headers: () => Record<string, string> | Promise<Record<string, string>>;
  credentials: RequestCredentials;
  /** How the calls are retried; `server` is marked up by every answer and down when none comes. */
  retry: Omit<RetryOptions, 'signal' | 'partNumber' | 'lifetimeMs'> & { server: ServerAvailability };
  /** A call with no complete answer after this long counts as unanswered, ms. */
  callTimeoutMs: number;
}

/**
 * Completing can take S3 minutes for thousands of parts (AWS keeps the connection open and
 * answers when done), so a complete call may take this long before it counts as unanswered.
 */
const COMPLETE_TIMEOUT_MS = 10 * 60_000;

type Guard<T> = (body: unknown) => body is T;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isSigned = (value: unknown) => isObject(value) && isString(value.url) && typeof value.expires === 'number';

const guards = {
  params: ((body) => isSigned(body) && isObject((body as ParamsResponse).fields) && isString((body as ParamsResponse).key)) as Guard<ParamsResponse>,
  create: ((body) => isObject(body) && isString(body.uploadId) && isString(body.key)) as Guard<CreateMultipartResponse>,
  batch: ((body) => isObject(body) && Array.isArray(body.parts) && body.parts.every(isSigned)) as Guard<BatchSignResponse>,
  list: ((body) =>
    Array.isArray(body) &&
    body.every((part) => isObject(part) && typeof part.PartNumber === 'number' && isString(part.ETag) && typeof part.Size === 'number')) as Guard<
    ListedPart[]
  >,
  complete: ((body) => isObject(body) && isString(body.location) && isString(body.key)) as Guard<CompleteResponse>,
  confirm: ((body) =>
    isObject(body) && Array.isArray(body.files) && body.files.every((file) => isObject(file) && typeof file.ok === 'boolean' && isString(file.key))) as Guard<{
    files: Array<ConfirmedFile | RefusedFile>;
  }>,
  paramsBatch: ((body) =>
    isObject(body) &&
    Array.isArray(body.files) &&
    body.files.every((file) => isObject(file) && (file.ok === false ? isString(file.code) : file.ok === true && guards.params(file)))) as Guard<ParamsBatchResponse>,
  capabilities: ((body) => isObject(body) && Array.isArray(body.extensions) && body.extensions.every(isString)) as Guard<{ extensions: Extension[] }>,
  companionBatch: ((body) => isObject(body) && isObject(body.presignedUrls) && Object.values(body.presignedUrls).every(isString)) as Guard<CompanionBatchResponse>,
  form: ((body) =>
    isSigned(body) &&
    (body as UploadForm).method === 'POST' &&
    isObject((body as UploadForm).fields) &&
    Object.values((body as UploadForm).fields).every(isString) &&
    isString((body as UploadForm).fields.key)) as Guard<UploadForm>,
  any: ((_body) => true) as Guard<unknown>,
};

function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function errorBody(response: Response): Promise<Partial<ErrorBody>> {
  try {
    const body: unknown = await response.json();
    return isObject(body) ? { code: isString(body.code) ? (body.code as ErrorBody['code']) : undefined, message: isString(body.message) ? body.message : undefined } : {};
  } catch {
    return {};
  }
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.endpoint.replace(/\/+$/, '');

  const { server } = options.retry;

  async function call<T>(what: string, method: string, path: string, guard: Guard<T>, signal: AbortSignal, body?: unknown, timeoutMs = options.callTimeoutMs): Promise<T> {
    return withRetry(
      async () => {
        const headers: Record<string, string> = { accept: 'application/json', ...(await options.headers()) };
        if (body !== undefined) headers['content-type'] = 'application/json';
        // A server that takes the connection and never answers must not hold the upload forever.
        const callSignal = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
        const unanswered = (error: unknown) => {
          signal.throwIfAborted();
          return new RequestFailure({ kind: 'network', target: 'middleware' }, what, undefined, error);
        };
        let response: Response;
        try {
          response = await fetch(`${base}${path}`, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            credentials: options.credentials,
            signal: callSignal,
          });
        } catch (error) {
          throw unanswered(error);
        }
        if (!response.ok) {
          const { code, message } = await errorBody(response);
          if (code !== undefined) server.markUp(); // the middleware itself answered
          throw new RequestFailure(
            {
              kind: 'http',
              target: 'middleware',
              status: response.status,
              code: code ?? `http_${response.status}`,
              message: message ?? `it answered ${response.status}`,
              retryAfterMs: retryAfterMs(response),
            },
            what,
          );
        }
        let text: string;
        try {
          text = await response.text();
        } catch (error) {
          throw unanswered(error);
        }
        server.markUp();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          throw new RequestFailure({ kind: 'invalid-response', detail: 'a body that is not JSON' }, what, undefined, error);
        }
        if (!guard(parsed)) throw new RequestFailure({ kind: 'invalid-response', detail: 'JSON of the wrong shape' }, what);
        return parsed;
      },
      { ...options.retry, signal },
    );
  }

  return {
    signSingleUploads: async (files, signal) => (await call('sign the upload', 'POST', paths.paramsBatch(), guards.paramsBatch, signal, { files })).files,
    createMultipartUpload: (body, signal) => call('create the upload', 'POST', paths.createMultipart(), guards.create, signal, body),
    signParts: (uploadId, key, parts, signal) => call('sign parts', 'POST', paths.batch(uploadId, key), guards.batch, signal, { parts }),
    listParts: (uploadId, key, signal) => call('list the uploaded parts', 'GET', paths.upload(uploadId, key), guards.list, signal),
    completeMultipartUpload: (uploadId, key, body, signal) =>
      call('complete the upload', 'POST', paths.complete(uploadId, key), guards.complete, signal, body, Math.max(options.callTimeoutMs, COMPLETE_TIMEOUT_MS)),
    abortMultipartUpload: async (uploadId, key, signal) => {
      await call('abort the upload', 'DELETE', paths.upload(uploadId, key), guards.any, signal);
    },
    confirmUploads: async (files, signal) => (await call('confirm the upload', 'POST', paths.confirm(), guards.confirm, signal, { files })).files,
    capabilities: async (signal) => {
      try {
        return (await call('ask what the upload server can do', 'GET', paths.capabilities(), guards.capabilities, signal)).extensions;
      } catch (error) {
        if (!(error instanceof S3UploadError && error.status === 404)) throw error;
        return error.code === 'not_found' ? ['md5-signing', 'put-params', 'part-size'] : undefined;
      }
    },
    signPartsCompanion: (uploadId, key, partNumbers, signal) => call('sign parts', 'GET', paths.companionBatch(uploadId, key, partNumbers), guards.companionBatch, signal),
    getUploadForm: ({ filename, type, metadata }, signal) => call('sign the upload', 'GET', paths.params({ filename, type, metadata }), guards.form, signal),
  };
}
