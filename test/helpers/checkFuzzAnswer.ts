/** The rules every answer of the fuzzed middleware must keep. */
import { ERROR_STATUS, EXTENSIONS, type Operation } from '../../contract.js';
import { matchRoute, parseTarget } from '../../middleware/http/matchRoute.js';
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
  /** The events route's secret. */
  eventToken: string;
}

/** One call of the completion hook, with the request it came from. */
export interface HookCall {
  key: string;
  source: 'complete' | 'confirm' | 'event';
  user: string;
  fuzzId: string;
}

/** The `token` values of a raw request path's query, as the server's URL parser reads them. */
function tokensOf(path: string): string[] {
  const query = path.includes('?') ? path.slice(path.indexOf('?') + 1).split('#')[0] ?? '' : '';
  try {
    return new URLSearchParams(query).getAll('token');
  } catch {
    return [];
  }
}

/** Throws unless the hook ran only after a 2xx, and only for objects the caller owns (an event: for objects someone owns, with the right token). */
export function checkHookCalls(checker: Checker, request: RawRequest, answer: Answer, calls: HookCall[]): void {
  if (calls.length === 0) return;
  const say = (problem: string) => new Error(`${request.method} ${request.path} as ${request.user} answered ${answer.status}: ${problem}\nhook calls: ${JSON.stringify(calls)}`);
  if (answer.status >= 300) throw say('the hook ran, yet the answer is not a 2xx');
  const everyone = new Set([...checker.owned.values()].flatMap((keys) => [...keys]));
  for (const call of calls) {
    if (call.source === 'event') {
      if (tokensOf(request.path).join() !== checker.eventToken) throw say('the hook ran for an event without the right token');
      if (!everyone.has(call.key)) throw say(`the hook ran for an event about ${JSON.stringify(call.key)}, which nobody created`);
    } else {
      if (call.user !== request.user || request.user === checker.refused) throw say(`the hook ran for ${call.user}, not the caller`);
      const prefix = checker.prefixOf(request.user);
      if (!call.key.startsWith(prefix) || !checker.owned.get(request.user)?.has(call.key)) throw say(`the hook ran for ${JSON.stringify(call.key)}, which is not the caller's`);
    }
  }
  if (calls.some((c) => c.source === 'event') && !request.method.startsWith('HEAD')) {
    const delivered = (JSON.parse(answer.text) as { delivered?: unknown }).delivered;
    if (delivered !== calls.length) throw say(`the answer says ${String(delivered)} delivered, the hook ran ${calls.length} times`);
  }
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
  if (seen === undefined) {
    const answered = body as Record<string, unknown> | undefined;
    // The capabilities route asks no authorize hook either (it names nobody's data): anyone may read it, and it names extensions only.
    const isCapabilities = isHead
      ? matchRoute('GET', parseTarget(request.path).pathname)?.handler === 'capabilities'
      : typeof answered === 'object' && answered !== null && Object.keys(answered).join() === 'extensions';
    if (isCapabilities) {
      const names = answered?.extensions;
      if (!isHead && !(Array.isArray(names) && names.every((name) => (EXTENSIONS as readonly unknown[]).includes(name)))) throw say('the capabilities answer names unknown extensions');
      return;
    }
    // The events route asks no authorize hook (a store calls it, not a user): only its token lets anyone in.
    const isEvents = isHead || (typeof answered === 'object' && answered !== null && Object.keys(answered).sort().join() === 'delivered,skipped');
    if (!isEvents) throw say('a 2xx from no handler');
    if (tokensOf(request.path).join() !== checker.eventToken) throw say('the events route answered a 2xx without the right token');
    return;
  }
  if (request.user === checker.refused) throw say(`${checker.refused}, whom authorize refuses, got a 2xx`);
  const prefix = checker.prefixOf(request.user);
  const owned = checker.owned.get(request.user)!;
  const what = `${request.method} ${request.path} as ${request.user} (${seen.operation})`;
  const urls = urlsIn(body);

  /** A new key handed to the caller: inside its prefix, of the server's making, never handed out before. */
  const checkNewKey = (answerKey: unknown, where: string): string => {
    assertKeyInside(answerKey, prefix, where);
    if (!/^[0-9a-f]{32}\/[^/]+$/.test(answerKey.slice(prefix.length))) throw say(`new key ${JSON.stringify(answerKey)} is not <prefix><random id>/<name>`);
    if (owned.has(answerKey)) throw say(`new key ${JSON.stringify(answerKey)} was handed out before`);
    owned.add(answerKey);
    return answerKey;
  };
  /** One signed single upload: its key new and the caller's, its one URL for that key (a POST form: for the bucket). */
  const checkSignedSingle = (signed: Record<string, unknown>, where: string) => {
    const answerKey = checkNewKey(signed.key, where);
    const { method, fields } = signed as { method?: unknown; fields?: Record<string, unknown> };
    if (method === 'POST' && fields?.key !== answerKey) throw say(`POST form field key ${JSON.stringify(fields?.key)} is not the answered key`);
    const signedUrls = urlsIn(signed);
    if (signedUrls.length !== 1) throw say(`expected exactly one URL, found ${signedUrls.length}`);
    const { key: urlKey } = keyOfUrl(signedUrls[0]!, checker.s3, checker.bucket);
    if (urlKey !== (method === 'POST' ? '' : answerKey)) throw say(`the URL points at ${JSON.stringify(urlKey)}, not ${method === 'POST' ? 'the bucket' : 'the answered key'}`);
  };

  if (seen.operation === 'params' || seen.operation === 'create') {
    if (isHead) return;
    const answered = body as { key?: unknown; files?: unknown };
    if (seen.operation === 'create') {
      checkNewKey(answered.key, what);
      if (urls.length > 0) throw say('create answered a URL');
    } else if (Array.isArray(answered.files)) {
      // POST /s3/params: one result per file, each signed for a key of its own, or refused with its code's status.
      for (const file of answered.files as Array<Record<string, unknown>>) {
        if (file.ok === true) {
          if (file.method !== 'PUT') throw say(`a batch answered a ${String(file.method)} upload, not a PUT`);
          checkSignedSingle(file, `${what}: file`);
        } else if (file.ok !== false || !isErrorCode(file.code) || ERROR_STATUS[file.code] !== file.status || urlsIn(file).length > 0) {
          throw say(`a params result that is neither signed nor a refusal with its code's status: ${JSON.stringify(file)}`);
        }
      }
    } else {
      checkSignedSingle(answered as Record<string, unknown>, what);
    }
    return;
  }

  if (seen.operation === 'confirm') {
    if (isHead) return;
    const answered = body as { ok?: unknown; key?: unknown; files?: unknown };
    const files = Array.isArray(answered.files) ? (answered.files as Array<Record<string, unknown>>) : [answered as Record<string, unknown>];
    for (const file of files) {
      if (file.ok === true) {
        assertKeyInside(file.key, prefix, `${what}: confirmed`);
        if (!owned.has(file.key)) throw say(`confirmed ${JSON.stringify(file.key)}, which nobody created`);
      } else if (file.ok !== false || !isErrorCode(file.code) || ERROR_STATUS[file.code] !== file.status) {
        throw say(`a confirm result that is neither confirmed nor a refusal with its code's status: ${JSON.stringify(file)}`);
      }
    }
    if (urls.length > 0) throw say('confirm answered a URL');
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
