/**
 * The plugin on pages whose Content-Security-Policy forbids WebAssembly (no `'wasm-unsafe-eval'`),
 * workers (`worker-src 'none'`), or both: every part still goes out with its Content-MD5 and S3
 * verifies it, hashed by the plain-JavaScript MD5 and/or on the main thread, each fallback counted
 * and warned about once. The page is served with the policy on every response (the MD5 worker's
 * script too), on a port of its own; the same page without a policy uses neither fallback.
 *
 * What the engines refuse, and how (seen here): Chromium 150 and Firefox 140 reject
 * `WebAssembly.compile` with a CompileError, WebKitGTK 2.50 compiles but rejects
 * `WebAssembly.instantiate` (a CompileError too); under `worker-src 'none'` Chromium and Firefox
 * fire a bare `error` Event on the new Worker, WebKitGTK throws a SecurityError from `new Worker`.
 */
import { expect, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import { addSeededFiles, objectSha256, partPuts, readCounters, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';

const MiB = 1024 * 1024;

/** The policies the page is served under, as a strict site would send them (scripts from itself only). */
const policies = {
  'no WebAssembly': "script-src 'self'",
  'no workers': "script-src 'self' 'wasm-unsafe-eval'; worker-src 'none'",
  'neither WebAssembly nor workers': "script-src 'self'; worker-src 'none'",
};
type PolicyName = keyof typeof policies;

/** What each policy makes the plugin do: hash in plain JavaScript, on the main thread, or both. */
const expected: Record<PolicyName, { jsMd5: boolean; mainThread: boolean }> = {
  'no WebAssembly': { jsMd5: true, mainThread: false },
  'no workers': { jsMd5: false, mainThread: true },
  'neither WebAssembly nor workers': { jsMd5: true, mainThread: true },
};

const env = usePluginPage({}, [], { policies });

const readPageLog = (page: Awaited<ReturnType<typeof openPluginPage>>) =>
  page.evaluate(() => {
    const { page } = window as unknown as PageGlobals;
    return { warnings: page.warnings(), violations: page.violations() };
  });

forEachEngine((engine) => {
  it.each(Object.keys(policies) as PolicyName[])('uploads 20 MiB verified part by part on a page whose CSP allows %s', async (policy) => {
    const page = await openPluginPage(engine, env, {}, policy);
    const digests = await addSeededFiles(page, [{ name: 'strict.bin', size: 20 * MiB, seed: 140 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['strict.bin']!)).toBe(digests['strict.bin']);
    const puts = partPuts(env.proxy.records);
    expect(puts).toHaveLength(3); // the middleware's 8 MiB parts
    for (const put of puts) expect(put.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(puts.map((put) => put.status)).toEqual([200, 200, 200]);
    const counters = await readCounters(page);
    expect(counters).toMatchObject({ partsUploaded: 3, partsVerified: 3, objectsVerified: 1, hashedBytes: 20 * MiB });
    const { jsMd5, mainThread } = expected[policy];
    expect(counters.jsMd5Hashing > 0, 'jsMd5Hashing').toBe(jsMd5);
    expect(counters.mainThreadHashing > 0, 'mainThreadHashing').toBe(mainThread);
    const { warnings, violations } = await readPageLog(page);
    // One warning per fallback, however many workers (or main-thread hashers) took it.
    const fallbackWarnings = [
      ...(jsMd5 ? [/^\[S3ResumableUpload\] WebAssembly can't compile here \(CompileError: .+\); MD5 in plain JavaScript, slower\.$/s] : []),
      ...(mainThread ? [/^\[S3ResumableUpload\] An MD5 worker could not start \(.+\); hashing on the main thread\.$/s] : []),
    ];
    expect(warnings).toHaveLength(fallbackWarnings.length);
    for (const warning of fallbackWarnings) expect(warnings).toContainEqual(expect.stringMatching(warning));
    // Every engine reports the refused worker to the page (`securitypolicyviolation`). A refused
    // compile is reported there as `script-src wasm-eval` by Chromium and Firefox when it happens
    // on the page, by WebKitGTK not at all, and from a worker only in the worker.
    expect(violations.some((violation) => /^worker-src http:\/\/127\.0\.0\.1:\d+\/.*md5Worker/.test(violation)), 'worker-src refused').toBe(mainThread);
    console.log(`[numbers] ${engine.engine}, CSP ${JSON.stringify(policies[policy])}: MD5 ${(counters.hashedBytes / 1e3 / counters.hashMs).toFixed(0)} MB/s; warnings ${JSON.stringify(warnings)}; refused ${JSON.stringify([...new Set(violations)])}`);
  });

  it('uses neither fallback on the same page without a CSP', async () => {
    const page = await openPluginPage(engine, env);
    const digests = await addSeededFiles(page, [{ name: 'open.bin', size: 20 * MiB, seed: 141 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['open.bin']!)).toBe(digests['open.bin']);
    expect(await readCounters(page)).toMatchObject({ partsVerified: 3, objectsVerified: 1, jsMd5Hashing: 0, mainThreadHashing: 0 });
    expect(await readPageLog(page)).toEqual({ warnings: [], violations: [] });
  });
});
