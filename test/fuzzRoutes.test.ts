/**
 * Property-based fuzzing of every route over real HTTP, against the real S3 of the run.
 *
 * Three users share one middleware: alice and bob (each with real uploads, and each knowing the
 * other's uploadIds, keys and part ETags) and mallory, whom `authorize` refuses everything. Random
 * methods, paths, path parameters, query strings, headers and bodies are sent with `node:http`
 * (fetch would normalise `..` and encode what we want raw). Every answer must be a 2xx or a 4xx;
 * every 4xx a JSON `{code, message}` whose status is `ERROR_STATUS[code]`; every 2xx may only sign,
 * name or touch keys inside the caller's prefix. Afterwards the server still answers, alice's
 * protected upload still holds its part, and every upload the fuzz created is aborted.
 *
 * Replay a run with FUZZ_SEED=<seed> (printed at the start and by fast-check on failure);
 * FUZZ_RUNS=<n> sets the runs per property.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, paths, type CreateMultipartResponse, type ListedPart, type Operation, type SignPartResponse } from '../contract.js';
import type { UploadError } from '../middleware/UploadError.js';
import { callApi, md5Base64, putTo, randomData } from './helpers/callApi.js';
import { createTestS3Client, s3ClientConfig, startTestServer, type TestServer } from './helpers/testServer.js';

function integerFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new TypeError(`Expected ${name} to be a whole number, got ${JSON.stringify(text)}`);
  return value;
}

const RUNS = integerFromEnv('FUZZ_RUNS', 1000);
const SEED = integerFromEnv('FUZZ_SEED', randomBytes(4).readInt32LE());
/** Node refuses request heads over 16 KiB with its own bare 431; paths that long are not sent. */
const MAX_PATH_BYTES = 14_000;
const MAX_BODY = 1024 * 1024;

const run = randomBytes(4).toString('hex');
const alice = `fuzz-alice-${run}`;
const bob = `fuzz-bob-${run}`;
const mallory = `fuzz-mallory-${run}`;
const prefixOf = (user: string) => `test/${user}/`;

// ---------------------------------------------------------------------------------------------
// Requests and how they travel
// ---------------------------------------------------------------------------------------------

type Body =
  | { json: unknown }
  | { text: string }
  /** A JSON body of exactly `MAX_BODY + over` bytes, built at send time so counterexamples stay short. */
  | { oversize: number };

interface FuzzRequest {
  user: string;
  method: string;
  /** Raw path under the mount point (starts with `/s3`), sent byte for byte. */
  path: string;
  contentType?: string;
  /** `gzip` sends the body gzipped; `gzip-garbage` claims gzip and sends it plain. */
  encoding?: 'gzip' | 'gzip-garbage' | 'deflate' | 'br' | 'identity' | 'x-bogus';
  /** Sent without Content-Length. */
  chunked?: boolean;
  body?: Body;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** What the server's `authorize` hook saw for one request: the handler that ran and its parsed input. */
interface Seen {
  operation: Operation;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
}

function bodyBytes(body: Body | undefined): Buffer | undefined {
  if (body === undefined) return undefined;
  if ('text' in body) return Buffer.from(body.text, 'utf8');
  if ('json' in body) return Buffer.from(JSON.stringify(body.json) ?? 'null', 'utf8');
  const head = '{"filename":"big.bin","pad":"';
  return Buffer.from(`${head}${'x'.repeat(MAX_BODY + body.oversize - head.length - 2)}"}`, 'utf8');
}

function send(base: URL, agent: http.Agent, id: string, request: FuzzRequest): Promise<Answer | 'unsendable'> {
  const fullPath = `${base.pathname}${request.path}`;
  if (Buffer.byteLength(fullPath) > MAX_PATH_BYTES) return Promise.resolve('unsendable');
  let body = request.method === 'HEAD' ? undefined : bodyBytes(request.body);
  const headers: Record<string, string> = { 'x-test-user': request.user, 'x-fuzz-id': id };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.encoding !== undefined && body !== undefined) {
    headers['content-encoding'] = request.encoding === 'gzip-garbage' ? 'gzip' : request.encoding;
    if (request.encoding === 'gzip') body = gzipSync(body);
  }
  // Node chunks only POST-like bodies by default; a GET's body would otherwise go unframed.
  if (body !== undefined) headers[request.chunked === true ? 'transfer-encoding' : 'content-length'] = request.chunked === true ? 'chunked' : String(body.length);
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    try {
      req = http.request({ host: base.hostname, port: base.port, method: request.method, path: fullPath, headers, agent, timeout: 20_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
    } catch (error) {
      // http.request refuses some paths client-side (ERR_UNESCAPED_CHARACTERS): nothing was sent.
      if ((error as { code?: unknown }).code === 'ERR_UNESCAPED_CHARACTERS') return resolve('unsendable');
      return reject(error as Error);
    }
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// Encodings of text into a path or query
// ---------------------------------------------------------------------------------------------

type Encoding = 'strict' | 'lower' | 'loose' | 'double';
const ENCODINGS: Encoding[] = ['strict', 'strict', 'lower', 'loose', 'double'];

/** Percent-encodes the UTF-8 bytes of `text`: `strict` keeps RFC 3986 unreserved ASCII, `loose` every printable ASCII character (so `/ ? # & = + %` go raw). */
function encode(text: string, how: Encoding): string {
  if (how === 'double') return encode(encode(text, 'strict'), 'strict');
  const keep = how === 'loose' ? /[\x21-\x7e]/ : /[A-Za-z0-9._~-]/;
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    const hex = byte.toString(16).padStart(2, '0');
    out += byte < 0x80 && keep.test(char) ? char : `%${how === 'lower' ? hex : hex.toUpperCase()}`;
  }
  return out;
}

/** Escapes that are already "encoded" and awkward to decode: malformed, overlong, encoded separators and dots, a lone surrogate. */
const RAW_ESCAPES = ['%', '%%', '%ZZ', '%E0%A4', '%E0%A4%A', '%C0%AE%C0%AE', '%c0%af', '%2e%2e', '%2E', '%2f', '%2F..%2F', '%252F', '%00', '%0d%0a', '%FF', '%ED%A0%80', '%u2215', '%F0%9F%98'];

const encodingArb = fc.constantFrom(...ENCODINGS);
/** `text`, encoded one of several ways; sometimes an awkward escape is spliced in raw. */
const encoded = (text: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(text, encodingArb).map(([value, how]) => encode(value, how)) },
    { weight: 1, arbitrary: fc.tuple(text, fc.constantFrom(...RAW_ESCAPES)).map(([value, raw]) => encode(value, 'strict') + raw) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_ESCAPES) },
  );

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

