/** Just-in-time signing of parts in small batches, re-signed within the expiry margin. */
import { describe, expect, it, vi } from 'vitest';
import { type BatchPartRequest } from '../../../contract.js';
import { toDigest } from '../../../plugin/md5/digest.js';
import { PartSigner } from '../../../plugin/upload/PartSigner.js';

const MiB = 1024 * 1024;

describe('PartSigner', () => {
  const settings = { retryDelays: [], expiryMargin: 60_000, maxResigns: 3, serverOutageTimeout: 0 };
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
