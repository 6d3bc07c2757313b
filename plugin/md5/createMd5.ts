/**
 * MD5, incremental, as the plugin hashes parts: a small WebAssembly module built here byte by byte
 * (wasmModule: no toolchain, no dependency), compiled once per realm (page or worker) and
 * instantiated per hasher. Its one function (md5BlocksFunction) hashes whole 64-byte blocks with
 * MD5's 64 steps fully unrolled. JavaScript stages the input in the module's memory 64 KiB at a
 * time and pads the last block.
 *
 * Why hand-built: in a Chromium worker it hashes as fast as node:crypto (OpenSSL) on the same
 * machine, clearly faster than hash-wasm's MD5 (docs/performance.md); with it the plugin needs no runtime
 * dependency. Why safe: S3 checks every part's Content-MD5 against the bytes it receives, so a
 * wrong digest could only make uploads fail (`BadDigest`), never store bad bytes; and
 * test/plugin/createMd5.test.ts checks it against node:crypto (every length 0–300, block and buffer
 * boundaries, MiBs of random bytes, random chunkings), the browser tests on every part in Chromium.
 *
 * Compiled asynchronously (`WebAssembly.compile`): Chromium refuses synchronous compiles of modules
 * over 4 KB on the main thread, and this one (~2.4 KB) must stay usable there too (the pool's
 * fallback lane). Where the CSP forbids WebAssembly (no `'wasm-unsafe-eval'`) the compile fails,
 * and createMd5Lanes takes the plain-JavaScript createJsMd5 instead.
 */

import { md5BlocksFunction } from './md5BlocksFunction.js';
import { MD5_INITIAL_STATE } from './md5Steps.js';
import { wasmModule } from './wasmModule.js';

/** An incremental MD5: `init()` starts a digest, `update()` feeds bytes, `digest()` answers the 16 raw bytes. */
export interface Md5Hasher {
  /** Starts over, dropping what was fed (a hasher serves any number of digests, one at a time). */
  init(): Md5Hasher;
  update(data: Uint8Array): Md5Hasher;
  /** The MD5 of the bytes fed since `init()` (or the last digest), in a new array; the hasher starts over. */
  digest(): Uint8Array;
}

/** A new MD5 hasher, ready for `update()`. */
export async function createMd5(): Promise<Md5Hasher> {
  compiled ??= WebAssembly.compile(md5Module());
  const { exports } = await WebAssembly.instantiate(await compiled);
  const memory = exports.memory as WebAssembly.Memory;
  const run = exports.blocks as (state: number, from: number, to: number) => void;
  const blocks = (from: number, to: number) => run(STATE, from, to);
  const bytes = new Uint8Array(memory.buffer); // the memory never grows: these views stay valid
  const view = new DataView(memory.buffer);
  let staged = 0; // bytes at STAGE not yet hashed: fewer than 64 between calls
  let length = 0; // bytes fed since init()

  const hasher: Md5Hasher = {
    init() {
      MD5_INITIAL_STATE.forEach((word, i) => view.setUint32(STATE + 4 * i, word, true));
      staged = 0;
      length = 0;
      return hasher;
    },
    update(data) {
      length += data.length;
      for (let at = 0; at < data.length; ) {
        const take = Math.min(data.length - at, CAPACITY - staged);
        bytes.set(data.subarray(at, at + take), STAGE + staged);
        at += take;
        staged += take;
        const whole = staged & ~63;
        if (whole > 0) {
          blocks(STAGE, STAGE + whole);
          bytes.copyWithin(STAGE, STAGE + whole, STAGE + staged); // the partial block, to the front
          staged -= whole;
        }
      }
      return hasher;
    },
    digest() {
      // Padding: 0x80, zeros up to 56 mod 64, then the length in bits, 64-bit little-endian.
      const padded = staged < 56 ? 64 : 128;
      bytes.fill(0, STAGE + staged, STAGE + padded);
      bytes[STAGE + staged] = 0x80;
      view.setUint32(STAGE + padded - 8, (length * 8) >>> 0, true);
      view.setUint32(STAGE + padded - 4, Math.floor(length / 2 ** 29), true);
      blocks(STAGE, STAGE + padded);
      const md5 = bytes.slice(STATE, STATE + 16);
      hasher.init();
      return md5;
    },
  };
  return hasher.init();
}

/** The compiled module, shared by this realm's hashers. */
let compiled: Promise<WebAssembly.Module> | undefined;

// ---- the module's memory: [STATE: a b c d as 4 × u32 LE] [STAGE: input, CAPACITY bytes] ----------

const STATE = 0;
const STAGE = 64;
/** Input staged per call to `blocks`: a multiple of 64. */
const CAPACITY = 64 * 1024;
/** 64 KiB pages: 128 KiB per hasher. */
const PAGES = Math.ceil((STAGE + CAPACITY) / 65536);

/** The module: its memory and `blocks(state, from, to)` (md5BlocksFunction) over the state at {@link STATE}. */
const md5Module = () => wasmModule(PAGES, [md5BlocksFunction('blocks', 4)]);
