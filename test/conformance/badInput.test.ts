/**
 * Bad input on every route answers 4xx JSON with the expected stable code and a plain sentence:
 * never a 500, never an S3 message or a stack trace. Odd paths route alike, and broken or
 * oversized bodies are refused without harming the connection. The same table for every adapter.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, paths, type CreateMultipartResponse, type ErrorBody, type ErrorCode } from '../../contract.js';
import { callApi, md5Base64, putTo, randomData } from '../helpers/callApi.js';
import type { RawRequest } from '../helpers/sendRawRequest.js';
import { ADAPTERS, startTestServer, type TestServer } from '../harness/testServer.js';

const user = 'eve';
/** The adapter under test's server, and a real upload with one part on it (set by each adapter's beforeAll). */
let server: TestServer;
let upload: CreateMultipartResponse;

interface Case {
  name: string;
  method: string;
  /** Built lazily: the real upload exists only once beforeAll ran. */
  path: () => string;
  json?: unknown;
  rawBody?: string;
  contentType?: string;
  code: ErrorCode;
}

const validMd5 = md5Base64(new Uint8Array(1));
const id = () => encodeURIComponent(upload.uploadId);
const key = () => upload.key;
const q = (query: Record<string, string>) => new URLSearchParams(query).toString();
const part = (partNumber: string, query: Record<string, string> = { key: key() }) => `/s3/multipart/${id()}/${partNumber}?${q(query)}`;

