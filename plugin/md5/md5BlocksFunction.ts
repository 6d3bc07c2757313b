import { md5Steps } from './md5Steps.js';
import { get, I32, i32, memarg, op, set, VOID_BLOCK, type WasmFunction } from './wasmModule.js';

/**
 * The WebAssembly function `blocks(state, from, to)`: one MD5 over the 64-byte blocks at
 * [from, to) of memory (at least one: `from < to`, `to - from` a multiple of 64), continuing from
 * the state words a b c d at `state`, `state + stride`, `state + 2 × stride`, `state + 3 × stride`
 * (little-endian u32s) and leaving the new state there.
 *
 * MD5's 64 steps are fully unrolled, each step's additions ordered so that only the freshest state
 * word sits on the dependency chain (the order OpenSSL's assembly uses): `A + K + X[k]`, and the
 * half of G that doesn't need `B`, are computed while the previous step finishes. One stream of MD5
 * can't go faster than that chain; createSimdMd5 runs eight streams at once.
 */
export function md5BlocksFunction(name: string, stride: number): WasmFunction {
  // Locals: the parameters `state`, `from` and `to`, then a b c d, then their values at the block's start.
  const [state, from, to] = [0, 1, 2];
  const words = [3, 4, 5, 6];
  const saved = (word: number) => word + 4;
  const not = [...i32(-1), op.i32Xor];

  const code: number[] = [];
  const emit = (...bytes: number[]) => {
    for (const byte of bytes) code.push(byte);
  };

  for (const [i, word] of words.entries()) emit(...get(state), op.i32Load, ...memarg(stride * i), ...set(word));
  emit(op.block, VOID_BLOCK, op.loop, VOID_BLOCK);
  for (const word of words) emit(...get(word), ...set(saved(word)));
  // Step 0 updates a from b c d, step 1 d from a b c, step 2 c, step 3 b, and so on.
  let [A, B, C, D] = words as [number, number, number, number];
  for (const { mix, word, rotation, k } of md5Steps) {
    // A = B + rotl(A + K + X[word] + mix(B, C, D), rotation); A + K + X[word] first: it is ready before B is.
    emit(...get(A), ...i32(k), op.i32Add, ...get(from), op.i32Load, ...memarg(4 * word), op.i32Add);
    if (mix === 'F') {
      // F = D ^ (B & (C ^ D))
      emit(...get(C), ...get(D), op.i32Xor, ...get(B), op.i32And, ...get(D), op.i32Xor, op.i32Add);
    } else if (mix === 'G') {
      // G = (B & D) | (C & ~D) = (C & ~D) + (B & D): the bits don't overlap; the half without B first.
      emit(...get(C), ...get(D), ...not, op.i32And, op.i32Add);
      emit(...get(B), ...get(D), op.i32And, op.i32Add);
    } else if (mix === 'H') {
      // H = C ^ D ^ B
      emit(...get(C), ...get(D), op.i32Xor, ...get(B), op.i32Xor, op.i32Add);
    } else {
      // I = C ^ (B | ~D)
      emit(...get(D), ...not, ...get(B), op.i32Or, ...get(C), op.i32Xor, op.i32Add);
    }
    emit(...i32(rotation), op.i32Rotl, ...get(B), op.i32Add, ...set(A));
    [A, B, C, D] = [D, A, B, C];
  }
  for (const word of words) emit(...get(word), ...get(saved(word)), op.i32Add, ...set(word));
  emit(...get(from), ...i32(64), op.i32Add, ...set(from));
  emit(...get(from), ...get(to), op.i32LtU, op.brIf, 0, op.end, op.end); // the next block while from < to
  for (const [i, word] of words.entries()) emit(...get(state), ...get(word), op.i32Store, ...memarg(stride * i));
  return { name, params: 3, locals: [[8, I32]], code };
}
