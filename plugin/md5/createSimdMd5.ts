/**
 * MD5 in eight lanes: eight digests advanced together in the 32-bit lanes of two WebAssembly
 * 128-bit SIMD registers (multi-buffer MD5, as Intel's isa-l_crypto and OpenSSL's multi-block code
 * run it on servers). MD5 is one chain of dependent steps, so one stream can't go faster than
 * createMd5 does; independent streams side by side in one register move four times the bytes per
 * step, and a second register's four hide the wait between steps (simdMd5BlocksFunction).
 *
 * A module built here at run time (wasmModule, no dependency) with three functions over one memory:
 * `blocks8` hashes blocks in the lanes holding input, all at once, the others masked out; `blocks4`
 * does so for one register's four lanes, when only they hold input (where a SIMD operation
 * delivers in one cycle, one register alone is faster than two half empty); `blocks`
 * (md5BlocksFunction, one lane) hashes a lane alone: when it is the only one with input (one lane
 * of SIMD is slower than the one-lane code) and its last blocks with the padding. Each lane stages
 * its input in the module's memory ({@link LANE_CAPACITY} bytes at most); hashInLanes keeps the
 * lanes fed, one input after another in each.
 *
 * Where SIMD does not validate (`WebAssembly.validate`), createMd5Lanes takes createMd5 instead.
 * Checked against node:crypto in test/plugin/createSimdMd5.test.ts.
 */
import type { Md5Lanes } from './Md5Lanes.js';
import { md5BlocksFunction } from './md5BlocksFunction.js';
import { MD5_INITIAL_STATE, md5Steps } from './md5Steps.js';
import { simdMd5BlocksFunction } from './simdMd5BlocksFunction.js';
import { SIMD_MD5_LANES } from './simdMd5Lanes.js';
import { wasmModule } from './wasmModule.js';

/** Bytes a lane can hold staged: one 256 KiB read (readBlob's chunk) at a time. */
export const LANE_CAPACITY = 256 * 1024;

export { SIMD_MD5_LANES };
const LANES = SIMD_MD5_LANES;
/** Registers of four lanes. */
const GROUPS = LANES / 4;
// ---- the module's memory ----------------------------------------------------------------------
/** The lanes' states: per register, a0 a1 a2 a3, b0 …; lane l's word j at STATE + 64(l >> 2) + 16j + 4(l & 3). */
const STATE = 0;
/** The lanes whose state a call keeps: lane l's 32 bits at MASK + 4l. */
const MASK = STATE + 64 * GROUPS;
/** MD5's 64 constants, each four times. */
const CONSTANTS = MASK + 16 * GROUPS;
/** A block's words, by word, per register. */
const WORDS = CONSTANTS + 64 * 16;
/** Lane l stages its input at STAGES + l × LANE_BYTES; 128 bytes beyond the capacity hold the padding. */
const STAGES = Math.ceil((WORDS + 256 * GROUPS) / 64) * 64;
const LANE_BYTES = LANE_CAPACITY + 128;
const PAGES = Math.ceil((STAGES + LANES * LANE_BYTES) / 65536);

/** Where lane l's a word is; b, c and d follow 16 bytes apart. */
const stateOf = (lane: number) => STATE + 64 * (lane >> 2) + 4 * (lane & 3);

/** The compiled module, shared by this realm's hashers. */
let compiled: Promise<WebAssembly.Module> | undefined;

const simdMd5Module = () =>
  wasmModule(PAGES, [
    md5BlocksFunction('blocks', 16),
    simdMd5BlocksFunction('blocks4', 1, { constants: CONSTANTS, words: WORDS }),
    simdMd5BlocksFunction('blocks8', GROUPS, { constants: CONSTANTS, words: WORDS }),
  ]);

type Blocks4 = (stateAt: number, maskAt: number, p0: number, p1: number, p2: number, p3: number, count: number) => void;
type Blocks8 = (stateAt: number, maskAt: number, ...pointersAndCount: number[]) => void;

