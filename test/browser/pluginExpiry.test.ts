/**
 * Expiry, in every engine: presigned URLs live 3 seconds, the proxy in front of S3 caps the uplink,
 * and holds one part's PUT until its URL has expired. The plugin re-signs URLs that are about to
 * expire before sending, re-signs and retries the one S3 refuses as expired (radosgw: a bare 403
 * AccessDenied, without CORS headers, so the page sees only a failed request), and the upload
 * finishes intact.
 */
import { expect, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import type { Fault, ProxiedRequest } from '../harness/startFaultProxy.js';
import { addSeededFiles, objectSha256, partPuts, readCounters, readFileCounters, uploadAll } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';

const MiB = 1024 * 1024;
const URL_LIFETIME_S = 3;
// 8 parts of 5 MiB and a small ninth: the one held back. (radosgw answers an expired URL before
// reading the body and closes the connection; for a big body the browser sees only the reset,
// a small one gets the 403 through.)
const FILE_SIZE = 40 * MiB + 64 * 1024;
const LAST_PART = 9;
const env = usePluginPage({ expiresIn: URL_LIFETIME_S });

forEachEngine((engine) => {
  it('finishes a slow upload with 3-second URLs: stale URLs are re-signed before sending, an expired one after S3 refused it', async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 3 });
    // About 8 MB/s up: the 40 MiB take several URL lifetimes.
    env.proxy.setUploadBytesPerSecond(8_000_000);
    let heldBack = 0;
    env.proxy.setFault((request: ProxiedRequest): Fault => {
      if (request.method !== 'PUT' || request.partNumber !== LAST_PART || heldBack > 0) return { kind: 'pass' };
      heldBack += 1;
      return { kind: 'hold', until: (request.urlExpiresAt ?? Date.now()) + 1500 }; // now S3 sees an expired URL
    });
    const digests = await addSeededFiles(page, [{ name: 'slow.bin', size: FILE_SIZE, seed: 21 }]);

    const started = Date.now();
    const outcome = await uploadAll(page);
    const seconds = (Date.now() - started) / 1000;

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['slow.bin']!)).toBe(digests['slow.bin']);
    expect(seconds).toBeGreaterThan(URL_LIFETIME_S * 2); // the upload really outlived its URLs
    // Every part went up once, except the held-back one: refused as expired by S3 itself, then
    // sent with a new URL.
    const puts = partPuts(env.proxy.records);
    expect(puts.filter((put) => put.status === 200).map((put) => put.partNumber).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const held = puts.filter((put) => put.partNumber === LAST_PART);
    expect(held.map((put) => [put.fault, put.status, put.code])).toEqual([
      ['hold', 403, 'AccessDenied'],
      ['pass', 200, undefined],
    ]);
    expect(held[0]!.arrivedAt).toBeLessThan(held[0]!.urlExpiresAt!); // the page sent it in time; the hold made it late
    expect(held[1]!.signature).not.toBe(held[0]!.signature); // sent again with a new URL

    const counters = await readCounters(page);
    expect(counters.resigns).toBeGreaterThan(0); // the refused URL (and any stale one re-signed before sending)
    expect(counters.retries).toBe(0); // expiry is a re-sign, not a retry from the backoff budget
    expect(Object.values(await readFileCounters(page))).toEqual([expect.objectContaining({ resigns: counters.resigns, retries: 0 })]); // the file's own
    console.log(
      `[numbers] ${engine.engine} expiry: ${seconds.toFixed(1)} s upload with ${URL_LIFETIME_S} s URLs: re-signs ${counters.resigns}, retries ${counters.retries}, part PUTs ${puts.length} (1 refused as expired)`,
    );
  });
});
