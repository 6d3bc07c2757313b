/** The plugin's one-stream MD5s against node:crypto's, in Node: the hand-built WebAssembly one (createMd5) and the plain-JavaScript one for pages that forbid WebAssembly (createJsMd5), through the same tests. */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsMd5 } from '../../../plugin/md5/createJsMd5.js';
import { createMd5, type Md5Hasher } from '../../../plugin/md5/createMd5.js';
import { bytesFrom } from '../../helpers/bytesFrom.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The bytes createMd5 stages in its memory per call into WebAssembly (lengths around it matter to it alone, and cost the other little). */
const CAPACITY = 64 * KiB;

const nodeMd5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const md5Of = (hasher: Md5Hasher, data: Uint8Array) => hex(hasher.init().update(data).digest());

const implementations = [
  { name: 'createMd5 (WebAssembly)', create: createMd5 },
  { name: 'createJsMd5 (plain JavaScript)', create: async () => createJsMd5() },
];

describe.each(implementations)('$name', ({ create }) => {
  it("hashes the empty input to MD5's known digest", async () => {
    const hasher = await create();
    expect(hex(hasher.digest())).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Of(hasher, new Uint8Array(0))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Of(hasher, new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe('9e107d9d372bb6826bd81d3542a419d6');
  });

  it('agrees with node:crypto on every length from 0 to 300', async () => {
    const hasher = await create();
    const data = randomBytes(300);
    for (let length = 0; length <= 300; length++) expect(md5Of(hasher, data.subarray(0, length)), `length ${length}`).toBe(nodeMd5(data.subarray(0, length)));
  });

  it('agrees around 64-byte blocks and the 64 KiB staging capacity', async () => {
    const hasher = await create();
    const lengths = new Set<number>();
    for (const base of [64, 128, 1024, CAPACITY - 64, CAPACITY, 2 * CAPACITY, 3 * CAPACITY, 4 * CAPACITY])
      for (const delta of [-65, -64, -63, -9, -8, -7, -1, 0, 1, 7, 8, 9, 63, 64, 65]) lengths.add(base + delta);
    const data = randomBytes(4 * CAPACITY + 65);
    for (const length of lengths) expect(md5Of(hasher, data.subarray(0, length)), `length ${length}`).toBe(nodeMd5(data.subarray(0, length)));
  });

  it('agrees on a few MiB of random bytes, whole and in parts', async () => {
    const hasher = await create();
    const data = randomBytes(5 * MiB + 13);
    expect(md5Of(hasher, data)).toBe(nodeMd5(data));
    for (const chunk of [1000, 256 * KiB, MiB + 1]) {
      hasher.init();
      for (let at = 0; at < data.length; at += chunk) hasher.update(data.subarray(at, at + chunk));
      expect(hex(hasher.digest()), `chunks of ${chunk}`).toBe(nodeMd5(data));
    }
  });

  it('gives the same digest however the data is cut into updates (zero-length ones included)', async () => {
    const hasher = await create();
    await fc.assert(
      fc.property(fc.integer(), fc.nat({ max: 200 * KiB }), fc.array(fc.nat(), { maxLength: 40 }), (seed, length, cuts) => {
        const data = bytesFrom(seed, length);
        const points = [0, ...cuts.map((cut) => cut % (length + 1)).sort((a, b) => a - b), length];
        hasher.init();
        for (let i = 1; i < points.length; i++) hasher.update(data.subarray(points[i - 1], points[i]));
        expect(hex(hasher.digest())).toBe(nodeMd5(data));
      }),
      { numRuns: 300 },
    );
  });

  it('init() drops what a used hasher was fed', async () => {
    const hasher = await create();
    const data = randomBytes(70_000);
    hasher.update(randomBytes(100_003)); // a partial block staged
    expect(hex(hasher.init().update(data).digest())).toBe(nodeMd5(data));
  });

  it('serves many digests in turn, and starts over after each', async () => {
    const hasher = await create();
    for (let i = 0; i < 200; i++) {
      const data = randomBytes((i * 997) % 5000);
      expect(hex(hasher.update(data).digest()), `digest ${i}`).toBe(nodeMd5(data)); // no init(): digest() started over
    }
  });

  it('keeps two hashers fed in turn apart', async () => {
    const [one, two] = await Promise.all([create(), create()]);
    const a = randomBytes(300 * KiB + 5);
    const b = randomBytes(200 * KiB + 77);
    for (let at = 0; at < a.length; at += 33 * KiB) {
      one.update(a.subarray(at, at + 33 * KiB));
      two.update(b.subarray(at, at + 33 * KiB));
    }
    expect([hex(one.digest()), hex(two.digest())]).toEqual([nodeMd5(a), nodeMd5(b)]);
  });
});