const NASTY = ['/', '\\', '.', '..', '%', '?', '#', '&', '=', '+', ' ', '\u0000', '\r', '\n', '\t', '\u007f', '\u0085', '\u2215', '\uff0f', '\uff0e', '\u2024', '\u202e', '\u200b', '\ufeff', 'é', 'e\u0301', '😀', '\ud800', '\udfff', '[', ']', '"', "'", '<', '>', ';', ',', '~', '*', ':', '@', '$', '{', '}'];
const text = (maxLength: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...'abcXYZ019-_') }, fc.constantFrom(...NASTY)), maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength }) },
  );
const segment = fc.oneof(fc.constantFrom('.', '..', '', '...', '%2e%2e', '\uff0e\uff0e', ' ', 'x', 'y.z', '\u0000', '~', 'batch', 'complete', 'multipart', 'params'), text(12));

const FILENAMES = ['a.txt', 'My Holiday (1).JPG', 'résumé.pdf', '.htaccess', '..', '.', 'a/b', '..\\boot.ini', 'a\u0000.txt', '日本語.txt', 'evil\u202Etxt.exe', 'a\u2215b', '???', 'x'.repeat(1024), 'x'.repeat(1025), ' ', 'CON', 'a\r\nb'];
const filenameArb = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[\w ().-]{1,24}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...FILENAMES) },
  { weight: 2, arbitrary: text(30) },
);
const TYPES = ['image/png', 'text/plain; charset=utf-8', 'application/octet-stream', 'video/mp4', '', 'not a type', 'text/plain\r\nx-evil: 1', 'a/b;;;', '*/*', 'image/', '/png', 'x'.repeat(130) + '/y', 'text/html; charset="\u00e9"', 'application/json'];
const typeArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TYPES) }, { weight: 1, arbitrary: text(20) });
const DECIMALS = ['0', '1', '-0', '-1', '1e309', '1e3', '0x10', '1.5', '1.0', '01', '00001', '9007199254740993', '5368709120', '5368709121', '5497558138880', '99999999999999999999', '', ' 1', '1 ', '+1', '\uff11', 'NaN', 'Infinity', '10000', '10001'];
const decimalArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...DECIMALS) }, { weight: 2, arbitrary: fc.nat({ max: 20_000 }).map(String) }, { weight: 1, arbitrary: fc.bigInt().map(String) });
const md5Arb = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 8 }).map((data) => createHash('md5').update(data).digest('base64')) },
  { weight: 2, arbitrary: fc.constantFrom('', 'abc', `${'A'.repeat(22)}==`, `${'A'.repeat(21)}B==`, 'd41d8cd98f00b204e9800998ecf8427e', '1B2M2Y8AsgTpgAmY7PhC-g==', '1B2M2Y8AsgTpgAmY7PhCfg', `${'/'.repeat(22)}==`, `${'+'.repeat(22)}==`) },
  { weight: 1, arbitrary: text(30) },
);
/** Anything a JSON number field might hold instead of a number. */
const numberish = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 10_003 }) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0, -0, 2 ** 53, 2 ** 53 + 2, 1.5, 1e21, -1, Number.MAX_SAFE_INTEGER, 5 * 1024 ** 3, 5 * 1024 ** 3 + 1, 2 ** 60, null, true, '1', '', [1], {}) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const anyJson = fc.jsonValue({ maxDepth: 3 });

// ---------------------------------------------------------------------------------------------
// Who is calling, and what they know
// ---------------------------------------------------------------------------------------------

interface Upload {
  key: string;
  uploadId: string;
  etag: string;
}

