/**
 * MD5's definition (RFC 1321), for the code that computes it (createMd5, createSimdMd5, createJsMd5): 64 steps in
 * four rounds of 16. Step `i` updates one state word `A` from the other three:
 * `A = B + rotl(A + K + X[word] + mix(B, C, D), rotation)`, then the words turn (`[A, B, C, D] = [D, A, B, C]`).
 */

/** How a round mixes B, C and D: F `(B & C) | (~B & D)`, G `(B & D) | (C & ~D)`, H `B ^ C ^ D`, I `C ^ (B | ~D)`. */
export type Md5Mix = 'F' | 'G' | 'H' | 'I';

export interface Md5Step {
  mix: Md5Mix;
  /** The message word (0–15 of the 64-byte block) the step adds. */
  word: number;
  rotation: number;
  /** The constant: floor(|sin(i + 1)| × 2^32), as an i32. */
  k: number;
}

const ROUNDS = [
  { mix: 'F', word: (i: number) => i, rotations: [7, 12, 17, 22] },
  { mix: 'G', word: (i: number) => (5 * i + 1) & 15, rotations: [5, 9, 14, 20] },
  { mix: 'H', word: (i: number) => (3 * i + 5) & 15, rotations: [4, 11, 16, 23] },
  { mix: 'I', word: (i: number) => (7 * i) & 15, rotations: [6, 10, 15, 21] },
] as const;

/** MD5's 64 steps, in order. */
export const md5Steps: readonly Md5Step[] = Array.from({ length: 64 }, (_, i) => {
  const round = ROUNDS[i >> 4] as (typeof ROUNDS)[number];
  return { mix: round.mix, word: round.word(i), rotation: round.rotations[i & 3] as number, k: Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0 };
});

/** The state a digest starts from: a b c d. */
export const MD5_INITIAL_STATE = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476] as const;
