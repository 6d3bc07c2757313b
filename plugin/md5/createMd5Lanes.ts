import { createJsMd5 } from './createJsMd5.js';
import { createMd5, type Md5Hasher } from './createMd5.js';
import { createSimdMd5 } from './createSimdMd5.js';
import { simdSupported } from './simdSupported.js';
import type { Md5Lanes } from './Md5Lanes.js';

export type { Md5Lanes } from './Md5Lanes.js';

/** How to make an {@link Md5Lanes}: the first that works here is used. */
export interface Md5Implementation {
  name: string;
  /** Whether this environment can run it (feature detection). */
  supported(): boolean;
  create(): Promise<Md5Lanes>;
}

/**
 * MD5 implementations, fastest first: eight lanes of WebAssembly SIMD, the one-lane WebAssembly
 * MD5, then plain JavaScript (createJsMd5) for where WebAssembly can't compile.
 */
export const md5Implementations: readonly Md5Implementation[] = [
  { name: 'wasm-simd', supported: simdSupported, create: createSimdMd5 },
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