interface Who {
  user: string;
  prefix: string;
  /** Uploads this user may fuzz freely (alice's protected upload is not among hers: she may abort it). */
  own: Upload[];
  /** Uploads of someone else that this user knows everything about. */
  foreign: Upload[];
  otherPrefix: string;
}

function keyArb(who: Who): fc.Arbitrary<string> {
  const P = who.prefix;
  const Q = who.otherPrefix;
  const own = who.own.map((u) => u.key);
  const foreign = who.foreign.map((u) => u.key);
  const theirs = foreign[0] ?? `${Q}x`;
  const tail = theirs.slice(Q.length);
  const fill = (byteLength: number, char: string) => char.repeat(Math.ceil((byteLength - Buffer.byteLength(P)) / Buffer.byteLength(char)));
  const tricks = [
    `${P}../${Q.split('/')[1]}/${tail}`, `${P}../../${theirs}`, `${P}%2e%2e/${tail}`, `${P}./x`, `${P}.`, `${P}..`, `${P}/x`, `/${P}x`, `//${P}x`, P, P.slice(0, -1),
    `${P}x/`, `${P}x//y`, `${P}..\\${theirs}`, `${P}\u2215..\u2215${tail}`, `${P}\uff0e\uff0e/${tail}`, `${P}\uff0fx`, `test\u2215${who.user}\u2215x`,
    `${P}x\u0000`, `${P}x\r\nX-Evil: 1`, `${P}x\n`, `${P}\u0085`, `${P}${fill(1024, 'a')}`, `${P}${fill(1025, 'a')}`, `${P}${fill(1024, 'é')}`, `${P}${fill(1100, '😀')}`,
    `${P.toUpperCase()}x`, `${P}x?y#z`, `${P}x%`, `${P}x+y`, `${P}x y`, `${Q}x`, `${P}\ud800`, `${P}${theirs}`, theirs.replace(Q, P), `${P} `, ` ${P}x`, `${P}x\u202e`,
    ...own.map((k) => `${k}/`), ...own.map((k) => `/${k}`), ...own.map((k) => k.toUpperCase()), ...own.map((k) => k.replace(/\/([^/]*)$/, '/./$1')),
  ];
  return fc.oneof(
    { weight: 6, arbitrary: own.length > 0 ? fc.constantFrom(...own) : fc.constant(`${P}x`) },
    { weight: 3, arbitrary: foreign.length > 0 ? fc.constantFrom(...foreign) : fc.constant(`${Q}x`) },
    { weight: 4, arbitrary: fc.constantFrom(...tricks) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(P, Q, '', '/', 'test/', P.slice(0, -1), P + P), fc.array(segment, { maxLength: 4 }), fc.constantFrom('/', '/', '/', '\u2215', '\uff0f', '\\', '//'))
        .map(([start, segments, separator]) => start + segments.join(separator)),
    },
    { weight: 1, arbitrary: text(40) },
  );
}

function uploadIdArb(who: Who): fc.Arbitrary<string> {
  const own = who.own.map((u) => u.uploadId);
  const foreign = who.foreign.map((u) => u.uploadId);
  const real = [...own, ...foreign];
  const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 60 });
  const alnum = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'), minLength: 1, maxLength: 40 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...own, ...(own.length === 0 ? foreign : [])) },
    { weight: 3, arbitrary: fc.constantFrom(...foreign, ...(foreign.length === 0 ? own : [])) },
    { weight: 3, arbitrary: printable },
    { weight: 2, arbitrary: alnum.map((s) => `2~${s}`) },
    { weight: 1, arbitrary: fc.nat({ max: 4000 }).map((n) => 'x'.repeat(n + 1)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '..', '.', 'a/b', '../x', ' ', '\u0000', '\r\n', 'x'.repeat(1024), 'x'.repeat(1025), 'é', '😀', '\u2215', 'null', 'undefined', '__proto__', 'constructor',
        '"', '<UploadId>', '&uploadId=x', 'x?partNumber=1', '%', '\ud800',
        ...real.flatMap((id) => [`${id}/`, `${id}%`, `${id}\u0000`, ` ${id}`, id.toUpperCase(), id.slice(0, -1), `${id}x`, `${id}&partNumber=2`]),
      ),
    },
    { weight: 1, arbitrary: text(30) },
  );
}

const etagArb = (who: Who) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...[...who.own, ...who.foreign].map((u) => u.etag)) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>('"0"', 'abc', '', '"a\nb"', 'x'.repeat(129), `"${'0'.repeat(32)}"`, null, 1, ['"a"']) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => `"${Buffer.from(b).toString('hex')}"`) },
    { weight: 1, arbitrary: text(20) },
  );

// ---------------------------------------------------------------------------------------------
// Queries, bodies, headers
// ---------------------------------------------------------------------------------------------

type Pair = [name: string, value: string];

