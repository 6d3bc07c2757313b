/** Part planning, just-in-time signing, the request limit and MD5s, without a browser. */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { MAX_OBJECT_SIZE, MAX_PARTS, MIN_PART_SIZE, type BatchPartRequest } from '../../contract.js';
import { createRequestLimiter } from '../../plugin/network/createRequestLimiter.js';
import { toDigest, unquoteETag } from '../../plugin/md5/digest.js';
import { createHashQueue } from '../../plugin/hashing/createHashQueue.js';
import { multipartETag, multipartETagForm } from '../../plugin/upload/multipartETagOfDigests.js';
import { PartSigner } from '../../plugin/upload/PartSigner.js';
import { planHashRuns } from '../../plugin/upload/planHashRuns.js';
import { planParts } from '../../plugin/upload/planParts.js';
import { multipartETag as serverMultipartETag } from '../../middleware/core/multipartETag.js';

const MiB = 1024 * 1024;

describe('planParts', () => {
  it('cuts equal parts and a shorter last one', () => {
    const parts = planParts(20 * MiB + 1, 8 * MiB);
    expect(parts.map((part) => part.size)).toEqual([8 * MiB, 8 * MiB, 4 * MiB + 1]);
    expect(parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);
    expect(parts[2]).toMatchObject({ start: 16 * MiB, end: 20 * MiB + 1 });
  });

  it('never goes below 5 MiB nor above 10,000 parts', () => {
    expect(planParts(12 * MiB, 1 * MiB)[0]!.size).toBe(MIN_PART_SIZE);
    const parts = planParts(MAX_OBJECT_SIZE, 8 * MiB); // 5 TiB would be 655,360 parts of 8 MiB
    expect(parts.length).toBeLessThanOrEqual(MAX_PARTS); // whole-MiB parts: 9,987 of 525 MiB
    expect(new Set(parts.slice(0, -1).map((part) => part.size)).size).toBe(1);
    expect(parts.at(-1)!.end).toBe(MAX_OBJECT_SIZE);
  });

  it('plans no part for an empty file', () => expect(planParts(0, 8 * MiB)).toEqual([]));
});

describe('planHashRuns', () => {
  const parts = planParts(100 * 8 * MiB, 8 * MiB); // 100 parts
  const numbers = (runs: Array<Array<{ partNumber: number }>>) => runs.map((run) => run.map((part) => part.partNumber));

  it('asks for whole batches of one run per lane, the runs growing from 1 part to 2, then 4', () => {
    const first = planHashRuns(parts.slice(0, 65), { lanes: 8, window: 64, batches: 0, toEnd: false });
    expect(first.batches).toBe(3);
    expect(numbers(first.runs)).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n]),
      ...[9, 11, 13, 15, 17, 19, 21, 23].map((n) => [n, n + 1]),
      ...[25, 29, 33, 37, 41, 45, 49, 53].map((n) => [n, n + 1, n + 2, n + 3]),
    ]);
    // Parts 57-65 are not a whole batch of runs of 4: they wait for more of the window.
    expect(planHashRuns(parts.slice(56, 65), { lanes: 8, window: 64, batches: 3, toEnd: false })).toEqual({ runs: [], batches: 3 });
    expect(numbers(planHashRuns(parts.slice(56, 88), { lanes: 8, window: 64, batches: 3, toEnd: false }).runs)).toHaveLength(8);
  });

  it("asks for the file's last parts in runs as long as the batch's, and cuts runs where parts are not adjacent", () => {
    expect(numbers(planHashRuns(parts.slice(89), { lanes: 8, window: 64, batches: 5, toEnd: true }).runs)).toEqual([[90, 91, 92, 93], [94, 95, 96, 97], [98, 99, 100]]);
    expect(numbers(planHashRuns(parts.slice(0, 5), { lanes: 8, window: 64, batches: 0, toEnd: true }).runs)).toEqual([[1], [2], [3], [4], [5]]);
    const gap = [...parts.slice(0, 2), ...parts.slice(3, 5)]; // part 3 known from before
    expect(numbers(planHashRuns(gap, { lanes: 1, window: 64, batches: 2, toEnd: true }).runs)).toEqual([[1, 2], [4, 5]]);
  });

  it('fits a window smaller than a batch, and one lane', () => {
    expect(numbers(planHashRuns(parts.slice(0, 5), { lanes: 8, window: 4, batches: 0, toEnd: false }).runs)).toEqual([[1], [2], [3], [4]]);
    expect(numbers(planHashRuns(parts.slice(0, 20), { lanes: 1, window: 16, batches: 0, toEnd: false }).runs)).toEqual([[1], [2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15], [16, 17, 18, 19]]);
    expect(planHashRuns(parts.slice(0, 3), { lanes: 8, window: 0, batches: 0, toEnd: false }).runs).toHaveLength(3);
  });
});

