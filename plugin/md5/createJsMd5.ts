/**
 * MD5 in plain JavaScript, for where WebAssembly can't compile: a page (or a worker script) whose
 * Content-Security-Policy has no `'wasm-unsafe-eval'` makes `WebAssembly.compile` fail with a
 * CompileError in Chromium and Firefox alike. S3 still needs every part's Content-MD5, so
 * createMd5Lanes falls back to this one; the plugin counts it (`jsMd5Hashing`) and warns.
 *
 * Why not a library (js-md5, spark-md5): the 64 steps come from the same table the WebAssembly MD5s
 * are built from (md5Steps), already checked against node:crypto; the plugin keeps no runtime
 * dependency; and nothing here is compiled at run time (no `eval`, no `new Function`, which the
 * same CSP forbids). The steps take their constants, words and rotations from that table, in four
 * loops (one per round, its mix written out) of four steps each, so that the words turn by name
 * rather than by assignment: in Chromium that ran faster than one step per iteration
 * with the words reassigned, and several times as fast as with the steps as small helper functions
 * (docs/performance.md). The input is read straight from the caller's bytes. Slower than WebAssembly
 * (docs/plugin.md, "Strict Content-Security-Policy"), but correct: test/plugin/createMd5.test.ts checks it against
 * node:crypto as it checks createMd5.
 */
import type { Md5Hasher } from './createMd5.js';
import { MD5_INITIAL_STATE, md5Steps, type Md5Mix } from './md5Steps.js';

/** The table, flattened into typed arrays the loops index: step i's constant, message word and rotation. */
const K = Int32Array.from(md5Steps, (step) => step.k);
const WORD = Uint8Array.from(md5Steps, (step) => step.word);
const ROTATION = Uint8Array.from(md5Steps, (step) => step.rotation);

/** The loops below take the rounds in this order, 16 steps each, as the table has them. */
const ROUND_MIXES: readonly Md5Mix[] = ['F', 'G', 'H', 'I'];
if (md5Steps.some((step, i) => step.mix !== ROUND_MIXES[i >> 4])) throw new Error('md5Steps: expected four rounds of 16 steps, mixed F, G, H, I');

const rotl = (value: number, bits: number) => (value << bits) | (value >>> (32 - bits));

