/** The rules every answer of the fuzzed middleware must keep. */
import { ERROR_STATUS, type Operation } from '../../contract.js';
import type { Answer, RawRequest } from './sendRawRequest.js';

const isErrorCode = (code: unknown): code is keyof typeof ERROR_STATUS => typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/; // eslint-disable-line no-control-regex

/** Every string in `value` that looks like an absolute URL. */
function urlsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) found.push(value);
  else if (Array.isArray(value)) for (const item of value) urlsIn(item, found);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) urlsIn(item, found);
  return found;
}

/** The object key a path-style S3 URL points at (its raw segments decoded one by one), and its query. */
function keyOfUrl(url: string, s3: URL, bucket: string): { key: string; query: URLSearchParams } {
  // Parsed by hand: WHATWG URL would resolve `..` and `%2e%2e` segments and hide them.
  const match = /^(https?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?$/.exec(url);
  if (match === null) throw new Error(`not a URL: ${url}`);
  const [, scheme, host, path = '', query = ''] = match;
  if (`${scheme}:` !== s3.protocol || host !== s3.host) throw new Error(`URL on another host than S3 (${s3.host}): ${url}`);
  const [empty, bucketSegment, ...segments] = path.split('/');
  if (empty !== '' || bucketSegment !== bucket) throw new Error(`URL outside the bucket "${bucket}": ${url}`);
  return { key: segments.map((s) => decodeURIComponent(s)).join('/'), query: new URLSearchParams(query) };
}

/** A key the caller may be handed: inside the caller's prefix, without `.`, `..`, empty segments or control characters. */
function assertKeyInside(key: unknown, prefix: string, what: string): asserts key is string {
  if (typeof key !== 'string') throw new Error(`${what}: no key string, got ${JSON.stringify(key)}`);
  if (!key.startsWith(prefix) || key.length === prefix.length) throw new Error(`${what}: key ${JSON.stringify(key)} lies outside the caller's prefix ${prefix}`);
  if (key.startsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..') || CONTROL.test(key)) {
    throw new Error(`${what}: key ${JSON.stringify(key)} has an empty, "." or ".." segment or a control character`);
  }
}

export interface Checker {
  s3: URL;
  bucket: string;
  /** Keys each user owns for real: their uploads and every key the fuzz created for them. */
  owned: Map<string, Set<string>>;
  /** The user whom `authorize` refuses everything. */
  refused: string;
  prefixOf: (user: string) => string;
}

/** What the server's `authorize` hook saw for one request: the handler that ran and its parsed input. */
export interface Seen {
  operation: Operation;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
}

/** Throws, naming the request, unless `answer` keeps every rule of the middleware (see the test file). */
export function checkFuzzAnswer(checker: Checker, request: RawRequest, answer: Answer, seen: Seen | undefined): void {
  const { status, headers } = answer;
  const say = (problem: string) => new Error(`${request.method} ${request.path} as ${request.user} answered ${status}: ${problem}\nbody: ${answer.text.slice(0, 400)}`);
  if (!((status >= 200 && status < 300) || (status >= 400 && status < 500))) throw say('not a 2xx or a 4xx');
  if (headers['cache-control'] !== 'no-store') throw say(`Cache-Control is ${String(headers['cache-control'])}, not no-store`);
  if (!/^application\/json(;|$)/.test(headers['content-type'] ?? '')) throw say(`Content-Type is ${String(headers['content-type'])}`);
  const isHead = request.method === 'HEAD';
  let body: unknown;
  if (!isHead) {
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw say('the body is not JSON');
    }
  }

  if (status >= 400) {
    if (isHead) return;
    const error = body as Record<string, unknown>;
    if (typeof error !== 'object' || error === null || Object.keys(error).sort().join() !== 'code,message') throw say('the error body is not exactly {code, message}');
    if (!isErrorCode(error.code)) throw say(`unknown error code ${JSON.stringify(error.code)}`);
    if (ERROR_STATUS[error.code] !== status) throw say(`code ${error.code} should be answered with ${ERROR_STATUS[error.code]}`);
    if (typeof error.message !== 'string' || error.message === '' || /<\?xml|\bat .*:\d+|Exception/.test(error.message)) throw say('the message is empty or leaks S3 or stack text');
    return;
  }

  // A 2xx: only a known handler may have answered it, never for the refused user, and only about the caller's keys.
  if (request.user === checker.refused) throw say(`${checker.refused}, whom authorize refuses, got a 2xx`);
  if (seen === undefined) throw say('a 2xx from no handler');
  const prefix = checker.prefixOf(request.user);
  const owned = checker.owned.get(request.user)!;
  const what = `${request.method} ${request.path} as ${request.user} (${seen.operation})`;
  const urls = urlsIn(body);

  if (seen.operation === 'params' || seen.operation === 'create') {
    if (isHead) return;
    const answerKey = (body as { key?: unknown }).key;
    assertKeyInside(answerKey, prefix, what);
    if (!/^[0-9a-f]{32}\/[^/]+$/.test(answerKey.slice(prefix.length))) throw say(`new key ${JSON.stringify(answerKey)} is not <prefix><random id>/<name>`);
    if (owned.has(answerKey)) throw say(`new key ${JSON.stringify(answerKey)} was handed out before`);
    owned.add(answerKey);
    if (seen.operation === 'params') {
      const { method, fields } = body as { method?: unknown; fields?: Record<string, unknown> };
      if (method === 'POST' && fields?.key !== answerKey) throw say(`POST form field key ${JSON.stringify(fields?.key)} is not the answered key`);
      if (urls.length !== 1) throw say(`expected exactly one URL, found ${urls.length}`);
      const { key: urlKey } = keyOfUrl(urls[0]!, checker.s3, checker.bucket);
      if (urlKey !== (method === 'POST' ? '' : answerKey)) throw say(`the URL points at ${JSON.stringify(urlKey)}, not ${method === 'POST' ? 'the bucket' : 'the answered key'}`);
    } else if (urls.length > 0) {
      throw say('create answered a URL');
    }
    return;
  }

  // sign, list, complete, abort: the key the handler was given must be the caller's, and a real one unless only signing.
  const queryKey = seen.query.key;
  assertKeyInside(queryKey, prefix, what);
  if (seen.operation !== 'sign' && !owned.has(queryKey)) throw say(`${seen.operation} succeeded on ${JSON.stringify(queryKey)}, which nobody created`);
  for (const url of urls) {
    const { key: urlKey, query } = keyOfUrl(url, checker.s3, checker.bucket);
    assertKeyInside(urlKey, prefix, `${what}: URL ${url}`);
    if (urlKey !== queryKey) throw say(`URL key ${JSON.stringify(urlKey)} is not the requested key ${JSON.stringify(queryKey)}`);
    if (seen.operation === 'sign' && query.get('uploadId') !== seen.params.uploadId) throw say(`URL uploadId ${JSON.stringify(query.get('uploadId'))} is not the requested one`);
  }
  if (seen.operation === 'sign' && !isHead && urls.length === 0) throw say('sign answered no URL');
}
