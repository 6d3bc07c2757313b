import {
  paths,
  type BatchPartRequest,
  type BatchSignResponse,
  type CompleteRequest,
  type CompleteResponse,
  type CreateMultipartRequest,
  type CreateMultipartResponse,
  type ErrorBody,
  type ListedPart,
  type ParamsQuery,
  type ParamsResponse,
} from '../contract.js';
import { RequestFailure, withRetry, type RetryOptions } from './retryPolicy.js';

/** The middleware's routes as calls; each one is retried by the policy and throws `S3UploadError` when it gives up. */
export interface ApiClient {
  getUploadParameters(query: ParamsQuery, signal: AbortSignal): Promise<ParamsResponse>;
  createMultipartUpload(body: CreateMultipartRequest, signal: AbortSignal): Promise<CreateMultipartResponse>;
  signParts(uploadId: string, key: string, parts: BatchPartRequest[], signal: AbortSignal): Promise<BatchSignResponse>;
  listParts(uploadId: string, key: string, signal: AbortSignal): Promise<ListedPart[]>;
  completeMultipartUpload(uploadId: string, key: string, body: CompleteRequest, signal: AbortSignal): Promise<CompleteResponse>;
  abortMultipartUpload(uploadId: string, key: string, signal: AbortSignal): Promise<void>;
}

export interface ApiClientOptions {
  /** Where the middleware is mounted, e.g. `/upload` or `https://api.example.com/upload`. */
  endpoint: string;
  /** Extra headers for every call (an auth or CSRF token). */
  headers: () => Record<string, string> | Promise<Record<string, string>>;
  credentials: RequestCredentials;
  retry: Omit<RetryOptions, 'signal' | 'partNumber' | 'lifetimeMs'>;
}

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

  async function call<T>(what: string, method: string, path: string, guard: Guard<T>, signal: AbortSignal, body?: unknown): Promise<T> {
    return withRetry(
      async () => {
        const headers: Record<string, string> = { accept: 'application/json', ...(await options.headers()) };
        if (body !== undefined) headers['content-type'] = 'application/json';
        let response: Response;
        try {
          response = await fetch(`${base}${path}`, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            credentials: options.credentials,
            signal,
          });
        } catch (error) {
          signal.throwIfAborted();
          throw new RequestFailure({ kind: 'network' }, what, undefined, error);
        }
        if (!response.ok) {
          const { code, message } = await errorBody(response);
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
        let parsed: unknown;
        try {
          parsed = await response.json();
        } catch (error) {
          signal.throwIfAborted();
          throw new RequestFailure({ kind: 'invalid-response', detail: 'a body that is not JSON' }, what, undefined, error);
        }
        if (!guard(parsed)) throw new RequestFailure({ kind: 'invalid-response', detail: 'JSON of the wrong shape' }, what);
        return parsed;
      },
      { ...options.retry, signal },
    );
  }

  return {
    getUploadParameters: (query, signal) => call('sign the upload', 'GET', paths.params(query), guards.params, signal),
    createMultipartUpload: (body, signal) => call('create the upload', 'POST', paths.createMultipart(), guards.create, signal, body),
    signParts: (uploadId, key, parts, signal) => call('sign parts', 'POST', paths.batch(uploadId, key), guards.batch, signal, { parts }),
    listParts: (uploadId, key, signal) => call('list the uploaded parts', 'GET', paths.upload(uploadId, key), guards.list, signal),
    completeMultipartUpload: (uploadId, key, body, signal) => call('complete the upload', 'POST', paths.complete(uploadId, key), guards.complete, signal, body),
    abortMultipartUpload: async (uploadId, key, signal) => {
      await call('abort the upload', 'DELETE', paths.upload(uploadId, key), guards.any, signal);
    },
  };
}