describe('PartSigner', () => {
  const settings = { retryDelays: [], expiryMarginMs: 60_000, maxResigns: 3, serverOutageMs: 0 };
  const digest = (n: number) => toDigest(new Uint8Array(16).fill(n));
  const part = (n: number) => ({ partNumber: n, start: (n - 1) * 5 * MiB, end: n * 5 * MiB, size: 5 * MiB });

  /** `hashed: false` is `md5: false`: the parts come with no digest. */
  function signerWith(lifetimeS: number, upcoming: number[] = [], hashed = true) {
    const batches: BatchPartRequest[][] = [];
    let resigns = 0;
    const signer = new PartSigner({
      sign: async (batch) => {
        batches.push(batch);
        return {
          parts: batch.map((p) => ({
            partNumber: p.partNumber,
            url: `https://s3/${p.partNumber}?n=${batches.length}`,
            headers: (p.md5 === undefined ? {} : { 'Content-MD5': p.md5 }) as Record<string, string>,
            expires: lifetimeS,
          })),
        };
      },
      upcoming: () => upcoming.map((n) => ({ part: part(n), digest: hashed ? digest(n) : undefined })),
      batchSize: 3,
      settings,
      onResign: () => (resigns += 1),
    });
    return { signer, batches, resigns: () => resigns };
  }

  it('signs the next parts along, in one small batch, and serves them from it', async () => {
    const { signer, batches } = signerWith(900, [2, 3, 4, 5]);
    const first = await signer.urlFor(part(1), digest(1), false);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(batches[0]![0]).toEqual({ partNumber: 1, md5: digest(1).base64, size: 5 * MiB });
    expect(first.headers['Content-MD5']).toBe(digest(1).base64);
    await signer.urlFor(part(2), digest(2), false);
    expect(batches).toHaveLength(1);
  });

  it('re-signs a URL within the margin before handing it out, and counts it', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const { signer, batches, resigns } = signerWith(3);
      await signer.urlFor(part(1), digest(1), false);
      vi.setSystemTime(1_000); // 2 s left of 3: still usable (margin is half the life)
      await signer.urlFor(part(1), digest(1), false);
      expect(batches).toHaveLength(1);
      vi.setSystemTime(1_600); // 1.4 s left: stale
      const renewed = await signer.urlFor(part(1), digest(1), false);
      expect(batches).toHaveLength(2);
      expect(renewed.expiresAt).toBe(4_600);
      expect(resigns()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('signs again when forced (S3 refused the URL) or when the part was hashed to another MD5', async () => {
    const { signer, batches } = signerWith(900);
    await signer.urlFor(part(1), digest(1), false);
    await signer.urlFor(part(1), digest(1), true);
    await signer.urlFor(part(1), digest(9), false);
    expect(batches.map((b) => b[0]!.md5)).toEqual([digest(1).base64, digest(1).base64, digest(9).base64]);
  });

  it('without MD5s (md5: false) signs parts by number and size alone, batched, and serves them from the batch', async () => {
    const { signer, batches } = signerWith(900, [2, 3, 4], false);
    const first = await signer.urlFor(part(1), undefined, false);
    expect(batches).toEqual([[1, 2, 3].map((n) => ({ partNumber: n, size: 5 * MiB }))]);
    expect(Object.keys(batches[0]![0]!)).toEqual(['partNumber', 'size']);
    expect(first.headers).toEqual({});
    expect(first.md5).toBeUndefined();
    await signer.urlFor(part(3), undefined, false);
    expect(batches).toHaveLength(1);
    await signer.urlFor(part(3), undefined, true); // refused as expired: signed again, still without an MD5
    expect(batches).toHaveLength(2);
    expect(batches[1]![0]).toEqual({ partNumber: 3, size: 5 * MiB });
  });
});

describe('createRequestLimiter', () => {
  it('runs at most `limit` at once, first come first served, and frees a slot on abort', async () => {
    const limiter = createRequestLimiter(2);
    const signal = new AbortController().signal;
    const a = await limiter.acquire(signal);
    await limiter.acquire(signal);
    const order: string[] = [];
    const waiting = new AbortController();
    const c = limiter.acquire(waiting.signal);
    const d = limiter.acquire(signal).then((release) => (order.push('d'), release));
    waiting.abort(new Error('gone'));
    await expect(c).rejects.toThrow('gone');
    expect(limiter.active).toBe(2);
    a();
    a(); // releasing twice frees one slot only
    await d;
    expect(order).toEqual(['d']);
    expect(limiter.active).toBe(2);
  });
});

describe('MD5', () => {
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

  it("multipartETag agrees with the middleware's and reads ETag forms", async () => {
    const parts = [1, 2, 3].map((n) => toDigest(new Uint8Array(createHash('md5').update(`part ${n}`).digest())));
    expect(await multipartETag(parts)).toBe(serverMultipartETag(parts.map((p) => p.hex))!.replace(/"/g, ''));
    expect(multipartETagForm('"0123456789abcdef0123456789ABCDEF-3"')).toBe('0123456789abcdef0123456789abcdef-3');
    expect(multipartETagForm('"0123456789abcdef0123456789abcdef"')).toBeUndefined();
    expect(unquoteETag('W/"abc"')).toBe('abc');
  });
});
