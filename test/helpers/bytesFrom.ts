/** `length` pseudo-random bytes from `seed` (xorshift32): fast-check shrinks the seed and length, not 200 KiB of arbitraries. */
export function bytesFrom(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