/** A query string: `name=value` pairs, each encoded its own way; some without `=`, some separated oddly. */
const queryArb = (pairs: fc.Arbitrary<Pair[]>) =>
  fc
    .tuple(pairs, fc.array(fc.tuple(encodingArb, encodingArb, fc.boolean()), { minLength: 12, maxLength: 12 }), fc.constantFrom('&', '&', '&', '&&', ';'))
    .map(([list, ways, separator]) => {
      const parts = list.map(([name, value], i) => {
        const [nameWay, valueWay, bare] = ways[i % ways.length]!;
        const n = encode(name, nameWay === 'double' ? 'strict' : nameWay);
        return bare && value === '' ? n : `${n}=${encode(value, valueWay)}`;
      });
      return parts.length === 0 ? '' : `?${parts.join(separator)}`;
    });

const metadataPairArb: fc.Arbitrary<Pair> = fc.tuple(
  fc.oneof(fc.constantFrom('metadata[name]', 'metadata[]', 'metadata[a][b]', 'metadata', 'metadata[__proto__]', 'metadata[constructor]', 'metadata[a b]', 'metadata[A]', 'metadata[a', 'metadata]x[', `metadata[${'n'.repeat(129)}]`), text(12).map((n) => `metadata[${n}]`)),
  fc.oneof(text(20), fc.constantFrom('x'.repeat(3000), 'é'.repeat(800), '=?UTF-8?B?w6k=?=', '')),
);
const randomPairArb: fc.Arbitrary<Pair> = fc.tuple(fc.oneof(fc.constantFrom('key', 'uploadId', 'partNumber', 'partNumbers', 'filename', 'type', 'size', 'md5', 'method', 'expires', 'bucket', '__proto__', 'x-id', ''), text(8)), text(20));

const keyPairsArb = (who: Who): fc.Arbitrary<Pair[]> =>
  fc.oneof(
    { weight: 12, arbitrary: keyArb(who).map((key): Pair[] => [['key', key]]) },
    { weight: 1, arbitrary: fc.constant<Pair[]>([]) },
    { weight: 1, arbitrary: fc.tuple(keyArb(who), keyArb(who)).map(([a, b]): Pair[] => [['key', a], ['key', b]]) },
    { weight: 1, arbitrary: keyArb(who).map((key): Pair[] => [['key[]', key]]) },
  );

const partNumbersArb = fc.oneof(
  { weight: 3, arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 100 }).map((list) => list.join(',')) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...DECIMALS), { maxLength: 8 }).map((list) => list.join(',')) },
  { weight: 1, arbitrary: fc.constantFrom('', ',', '1,,2', '1,1', '1, 2', Array.from({ length: 101 }, (_, i) => i + 1).join(','), '1;2', '1%2C2') },
);

const CONTENT_TYPES = ['application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json; charset=bogus', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.api+json', 'APPLICATION/JSON', 'application/json;', 'application/json; charset', '', 'json', '*/*'];
const contentTypeArb = fc.option(fc.oneof({ weight: 20, arbitrary: fc.constant('application/json') }, { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) }), { freq: 20, nil: undefined });
const encodingHeaderArb = fc.oneof(
  { weight: 24, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'gzip-garbage', 'deflate', 'br', 'identity', 'x-bogus') as fc.Arbitrary<FuzzRequest['encoding']> },
);

const NOT_JSON = ['', ' ', 'null', '"string"', '42', 'true', '[]', '{', '{"filename":', '{"filename":"a"}x', '\ufeff{"filename":"a"}', "{'filename':'a'}", 'filename=a', '\u0000', '{"filename":"a"}\u0000', '<xml/>', '{"filename":"a",}', '{"a":1}{"b":2}'];
const trickyJsonArb = fc
  .tuple(
    fc.constantFrom('filename', 'size', 'type', 'metadata', 'parts', '__proto__', 'constructor'),
    fc.constantFrom('1e309', '-1e309', '-0', '0x10', '1.', '.5', '-1', '1e3', '9007199254740993', 'NaN', 'Infinity', '"\\ud800"', '"\\u0000"', '{"__proto__":{"polluted":"yes"}}', '{"__proto__":"x"}', '{"constructor":{"prototype":{"polluted":"yes"}}}', '[]', 'null', 'true', '"a\\/b"', '[{"partNumber":1,"PartNumber":1,"ETag":"\\"x\\""}]'),
  )
  .map(([name, literal]) => `{"filename":"a.txt","${name}":${literal}}`);
const deepArb = fc.constantFrom(50, 5_000, 200_000).chain((depth) => fc.constantFrom(`${'['.repeat(depth)}${']'.repeat(depth)}`, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** Any body at all, with a mostly-JSON content type. */
const bodyOf = (json: fc.Arbitrary<unknown>): fc.Arbitrary<Body | undefined> =>
  fc.oneof(
    { weight: 20, arbitrary: json.map((value): Body => ({ json: value })) },
    { weight: 2, arbitrary: anyJson.map((value): Body => ({ json: value })) },
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...NOT_JSON), trickyJsonArb, fc.string({ unit: 'binary', maxLength: 40 })).map((t): Body => ({ text: t })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 64 }) }, fc.constant(0)).map((over): Body => ({ oversize: over })) },
    { weight: 1, arbitrary: deepArb.map((t): Body => ({ text: t })) },
  );

const metadataObjectArb = fc.oneof(
  fc.dictionary(fc.oneof(fc.constantFrom('name', 'Name', 'relativePath', 'a b', '', 'x'.repeat(129), "a'b", 'a%b', 'é'), text(8)), fc.oneof(text(20), fc.constantFrom<unknown>(null, 1, true, {}, [], 'x'.repeat(2100), 'é'.repeat(700))), { maxKeys: 4 }),
  anyJson,
);