const cases: Case[] = [
  // GET /s3/params
  { name: 'params: no filename', method: 'GET', path: () => '/s3/params', code: 'invalid_filename' },
  { name: 'params: empty filename', method: 'GET', path: () => '/s3/params?filename=', code: 'invalid_filename' },
  { name: 'params: traversal in filename', method: 'GET', path: () => `/s3/params?${q({ filename: '../../etc/passwd' })}`, code: 'invalid_filename' },
  { name: 'params: backslash traversal in filename', method: 'GET', path: () => `/s3/params?${q({ filename: '..\\..\\boot.ini' })}`, code: 'invalid_filename' },
  { name: 'params: NUL in filename', method: 'GET', path: () => `/s3/params?${q({ filename: 'a\u0000.txt' })}`, code: 'invalid_filename' },
  { name: 'params: filename twice', method: 'GET', path: () => '/s3/params?filename=a&filename=b', code: 'invalid_filename' },
  { name: 'params: filename too long', method: 'GET', path: () => `/s3/params?${q({ filename: 'a'.repeat(1025) })}`, code: 'invalid_filename' },
  { name: 'params: not a media type', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', type: 'not a type' })}`, code: 'invalid_type' },
  { name: 'params: metadata name with a space', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', 'metadata[bad name]': 'x' })}`, code: 'invalid_metadata' },
  { name: 'params: metadata over 2 KiB', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', 'metadata[big]': 'x'.repeat(3000) })}`, code: 'invalid_metadata' },
  { name: 'params: unknown method', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', method: 'GET' })}`, code: 'invalid_method' },
  { name: 'params: MD5 with POST', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', md5: validMd5 })}`, code: 'invalid_method' },
  { name: 'params: malformed MD5', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', method: 'PUT', md5: 'abc' })}`, code: 'invalid_md5' },
  { name: 'params: negative size', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', size: '-1' })}`, code: 'invalid_size' },
  { name: 'params: size in exponent form', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', size: '1e3' })}`, code: 'invalid_size' },
  { name: 'params: huge size', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', size: '99999999999999999999999' })}`, code: 'invalid_size' },
  { name: 'params: size over 5 GiB', method: 'GET', path: () => `/s3/params?${q({ filename: 'a', size: String(5 * 1024 ** 3 + 1) })}`, code: 'invalid_size' },

  // POST /s3/multipart
  { name: 'create: no body', method: 'POST', path: () => '/s3/multipart', code: 'invalid_body' },
  { name: 'create: malformed JSON', method: 'POST', path: () => '/s3/multipart', rawBody: '{"filename":', contentType: 'application/json', code: 'invalid_body' },
  { name: 'create: JSON array', method: 'POST', path: () => '/s3/multipart', json: [{ filename: 'a' }], code: 'invalid_body' },
  { name: 'create: JSON sent as text/plain', method: 'POST', path: () => '/s3/multipart', rawBody: '{"filename":"a"}', contentType: 'text/plain', code: 'invalid_body' },
  { name: 'create: body over 1 MiB', method: 'POST', path: () => '/s3/multipart', json: { filename: 'a', pad: 'x'.repeat(1024 * 1024 + 1) }, code: 'body_too_large' },
  { name: 'create: filename missing', method: 'POST', path: () => '/s3/multipart', json: {}, code: 'invalid_filename' },
  { name: 'create: filename a number', method: 'POST', path: () => '/s3/multipart', json: { filename: 42 }, code: 'invalid_filename' },
  { name: 'create: filename ".."', method: 'POST', path: () => '/s3/multipart', json: { filename: '..' }, code: 'invalid_filename' },
  { name: 'create: filename with a directory', method: 'POST', path: () => '/s3/multipart', json: { filename: 'dir/evil.sh' }, code: 'invalid_filename' },
  { name: 'create: type a number', method: 'POST', path: () => '/s3/multipart', json: { filename: 'a', type: 42 }, code: 'invalid_type' },
  { name: 'create: type with a newline', method: 'POST', path: () => '/s3/multipart', json: { filename: 'a', type: 'text/plain\r\nx-evil: 1' }, code: 'invalid_type' },
  { name: 'create: metadata an array', method: 'POST', path: () => '/s3/multipart', json: { filename: 'a', metadata: ['x'] }, code: 'invalid_metadata' },
  { name: 'create: metadata nested', method: 'POST', path: () => '/s3/multipart', json: { filename: 'a', metadata: { a: { b: 1 } } }, code: 'invalid_metadata' },
  { name: 'create: size a string', method: 'POST', path: () => '/s3/multipart', json: { filename: 'a', size: 'big' }, code: 'invalid_size' },
  { name: 'create: size fractional', method: 'POST', path: () => '/s3/multipart', json: { filename: 'a', size: 1.5 }, code: 'invalid_size' },
  { name: 'create: size negative', method: 'POST', path: () => '/s3/multipart', json: { filename: 'a', size: -5 }, code: 'invalid_size' },
  { name: 'create: size over 5 TiB', method: 'POST', path: () => '/s3/multipart', json: { filename: 'a', size: 2 ** 60 }, code: 'invalid_size' },

  // GET /s3/multipart/:uploadId/:partNumber
  { name: 'sign: part 0', method: 'GET', path: () => part('0'), code: 'invalid_part_number' },
  { name: 'sign: part 10001', method: 'GET', path: () => part('10001'), code: 'invalid_part_number' },
  { name: 'sign: part "abc"', method: 'GET', path: () => part('abc'), code: 'invalid_part_number' },
  { name: 'sign: part 1.5', method: 'GET', path: () => part('1.5'), code: 'invalid_part_number' },
  { name: 'sign: part -1', method: 'GET', path: () => part('-1'), code: 'invalid_part_number' },
  { name: 'sign: part 1e3', method: 'GET', path: () => part('1e3'), code: 'invalid_part_number' },
  { name: 'sign: no key', method: 'GET', path: () => part('1', {}), code: 'invalid_key' },
  { name: 'sign: empty key', method: 'GET', path: () => part('1', { key: '' }), code: 'invalid_key' },
  { name: 'sign: key twice', method: 'GET', path: () => `/s3/multipart/${id()}/1?key=a&key=b`, code: 'invalid_key' },
  { name: 'sign: absolute key', method: 'GET', path: () => part('1', { key: `/${key()}` }), code: 'invalid_key' },
  { name: 'sign: key with an empty segment', method: 'GET', path: () => part('1', { key: 'test/eve//x' }), code: 'invalid_key' },
  { name: 'sign: key with ".."', method: 'GET', path: () => part('1', { key: 'test/eve/../alice/x' }), code: 'invalid_key' },
  { name: 'sign: key with a newline', method: 'GET', path: () => part('1', { key: 'test/eve/a\nb' }), code: 'invalid_key' },
  { name: 'sign: key over 1024 bytes', method: 'GET', path: () => part('1', { key: `test/eve/${'é'.repeat(600)}` }), code: 'invalid_key' },
  { name: 'sign: key outside the prefix', method: 'GET', path: () => part('1', { key: 'uploads/x/y.bin' }), code: 'key_forbidden' },
  { name: 'sign: bare prefix as key', method: 'GET', path: () => part('1', { key: 'test/eve/' }), code: 'invalid_key' },
  { name: 'sign: MD5 too short', method: 'GET', path: () => part('1', { key: key(), md5: 'abc' }), code: 'invalid_md5' },
  { name: 'sign: MD5 not base64', method: 'GET', path: () => part('1', { key: key(), md5: '!'.repeat(22) + '==' }), code: 'invalid_md5' },
  { name: 'sign: MD5 in hex', method: 'GET', path: () => part('1', { key: key(), md5: 'd41d8cd98f00b204e9800998ecf8427e' }), code: 'invalid_md5' },
  { name: 'sign: size negative', method: 'GET', path: () => part('1', { key: key(), size: '-1' }), code: 'invalid_size' },
  { name: 'sign: size over 5 GiB', method: 'GET', path: () => part('1', { key: key(), size: String(5 * 1024 ** 3 + 1) }), code: 'invalid_size' },
  { name: 'sign: uploadId with a space', method: 'GET', path: () => `/s3/multipart/a%20b/1?${q({ key: key() })}`, code: 'invalid_upload_id' },
  { name: 'sign: uploadId over 512 characters', method: 'GET', path: () => `/s3/multipart/${'a'.repeat(513)}/1?${q({ key: key() })}`, code: 'invalid_upload_id' },
  // Found by test/conformance/fuzzRoutes.test.ts: radosgw answers 500 when key and uploadId together are about 2,000 bytes.
  { name: 'abort: uploadId of 1000 characters', method: 'DELETE', path: () => `/s3/multipart/${'x'.repeat(1000)}?${q({ key: key() })}`, code: 'invalid_upload_id' },
  // Found by test/fuzzRoutes.test.ts: the router's decodeURIComponent threw a URIError, answered 500.
  { name: 'sign: uploadId with a malformed escape', method: 'GET', path: () => `/s3/multipart/%E0%A4/1?${q({ key: key() })}`, code: 'not_found' },
  { name: 'Companion batch: uploadId a bare "%"', method: 'GET', path: () => `/s3/multipart/%/batch?${q({ key: key(), partNumbers: '1' })}`, code: 'not_found' },

  // POST /s3/multipart/:uploadId/batch
  { name: 'batch: no body', method: 'POST', path: () => paths.batch(upload.uploadId, key()), code: 'invalid_body' },
  { name: 'batch: no parts', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: {}, code: 'invalid_parts' },
  { name: 'batch: empty parts', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: { parts: [] }, code: 'invalid_parts' },
  { name: 'batch: parts a string', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: { parts: 'x' }, code: 'invalid_parts' },
  { name: 'batch: null entry', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: { parts: [null] }, code: 'invalid_parts' },
  { name: 'batch: 101 parts', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: { parts: Array.from({ length: 101 }, (_, i) => ({ partNumber: i + 1 })) }, code: 'invalid_parts' },
  { name: 'batch: duplicate part', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: { parts: [{ partNumber: 2 }, { partNumber: 2 }] }, code: 'invalid_parts' },
  { name: 'batch: part number a string', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: { parts: [{ partNumber: 'x' }] }, code: 'invalid_part_number' },
  { name: 'batch: part number huge', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: { parts: [{ partNumber: 1e300 }] }, code: 'invalid_part_number' },
  { name: 'batch: bad MD5', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: { parts: [{ partNumber: 1, md5: 5 }] }, code: 'invalid_md5' },
  { name: 'batch: bad size', method: 'POST', path: () => paths.batch(upload.uploadId, key()), json: { parts: [{ partNumber: 1, size: -1 }] }, code: 'invalid_size' },
  { name: 'Companion batch: letters', method: 'GET', path: () => `${paths.batch(upload.uploadId, key())}&partNumbers=a,b`, code: 'invalid_part_number' },
  { name: 'Companion batch: none', method: 'GET', path: () => paths.batch(upload.uploadId, key()), code: 'invalid_part_number' },

  // GET and DELETE /s3/multipart/:uploadId
  { name: 'list: no key', method: 'GET', path: () => `/s3/multipart/${id()}`, code: 'invalid_key' },
  { name: 'list: unknown uploadId', method: 'GET', path: () => paths.upload('no-such-upload', key()), code: 'upload_not_found' },
  { name: 'abort: unknown uploadId', method: 'DELETE', path: () => paths.upload('no-such-upload', key()), code: 'upload_not_found' },
  { name: 'abort: key outside the prefix', method: 'DELETE', path: () => paths.upload(upload.uploadId, 'test/alice/x'), code: 'key_forbidden' },

  // POST /s3/multipart/:uploadId/complete
  { name: 'complete: no parts', method: 'POST', path: () => paths.complete(upload.uploadId, key()), json: {}, code: 'invalid_parts' },
  { name: 'complete: duplicate part', method: 'POST', path: () => paths.complete(upload.uploadId, key()), json: { parts: [{ PartNumber: 1, ETag: '"a"' }, { PartNumber: 1, ETag: '"a"' }] }, code: 'invalid_parts' },
  { name: 'complete: part 10001', method: 'POST', path: () => paths.complete(upload.uploadId, key()), json: { parts: [{ PartNumber: 10001, ETag: '"a"' }] }, code: 'invalid_part_number' },
  { name: 'complete: ETag missing', method: 'POST', path: () => paths.complete(upload.uploadId, key()), json: { parts: [{ PartNumber: 1 }] }, code: 'invalid_parts' },
  { name: 'complete: ETag with a newline', method: 'POST', path: () => paths.complete(upload.uploadId, key()), json: { parts: [{ PartNumber: 1, ETag: 'a\nb' }] }, code: 'invalid_parts' },
  { name: 'complete: 10001 parts', method: 'POST', path: () => paths.complete(upload.uploadId, key()), json: { parts: Array.from({ length: 10_001 }, (_, i) => ({ PartNumber: i + 1, ETag: '"a"' })) }, code: 'invalid_parts' },
  { name: 'complete: unknown uploadId', method: 'POST', path: () => paths.complete('no-such-upload', key()), json: { parts: [{ PartNumber: 1, ETag: '"a"' }] }, code: 'upload_not_found' },
  { name: 'complete: wrong ETag', method: 'POST', path: () => paths.complete(upload.uploadId, key()), json: { parts: [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }] }, code: 'invalid_part' },

  // POST /s3/params (extension: many PUTs at once)
  { name: 'params batch: no body', method: 'POST', path: () => paths.paramsBatch(), code: 'invalid_body' },
  { name: 'params batch: files missing', method: 'POST', path: () => paths.paramsBatch(), json: {}, code: 'invalid_files' },
  { name: 'params batch: files empty', method: 'POST', path: () => paths.paramsBatch(), json: { files: [] }, code: 'invalid_files' },
  { name: 'params batch: 101 files', method: 'POST', path: () => paths.paramsBatch(), json: { files: Array.from({ length: 101 }, (_, i) => ({ filename: `${i}.bin`, size: 1 })) }, code: 'invalid_files' },
  { name: 'params batch: a file that is a string', method: 'POST', path: () => paths.paramsBatch(), json: { files: ['a.bin'] }, code: 'invalid_files' },
  // POST /s3/confirm
  { name: 'confirm: no body', method: 'POST', path: () => paths.confirm(), code: 'invalid_body' },
  { name: 'confirm: files an object', method: 'POST', path: () => paths.confirm(), json: { files: { key: 'x' } }, code: 'invalid_files' },
  { name: 'confirm: a null file', method: 'POST', path: () => paths.confirm(), json: { files: [null] }, code: 'invalid_files' },
  { name: 'confirm: key outside the prefix', method: 'POST', path: () => paths.confirm(), json: { key: 'test/alice/x', md5: validMd5 }, code: 'key_forbidden' },
  { name: 'confirm: MD5 in neither base64 nor hex', method: 'POST', path: () => paths.confirm(), json: { key: 'test/eve/x.bin', md5: 'xyz' }, code: 'invalid_md5' },
  { name: 'confirm: nothing uploaded', method: 'POST', path: () => paths.confirm(), json: { key: 'test/eve/not-uploaded.bin', md5: validMd5 }, code: 'object_not_found' },
  // POST /s3/events, without the events option
  { name: 'events: not configured', method: 'POST', path: () => paths.events('x'), json: { Records: [] }, code: 'not_found' },

  // Anything else under /s3
  { name: 'unknown route', method: 'GET', path: () => '/s3/nothing-here', code: 'not_found' },
  { name: 'unknown route with a malformed escape', method: 'GET', path: () => '/s3/%ZZ', code: 'not_found' },
  { name: 'unknown method on a route', method: 'PUT', path: () => '/s3/multipart', json: {}, code: 'not_found' },
];

/** Paths of odd shapes: the same route (or none) whichever adapter serves them. */
const shapes: Array<{ name: string; path: string; status: number }> = [
  { name: 'literal segments in capitals', path: '/S3/PARAMS?filename=a', status: 200 },
  { name: 'a trailing slash', path: '/s3/params/?filename=a', status: 200 },
  { name: 'a dot-dot segment inside the route', path: '/s3/x/../params?filename=a', status: 200 },
  { name: 'an encoded dot-dot segment leaving /s3', path: '/s3/%2e%2e/params?filename=a', status: 404 },
  { name: 'a dot-dot segment at the end', path: '/s3/params/..?filename=a', status: 404 },
  { name: 'an empty segment', path: '/s3//params?filename=a', status: 404 },
  { name: 'an encoded slash in a literal', path: '/s3%2Fparams?filename=a', status: 404 },
];

describe.each(ADAPTERS)('%s', (adapter) => {
  beforeAll(async () => {
    server = await startTestServer({}, adapter);
    upload = (await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename: 'real.bin' } })).body;
    const part = randomData(10);
    const signed = await callApi<{ url: string; headers: Record<string, string> }>(server, 'GET', paths.part(upload.uploadId, 1, { key: upload.key, md5: md5Base64(part) }), { user });
    await putTo(signed.body.url, part, signed.body.headers);
  });
  afterAll(async () => {
    await callApi(server, 'DELETE', paths.upload(upload.uploadId, upload.key), { user });
    await server.close();
  });

  it.each(cases)('bad input: $name → $code', async ({ method, path, json, rawBody, contentType, code }) => {
    const answer = await callApi<ErrorBody>(server, method, path(), { user, json, rawBody, contentType });
    if (server.answeredByFramework(path())) return expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.cacheControl).toBe('no-store');
    expect(answer.body).toEqual({ code, message: expect.any(String) });
    expect(answer.status).toBe(ERROR_STATUS[code]);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.message).not.toMatch(/at .*\.ts:\d+|Exception|UnknownError|<\?xml/);
  });

  it.each(shapes)('a path with $name → $status', async ({ path, status }) => {
    // Sent as written: fetch would resolve `..` before sending.
    const answer = await server.send({ user, method: 'GET', path });
    if (answer === 'unsendable') throw new Error(`${path} could not be sent`);
    if (server.answeredByFramework(path)) return expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.status).toBe(status);
    if (status === 404) expect(JSON.parse(answer.text)).toMatchObject({ code: 'not_found' });
  });

  // Found by test/conformance/fuzzRoutes.test.ts: a decompression error was answered 500 (when Express's body parser read bodies).
  it.each(['gzip', 'deflate', 'br'])('Content-Encoding: %s on a body that is not so encoded → 400 invalid_body', async (encoding) => {
    const answer = await callApi(server, 'POST', paths.createMultipart(), { user, rawBody: '{"filename":"a.txt"}', contentType: 'application/json', headers: { 'content-encoding': encoding } });
    expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_body', message: expect.any(String) } });
  });

  it('a gzipped JSON body is read', async () => {
    const response = await server.fetch(`${server.base}${paths.createMultipart()}`, {
      method: 'POST',
      headers: { 'x-test-user': user, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{"filename":"zipped.txt"}'),
    });
    expect(response.status).toBe(200);
    const created = (await response.json()) as CreateMultipartResponse;
    await callApi(server, 'DELETE', paths.upload(created.uploadId, created.key), { user });
  });

  it.each(['utf-16', 'latin1', 'bogus'])('a JSON body in charset %s → 400 invalid_body', async (charset) => {
    const answer = await callApi(server, 'POST', paths.createMultipart(), { user, rawBody: '{"filename":"a.txt"}', contentType: `application/json; charset=${charset}` });
    expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_body' } });
  });

  it('a gzipped body that unpacks past the limit → 413 body_too_large', async () => {
    const response = await server.fetch(`${server.base}${paths.createMultipart()}`, {
      method: 'POST',
      headers: { 'x-test-user': user, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ filename: 'a', pad: ' '.repeat(4 * 1024 * 1024) })),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ code: 'body_too_large', message: expect.any(String) });
  });

  // The second case was found by the fuzz test (seed -1062106287): the Web handler stopped
  // reading a body it had refused, so Hono's Node server, unable to discard the rest, closed the
  // kept-alive socket 500 ms after the answer, under the client's next request ("socket hang up").
  it.each<[string, RawRequest['encoding'], number]>([
    ['chunked, over the limit', undefined, 413],
    ['claimed deflate but plain: refused at its first bytes, 1 MiB unread', 'deflate', 400],
  ])('a body refused half-read (%s) leaves the kept-alive connection usable', async (_name, encoding, status) => {
    const refused: RawRequest = { user, method: 'POST', path: paths.createMultipart(), contentType: 'application/json', chunked: true, encoding, body: { oversize: 64 * 1024 } };
    const next: RawRequest = { user, method: 'GET', path: paths.params({ filename: 'after.txt' }) };
    const answers = await server.sendOnOneConnection([refused, next, refused, next]);
    expect(answers.map((answer) => answer.status)).toEqual([status, 200, status, 200]);
  });

  it('the real upload survived all of it', async () => {
    const listed = await callApi<unknown[]>(server, 'GET', paths.upload(upload.uploadId, key()), { user });
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
  });
});
