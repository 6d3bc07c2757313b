import { md5Steps } from './md5Steps.js';
import { get, i32, op, set, shuffle32, simd, V128, v128Load, v128Store, VOID_BLOCK, type WasmFunction } from './wasmModule.js';

/** Where the function finds MD5's constants and its scratch space (constant addresses, multiples of 16). */
export interface SimdMd5Layout {
  /** MD5's 64 constants, each repeated in four lanes: 1 KiB. */
  constants: number;
  /** 256 bytes per group where a block's message words are laid out by word, four lanes each. */
  words: number;
}

/**
 * The WebAssembly function `name(stateAt, maskAt, p0, …, p(4·groups − 1), count)`: 4 × `groups` MD5s
 * advanced together in the four 32-bit lanes of `groups` 128-bit SIMD registers (multi-buffer MD5),
 * `count` blocks each (at least one): lane i hashes the `count` 64-byte blocks at `p_i` on from its
 * state. Group g's state is 64 bytes at `stateAt + 64g`: its lanes' a words, then b, c, d (lane
 * i's word j at `+ 16j + 4i`). `maskAt + 16g` holds group g's mask: all ones in the lanes whose new
 * state is kept; the others keep the state they had (computed over whatever `p_i` pointed to, which
 * must lie in memory, and dropped).
 *
 * Each block's message blocks are transposed (16-byte loads, eight 32-bit shuffles per quarter)
 * so that one register holds word k of four lanes; MD5's 64 steps are unrolled as in
 * md5BlocksFunction, with i32x4 adds, and/andnot/or/xor, and a rotation made of two shifts and an
 * or (SIMD has no rotate). Within a group each step waits on the one before, as in one-lane MD5;
 * the groups' steps are independent and interleaved, so one group's step runs while another's
 * waits: where SIMD operations take 2 cycles to deliver (AMD Zen 5: 2 against 1 for scalar ones,
 * measured), one group is bound by that wait (1.6x the one-lane MD5 there) and two run in the
 * same time (3.1x).
 */