const createJsonArb = fc.oneof(
  // Plausible requests, so that creating (and the key it answers) is exercised too.
  {
    weight: 4,
    arbitrary: fc.record(
      {
        filename: fc.stringMatching(/^[\w ().-]{1,24}$/),
        type: fc.constantFrom('image/png', 'video/mp4', 'application/octet-stream'),
        metadata: fc.dictionary(fc.stringMatching(/^[a-zA-Z][\w-]{0,10}$/), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null))),
        size: fc.nat({ max: 2 ** 40 }),
      },
      { requiredKeys: ['filename'] },
    ),
  },
  { weight: 4, arbitrary: fc.record({ filename: filenameArb, type: typeArb, metadata: metadataObjectArb, size: numberish }, { requiredKeys: ['filename'] }) },
  { weight: 2, arbitrary: fc.record({ filename: fc.oneof(filenameArb, anyJson), type: fc.oneof(typeArb, anyJson), metadata: metadataObjectArb, size: numberish, extra: anyJson }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.array(fc.record({ filename: filenameArb })) },
);

const batchJsonArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      parts: fc.uniqueArray(
        fc.record({ partNumber: fc.integer({ min: 1, max: 10_000 }), md5: md5Arb, size: fc.nat({ max: 5 * 1024 ** 3 }) }, { requiredKeys: ['partNumber'] }),
        { minLength: 1, maxLength: 10, selector: (part) => part.partNumber },
      ),
    }),
  },
  { weight: 6, arbitrary: fc.record({ parts: fc.array(fc.record({ partNumber: numberish, md5: fc.oneof(md5Arb, anyJson), size: numberish }, { requiredKeys: [] }), { maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.constantFrom(100, 101).map((n) => ({ parts: Array.from({ length: n }, (_, i) => ({ partNumber: i + 1 })) })) },
  { weight: 1, arbitrary: fc.record({ parts: anyJson }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.array(fc.record({ partNumber: numberish })) },
);

const completeJsonArb = (who: Who) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ parts: fc.array(fc.record({ PartNumber: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, numberish), ETag: etagArb(who) }, { requiredKeys: [] }), { maxLength: 6 }) }) },
    { weight: 1, arbitrary: fc.constantFrom(10_000, 10_001).map((n) => ({ parts: Array.from({ length: n }, (_, i) => ({ PartNumber: i + 1, ETag: '"a"' })) })) },
    { weight: 1, arbitrary: fc.record({ parts: anyJson }, { requiredKeys: [] }) },
  );

const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'];
const methodArb = (usual: string) => fc.oneof({ weight: 9, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) });

/** Small variations of a route's literal segments that the router may or may not treat as the same route. */
const shapeArb = fc.oneof({ weight: 20, arbitrary: fc.constant('') }, { weight: 3, arbitrary: fc.constantFrom('/', '//', '/.', '/..', '/%2e') });
const caseArb = fc.constantFrom<(s: string) => string>((s) => s, (s) => s, (s) => s, (s) => s.toUpperCase());

/** A request carrying everything but its method, path and user. */
const requestArb = (who: Who, method: fc.Arbitrary<string>, path: fc.Arbitrary<string>, body: fc.Arbitrary<Body | undefined>): fc.Arbitrary<FuzzRequest> =>
  fc.record({ method, path, body, contentType: contentTypeArb, encoding: encodingHeaderArb, chunked: fc.boolean() }).map((r) => {
    const request: FuzzRequest = { user: who.user, method: r.method, path: r.path };
    if (r.body !== undefined) {
      request.body = r.body;
      if (r.contentType !== undefined) request.contentType = r.contentType;
      if (r.encoding !== undefined) request.encoding = r.encoding;
      if (r.chunked) request.chunked = true;
    }
    return request;
  });

/** A path's uploadId segment and the query's key: often a real upload's exact pair (the caller's or someone else's), else each on its own. */
interface Target {
  id: string;
  keys: Pair[];
  upload?: Upload;
}

const targetArb = (who: Who): fc.Arbitrary<Target> => {
  const real = fc.oneof(
    { weight: 3, arbitrary: who.own.length > 0 ? fc.constantFrom(...who.own) : fc.constantFrom(...who.foreign) },
    { weight: 2, arbitrary: fc.constantFrom(...who.foreign) },
  );
  const exact = real.chain((upload) =>
    fc.record({
      id: fc.constantFrom<Encoding>('strict', 'lower', 'loose').map((how) => encode(upload.uploadId, how)),
      keys: fc.oneof({ weight: 5, arbitrary: fc.constant<Pair[]>([['key', upload.key]]) }, { weight: 1, arbitrary: keyPairsArb(who) }),
      upload: fc.constant(upload),
    }),
  );
  return fc.oneof({ weight: 1, arbitrary: exact }, { weight: 1, arbitrary: fc.record({ id: encoded(uploadIdArb(who)), keys: keyPairsArb(who) }) });
};

