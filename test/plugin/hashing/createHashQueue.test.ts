/** The hash queue against node:crypto, in Node. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toDigest } from '../../../plugin/md5/digest.js';
import { createHashQueue } from '../../../plugin/hashing/createHashQueue.js';

const MiB = 1024 * 1024;

describe('createHashQueue', () => {
  it('the hash queue streams the blob and matches node:crypto', async () => {
    const bytes = createHash('sha512').update('seed').digest();
    const data = new Uint8Array(3 * MiB + 7).map((_, i) => bytes[i % bytes.length]!);
    const { digest } = await createHashQueue()(new Blob([data]))[0]!;
    expect(toDigest(digest).hex).toBe(createHash('md5').update(data).digest('hex'));
    expect(toDigest(digest).base64).toBe(createHash('md5').update(data).digest('base64'));
  });

  it('the hash queue hashes blobs given at once one after another, each right', async () => {
    const hash = createHashQueue();
    const blobs = [MiB + 1, 0, 300_000].map((size, n) => new Uint8Array(size).map((_, i) => (i * 31 + n) & 0xff));
    const digests = await Promise.all(blobs.map((data) => hash(new Blob([data]))[0]!));
    expect(digests.map(({ digest }) => toDigest(digest).hex)).toEqual(blobs.map((data) => createHash('md5').update(data).digest('hex')));
  });
});
