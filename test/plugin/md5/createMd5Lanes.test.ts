/** The choice of MD5 implementation and its fallbacks. */
import {  randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMd5 } from '../../../plugin/md5/createMd5.js';
import { createMd5Lanes, md5Implementations, oneLane } from '../../../plugin/md5/createMd5Lanes.js';
import {  md5All, nodeMd5 } from '../../helpers/md5Lanes.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('createMd5Lanes', () => {
  it('is the four-lane MD5 where SIMD validates, the one-lane one where it does not', async () => {
    expect((await createMd5Lanes()).lanes).toBe(8);
    const withoutSimd = md5Implementations.map((implementation) => (implementation.name === 'wasm-simd' ? { ...implementation, supported: () => false } : implementation));
    const hasher = await createMd5Lanes(withoutSimd);
    expect(hasher.lanes).toBe(1);
    const inputs = [randomBytes(3 * MiB + 1), randomBytes(0), randomBytes(70_000)];
    expect(await md5All(hasher, inputs, () => [100, 65 * KiB, 2 * MiB])).toEqual(inputs.map(nodeMd5));
  });

  afterEach(() => vi.restoreAllMocks());

  it('an implementation that fails to start gives way to the next, and says which and why', async () => {
    const failing = { name: 'broken', supported: () => true, create: () => Promise.reject(new Error('refused by CSP')) };
    const fallbacks: unknown[] = [];
    expect((await createMd5Lanes([failing, ...md5Implementations], (fallback) => fallbacks.push(fallback))).lanes).toBe(8);
    expect(fallbacks).toEqual([{ used: 'wasm-simd', reason: 'Error: refused by CSP' }]);
    await expect(createMd5Lanes([failing])).rejects.toThrow('refused by CSP');
    await createMd5Lanes(md5Implementations, (fallback) => fallbacks.push(fallback));
    expect(fallbacks).toHaveLength(1); // nothing failed: nothing said
  });

  it('hashes in plain JavaScript where WebAssembly cannot compile (a CSP without wasm-unsafe-eval), and says why', async () => {
    // What Chromium's WebAssembly.compile rejects with under `script-src 'self'` (Firefox: "call to WebAssembly.compile() blocked by CSP").
    const refusal = new WebAssembly.CompileError("WebAssembly.compile(): Compiling or instantiating WebAssembly module violates the following Content Security policy directive because 'unsafe-eval' is not an allowed source of script");
    // Refused at instantiation here: the compiled modules are cached per realm, and a refused compile would stay refused for the tests after this one.
    vi.spyOn(WebAssembly, 'instantiate').mockRejectedValue(refusal);
    const fallbacks: unknown[] = [];
    const hasher = await createMd5Lanes(md5Implementations, (fallback) => fallbacks.push(fallback));
    expect(hasher.lanes).toBe(1);
    expect(fallbacks).toEqual([{ used: 'js', reason: `CompileError: ${refusal.message}` }]);
    const inputs = [randomBytes(3 * MiB + 1), randomBytes(0), randomBytes(70_000)];
    expect(await md5All(hasher, inputs, () => [100, 65 * KiB, 2 * MiB])).toEqual(inputs.map(nodeMd5));
  });

  it('one lane over createMd5 agrees with node:crypto through the scheduler', async () => {
    const inputs = [0, 1, 64, 300, 100_000].map((length) => randomBytes(length));
    expect(await md5All(oneLane(await createMd5()), inputs, () => [7, 64, 65])).toEqual(inputs.map(nodeMd5));
  });
});
