import { V128, wasmModule } from './wasmModule.js';

let answer: boolean | undefined;

/**
 * Whether this engine runs WebAssembly's 128-bit SIMD: `WebAssembly.validate` of a module whose one
 * function has a v128 local (feature detection; no engine is named). Validating compiles nothing,
 * so a CSP without 'wasm-unsafe-eval' doesn't stop it; such a page fails later, at compile time.
 */
export function simdSupported(): boolean {
  answer ??= typeof WebAssembly === 'object' && WebAssembly.validate(wasmModule(0, [{ name: 'f', params: 0, locals: [[1, V128]], code: [] }]));
  return answer;
}
