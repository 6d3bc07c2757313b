/** The SIMD MD5 (lanes of WebAssembly i32x4) against node:crypto, in Node, with hashInLanes driving it. */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimdMd5, LANE_CAPACITY } from '../../../plugin/md5/createSimdMd5.js';
import { hashInLanes } from '../../../plugin/hashing/hashInLanes.js';
import type { BlobReading } from '../../../plugin/hashing/readBlob.js';
import { simdSupported } from '../../../plugin/md5/simdSupported.js';
import { bytesFrom } from '../../helpers/bytesFrom.js';
import { hex, md5All, nodeMd5, readingOf } from '../../helpers/md5Lanes.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('createSimdMd5', () => {
  it('runs here: Node validates WebAssembly SIMD', () => {
    expect(simdSupported()).toBe(true);
  });

  it("hashes MD5's known inputs in every lane", async () => {
    const hasher = await createSimdMd5();
    expect(hasher.lanes).toBe(8);
    const fox = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
    const inputs = Array.from({ length: 8 }, (_, i) => (i % 2 ? fox : new Uint8Array(0)));
    expect(await md5All(hasher, inputs)).toEqual(inputs.map((_, i) => (i % 2 ? '9e107d9d372bb6826bd81d3542a419d6' : 'd41d8cd98f00b204e9800998ecf8427e')));
  });

  it('agrees with node:crypto on every length from 0 to 300 in every lane, lanes of one length', async () => {
    const hasher = await createSimdMd5();
    for (let length = 0; length <= 300; length++) {
      const inputs = Array.from({ length: 8 }, () => randomBytes(length));
      expect(await md5All(hasher, inputs), `length ${length}`).toEqual(inputs.map(nodeMd5));
    }
  });

  it('agrees with node:crypto on every length from 0 to 300 beside lanes of other lengths', async () => {
    const hasher = await createSimdMd5();
    for (let length = 0; length <= 300; length++) {
      const lengths = [length, 300 - length, (length * 7) % 301, (length * 13 + 5) % 301, (length * 3) % 301, 150, (length + 64) % 301, (length * 11) % 301];
      const inputs = lengths.map((each) => randomBytes(each));
      expect(await md5All(hasher, inputs), `lengths ${lengths.join(', ')}`).toEqual(inputs.map(nodeMd5));
    }
  });

  it('agrees around blocks and the lane capacity, inputs cut into chunks of all sizes', async () => {
    const hasher = await createSimdMd5();
    const lengths = new Set<number>();
    for (const base of [128, 1024, LANE_CAPACITY - 64, LANE_CAPACITY, 2 * LANE_CAPACITY]) for (const delta of [-65, -64, -63, -1, 0, 1, 55, 56, 63, 64, 65]) lengths.add(base + delta);
    const inputs = [...lengths].map((length) => randomBytes(length));
    for (const chunk of [1, 63, 64, 1000, 64 * KiB, LANE_CAPACITY - 1, LANE_CAPACITY, LANE_CAPACITY + 65]) {
      const cutsOf = (i: number) => Array.from({ length: Math.min(Math.ceil((inputs[i]!.length || 1) / chunk), 300) }, (_, n) => (n + 1) * chunk);
      expect(await md5All(hasher, inputs, cutsOf), `chunks of ${chunk}`).toEqual(inputs.map(nodeMd5));
    }
  });

  it('agrees on MiBs of random bytes: lanes that end early finish and take the next input', async () => {
    const hasher = await createSimdMd5();
    const inputs = [3 * MiB + 13, 5 * MiB, 100, 8 * MiB - 1, 0, 2 * MiB + 64, 777_777, 5 * MiB + 5, 1, 4 * MiB, 65, 3 * MiB - 7, MiB, 6 * MiB + 1, 300, 2 * MiB].map((length) =>
      randomBytes(length),
    );
    const cutsOf = (i: number) => Array.from({ length: Math.ceil(inputs[i]!.length / (256 * KiB)) }, (_, n) => (n + 1) * 256 * KiB);
    expect(await md5All(hasher, inputs, cutsOf)).toEqual(inputs.map(nodeMd5));
    expect(await md5All(hasher, inputs)).toEqual(inputs.map(nodeMd5)); // whole inputs in one chunk each
  });

  it('gives the right digests however many inputs, of whatever lengths, cut however (zero-length chunks included)', async () => {
    const hasher = await createSimdMd5();
    const input = fc.record({ seed: fc.integer(), length: fc.nat({ max: 100 * KiB }), cuts: fc.array(fc.nat(), { maxLength: 20 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(input, { minLength: 1, maxLength: 20 }), async (specs) => {
        const inputs = specs.map(({ seed, length }) => bytesFrom(seed, length));
        const cutsOf = (i: number) => specs[i]!.cuts.map((cut) => cut % (inputs[i]!.length + 1));
        expect(await md5All(hasher, inputs, cutsOf)).toEqual(inputs.map(nodeMd5));
      }),
      { numRuns: 150 },
    );
  });

  it('hashes readings cut into consecutive parts (runs of parts read through one stream): a digest per part', async () => {
    const hasher = await createSimdMd5();
    const hash = hashInLanes(Promise.resolve(hasher));
    const part = fc.record({ seed: fc.integer(), parts: fc.array(fc.nat({ max: 70 * KiB }), { minLength: 1, maxLength: 5 }), cuts: fc.array(fc.nat(), { maxLength: 12 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 14 }), async (specs) => {
        const runs = specs.map(({ seed, parts, cuts }) => {
          const data = bytesFrom(seed, parts.reduce((sum, size) => sum + size, 0));
          const reading = readingOf(data, cuts.map((cut) => cut % (data.length + 1)));
          let at = 0;
          const expected = parts.map((size) => nodeMd5(data.subarray(at, (at += size))));
          return { digests: hash(reading, parts), expected };
        });
        for (const { digests, expected } of runs) expect((await Promise.all(digests)).map(({ digest }) => hex(digest))).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('a reading that ends before its parts do: the parts it covered resolve, the rest reject', async () => {
    const hash = hashInLanes(createSimdMd5());
    const data = randomBytes(300 * KiB);
    const cut = hash(readingOf(data, [100 * KiB]), [200 * KiB, 90 * KiB, 50 * KiB, 1]);
    const results = await Promise.allSettled(cut);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect(results[1]).toMatchObject({ value: { digest: new Uint8Array(createHash('md5').update(data.subarray(200 * KiB, 290 * KiB)).digest()) } });
    expect(results[2]).toMatchObject({ reason: { message: 'The blob ended 40960 bytes into part 3 of 4.' } });
    // The last part short: the digest of what came, as for a reading of one part.
    const [whole] = hash(readingOf(data), [data.length + 10]);
    expect(hex((await whole!).digest)).toBe(nodeMd5(data));
  });

  it('takes no more than a lane holds, and hashes lanes holding unequal amounts together', async () => {
    const hasher = await createSimdMd5();
    const data = randomBytes(LANE_CAPACITY + 1000);
    hasher.init(0);
    expect(hasher.update(0, data)).toBe(LANE_CAPACITY);
    expect(hasher.update(0, data.subarray(LANE_CAPACITY))).toBe(0);
    hasher.init(1);
    expect(hasher.update(1, data.subarray(0, 130))).toBe(130);
    expect(hasher.hash()).toBe(2); // lane 1 holds two whole blocks: both lanes hash two
    expect([hasher.held(0), hasher.held(1), hasher.held(2)]).toEqual([LANE_CAPACITY - 128, 2, 0]);
    expect(hasher.update(0, data.subarray(LANE_CAPACITY))).toBe(128);
    expect(hex(hasher.digest(1))).toBe(nodeMd5(data.subarray(0, 130)));
    expect(hasher.hash()).toBe(LANE_CAPACITY / 64); // lane 0 alone: the one-lane code
    expect(hasher.update(0, data.subarray(LANE_CAPACITY + 128))).toBe(1000 - 128);
    expect(hex(hasher.digest(0))).toBe(nodeMd5(data));
  });

  it('hashes any set of lanes together (one lane alone, one register, both), the others kept as they were', async () => {
    const hasher = await createSimdMd5();
    const data = randomBytes(8 * 1000);
    const spare = randomBytes(200); // what the lanes outside the set hold meanwhile
    for (let set = 1; set < 256; set++) {
      const lanes = [0, 1, 2, 3, 4, 5, 6, 7];
      for (const lane of lanes) {
        hasher.init(lane);
        hasher.update(lane, set & (1 << lane) ? data.subarray(lane * 1000, lane * 1000 + 300 + 64 * lane) : spare.subarray(0, 63));
      }
      hasher.hash();
      for (const lane of lanes) if (!(set & (1 << lane))) hasher.update(lane, spare.subarray(63));
      const expected = lanes.map((lane) => nodeMd5(set & (1 << lane) ? data.subarray(lane * 1000, lane * 1000 + 300 + 64 * lane) : spare));
      expect(
        lanes.map((lane) => hex(hasher.digest(lane))),
        `lanes ${set.toString(2)}`,
      ).toEqual(expected);
    }
  });

  it('a reading that fails rejects its digest only; the other lanes finish', async () => {
    const hash = hashInLanes(createSimdMd5());
    const data = randomBytes(600 * KiB);
    const failing: BlobReading = { next: () => Promise.reject(new Error('NotReadableError')) };
    const results = await Promise.allSettled([hash(readingOf(data, [1000, 300 * KiB]), [data.length])[0]!, hash(failing, [1])[0]!, hash(readingOf(data.subarray(5)), [data.length - 5])[0]!]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toMatchObject({ value: { digest: new Uint8Array(createHash('md5').update(data).digest()) } });
    expect(results[2]).toMatchObject({ value: { digest: new Uint8Array(createHash('md5').update(data.subarray(5)).digest()) } });
  });
});
