/**
 * The smallest module with a v128 local: one function `f` of no parameters with one v128 local, one
 * memory of no pages, both exported, as wasmModule builds it (test/plugin/md5/simdSupported.test.ts
 * checks the two agree). Written out so that asking loads none of the module builder.
 */
export const SIMD_PROBE: readonly number[] = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 0, 7, 14, 2, 6, 109, 101, 109, 111, 114, 121, 2, 0, 1, 102, 0, 0, 10, 6, 1, 4, 1, 1, 123, 11,
];

let answer: boolean | undefined;

/**
 * Whether this engine runs WebAssembly's 128-bit SIMD: `WebAssembly.validate` of a module whose one
 * function has a v128 local (feature detection; no engine is named). Validating compiles nothing,
 * so a CSP without 'wasm-unsafe-eval' doesn't stop it; such a page fails later, at compile time.
 */
export function simdSupported(): boolean {
  answer ??= typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(SIMD_PROBE));
  return answer;
}
