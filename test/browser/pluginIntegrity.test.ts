/**
 * Corruption in flight, in every engine: the proxy in front of S3 changes one byte of part 2's
 * first PUT. S3 refuses it with BadDigest because the part's MD5 is signed into its URL; the
 * plugin reads and hashes the part again, retries, and the object is byte-identical to the file.
 */
import { expect, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import type { Fault, ProxiedRequest } from '../harness/startFaultProxy.js';
import { addSeededFiles, objectSha256, partPuts, readCounters, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';

const MiB = 1024 * 1024;
const env = usePluginPage();

forEachEngine((engine) => {
  it('a part changed in flight is refused by S3 (BadDigest), hashed again, re-sent, and the object is intact', async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB });
    let corrupted = 0;
    env.proxy.setFault((request: ProxiedRequest): Fault => {
      if (request.method !== 'PUT' || request.partNumber !== 2 || corrupted > 0) return { kind: 'pass' };
      corrupted += 1;
      return { kind: 'corrupt' }; // same length, one byte flipped
    });
    await page.evaluate(() => {
      const w = window as unknown as PageGlobals & { maxProgress: number };
      w.maxProgress = 0;
      w.uppy.on('upload-progress', (_file, progress) => (w.maxProgress = Math.max(w.maxProgress, progress.bytesUploaded ?? 0)));
    });
    const digests = await addSeededFiles(page, [{ name: 'corrupted-in-flight.bin', size: 18 * MiB, seed: 11 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    expect(corrupted).toBe(1);
    const answers = partPuts(env.proxy.records);
    const part2 = answers.filter((answer) => answer.partNumber === 2);
    expect(part2.map((answer) => [answer.fault, answer.status, answer.code])).toEqual([
      ['corrupt', 400, 'BadDigest'],
      ['pass', 200, undefined],
    ]);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(4);
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['corrupted-in-flight.bin']!)).toBe(digests['corrupted-in-flight.bin']);
    // The refused attempt's bytes were taken out, not counted twice.
    expect(await page.evaluate(() => (window as unknown as { maxProgress: number }).maxProgress)).toBe(18 * MiB);
    const counters = await readCounters(page);
    expect(counters).toMatchObject({ partsUploaded: 4, partsVerified: 4, objectsVerified: 1, rehashes: 1, retries: 1 });
    console.log(`[numbers] ${engine.engine} corruption: retries ${counters.retries}, rehashes ${counters.rehashes}, re-signs ${counters.resigns}, part PUTs ${answers.length}`);
  });
});
