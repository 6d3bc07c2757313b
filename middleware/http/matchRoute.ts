import { ROUTES } from '../../contract.js';
import type { HandlerName } from '../core/createUploadHandlers.js';
import { UploadError } from '../core/UploadError.js';

/**
 * Every route: its method, its pattern from the contract, the core handler that answers it. Tried
 * in this order: the batch route comes before `:partNumber`, which would otherwise match "batch".
 */
const TABLE: ReadonlyArray<readonly [method: string, pattern: string, handler: HandlerName, textBody?: 'text']> = [
  ['GET', ROUTES.params, 'getUploadParameters'],
  ['POST', ROUTES.params, 'getUploadParametersBatch'],
  ['POST', ROUTES.createMultipart, 'createMultipartUpload'],
  ['POST', ROUTES.batch, 'signParts'],
  ['GET', ROUTES.batch, 'signPartsCompanion'],
  ['POST', ROUTES.complete, 'completeMultipartUpload'],
  ['GET', ROUTES.part, 'signPart'],
  ['GET', ROUTES.upload, 'listParts'],
  ['DELETE', ROUTES.upload, 'abortMultipartUpload'],
  ['POST', ROUTES.confirm, 'confirmUploads'],
  ['GET', ROUTES.capabilities, 'capabilities'],
  // AWS SNS posts its JSON as text/plain.
  ['POST', ROUTES.events, 'receiveEvents', 'text'],
];

interface CompiledRoute {
  method: string;
  /** Each segment: a literal to compare (lowercase), or a parameter's name. */
  segments: Array<{ literal: string } | { param: string }>;
  handler: HandlerName;
  textBody: boolean;
}

const COMPILED: CompiledRoute[] = TABLE.map(([method, pattern, handler, textBody]) => ({
  method,
  handler,
  textBody: textBody === 'text',
  segments: pattern
    .split('/')
    .slice(1)
    .map((segment) => (segment.startsWith(':') ? { param: segment.slice(1) } : { literal: segment.toLowerCase() })),
}));

/** The route a request is for. */
export interface RouteMatch {
  handler: HandlerName;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
  /** Whether the route takes a JSON body (POST routes). */
  hasBody: boolean;
  /** Whether a `text/plain` body is read as JSON too (the events route: SNS sends text/plain). */
  textBody: boolean;
}

/**
 * A request target (`req.url` as Node gives it, or a full URL) parsed the way WHATWG URL parses
 * it: `.`/`..` and `%2e` segments resolved, `\` read as `/`. Web-standard servers hand requests
 * over already parsed so; parsing Node's raw target the same way makes every adapter route alike.
 */
export function parseTarget(target: string): URL {
  try {
    // Prefixed rather than resolved against a base: `//host/path` is a path here, not another host.
    return new URL(target.startsWith('/') ? `http://localhost${target}` : target);
  } catch (error) {
    throw new UploadError('not_found', 'No such upload route: the request target is not a URL path.', { cause: error });
  }
}

/**
 * Whether a request target (relative to where the middleware is mounted) is `/s3` or lies under
 * it, as written (as Express matches mount paths): the Express middleware's share of an app.
 */
export function isUnderS3(target: string): boolean {
  return /^\/s3([/?#]|$)/i.test(target);
}

/**
 * The route whose pattern the path ends with (wherever the handler is mounted, whatever comes
 * before the `/s3/...` tail), or undefined. Literal segments match case-insensitively, a trailing
 * slash is ignored, parameters are non-empty segments (as Express matched them). HEAD is
 * answered as GET. A parameter with a malformed percent-escape names no upload: 404 `not_found`.
 */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  const segments = pathname.split('/');
  if (segments.at(-1) === '') segments.pop();
  const wanted = method === 'HEAD' ? 'GET' : method;
  for (const route of COMPILED) {
    if (route.method !== wanted || route.segments.length > segments.length - 1) continue;
    const offset = segments.length - route.segments.length;
    const params: Record<string, string> = {};
    const matches = route.segments.every((pattern, index) => {
      const segment = segments[offset + index] ?? '';
      if ('literal' in pattern) return segment.toLowerCase() === pattern.literal;
      params[pattern.param] = segment;
      return segment !== '';
    });
    if (!matches) continue;
    for (const [name, raw] of Object.entries(params)) {
      try {
        params[name] = decodeURIComponent(raw);
      } catch (error) {
        throw new UploadError('not_found', 'No such upload route: the path has a malformed percent-escape.', { cause: error });
      }
    }
    return { handler: route.handler, params, hasBody: route.method === 'POST', textBody: route.textBody };
  }
  return undefined;
}
