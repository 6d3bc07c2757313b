/**
 * What the fuzz test sends: fast-check generators of requests to every route, built from what
 * each user knows (their uploads, someone else's), with traversal, Unicode, control characters,
 * malformed escapes, odd numbers, odd JSON and odd encodings mixed in.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { Body, RawRequest } from './sendRawRequest.js';

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

export interface Upload {
  key: string;
  uploadId: string;
  etag: string;
}

/** A finished single-request upload: its key and the base64 MD5 of its bytes. */
export interface StoredObject {
  key: string;
  md5: string;
}

export interface Who {
  user: string;
  prefix: string;
  /** Finished objects this user uploaded, and someone else's (for confirms). */
  objects?: { own: StoredObject[]; foreign: StoredObject[] };
  /** Uploads this user may fuzz freely (alice's protected upload is not among hers: she may abort it). */
  own: Upload[];
  /** Uploads of someone else that this user knows everything about. */
  foreign: Upload[];
  otherPrefix: string;
  /** A user whom `authorize` refuses: fewer of the cases are theirs. */
  refused?: boolean;
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
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'gzip-garbage', 'deflate', 'br', 'identity', 'x-bogus') as fc.Arbitrary<RawRequest['encoding']> },
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
const requestArb = (who: Who, method: fc.Arbitrary<string>, path: fc.Arbitrary<string>, body: fc.Arbitrary<Body | undefined>): fc.Arbitrary<RawRequest> =>
  fc.record({ method, path, body, contentType: contentTypeArb, encoding: encodingHeaderArb, chunked: fc.boolean() }).map((r) => {
    const request: RawRequest = { user: who.user, method: r.method, path: r.path };
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

/** A confirm body: one file or a batch, of objects the caller knows of (theirs or not), with right, wrong or odd MD5s. */
const confirmJsonArb = (who: Who) => {
  const objects = [...(who.objects?.own ?? []), ...(who.objects?.foreign ?? [])];
  const file = fc.oneof(
    { weight: 4, arbitrary: objects.length > 0 ? fc.constantFrom(...objects) : fc.record({ key: keyArb(who), md5: md5Arb }) },
    { weight: 2, arbitrary: fc.record({ key: objects.length > 0 ? fc.oneof(fc.constantFrom(...objects.map((o) => o.key)), keyArb(who)) : keyArb(who), md5: fc.oneof(md5Arb, fc.constantFrom(...objects.map((o) => Buffer.from(o.md5, 'base64').toString('hex')), 'd41d8cd98f00b204e9800998ecf8427e')) }) },
    { weight: 1, arbitrary: fc.record({ key: fc.oneof(keyArb(who), anyJson), md5: fc.oneof(md5Arb, anyJson) }, { requiredKeys: [] }) },
  );
  return fc.oneof(
    { weight: 4, arbitrary: file },
    { weight: 4, arbitrary: fc.array(file, { minLength: 1, maxLength: 6 }).map((files) => ({ files })) },
    { weight: 1, arbitrary: fc.constantFrom(100, 101).chain((n) => fc.array(file, { minLength: n, maxLength: n })).map((files) => ({ files })) },
    { weight: 1, arbitrary: fc.record({ files: anyJson }, { requiredKeys: [] }) },
  );
};

/** An S3 event body (radosgw's shape, or an SNS envelope) naming objects the caller knows of, or anything. */
const eventJsonArb = (who: Who, bucket: string) => {
  const keys = [...(who.objects?.own ?? []), ...(who.objects?.foreign ?? [])].map((o) => o.key);
  const record = fc.record({
    eventSource: fc.constantFrom('ceph:s3', 'aws:s3', 'x'),
    eventName: fc.constantFrom('ObjectCreated:Put', 'ObjectCreated:CompleteMultipartUpload', 's3:ObjectCreated:Post', 'ObjectRemoved:Delete', ''),
    s3: fc.record({
      bucket: fc.record({ name: fc.constantFrom(bucket, bucket, 'other-bucket', '') }),
      object: fc.record({ key: fc.oneof(keys.length > 0 ? fc.constantFrom(...keys) : keyArb(who), keyArb(who), anyJson), eTag: fc.oneof(etagArb(who), fc.constant('0123456789abcdef0123456789abcdef')), size: numberish }, { requiredKeys: [] }),
    }),
  }, { requiredKeys: [] });
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(record, { maxLength: 4 }).map((Records) => ({ Records })) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>({ Event: 's3:TestEvent' }, { Records: Array.from({ length: 101 }, () => ({})) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        Type: fc.constantFrom('Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation', 'x'),
        TopicArn: fc.constantFrom('arn:aws:sns:eu-west-1:123456789012:uploads', 'x'),
        MessageId: text(10), Message: fc.oneof(text(20), fc.array(record, { maxLength: 2 }).map((Records) => JSON.stringify({ Records }))), Timestamp: text(10),
        SignatureVersion: fc.constantFrom('1', '2', '3', ''), Signature: fc.constantFrom('', 'AAAA', 'not base64!'),
        SigningCertURL: fc.constantFrom('https://sns.eu-west-1.amazonaws.com/x.pem', 'https://evil.example/x.pem', 'http://sns.eu-west-1.amazonaws.com/x.pem', ''),
        SubscribeURL: fc.constantFrom('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription', 'http://127.0.0.1:9/'), Token: text(10),
      }, { requiredKeys: ['Type', 'TopicArn'] }),
    },
    { weight: 1, arbitrary: anyJson },
  );
};