function groups(whos: Who[]) {
  const byUser = (build: (who: Who) => fc.Arbitrary<FuzzRequest>) =>
    fc.oneof(...whos.map((who) => ({ weight: who.user === mallory ? 1 : 4, arbitrary: build(who) })));
  const idSegment = (who: Who) => encoded(uploadIdArb(who));
  const partSegment = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 10_000 }).map(String) }, { weight: 3, arbitrary: encoded(fc.constantFrom(...DECIMALS, 'batch', 'complete')) }, { weight: 1, arbitrary: encoded(text(6)) });

  const paramsPairs = fc
    .tuple(
      fc.option(filenameArb, { freq: 6, nil: undefined }),
      fc.array(
        fc.oneof(
          typeArb.map((v): Pair => ['type', v]),
          metadataPairArb,
          fc.constantFrom('PUT', 'POST', 'put', 'GET', '').map((v): Pair => ['method', v]),
          md5Arb.map((v): Pair => ['md5', v]),
          decimalArb.map((v): Pair => ['size', v]),
          filenameArb.map((v): Pair => ['filename', v]),
          randomPairArb,
        ),
        { maxLength: 5 },
      ),
    )
    .map(([filename, rest]): Pair[] => (filename === undefined ? rest : [['filename', filename], ...rest]));

  /** `/s3/multipart/<id><rest>?key=…&<extras>` for a target, and the target (whose upload the body may use). */
  const targeted = (who: Who, rest: fc.Arbitrary<string>, extra: fc.Arbitrary<Pair>) =>
    fc.tuple(targetArb(who), rest, fc.array(extra, { maxLength: 2 })).chain(([target, tail, extras]) =>
      queryArb(fc.constant([...target.keys, ...extras])).map((query) => ({ path: `/s3/multipart/${target.id}${tail}${query}`, upload: target.upload })),
    );
  const signExtra = fc.oneof(
    { weight: 3, arbitrary: md5Arb.map((v): Pair => ['md5', v]) },
    { weight: 3, arbitrary: fc.oneof(fc.nat({ max: 5 * 1024 ** 3 }).map(String), decimalArb).map((v): Pair => ['size', v]) },
    { weight: 1, arbitrary: partNumbersArb.map((v): Pair => ['partNumbers', v]) },
    { weight: 1, arbitrary: randomPairArb },
  );
  const multipart = (rest: string) => fc.tuple(caseArb, shapeArb).map(([c, shape]) => `/s3/${c('multipart')}${rest}${shape}`);

  const params = byUser((who) =>
    requestArb(who, methodArb('GET'), fc.tuple(caseArb, shapeArb, queryArb(paramsPairs)).map(([c, shape, query]) => `/s3/${c('params')}${shape}${query}`), bodyOf(anyJson)),
  );
  const create = byUser((who) =>
    requestArb(who, methodArb('POST'), fc.tuple(multipart(''), fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryArb(fc.array(randomPairArb, { maxLength: 2 })) })).map(([p, q]) => p + q), bodyOf(createJsonArb)),
  );
  const signPart = (who: Who) =>
    requestArb(who, methodArb('GET'), targeted(who, partSegment.map((part) => `/${part}`), signExtra).map((t) => t.path), bodyOf(anyJson));
  const signBatch = (who: Who) =>
    requestArb(who, methodArb('POST'), targeted(who, caseArb.map((c) => `/${c('batch')}`), signExtra).map((t) => t.path), bodyOf(batchJsonArb));
  const signCompanion = (who: Who) =>
    requestArb(
      who,
      methodArb('GET'),
      fc.tuple(targetArb(who), partNumbersArb, fc.array(signExtra, { maxLength: 1 })).chain(([target, numbers, rest]) =>
        queryArb(fc.constant<Pair[]>([...target.keys, ['partNumbers', numbers], ...rest])).map((query) => `/s3/multipart/${target.id}/batch${query}`),
      ),
      bodyOf(anyJson),
    );
  const sign = byUser((who) => fc.oneof(signPart(who), signBatch(who), signCompanion(who)));
  const randomExtra = fc.oneof(randomPairArb, metadataPairArb);
  const complete = (who: Who) =>
    targeted(who, fc.tuple(caseArb, shapeArb).map(([c, shape]) => `/${c('complete')}${shape}`), randomExtra).chain(({ path, upload }) => {
      // Often the very parts S3 holds for the targeted upload, so that completing it can succeed.
      const right = upload === undefined ? completeJsonArb(who) : fc.oneof(fc.constant({ parts: [{ PartNumber: 1, ETag: upload.etag }] }), completeJsonArb(who));
      return requestArb(who, methodArb('POST'), fc.constant(path), bodyOf(right));
    });
  const upload = byUser((who) =>
    fc.oneof(
      requestArb(who, methodArb('GET'), targeted(who, fc.constant(''), randomExtra).map((t) => t.path), bodyOf(anyJson)),
      requestArb(who, methodArb('DELETE'), targeted(who, fc.constant(''), randomExtra).map((t) => t.path), bodyOf(anyJson)),
      complete(who),
    ),
  );
  // Anything: every method on every route shape, and random paths under /s3.
  const anyPath = (who: Who) =>
    fc.oneof(
      fc.constantFrom('/s3', '/s3/', '/S3/MULTIPART', '/s3/multipart/', '/s3//multipart', '/s3/multipart//1', '/s3/./params', '/s3/params/..', '/s3/%2e%2e/params', '/s3/multipart/%2F/1', '/s3/multipart/a/b/c/d', '/s3/..', '/s3/../../etc/passwd', '/s3/multipart/batch', '/s3/multipart/complete/complete'),
      fc.tuple(fc.array(encoded(segment), { maxLength: 5 }), fc.boolean()).map(([segments, slash]) => `/s3/${segments.join('/')}${slash ? '/' : ''}`),
      fc.tuple(idSegment(who), partSegment).map(([id, part]) => `/s3/multipart/${id}/${part}`),
      multipart(''),
      fc.tuple(idSegment(who), fc.constantFrom('', '/batch', '/complete', '/1', '/batch/1', '/complete/x')).map(([id, rest]) => `/s3/multipart/${id}${rest}`),
    );
  const chaos = byUser((who) =>
    requestArb(
      who,
      fc.constantFrom(...METHODS),
      fc.tuple(anyPath(who), queryArb(fc.array(fc.oneof(keyArb(who).map((k): Pair => ['key', k]), signExtra, randomExtra), { maxLength: 4 }))).map(([p, q]) => p + q),
      bodyOf(fc.oneof(createJsonArb, batchJsonArb, completeJsonArb(who))),
    ),
  );
  return { params, create, sign, upload, chaos };
}

