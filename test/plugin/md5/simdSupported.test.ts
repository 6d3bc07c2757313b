/** The SIMD probe, written out in simdSupported.ts, is the module wasmModule builds for it. */
import { describe, expect, it } from 'vitest';
import { SIMD_PROBE, simdSupported } from '../../../plugin/md5/simdSupported.js';
import { I32, V128, wasmModule } from '../../../plugin/md5/wasmModule.js';
import { SIMD_MD5_LANES as exported } from '../../../plugin/md5/createSimdMd5.js';
import { SIMD_MD5_LANES } from '../../../plugin/md5/simdMd5Lanes.js';

describe('simdSupported', () => {
  it('validates the module wasmModule builds with one v128 local', () => {
    expect(Array.from(wasmModule(0, [{ name: 'f', params: 0, locals: [[1, V128]], code: [] }]))).toEqual(SIMD_PROBE);
    expect(simdSupported()).toBe(true); // Node 20 runs SIMD
  });

  it('fails only for the v128 local: the same module with an i32 local validates, with an unknown type it does not', () => {
    expect(WebAssembly.validate(wasmModule(0, [{ name: 'f', params: 0, locals: [[1, I32]], code: [] }]))).toBe(true);
    expect(WebAssembly.validate(new Uint8Array(SIMD_PROBE.map((byte, i) => (i === SIMD_PROBE.length - 2 ? 0x00 : byte))))).toBe(false);
  });

  it('the lane count the pool defaults to is the SIMD MD5’s', () => expect(exported).toBe(SIMD_MD5_LANES));
});
