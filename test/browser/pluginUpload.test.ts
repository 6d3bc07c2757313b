/**
 * Our plugin in every engine, through the middleware, into the real S3 (radosgw): files of every
 * path (empty, one PUT, multipart) arrive byte for byte, with every part's MD5 signed in and
 * hashed in the workers; parts go out side by side under one request limit; and the stock
 * `@uppy/aws-s3` 6 works through the same middleware mount. What reached S3 is read from the
 * proxy in front of it.
 */
import { expect, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import { addSeededFiles, objectSha256, partPuts, readCounters, readFileCounters, s3Puts, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';

const MiB = 1024 * 1024;
const env = usePluginPage();

forEachEngine((engine) => {
  it('uploads an empty, a 3 MiB and a 40 MiB file byte for byte, every PUT with its Content-MD5, hashed in the workers', async () => {
    const page = await openPluginPage(engine, env);
    const digests = await addSeededFiles(page, [
      { name: 'empty.bin', size: 0, seed: 1 },
      { name: 'small.bin', size: 3 * MiB, seed: 2 },
      { name: 'big.bin', size: 40 * MiB, seed: 3 },
    ]);
    await page.evaluate(() => {
      const w = window as unknown as PageGlobals & { partEvents: Array<{ name: string; PartNumber: number; ETag: string }> };
      w.partEvents = [];
      w.uppy.on('s3-multipart:part-uploaded', (file, part) => w.partEvents.push({ name: file.name ?? '', ...part }));
    });

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    // The stock plugin's events: one per part with its ETag, and success with {location, key}.
    const parts = await page.evaluate(() => (window as unknown as { partEvents: Array<{ name: string; PartNumber: number; ETag: string }> }).partEvents);
    expect(parts.map((part) => part.PartNumber).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const part of parts) expect(part).toMatchObject({ name: 'big.bin', ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    for (const name of Object.keys(digests)) {
      expect(decodeURIComponent(new URL(outcome.urls[name]!).pathname)).toBe(`/${env.server.bucket}/${outcome.keys[name]}`);
      expect(outcome.keys[name]).toMatch(/^test\/page\/[0-9a-f]{32}\//);
      expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[name]!), name).toBe(digests[name]);
    }
    const puts = s3Puts(env.proxy.records);
    expect(partPuts(puts)).toHaveLength(5); // 40 MiB in the middleware's 8 MiB parts
    expect(puts).toHaveLength(7); // and one PUT each for the empty and the small file
    for (const put of puts) expect(put.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(puts.map((put) => put.status)).toEqual(puts.map(() => 200));
    const counters = await readCounters(page);
    expect(counters).toMatchObject({ partsUploaded: 5, partsVerified: 5, objectsVerified: 1, singleUploads: 2, retries: 0, resigns: 0, mainThreadHashing: 0 });
    expect(counters.hashedBytes).toBe(43 * MiB);
    // Each file's own counters (the demo's panel reads them), adding up to the plugin's.
    const perFile = await readFileCounters(page);
    expect(perFile['big.bin']).toMatchObject({ partsUploaded: 5, partsVerified: 5, objectsVerified: 1, singleUploads: 0 });
    expect(perFile['small.bin']).toMatchObject({ partsUploaded: 0, singleUploads: 1 });
    expect(perFile['empty.bin']).toMatchObject({ partsUploaded: 0, singleUploads: 1 });
    // upload-success carries the object's ETag: md5(part MD5s)-5 for the big file, the MD5 for the small one.
    expect(outcome.etags['big.bin']).toMatch(/^"[0-9a-f]{32}-5"$/);
    expect(outcome.etags['small.bin']).toMatch(/^"[0-9a-f]{32}"$/);
    console.log(`[numbers] ${engine.engine}: MD5 in the workers ${(counters.hashedBytes / 1e3 / counters.hashMs).toFixed(0)} MB/s (${counters.hashedBytes} bytes in ${counters.hashMs} ms)`);
  });

  it(`sends parts of one file side by side, and never more requests than \`limit\` across files`, async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 3 });
    env.proxy.setUploadBytesPerSecond(30_000_000);
    // Count, in the page, the part PUTs between send() and their end (events seen from outside can arrive out of order).
    await page.evaluate(() => {
      const inFlight = new Map<string, number>();
      const seen = { most: 0, mostOfOneFile: 0, files: 0 };
      Object.assign(window, { concurrency: seen });
      const { open, send } = XMLHttpRequest.prototype;
      const urls = new WeakMap<XMLHttpRequest, URL>();
      XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: Parameters<typeof open>) {
        urls.set(this, new URL(String(args[1]), location.href));
        return open.apply(this, args);
      } as typeof open;
      XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body) {
        const url = urls.get(this);
        const id = url?.searchParams.get('uploadId');
        if (id && url?.searchParams.has('partNumber')) {
          inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
          seen.files = inFlight.size;
          seen.most = Math.max(seen.most, [...inFlight.values()].reduce((a, b) => a + b, 0));
          seen.mostOfOneFile = Math.max(seen.mostOfOneFile, inFlight.get(id)!);
          // DONE comes before 'load', whose listener lets the next request start.
          this.addEventListener('readystatechange', () => {
            if (this.readyState === XMLHttpRequest.DONE) inFlight.set(id, inFlight.get(id)! - 1);
          });
        }
        return send.call(this, body as XMLHttpRequestBodyInit);
      };
    });
    const digests = await addSeededFiles(page, [
      { name: 'one.bin', size: 30 * MiB, seed: 12 },
      { name: 'two.bin', size: 30 * MiB, seed: 13 },
    ]);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    for (const name of Object.keys(digests)) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[name]!)).toBe(digests[name]);
    const seen = await page.evaluate(() => (window as unknown as { concurrency: { most: number; mostOfOneFile: number; files: number } }).concurrency);
    expect(seen.files).toBe(2);
    expect(seen.most).toBe(3);
    expect(seen.mostOfOneFile).toBeGreaterThan(1);
  });

  it('the stock @uppy/aws-s3 6 (companionEndpoint mode) uploads a 20 MiB file through the same middleware mount', async () => {
    const page = await openPluginPage(engine, env, { uploader: 'stock' });
    const digests = await addSeededFiles(page, [{ name: 'stock.bin', size: 20 * MiB, seed: 14 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    expect(outcome.keys['stock.bin']).toMatch(/^test\/page\/[0-9a-f]{32}\//);
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['stock.bin']!)).toBe(digests['stock.bin']);
    const puts = partPuts(env.proxy.records);
    expect(puts).toHaveLength(4); // its 5 MiB parts, one at a time, with no checksum
    for (const put of puts) expect(put.headers['content-md5']).toBeUndefined();
  });
});