// ---------------------------------------------------------------------------------------------
// What every answer must satisfy
// ---------------------------------------------------------------------------------------------

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

interface Checker {
  s3: URL;
  bucket: string;
  /** Keys each user owns for real: their uploads and every key the fuzz created for them. */
  owned: Map<string, Set<string>>;
}

function checkAnswer(checker: Checker, request: FuzzRequest, answer: Answer, seen: Seen | undefined): void {
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

  // A 2xx: only a known handler may have answered it, never for mallory, and only about the caller's keys.
  if (request.user === mallory) throw say('mallory, whom authorize refuses, got a 2xx');
  if (seen === undefined) throw say('a 2xx from no handler');
  const prefix = prefixOf(request.user);
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

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

let server: TestServer;
let base: URL;
let agent: http.Agent;
let s3: S3Client;
let checker: Checker;
let whos: Who[];
/** alice's upload that nobody may abort or complete; she herself never fuzzes it. */
let protectedUpload: Upload;
const seenById = new Map<string, Seen>();
const serverErrors: UploadError[] = [];
const counts: Record<string, { cases: number; unsendable: number; seconds: number; statuses: Map<string, number> }> = {};
let nextId = 0;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort().join();

async function createUpload(user: string, filename: string): Promise<Upload> {
  const created = await callApi<CreateMultipartResponse>(server.base, 'POST', paths.createMultipart(), { user, json: { filename } });
  expect(created.status).toBe(200);
  const data = randomData(32);
  const signed = await callApi<SignPartResponse>(server.base, 'GET', paths.part(created.body.uploadId, 1, { key: created.body.key, md5: md5Base64(data) }), { user });
  const put = await putTo(signed.body.url, data, signed.body.headers);
  expect(put.status).toBe(200);
  return { key: created.body.key, uploadId: created.body.uploadId, etag: put.etag! };
}

beforeAll(async () => {
  server = await startTestServer({
    authorize: (req: Request, operation) => {
      seenById.set(req.get('x-fuzz-id') ?? '', { operation, params: { ...req.params }, query: { ...(req.query as Record<string, unknown>) } });
      return req.get('x-test-user') !== mallory;
    },
    onError: (error) => {
      if (error.status >= 500) serverErrors.push(error);
    },
  });
  base = new URL(server.base);
  agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  s3 = createTestS3Client();
  protectedUpload = await createUpload(alice, 'protected.bin');
  const aliceSpares = await Promise.all([1, 2, 3, 4].map((n) => createUpload(alice, `spare-${n}.bin`)));
  const bobs = await Promise.all([1, 2, 3, 4].map((n) => createUpload(bob, `bobs-${n}.bin`)));
  checker = {
    s3: new URL(s3ClientConfig().endpoint as string),
    bucket: server.bucket,
    owned: new Map([
      [alice, new Set([protectedUpload, ...aliceSpares].map((u) => u.key))],
      [bob, new Set(bobs.map((u) => u.key))],
      [mallory, new Set<string>()],
    ]),
  };
  whos = [
    { user: alice, prefix: prefixOf(alice), own: aliceSpares, foreign: bobs, otherPrefix: prefixOf(bob) },
    { user: bob, prefix: prefixOf(bob), own: bobs, foreign: [protectedUpload, protectedUpload, ...aliceSpares], otherPrefix: prefixOf(alice) },
    { user: mallory, prefix: prefixOf(mallory), own: [], foreign: [protectedUpload, ...bobs], otherPrefix: prefixOf(alice) },
  ];
  console.log(`[fuzz] seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${RUNS} runs per property, users ${alice}, ${bob}, ${mallory}`);
});

afterAll(async () => {
  try {
    if (s3 !== undefined) for (const user of [alice, bob, mallory]) await removeEverythingUnder(prefixOf(user));
  } finally {
    agent?.destroy();
    s3?.destroy();
    await server?.close();
  }
});

/** Aborts every multipart upload and deletes every object under `prefix` (a page at a time, a bounded number of pages); answers how many. */
async function removeEverythingUnder(prefix: string): Promise<{ uploads: number; objects: number }> {
  const removed = { uploads: 0, objects: 0 };
  for (let page = 0; page < 50; page += 1) {
    const uploads = (await s3.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: prefix }))).Uploads ?? [];
    if (uploads.length === 0) break;
    for (let i = 0; i < uploads.length; i += 16) {
      await Promise.all(uploads.slice(i, i + 16).map((u) => s3.send(new AbortMultipartUploadCommand({ Bucket: server.bucket, Key: u.Key, UploadId: u.UploadId }))));
    }
    removed.uploads += uploads.length;
  }
  for (let page = 0; page < 50; page += 1) {
    const objects = ((await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }))).Contents ?? []).map((o) => ({ Key: o.Key }));
    if (objects.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: server.bucket, Delete: { Objects: objects } }));
    removed.objects += objects.length;
  }
  return removed;
}

