import { createUploadHandlers } from '../core/createUploadHandlers.js';
import { integerIn, invalid, type UploadOptions } from '../core/options.js';
import { toUploadError, UploadError } from '../core/UploadError.js';
import { jsonAnswer, type HttpAnswer } from './jsonAnswer.js';
import { matchRoute, parseTarget } from './matchRoute.js';
import { readJsonBody, type BodySource } from './readJsonBody.js';

/** Options of every adapter: the upload options plus what only HTTP needs. */
export interface S3HandlerOptions<Req> extends UploadOptions<Req> {
  /**
   * Largest JSON body accepted, in bytes (counted decompressed). A complete request for 10,000
   * parts is about 650 KB.
   * @default 1048576 (1 MiB)
   */
  maxBodySize?: number;
}

/** One request as an adapter describes it to the router. */
export interface HttpExchange extends BodySource {
  method: string;
  /** The request target: Node's `req.url` (`/api/s3/params?filename=a`) or a full URL. */
  url: string;
}

/** Answers a request; never rejects (every failure is an error answer). */
export type S3Router<Req> = (req: Req, exchange: HttpExchange) => Promise<HttpAnswer>;

/** The query string as the handlers take it: single values as strings, repeated ones as arrays; no prototype, so `__proto__` is just a name. */
function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of search) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/**
 * The HTTP side of the middleware, for every adapter alike: the routes (from the contract's
 * `ROUTES`, matched on the path's `/s3/...` tail), the body limit, JSON parsing, the error answers
 * (`{code, message}` with the code's status, `onError` told) and the headers. Adapters only
 * translate their framework's request into an {@link HttpExchange} and send the {@link HttpAnswer}.
 * Options are validated here, once.
 */
export function createS3Router<Req>(options: S3HandlerOptions<Req>): S3Router<Req> {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object', options);
  const { maxBodySize, ...uploadOptions } = options;
  const limit = integerIn('maxBodySize', maxBodySize, 1024, Number.MAX_SAFE_INTEGER, 1024 * 1024);
  const handlers = createUploadHandlers(uploadOptions);

  return async function route(req, exchange) {
    try {
      const target = parseTarget(exchange.url);
      const match = matchRoute(exchange.method, target.pathname);
      if (match === undefined) throw new UploadError('not_found', 'No such upload route.');
      const body = match.hasBody ? await readJsonBody(exchange, limit, match.textBody) : undefined;
      return jsonAnswer(200, await handlers[match.handler](req, { params: match.params, query: queryOf(target.searchParams), body }));
    } catch (error) {
      const uploadError = toUploadError(error);
      try {
        handlers.options.onError(uploadError, req);
      } catch {
        // A failing log hook must not turn a 4xx into a crash.
      }
      return jsonAnswer(uploadError.status, uploadError.toBody());
    }
  };
}
