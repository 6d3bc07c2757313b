/**
 * Page reload mid-upload, in every engine: Golden Retriever restores the file's state
 * (`s3Multipart`: upload id and key) but not a 40 MiB blob, so the user selects the file again; a
 * file of 10 MiB or less comes back whole where the engine's IndexedDB can keep a Blob. Either
 * way the plugin lists the parts S3 holds, skips those whose size and ETag match the local MD5,
 * and sends only the rest. The proxy in front of S3 slows the uplink and tells which parts S3
 * stored before the reload and which PUTs went out after it.
 */
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import type { EnginePage } from '../harness/engines/EngineBrowser.js';
import type { ProxyRecord } from '../harness/startFaultProxy.js';
import { forEachEngine } from '../harness/forEachEngine.js';
import { addSeededFiles, gotoPluginPage, objectSha256, partPuts, partsUploaded, readCounters, storedParts, waitForOutcome, watchOutcome, type PageGlobals, type PageQuery } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';
import { readUploadWatch, watchUploads } from '../helpers/watchUploads.js';

const MiB = 1024 * 1024;
const FILE = { name: 'reloaded.bin', size: 40 * MiB, seed: 41 };
const PARTS = 8;
const env = usePluginPage();

/** Reloads the test page, as a person pressing F5 does, and waits for Golden Retriever to bring the file back. */
async function reload(page: EnginePage, query: PageQuery): Promise<{ isGhost: boolean; size: number | undefined; uploadId: string | undefined }> {
  await gotoPluginPage(page, env.server.url, query);
  await page.waitFor(() => (window as unknown as PageGlobals).uppy.getFiles().length === 1, undefined, { what: 'Golden Retriever to restore the file' });
  return page.evaluate(() => {
    const file = (window as unknown as PageGlobals).uppy.getFiles()[0]!;
    return { isGhost: Boolean(file.isGhost), size: (file.data as Blob | undefined)?.size ?? null, uploadId: file.s3Multipart?.uploadId ?? null } as never;
  });
}

/** The object key of the multipart upload created among these records (`POST /bucket/key?uploads`). */
function createdKeys(records: ProxyRecord[]): string[] {
  return records
    .filter((record) => record.method === 'POST' && /[?&]uploads(=|&|$)/.test(record.path))
    .map((record) => decodeURIComponent(new URL(record.path, 'http://s3').pathname.split('/').slice(2).join('/')));
}

/** The moments a page is reloaded at, each the worst of its kind. */
const MOMENTS = {
  /** From inside the plugin's `run-start`: the upload was just created, no part hashed, signed or sent. */
  created: 'the instant the upload is created',
  /** While S3's proxy holds the first part PUTs: nothing stored yet, a PUT cut by the reload. */
  'first-put': 'while the first part PUT is in flight',
  /** Once parts 1 and 2 are stored, with the PUTs of the others held: mid-file. */
  'mid-file': 'mid-file, parts 1 and 2 stored',
} as const;
const RESUMED = { name: 'resumed.bin', size: 24 * MiB, seed: 43 }; // 5 parts of 5 MiB; over 10 MiB, so a ghost in every engine

