/** Pure logic, no I/O: input parsing, key naming, part sizes. */
import { describe, expect, it } from 'vitest';
import { choosePartSize, MAX_PARTS, MIN_PART_SIZE } from '../../../contract.js';
import { multipartETag } from '../../../middleware/core/multipartETag.js';
import { createObjectKey, isKeyInPrefix, sanitizeFilename } from '../../../middleware/core/objectKey.js';
import { parseCompleteParts, parseMd5, parseMetadata, parsePartNumber, parseKey } from '../../../middleware/core/parseInput.js';
import { UploadError } from '../../../middleware/core/UploadError.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof UploadError ? error.code : 'not an UploadError';
  }
  return 'no error';
};

describe('parsePartNumber', () => {
  it.each([1, 10_000, '1', '10000', '00042'])('accepts %o', (value) => expect(codeOf(() => parsePartNumber(value))).toBe('no error'));
  it.each([0, 10_001, -1, 1.5, '1.5', '', ' 1', '0x10', '1e3', NaN, Infinity, null, [1], '100000'])('refuses %o', (value) =>
    expect(codeOf(() => parsePartNumber(value))).toBe('invalid_part_number'));
});

describe('parseMd5', () => {
  it('accepts a real base64 MD5', () => expect(parseMd5('1B2M2Y8AsgTpgAmY7PhCfg==')).toBe('1B2M2Y8AsgTpgAmY7PhCfg=='));
  it.each(['1B2M2Y8AsgTpgAmY7PhCfg', '1B2M2Y8AsgTpgAmY7PhCfg=', 'd41d8cd98f00b204e9800998ecf8427e', '1B2M2Y8AsgTpgAmY7PhC-g==', 5])('refuses %o', (value) =>
    expect(codeOf(() => parseMd5(value))).toBe('invalid_md5'));
});

describe('parseKey', () => {
  it.each(['a', 'uploads/abc/file.txt', 'uploads/é/ü.txt', 'uploads/\ud83d\ude00.txt'])('accepts %o', (key) => expect(parseKey(key)).toBe(key));
  // A lone surrogate (JSON can carry one, found by the fuzz on confirm): the AWS SDK throws on it.
  it.each(['', '/a', 'a//b', 'a/./b', 'a/../b', '..', 'a/', 'a\u0000b', 'a\u0085b', 'x'.repeat(1025), 7, 'a/\udfff', 'a\ud800b', 'a\udc00\ud800'])('refuses %o', (key) =>
    expect(codeOf(() => parseKey(key))).toBe('invalid_key'));
});

describe('parseMetadata', () => {
  it('keeps strings, stringifies numbers and booleans, drops null and lower-cases names', () => {
    expect(parseMetadata({ Name: 'a.txt', size: 3, ok: true, relativePath: null })).toEqual({ name: 'a.txt', size: '3', ok: 'true' });
  });
  it('counts non-ASCII values as stored (RFC 2047 encoded, a third larger)', () => {
    expect(parseMetadata({ a: 'x'.repeat(2000) })).toBeDefined();
    expect(codeOf(() => parseMetadata({ a: 'é'.repeat(800) }))).toBe('invalid_metadata');
  });
  it.each([[['a']], [{ 'a b': 'x' }], [{ a: {} }], [{ a: 'x'.repeat(2048) }], ['text']])('refuses %o', (value) =>
    expect(codeOf(() => parseMetadata(value))).toBe('invalid_metadata'));
});

describe('parseCompleteParts', () => {
  it('sorts by part number', () => {
    expect(parseCompleteParts([{ PartNumber: 2, ETag: '"b"' }, { PartNumber: 1, ETag: '"a"' }]).map((p) => p.PartNumber)).toEqual([1, 2]);
  });
  it('refuses duplicates', () => expect(codeOf(() => parseCompleteParts([{ PartNumber: 1, ETag: 'a' }, { PartNumber: 1, ETag: 'b' }]))).toBe('invalid_parts'));
});

describe('object keys', () => {
  it.each([
    ['My Holiday (1).JPG', 'My_Holiday_1_.JPG'],
    ['résumé.pdf', 'résumé.pdf'],
    ['.htaccess', 'htaccess'],
    ['<script>.html', 'script_.html'],
    ['???', 'file'],
    ['日本語のファイル.txt', '日本語のファイル.txt'],
    ['evil\u202Etxt.exe', 'evil_txt.exe'],
    ['a\u2215b／c.txt', 'a_b_c.txt'],
  ])('sanitizeFilename(%o) is %o', (input, output) => expect(sanitizeFilename(input)).toBe(output));

  it('keeps the extension when shortening', () => {
    const name = sanitizeFilename(`${'a'.repeat(300)}.tar.gz`);
    expect(name).toHaveLength(120);
    expect(name.endsWith('.gz')).toBe(true);
  });

  it('creates a random key under the prefix', () => {
    const a = createObjectKey('users/1/', 'a b.txt');
    expect(a).toMatch(/^users\/1\/[0-9a-f]{32}\/a_b\.txt$/);
    expect(createObjectKey('users/1/', 'a b.txt')).not.toBe(a);
  });

  it('prefix containment is by whole path segments when prefixes end with "/"', () => {
    expect(isKeyInPrefix('users/1/x', 'users/1/')).toBe(true);
    expect(isKeyInPrefix('users/10/x', 'users/1/')).toBe(false);
    expect(isKeyInPrefix('users/1/', 'users/1/')).toBe(false);
    expect(isKeyInPrefix('anything', '')).toBe(true);
  });
});

describe('choosePartSize', () => {
  const MiB = 1024 * 1024;
  it('uses the preferred size while the file fits in 10,000 parts', () => expect(choosePartSize(1024 * MiB, 8 * MiB)).toBe(8 * MiB));
  it('grows in whole MiB for huge files', () => {
    const size = 200 * 1024 * MiB;
    const partSize = choosePartSize(size, MIN_PART_SIZE);
    expect(partSize % MiB).toBe(0);
    expect(Math.ceil(size / partSize)).toBeLessThanOrEqual(MAX_PARTS);
    expect(partSize).toBe(21 * MiB);
  });
});

describe('multipartETag', () => {
  it('is the MD5 of the binary part digests, then -N', () => {
    // md5("") and md5("a"), concatenated as bytes, hashed: computed independently with openssl.
    expect(multipartETag(['"d41d8cd98f00b204e9800998ecf8427e"', '0cc175b9c0f1b6a831c399e269772661'])).toBe('"68083ea43d0307eecfa2b4749f19df15-2"');
  });
  it('is undefined when a part ETag is not an MD5', () => expect(multipartETag(['"abc"'])).toBeUndefined());
});