export function simdMd5BlocksFunction(name: string, groups: number, { constants, words }: SimdMd5Layout): WasmFunction {
  // Locals: the parameters, then (v128) each group's a b c d and their values at the block's start,
  // four rows and four halves for the transposes, and a temporary per group.
  const [stateAt, maskAt] = [0, 1];
  const pointers = Array.from({ length: 4 * groups }, (_, i) => 2 + i);
  const count = 2 + 4 * groups;
  let next = count + 1;
  const take = () => next++;
  const quad = () => [take(), take(), take(), take()] as const;
  const state = Array.from({ length: groups }, quad);
  const saved = Array.from({ length: groups }, quad);
  const savedOf = (g: number, j: number) => (saved[g] as readonly number[])[j] as number;
  const rows = quad();
  const halves = quad();
  const temporaries = Array.from({ length: groups }, take);
  const zero = i32(0);

  const code: number[] = [];
  const emit = (...bytes: number[]) => {
    for (const byte of bytes) code.push(byte);
  };

  for (const [g, words4] of state.entries()) for (const [j, word] of words4.entries()) emit(...get(stateAt), ...v128Load(64 * g + 16 * j), ...set(word));
  emit(op.block, VOID_BLOCK, op.loop, VOID_BLOCK);
  for (const [g, words4] of state.entries()) for (const [j, word] of words4.entries()) emit(...get(word), ...set(savedOf(g, j)));
  // Transpose, a quarter (16 bytes of each lane) at a time: rows r0..r3 (one lane's words 4q..4q+3
  // each) into columns (word 4q+j of every lane).
  for (let g = 0; g < groups; g++) {
    for (let quarter = 0; quarter < 4; quarter++) {
      for (const [i, row] of rows.entries()) emit(...get(pointers[4 * g + i] as number), ...v128Load(16 * quarter), ...set(row));
      const [r0, r1, r2, r3] = rows;
      const [h0, h1, h2, h3] = halves;
      emit(...get(r0), ...get(r1), ...shuffle32([0, 4, 1, 5]), ...set(h0)); // r0[0] r1[0] r0[1] r1[1]
      emit(...get(r0), ...get(r1), ...shuffle32([2, 6, 3, 7]), ...set(h1)); // r0[2] r1[2] r0[3] r1[3]
      emit(...get(r2), ...get(r3), ...shuffle32([0, 4, 1, 5]), ...set(h2));
      emit(...get(r2), ...get(r3), ...shuffle32([2, 6, 3, 7]), ...set(h3));
      const column = (j: number, a: number, b: number, pick: readonly [number, number, number, number]) =>
        emit(...zero, ...get(a), ...get(b), ...shuffle32(pick), ...v128Store(words + 256 * g + 16 * (4 * quarter + j)));
      column(0, h0, h2, [0, 1, 4, 5]);
      column(1, h0, h2, [2, 3, 6, 7]);
      column(2, h1, h3, [0, 1, 4, 5]);
      column(3, h1, h3, [2, 3, 6, 7]);
    }
  }
  // Step 0 updates a from b c d, step 1 d from a b c, step 2 c, step 3 b, and so on: in every group.
  const turn = state.map(([a, b, c, d]) => [a, b, c, d]);
  for (const [i, { mix, word, rotation }] of md5Steps.entries()) {
    for (let g = 0; g < groups; g++) {
      const [A, B, C, D] = turn[g] as [number, number, number, number];
      // A = B + rotl(A + K + X[word] + mix(B, C, D), rotation); what doesn't need B first, as in md5BlocksFunction.
      emit(...get(A), ...zero, ...v128Load(constants + 16 * i), ...simd('i32x4Add'), ...zero, ...v128Load(words + 256 * g + 16 * word), ...simd('i32x4Add'));
      if (mix === 'F') {
        // F = (B & C) | (D & ~B)
        emit(...get(C), ...get(D), ...get(B), ...simd('bitselect'), ...simd('i32x4Add'));
      } else if (mix === 'G') {
        // G = (C & ~D) + (B & D): the bits don't overlap; the half without B first.
        emit(...get(C), ...get(D), ...simd('andnot'), ...simd('i32x4Add'));
        emit(...get(B), ...get(D), ...simd('and'), ...simd('i32x4Add'));
      } else if (mix === 'H') {
        emit(...get(C), ...get(D), ...simd('xor'), ...get(B), ...simd('xor'), ...simd('i32x4Add'));
      } else {
        // I = C ^ (B | ~D)
        emit(...get(D), ...simd('not'), ...get(B), ...simd('or'), ...get(C), ...simd('xor'), ...simd('i32x4Add'));
      }
      const temporary = temporaries[g] as number;
      emit(op.localTee, temporary, ...i32(rotation), ...simd('i32x4Shl'));
      emit(...get(temporary), ...i32(32 - rotation), ...simd('i32x4ShrU'), ...simd('or'));
      emit(...get(B), ...simd('i32x4Add'), ...set(A));
      turn[g] = [D, A, B, C];
    }
  }
  for (const [g, words4] of state.entries()) for (const [j, word] of words4.entries()) emit(...get(word), ...get(savedOf(g, j)), ...simd('i32x4Add'), ...set(word));
  for (const pointer of pointers) emit(...get(pointer), ...i32(64), op.i32Add, ...set(pointer));
  emit(...get(count), ...i32(1), op.i32Sub, op.localTee, count, op.brIf, 0, op.end, op.end); // the next block while --count > 0
  // The lanes not in the mask keep their state from before the call.
  for (const [g, words4] of state.entries()) {
    for (const [j, word] of words4.entries()) {
      const at = 64 * g + 16 * j;
      emit(...get(stateAt), ...get(word), ...get(stateAt), ...v128Load(at), ...get(maskAt), ...v128Load(16 * g), ...simd('bitselect'), ...v128Store(at));
    }
  }
  return { name, params: count + 1, locals: [[next - count - 1, V128]], code };
}