forEachEngine((engine) => {
  for (const [moment, title] of Object.entries(MOMENTS) as Array<[keyof typeof MOMENTS, string]>) {
    it(`reloaded ${title}, resumes the same upload, sends only the parts S3 lacks, and leaves no upload open`, async () => {
      const query = { partSize: 5 * MiB, limit: 2, golden: 1 };
      const page = await openPluginPage(engine, env, query);
      let before = true;
      // The old page's PUTs are held (all of them, or those past part 2 mid-file) until the reload cuts them.
      env.proxy.setFault((request) => {
        const holds = before && request.method === 'PUT' && (moment === 'first-put' || (moment === 'mid-file' && request.partNumber! > 2));
        return holds ? { kind: 'hold', until: Date.now() + 120_000 } : { kind: 'pass' };
      });
      if (moment === 'created') await page.evaluate(() => (window as unknown as PageGlobals).page.reloadOn('run-start'));
      const digests = await addSeededFiles(page, [RESUMED]);
      // Uploads start once Golden Retriever has the file (a person is slower): the reload then
      // tests the plugin's own save of the upload, not Golden Retriever's.
      await page.waitFor((name) => (window as unknown as PageGlobals).page.goldenRetrieverHas(name), RESUMED.name, { what: 'Golden Retriever to save the file' });
      await watchOutcome(page);
      if (moment === 'created') {
        await page.waitFor(() => document.body?.dataset.ready === 'true' && !('reloadArmed' in window), undefined, { what: 'the page reloaded from run-start to be ready' });
      } else {
        if (moment === 'first-put') await expect.poll(() => partPuts(env.proxy.records).length, { timeout: 60_000 }).toBeGreaterThan(0);
        else await partsUploaded(page, 2);
        await page.reload();
      }
      const mark = env.proxy.records.length;
      before = false;
      const [key, ...otherCreates] = createdKeys(env.proxy.records);
      expect(otherCreates, 'one multipart upload created before the reload').toEqual([]);
      const open = await env.s3.send(new ListMultipartUploadsCommand({ Bucket: env.server.bucket, Prefix: key }));
      const uploadId = open.Uploads?.[0]?.UploadId;
      expect(open.Uploads, `the upload of ${key} is open on S3`).toHaveLength(1);

      // Golden Retriever brings the file back as a ghost (over 10 MiB): the person selects it again.
      await page.waitFor(() => (window as unknown as PageGlobals).uppy.getFiles()[0]?.isGhost, undefined, { what: 'Golden Retriever to restore the file' });
      await addSeededFiles(page, [RESUMED]);
      const adopted = await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles()[0]?.s3Multipart?.uploadId ?? null);
      expect(adopted, 'the file found its upload at once').toBe(uploadId);
      await watchUploads(page);
      await watchOutcome(page, { start: false });
      await page.evaluate(() => (window as unknown as PageGlobals).uppy.emit('restore-confirmed'));
      const outcome = await waitForOutcome(page);

      const after = env.proxy.records.slice(mark);
      const { timeline } = await readUploadWatch(page);
      const account = `records after the reload: ${JSON.stringify(after.map(({ method, partNumber, uploadId: id, status, arrivedAt, endedAt }) => ({ method, partNumber, id, status, arrivedAt, endedAt })))}\nthe plugin's timeline: ${JSON.stringify(timeline)}`;
      expect(outcome.errors, account).toEqual({});
      expect(outcome.keys[RESUMED.name], account).toBe(key);
      expect(await objectSha256(env.s3, env.server.bucket, key!)).toBe(digests[RESUMED.name]);
      expect(createdKeys(after), `no second upload created\n${account}`).toEqual([]);
      // Parts stored before the new page listed them are not sent again; the others are sent once.
      const listedAt = after.find((record) => record.method === 'GET' && record.uploadId === uploadId && record.partNumber === undefined)?.arrivedAt;
      expect(listedAt, `the new page listed the upload's parts\n${account}`).toBeDefined();
      const storedEarlier = new Set(storedParts(env.proxy.records.filter((record) => record.endedAt !== undefined && record.endedAt < listedAt!)));
      const sentAfter = partPuts(after).filter((put) => put.arrivedAt >= listedAt!);
      for (const put of sentAfter) {
        expect(put.uploadId, account).toBe(uploadId);
        expect(storedEarlier.has(put.partNumber!), `part ${put.partNumber} was stored before the listing and sent again\n${account}`).toBe(false);
      }
      const storedAfter = storedParts(sentAfter);
      expect(new Set(storedAfter).size, `each part stored once after the reload\n${account}`).toBe(storedAfter.length);
      expect(new Set([...storedEarlier, ...storedAfter]), account).toEqual(new Set([1, 2, 3, 4, 5]));
      if (moment === 'first-put') expect(storedEarlier, account).toEqual(new Set());
      if (moment === 'mid-file') expect(storedEarlier, account).toEqual(new Set([1, 2]));
      const left = await env.s3.send(new ListMultipartUploadsCommand({ Bucket: env.server.bucket, Prefix: key }));
      expect(left.Uploads ?? [], 'no multipart upload left open').toEqual([]);
      console.log(`[numbers] ${engine.engine} reload ${moment}: ${storedEarlier.size} of 5 parts stored before, ${sentAfter.length} part PUTs after`);
    });
  }


  it('after a reload, sends only the parts S3 does not hold yet (the file re-selected)', async () => {
    const query = { partSize: 5 * MiB, limit: 2, golden: 1 };
    const page = await openPluginPage(engine, env, query);
    // Slow, so the reload comes mid-upload: at full speed the old page could finish first.
    env.proxy.setUploadBytesPerSecond(15_000_000);
    const digests = await addSeededFiles(page, [FILE]);
    await watchOutcome(page); // the page goes away before it completes
    await partsUploaded(page, 3);
    const resumeState = await page.evaluate(() => (window as unknown as PageGlobals).uppy.getFiles()[0]?.s3Multipart);
    expect(resumeState?.uploadId).toBeTruthy();

    const restored = await reload(page, query);
    const mark = env.proxy.records.length;
    const storedBefore = new Set(storedParts(env.proxy.records));
    env.proxy.setUploadBytesPerSecond(undefined);
    // Golden Retriever brings the file back as a "ghost" (its blob is over 10 MiB), with its upload.
    expect(restored).toEqual({ isGhost: true, size: null, uploadId: resumeState!.uploadId });

    // The user selects the same file again and confirms the restore (the Dashboard's "Resume").
    await addSeededFiles(page, [FILE]);
    await watchOutcome(page, { start: false });
    await page.evaluate(() => (window as unknown as PageGlobals).uppy.emit('restore-confirmed'));
    const outcome = await waitForOutcome(page);

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[FILE.name]!)).toBe(digests[FILE.name]);
    // No part S3 had stored before the reload was sent again, and every part was sent or skipped.
    const sentAfter = partPuts(env.proxy.records.slice(mark)).map((put) => put.partNumber!);
    expect(storedBefore.size).toBeGreaterThanOrEqual(3);
    for (const part of sentAfter) expect(storedBefore.has(part), `part ${part} was sent again`).toBe(false);
    const counters = await readCounters(page);
    expect(counters.partsSkipped).toBeGreaterThanOrEqual(storedBefore.size);
    expect(counters.partsSkipped + counters.partsUploaded).toBe(PARTS);
    expect(sentAfter).toHaveLength(counters.partsUploaded); // one PUT per missing part, no retries
    console.log(
      `[numbers] ${engine.engine} reload: ${storedBefore.size} of ${PARTS} parts stored before the reload; after it ${sentAfter.length} part PUTs (parts ${[...sentAfter].sort((a, b) => a - b).join(', ')}), ${counters.partsSkipped} skipped as verified`,
    );
  });

  // Under automation WebKit's IndexedDB refuses to store a Blob ("Error preparing
  // Blob/File data"), so Golden Retriever cannot keep even a small file there: it comes back as
  // a ghost and is selected again, as a bigger file is everywhere.
  const keepsBlobs = engine.engine !== 'webkit';
  const how = keepsBlobs ? 'resumes without being selected again' : 'comes back as a ghost (WebKit: IndexedDB keeps no Blob under automation) and resumes once re-selected';
  it(`after a reload, a file small enough for Golden Retriever to keep ${how}`, async () => {
    const query = { partSize: 5 * MiB, limit: 1, golden: 1 };
    const page = await openPluginPage(engine, env, query);
    // Part 2's first PUT is held until long after the reload (which cuts it): the old page cannot
    // finish it while the new one loads.
    let held = false;
    env.proxy.setFault((request) => {
      if (request.method !== 'PUT' || request.partNumber !== 2 || held) return { kind: 'pass' };
      held = true;
      return { kind: 'hold', until: Date.now() + 120_000 };
    });
    const small = { name: 'kept.bin', size: 9 * MiB, seed: 42 }; // Golden Retriever keeps blobs up to 10 MiB
    const digests = await addSeededFiles(page, [small]);
    await watchOutcome(page);
    await partsUploaded(page, 1);
    // Reload only once that PUT is held at the proxy: reloaded before it arrived (Firefox, once),
    // the new page's PUT of part 2 was the first to arrive, was held, and stalled into a retry.
    await expect.poll(() => held, { timeout: 30_000 }).toBe(true);

    const restored = await reload(page, query);
    const mark = env.proxy.records.length;
    expect(restored).toEqual(keepsBlobs ? { isGhost: false, size: small.size, uploadId: expect.any(String) } : { isGhost: true, size: null, uploadId: expect.any(String) });
    if (!keepsBlobs) await addSeededFiles(page, [small]);

    await watchUploads(page);
    await watchOutcome(page, { start: false });
    await page.evaluate(() => (window as unknown as PageGlobals).uppy.emit('restore-confirmed'));
    const outcome = await waitForOutcome(page);

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[small.name]!)).toBe(digests[small.name]);
    // Only part 2 went out after the reload. (Firefox once sent it twice to the proxy while the
    // plugin counted one PUT and no retry: a request the browser itself sent again.)
    const after = partPuts(env.proxy.records.slice(mark));
    const described = JSON.stringify(after.map(({ partNumber, status, bytesIn, clientClosed, arrivedAt, endedAt }) => ({ partNumber, status, bytesIn, clientClosed, arrivedAt, endedAt })));
    expect(new Set(after.map((put) => put.partNumber)), described).toEqual(new Set([2]));
    expect(after.filter((put) => put.status === 200), described).toHaveLength(1);
    // The plugin's own account of what it did after the reload, should it differ.
    const { timeline } = await readUploadWatch(page);
    const account = JSON.stringify(timeline.filter((event) => ['put-start', 'put-end', 'retry', 'part-skipped', 'urls'].includes(event.type)));
    expect(await readCounters(page), `${described}\nthe plugin's timeline after the reload: ${account}`).toMatchObject({ partsSkipped: 1, partsUploaded: 1, objectsVerified: 1, retries: 0 });
  });
});