/** Generators of requests, one per route family (and `chaos`: any method, any path under /s3), for these users; events as sent to `bucket` with the right `eventToken` or another. */
export function requestGroups(whos: Who[], bucket = 'uploads', eventToken = 'x'.repeat(32)) {
  const byUser = (build: (who: Who) => fc.Arbitrary<RawRequest>) =>
    fc.oneof(...whos.map((who) => ({ weight: who.refused === true ? 1 : 4, arbitrary: build(who) })));
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

  /** A `POST /s3/params` body: files as the plugin sends them, often with odd or missing fields. */
  const paramsFileArb = fc.record(
    { filename: fc.oneof(filenameArb, anyJson), type: fc.oneof(typeArb, anyJson), size: fc.oneof(fc.nat({ max: 6 * 1024 ** 3 }), decimalArb, anyJson), md5: fc.oneof(md5Arb, anyJson), metadata: anyJson },
    { requiredKeys: [] },
  );
  const paramsBatchJsonArb = fc.oneof({ weight: 6, arbitrary: fc.record({ files: fc.array(paramsFileArb, { maxLength: 4 }) }) }, { weight: 1, arbitrary: anyJson });
  const params = byUser((who) =>
    fc.oneof(
      requestArb(who, methodArb('GET'), fc.tuple(caseArb, shapeArb, queryArb(paramsPairs)).map(([c, shape, query]) => `/s3/${c('params')}${shape}${query}`), bodyOf(anyJson)),
      requestArb(who, methodArb('POST'), fc.tuple(caseArb, shapeArb).map(([c, shape]) => `/s3/${c('params')}${shape}`), bodyOf(paramsBatchJsonArb)),
    ),
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
      fc.constantFrom('/s3', '/s3/', '/S3/MULTIPART', '/s3/multipart/', '/s3//multipart', '/s3/multipart//1', '/s3/./params', '/s3/params/..', '/s3/%2e%2e/params', '/s3/multipart/%2F/1', '/s3/multipart/a/b/c/d', '/s3/..', '/s3/../../etc/passwd', '/s3/multipart/batch', '/s3/multipart/complete/complete', '/s3/confirm', '/s3/events', '/s3/confirm/x', '/s3/events/', '/S3/EVENTS', '/s3/capabilities', '/S3/Capabilities/', '/s3/capabilities/x', '/s3/multipart/capabilities'),
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
  const confirm = byUser((who) =>
    requestArb(who, methodArb('POST'), fc.tuple(caseArb, shapeArb, fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryArb(fc.array(randomPairArb, { maxLength: 2 })) })).map(([c, shape, q]) => `/s3/${c('confirm')}${shape}${q}`), bodyOf(confirmJsonArb(who))),
  );
  const tokenArb = fc.oneof({ weight: 6, arbitrary: fc.constant<Pair[]>([['token', eventToken]]) }, { weight: 1, arbitrary: fc.constant<Pair[]>([]) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom(eventToken.slice(1), `${eventToken}x`, eventToken.toUpperCase(), ''), fc.constantFrom('token', 'Token', 'token[]')).map(([value, name]): Pair[] => [[name, value]]) }, { weight: 1, arbitrary: fc.constant<Pair[]>([['token', eventToken], ['token', eventToken]]) });
  const events = byUser((who) =>
    fc
      .tuple(requestArb(who, methodArb('POST'), fc.tuple(caseArb, shapeArb, queryArb(tokenArb)).map(([c, shape, q]) => `/s3/${c('events')}${shape}${q}`), bodyOf(eventJsonArb(who, bucket))), fc.boolean())
      // SNS posts its JSON as text/plain.
      .map(([request, asText]) => (asText && request.body !== undefined ? { ...request, contentType: 'text/plain; charset=UTF-8' } : request)),
  );
  return { params, create, sign, upload, chaos, confirm, events };
}
