import { createJsMd5 } from './createJsMd5.js';
import { createMd5, type Md5Hasher } from './createMd5.js';
import { createSimdMd5 } from './createSimdMd5.js';
import { blobByobSupported } from '../hashing/blobByobSupported.js';
import { simdSupported } from './simdSupported.js';

/**
 * MD5s advanced side by side, one per lane: the shape hashInLanes drives. A lane runs one digest at
 * a time: `init`, then `update` as long as input comes (each call takes what the lane has room
 * for), `hash` whenever lanes are full, `digest` at the end of the input.
 */
export interface Md5Lanes {
  /** How many digests advance together. */
  readonly lanes: number;
  /** Starts a digest in `lane` (0 to lanes − 1), dropping what the lane held. */
  init(lane: number): void;
  /** Takes as many bytes of `data` as `lane` has room for now (all of them after `hash()` drained it); answers how many. */
  update(lane: number, data: Uint8Array): number;
  /** Bytes `lane` holds that are not hashed yet. */
  held(lane: number): number;
  /**
   * Hashes the whole 64-byte blocks the lanes hold, all lanes at once, as many as the lane holding
   * fewest (of those holding any) has: that lane keeps less than a block, the others the rest.
   * Answers the blocks hashed per lane (0: no lane held a whole block).
   */
  hash(): number;
  /** The MD5 of the bytes given to `lane` since `init` (16 bytes, a new array); the lane starts over. */
  digest(lane: number): Uint8Array;
}

/** How to make an {@link Md5Lanes}: the first that works here is used. */
export interface Md5Implementation {
  name: string;
  /** Whether this environment can run it (feature detection). */
  supported(): boolean;
  create(): Promise<Md5Lanes>;
}

/**
 * MD5 implementations, fastest first: eight lanes of WebAssembly SIMD, the one-lane WebAssembly
 * MD5, then plain JavaScript (createJsMd5) for where WebAssembly can't compile. The lanes only pay
 * where Blob streams have a BYOB reader: without one (WebKit) the pool reads one part at a time
 * per worker (createHashPool's `lanes`), which the one-lane MD5 hashes faster than one lane of eight.
 */
export const md5Implementations: readonly Md5Implementation[] = [
  { name: 'wasm-simd', supported: () => simdSupported() && blobByobSupported(), create: createSimdMd5 },
  { name: 'wasm-1', supported: () => typeof WebAssembly === 'object', create: async () => oneLane(await createMd5()) },
  { name: 'js', supported: () => true, create: async () => oneLane(createJsMd5()) },
];

/** An MD5 implementation used because faster ones supported here failed to start. */
export interface Md5Fallback {
  /** The implementation used (its `name`: `'js'` where WebAssembly can't compile). */
  used: string;
  /** Why the first faster one failed: its error, e.g. `CompileError: …` under a CSP without `'wasm-unsafe-eval'`. */
  reason: string;
}

/**
 * The fastest MD5 this environment runs: eight lanes where WebAssembly SIMD validates, else one;
 * plain JavaScript where WebAssembly can't compile. An implementation that is supported but fails
 * to start (SIMD validates under a CSP that forbids compiling: validating compiles nothing) gives
 * way to the next, and `onFallback` hears which one was used and why; if none starts, the first error is thrown.
 */
export async function createMd5Lanes(implementations: readonly Md5Implementation[] = md5Implementations, onFallback?: (fallback: Md5Fallback) => void): Promise<Md5Lanes> {
  let failure: unknown;
  for (const implementation of implementations) {
    if (!implementation.supported()) continue;
    try {
      const lanes = await implementation.create();
      if (failure !== undefined) onFallback?.({ used: implementation.name, reason: String(failure) });
      return lanes;
    } catch (error) {
      failure ??= error;
    }
  }
  throw failure ?? new Error('No MD5 implementation runs here.');
}

/** An incremental MD5 as one lane: it hashes as it takes, so it holds nothing and `hash` has nothing to do. */
export function oneLane(hasher: Md5Hasher): Md5Lanes {
  return {
    lanes: 1,
    init: () => void hasher.init(),
    update(_lane, data) {
      hasher.update(data);
      return data.length;
    },
    held: () => 0,
    hash: () => 0,
    digest: () => hasher.digest(),
  };
}