/** A new MD5 hasher in plain JavaScript, ready for `update()`. */
export function createJsMd5(): Md5Hasher {
  const state = new Int32Array(4);
  const x = new Int32Array(16); // the block's 16 words
  const tail = new Uint8Array(128); // a partial block between calls, and the padding
  let staged = 0; // bytes in `tail`: fewer than 64 between calls
  let length = 0; // bytes fed since init()

  /** Hashes the 64-byte blocks of `data` from `from` to `to` (a multiple of 64 apart). */
  const blocks = (data: Uint8Array, from: number, to: number) => {
    let a = state[0] as number;
    let b = state[1] as number;
    let c = state[2] as number;
    let d = state[3] as number;
    for (let at = from; at < to; at += 64) {
      for (let j = 0, i = at; j < 16; j++, i += 4) x[j] = (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
      const a0 = a;
      const b0 = b;
      const c0 = c;
      const d0 = d;
      // Four steps at a time, the words turning by name rather than by assignment: step i updates a, i + 1 d, i + 2 c, i + 3 b.
      let i = 0;
      let t: number;
      for (; i < 16; i += 4) {
        t = (a + (d ^ (b & (c ^ d))) + (K[i] as number) + (x[WORD[i] as number] as number)) | 0;
        a = (b + rotl(t, ROTATION[i] as number)) | 0;
        t = (d + (c ^ (a & (b ^ c))) + (K[i + 1] as number) + (x[WORD[i + 1] as number] as number)) | 0;
        d = (a + rotl(t, ROTATION[i + 1] as number)) | 0;
        t = (c + (b ^ (d & (a ^ b))) + (K[i + 2] as number) + (x[WORD[i + 2] as number] as number)) | 0;
        c = (d + rotl(t, ROTATION[i + 2] as number)) | 0;
        t = (b + (a ^ (c & (d ^ a))) + (K[i + 3] as number) + (x[WORD[i + 3] as number] as number)) | 0;
        b = (c + rotl(t, ROTATION[i + 3] as number)) | 0;
      }
      for (; i < 32; i += 4) {
        t = (a + ((b & d) | (c & ~d)) + (K[i] as number) + (x[WORD[i] as number] as number)) | 0;
        a = (b + rotl(t, ROTATION[i] as number)) | 0;
        t = (d + ((a & c) | (b & ~c)) + (K[i + 1] as number) + (x[WORD[i + 1] as number] as number)) | 0;
        d = (a + rotl(t, ROTATION[i + 1] as number)) | 0;
        t = (c + ((d & b) | (a & ~b)) + (K[i + 2] as number) + (x[WORD[i + 2] as number] as number)) | 0;
        c = (d + rotl(t, ROTATION[i + 2] as number)) | 0;
        t = (b + ((c & a) | (d & ~a)) + (K[i + 3] as number) + (x[WORD[i + 3] as number] as number)) | 0;
        b = (c + rotl(t, ROTATION[i + 3] as number)) | 0;
      }
      for (; i < 48; i += 4) {
        t = (a + (b ^ c ^ d) + (K[i] as number) + (x[WORD[i] as number] as number)) | 0;
        a = (b + rotl(t, ROTATION[i] as number)) | 0;
        t = (d + (a ^ b ^ c) + (K[i + 1] as number) + (x[WORD[i + 1] as number] as number)) | 0;
        d = (a + rotl(t, ROTATION[i + 1] as number)) | 0;
        t = (c + (d ^ a ^ b) + (K[i + 2] as number) + (x[WORD[i + 2] as number] as number)) | 0;
        c = (d + rotl(t, ROTATION[i + 2] as number)) | 0;
        t = (b + (c ^ d ^ a) + (K[i + 3] as number) + (x[WORD[i + 3] as number] as number)) | 0;
        b = (c + rotl(t, ROTATION[i + 3] as number)) | 0;
      }
      for (; i < 64; i += 4) {
        t = (a + (c ^ (b | ~d)) + (K[i] as number) + (x[WORD[i] as number] as number)) | 0;
        a = (b + rotl(t, ROTATION[i] as number)) | 0;
        t = (d + (b ^ (a | ~c)) + (K[i + 1] as number) + (x[WORD[i + 1] as number] as number)) | 0;
        d = (a + rotl(t, ROTATION[i + 1] as number)) | 0;
        t = (c + (a ^ (d | ~b)) + (K[i + 2] as number) + (x[WORD[i + 2] as number] as number)) | 0;
        c = (d + rotl(t, ROTATION[i + 2] as number)) | 0;
        t = (b + (d ^ (c | ~a)) + (K[i + 3] as number) + (x[WORD[i + 3] as number] as number)) | 0;
        b = (c + rotl(t, ROTATION[i + 3] as number)) | 0;
      }
      a = (a + a0) | 0;
      b = (b + b0) | 0;
      c = (c + c0) | 0;
      d = (d + d0) | 0;
    }
    state[0] = a;
    state[1] = b;
    state[2] = c;
    state[3] = d;
  };

  const hasher: Md5Hasher = {
    init() {
      state.set(MD5_INITIAL_STATE);
      staged = 0;
      length = 0;
      return hasher;
    },
    update(data) {
      length += data.length;
      let at = 0;
      if (staged > 0) {
        at = Math.min(data.length, 64 - staged);
        tail.set(data.subarray(0, at), staged);
        staged += at;
        if (staged < 64) return hasher;
        blocks(tail, 0, 64);
        staged = 0;
      }
      const whole = at + ((data.length - at) & ~63);
      blocks(data, at, whole);
      tail.set(data.subarray(whole), 0);
      staged = data.length - whole;
      return hasher;
    },
    digest() {
      // Padding: 0x80, zeros up to 56 mod 64, then the length in bits, 64-bit little-endian.
      const padded = staged < 56 ? 64 : 128;
      tail.fill(0, staged, padded);
      tail[staged] = 0x80;
      const view = new DataView(tail.buffer);
      view.setUint32(padded - 8, (length * 8) >>> 0, true);
      view.setUint32(padded - 4, Math.floor(length / 2 ** 29), true);
      blocks(tail, 0, padded);
      const md5 = new Uint8Array(16);
      const out = new DataView(md5.buffer);
      state.forEach((word, i) => out.setInt32(4 * i, word, true));
      hasher.init();
      return md5;
    },
  };
  return hasher.init();
}