async function fuzz(name: string, arbitrary: fc.Arbitrary<FuzzRequest>): Promise<void> {
  const count = (counts[name] = { cases: 0, unsendable: 0, seconds: 0, statuses: new Map() });
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (request) => {
      count.cases += 1;
      const id = String((nextId += 1));
      const errorsBefore = serverErrors.length;
      const answer = await send(base, agent, id, request);
      const seen = seenById.get(id);
      seenById.delete(id);
      if (answer === 'unsendable') {
        count.unsendable += 1;
        return;
      }
      const label = answer.status >= 400 && request.method !== 'HEAD' ? `${answer.status} ${/"code":"([a-z0-9_]+)"/.exec(answer.text)?.[1] ?? '?'}` : String(answer.status);
      count.statuses.set(label, (count.statuses.get(label) ?? 0) + 1);
      if (serverErrors.length > errorsBefore) {
        const error = serverErrors[serverErrors.length - 1]!;
        throw new Error(`${request.method} ${request.path} as ${request.user}: server error ${error.code}, cause: ${String((error.cause as Error | undefined)?.stack ?? error.cause)}`);
      }
      checkAnswer(checker, request, answer, seen);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  count.seconds = (performance.now() - started) / 1000;
  const statuses = [...count.statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}: ${n}`).join(', ');
  console.log(`[fuzz] ${name}: ${count.cases.toLocaleString('en')} cases in ${count.seconds.toFixed(1)} s (${count.unsendable} not sendable); ${statuses}`);
}

describe('fuzzing every route over HTTP', () => {
  const timeout = 180_000;
  it('GET /s3/params', () => fuzz('params', groups(whos).params), timeout);
  it('POST /s3/multipart', () => fuzz('create', groups(whos).create), timeout);
  it('signing one part, a batch, a Companion batch', () => fuzz('sign', groups(whos).sign), timeout);
  it('listing, completing, aborting', () => fuzz('upload', groups(whos).upload), timeout);
  it('any method, any path under /s3, any body', () => fuzz('chaos', groups(whos).chaos), timeout);

  it("afterwards: the server answers, alice's protected upload holds its part, nothing leaked into Object.prototype", async () => {
    const total = Object.values(counts).reduce((sum, c) => sum + c.cases, 0);
    const seconds = Object.values(counts).reduce((sum, c) => sum + c.seconds, 0);
    console.log(`[fuzz] ${total.toLocaleString('en')} cases in ${seconds.toFixed(1)} s (seed ${SEED}): ${Object.entries(counts).map(([n, c]) => `${n} ${c.cases.toLocaleString('en')}`).join(', ')}`);
    const answer = await callApi(server.base, 'GET', paths.params({ filename: 'after.txt' }), { user: alice });
    expect(answer.status).toBe(200);
    const listed = await callApi<ListedPart[]>(server.base, 'GET', paths.upload(protectedUpload.uploadId, protectedUpload.key), { user: alice });
    expect(listed.status).toBe(200);
    expect(listed.body.map((p) => [p.PartNumber, p.ETag])).toEqual([[1, protectedUpload.etag]]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(prototypeKeys);
    expect(serverErrors).toEqual([]);
  });

  it('every upload the fuzz created is aborted, and the prefixes are empty', async () => {
    const removed = { uploads: 0, objects: 0 };
    for (const user of [alice, bob, mallory]) {
      const { uploads, objects } = await removeEverythingUnder(prefixOf(user));
      removed.uploads += uploads;
      removed.objects += objects;
    }
    console.log(`[fuzz] cleanup: aborted ${removed.uploads} multipart uploads, deleted ${removed.objects} completed objects`);
    for (const user of [alice, bob, mallory]) {
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: prefixOf(user) }));
      const objects = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefixOf(user) }));
      expect(uploads.Uploads ?? []).toEqual([]);
      expect(objects.Contents ?? []).toEqual([]);
    }
  });
});