/** A new eight-lane MD5 (needs WebAssembly SIMD: check with simdSupported first). */
export async function createSimdMd5(): Promise<Md5Lanes> {
  compiled ??= WebAssembly.compile(simdMd5Module());
  const { exports } = await WebAssembly.instantiate(await compiled);
  const memory = exports.memory as WebAssembly.Memory;
  const blocks = exports.blocks as (state: number, from: number, to: number) => void;
  const blocks4 = exports.blocks4 as Blocks4;
  const blocks8 = exports.blocks8 as Blocks8;
  const bytes = new Uint8Array(memory.buffer); // the memory never grows: these views stay valid
  const view = new DataView(memory.buffer);
  for (const [i, { k }] of md5Steps.entries()) for (let lane = 0; lane < 4; lane++) view.setInt32(CONSTANTS + 16 * i + 4 * lane, k, true);

  const base = (lane: number) => STAGES + lane * LANE_BYTES;
  /** Per lane: staged input at [base + start, base + end), and bytes given since init. */
  const start = new Array<number>(LANES).fill(0);
  const end = new Array<number>(LANES).fill(0);
  const length = new Array<number>(LANES).fill(0);
  const pointers = new Array<number>(LANES + 1).fill(0);

  const hasher: Md5Lanes = {
    lanes: LANES,
    init(lane) {
      MD5_INITIAL_STATE.forEach((word, j) => view.setUint32(stateOf(lane) + 16 * j, word, true));
      start[lane] = end[lane] = length[lane] = 0;
    },
    held: (lane) => (end[lane] as number) - (start[lane] as number),
    update(lane, data) {
      const at = base(lane);
      let [from, to] = [start[lane] as number, end[lane] as number];
      if (from > 0 && LANE_CAPACITY - to < data.length) {
        bytes.copyWithin(at, at + from, at + to); // the unhashed rest, to the front
        [from, to] = [0, to - from];
      }
      const took = Math.min(LANE_CAPACITY - to, data.length);
      bytes.set(took === data.length ? data : data.subarray(0, took), at + to);
      start[lane] = from;
      end[lane] = to + took;
      length[lane] = (length[lane] as number) + took;
      return took;
    },
    hash() {
      let count = Infinity;
      let mask = 0;
      for (let lane = 0; lane < LANES; lane++) {
        const whole = ((end[lane] as number) - (start[lane] as number)) >> 6;
        if (whole > 0) {
          count = Math.min(count, whole);
          mask |= 1 << lane;
        }
      }
      if (mask === 0) return 0;
      if ((mask & (mask - 1)) === 0) {
        const only = 31 - Math.clz32(mask);
        const from = base(only) + (start[only] as number);
        blocks(stateOf(only), from, from + 64 * count);
      } else {
        // A lane without input reads its own staging area and is masked out: in memory whatever count is.
        for (let lane = 0; lane < LANES; lane++) {
          const active = (mask & (1 << lane)) !== 0;
          view.setInt32(MASK + 4 * lane, active ? -1 : 0, true);
          pointers[lane] = base(lane) + (active ? (start[lane] as number) : 0);
        }
        const group = mask & 0x0f ? (mask & 0xf0 ? -1 : 0) : 1;
        if (group >= 0) {
          const p = (i: number) => pointers[4 * group + i] as number;
          blocks4(STATE + 64 * group, MASK + 16 * group, p(0), p(1), p(2), p(3), count);
        } else {
          pointers[LANES] = count;
          blocks8(STATE, MASK, ...pointers);
        }
      }
      for (let lane = 0; lane < LANES; lane++) {
        if (!(mask & (1 << lane))) continue;
        start[lane] = (start[lane] as number) + 64 * count;
        if (start[lane] === end[lane]) start[lane] = end[lane] = 0;
      }
      return count;
    },
    digest(lane) {
      const at = base(lane);
      let from = at + (start[lane] as number);
      const to = at + (end[lane] as number);
      const whole = (to - from) & ~63;
      if (whole > 0) blocks(stateOf(lane), from, from + whole);
      from += whole;
      // Padding: 0x80, zeros up to 56 mod 64, then the length in bits, 64-bit little-endian.
      const padded = to - from < 56 ? 64 : 128;
      bytes.fill(0, to, from + padded);
      bytes[to] = 0x80;
      const fed = length[lane] as number;
      view.setUint32(from + padded - 8, (fed * 8) >>> 0, true);
      view.setUint32(from + padded - 4, Math.floor(fed / 2 ** 29), true);
      blocks(stateOf(lane), from, from + padded);
      const md5 = new Uint8Array(16);
      const out = new DataView(md5.buffer);
      for (let j = 0; j < 4; j++) out.setUint32(4 * j, view.getUint32(stateOf(lane) + 16 * j, true), true);
      hasher.init(lane);
      return md5;
    },
  };
  for (let lane = 0; lane < LANES; lane++) hasher.init(lane);
  return hasher;
}
