/** The plugin's options, checked once at construction. */
import Uppy from '@uppy/core';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../plugin/options.js';
import { S3ResumableUpload } from '../../plugin/S3ResumableUpload.js';

describe('resolveOptions', () => {
  it('takes MD5s by default (also when `md5` is given as undefined), and keeps `md5: false`', () => {
    expect(resolveOptions({ endpoint: '/upload' }).md5).toBe(true);
    expect(resolveOptions({ endpoint: '/upload', md5: undefined }).md5).toBe(true);
    expect(resolveOptions({ endpoint: '/upload', md5: true }).md5).toBe(true);
    expect(resolveOptions({ endpoint: '/upload', md5: false }).md5).toBe(false);
  });

  it.each([
    ['false', 'Expected `md5` to be a boolean, got `false` (string)'],
    [0, 'Expected `md5` to be a boolean, got `0` (number)'],
    [null, 'Expected `md5` to be a boolean, got `null` (object)'],
  ])('refuses `md5: %j`, naming the option, the value and its type', (md5, message) => {
    expect(() => resolveOptions({ endpoint: '/upload', md5: md5 as never })).toThrow(new TypeError(message));
  });

  it('is what the plugin runs at construction', () => {
    expect(() => new Uppy().use(S3ResumableUpload, { endpoint: '/upload', md5: 'no' as never })).toThrow(
      new TypeError('Expected `md5` to be a boolean, got `no` (string)'),
    );
    const plugin = new S3ResumableUpload(new Uppy(), { endpoint: '/upload', md5: false });
    expect(plugin.opts.md5).toBe(false);
    expect(plugin.getCounters()).toMatchObject({ hashedBytes: 0, hashMs: 0 });
  });
});
