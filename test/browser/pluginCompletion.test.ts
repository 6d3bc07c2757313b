/**
 * The app learns of every upload our plugin makes, in every engine: the server's completion hook
 * (`onUploadComplete`) runs once S3 holds the object, after the multipart complete or the confirm
 * of a single PUT, and what it answers reaches the page in `upload-success` (`body.serverData`)
 * and on the timeline. A complete or confirm whose answer is lost (cut at a proxy in front of the
 * page server) is sent again: the hook runs again, marked `repeated` where the server can tell,
 * the app's upsert keeps one record, and the page still gets its answer.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { CompletedUpload } from '../../middleware/index.js';
import type { TimelineEvent } from '../../plugin/index.js';
import { forEachEngine } from '../harness/forEachEngine.js';
import { startFaultProxy, type FaultProxy } from '../harness/startFaultProxy.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';
import { addSeededFiles, gotoPluginPage, objectSha256, uploadAll, type SeededFile } from '../helpers/pluginPage.js';
import { readUploadWatch, watchUploads } from '../helpers/watchUploads.js';

const MiB = 1024 * 1024;

/** The app's table of uploads: one row per object (key + ETag), however often the hook runs for it. */
const rows = new Map<string, { id: number; key: string; etag: string; size: number; runs: number }>();
const calls: Array<Omit<CompletedUpload<unknown>, 'req'>> = [];
const env = usePluginPage({
  requireContentMD5: true,
  onUploadComplete: ({ req: _req, ...upload }) => {
    calls.push(upload);
    const id = `${upload.key} ${upload.etag}`;
    const row = rows.get(id) ?? { id: rows.size + 1, key: upload.key, etag: upload.etag, size: upload.size, runs: 0 };
    row.runs += 1;
    rows.set(id, row);
    return { id: row.id, runs: row.runs };
  },
});
/** In front of the page server (page and middleware): it drops the answer of one call. */
let appProxy: FaultProxy;
beforeAll(async () => {
  appProxy = await startFaultProxy({ upstreams: [env.server.url] });
});
afterEach(() => {
  appProxy.setFault(undefined);
  appProxy.records.length = 0;
  rows.clear();
  calls.length = 0;
});
afterAll(() => appProxy?.close());

const BIG: SeededFile = { name: 'parts.bin', size: 12 * MiB, seed: 91 };
const SMALL: SeededFile = { name: 'small.bin', size: 100 * 1024, seed: 92 };

forEachEngine((engine) => {
  it("runs the app's hook once for a multipart and once for a single-PUT file, and hands its answer to the page", async () => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB });
    await watchUploads(page);
    const digests = await addSeededFiles(page, [BIG, SMALL]);
    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    for (const file of [BIG, SMALL]) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[file.name]!), file.name).toBe(digests[file.name]);
    const called = (name: string) => calls.filter((call) => call.key === outcome.keys[name]);
    expect(called(BIG.name)).toEqual([
      expect.objectContaining({ source: 'complete', size: BIG.size, etag: outcome.etags[BIG.name], uploadId: expect.any(String), md5Verified: true, repeated: false }),
    ]);
    expect(called(SMALL.name)).toEqual([expect.objectContaining({ source: 'confirm', size: SMALL.size, etag: outcome.etags[SMALL.name], md5Verified: true })]);
    const idOf = (name: string) => rows.get(`${outcome.keys[name]} ${outcome.etags[name]}`)?.id;
    expect(outcome.serverData).toEqual({ [BIG.name]: { id: idOf(BIG.name), runs: 1 }, [SMALL.name]: { id: idOf(SMALL.name), runs: 1 } });
    const { timeline } = await readUploadWatch(page);
    const confirmed = timeline.filter((event): event is TimelineEvent & { type: 'server-confirmed' } => event.type === 'server-confirmed');
    expect(confirmed.map(({ via, serverData }) => ({ via, serverData })).sort((a, b) => a.via.localeCompare(b.via))).toEqual([
      { via: 'complete', serverData: { id: idOf(BIG.name), runs: 1 } },
      { via: 'confirm', serverData: { id: idOf(SMALL.name), runs: 1 } },
    ]);
  });

  for (const [route, file] of [
    ['complete', BIG],
    ['confirm', SMALL],
  ] as const) {
    it(`a ${route} whose answer is lost is sent again: one record in the app, and the page gets its serverData`, async () => {
      const page = await engine.newPage();
      let dropped = false;
      appProxy.setFault((request) => {
        const matches = request.method === 'POST' && (route === 'complete' ? /\/api\/s3\/multipart\/[^/]+\/complete/.test(request.path) : request.path.startsWith('/api/s3/confirm'));
        if (!matches || dropped) return { kind: 'pass' };
        dropped = true;
        return { kind: 'drop-answer' };
      });
      await gotoPluginPage(page, appProxy.url, { partSize: 5 * MiB });
      const digests = await addSeededFiles(page, [file]);
      const outcome = await uploadAll(page);

      const account = JSON.stringify({ calls, proxied: appProxy.records.filter((record) => record.method === 'POST').map(({ path, status, clientClosed }) => ({ path, status, clientClosed })) });
      expect(outcome.errors, account).toEqual({});
      expect(dropped, account).toBe(true);
      const key = outcome.keys[file.name]!;
      expect(await objectSha256(env.s3, env.server.bucket, key)).toBe(digests[file.name]);
      // The hook ran for the first call (whose answer was lost) and again for the second.
      expect(calls.filter((call) => call.key === key).length, account).toBe(2);
      if (route === 'complete') expect(calls.map((call) => call.repeated), account).toEqual([false, true]);
      expect([...rows.values()], account).toEqual([{ id: 1, key, etag: outcome.etags[file.name], size: file.size, runs: 2 }]);
      expect(outcome.serverData[file.name], account).toEqual({ id: 1, runs: 2 });
    });
  }
});
