/**
 * Network loss, in every engine, injected by the proxy in front of S3: connections reset as a PUT
 * arrives, 503 SlowDown after its body, a connection cut in the middle of a body (what Safari and
 * flaky networks do; it must be retried as a network failure, never taken for a user's cancel),
 * and a part that fails until the file gives up, then resumes on "retry". And where the engine can
 * take the page offline (Chromium's CDP), the plugin waits for `online`.
 */
import { expect, it } from 'vitest';
import type { TimelineEvent } from '../../plugin/index.js';
import { forEachEngine } from '../harness/forEachEngine.js';
import type { Fault, ProxiedRequest } from '../harness/startFaultProxy.js';
import { addSeededFiles, objectSha256, partPuts, partsUploaded, readCounters, retryFirstFile, storedParts, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';
import { readUploadWatch, watchUploads } from '../helpers/watchUploads.js';

const MiB = 1024 * 1024;
const env = usePluginPage();

/**
 * Why the connection-drop scenarios do not run in Firefox: Firefox ESR 140, driven over WebDriver
 * BiDi, crashes (its parent process, SIGSEGV, exit code 11, a minidump written) when an upload's
 * connection dies before an answer. Here on 2026-11-30: now and then with a reset as the PUT
 * arrives or a close mid-body (1 CI run of 5 that day, and 1 of 3 runs of this file alone), every
 * time (4 of 4) with a reset or a close once the whole body was in. The crash takes every later
 * test of the file with it. Whether a Firefox without automation crashes too is not established.
 */
const FIREFOX_DROP_CRASH = 'Firefox ESR 140 crashes (SIGSEGV) when an upload connection dies before an answer: see FIREFOX_DROP_CRASH in this file';

/** Records, in the page, the highest share of the file progress ever reported. */
async function watchProgress(page: Parameters<typeof addSeededFiles>[0]): Promise<() => Promise<number>> {
  await page.evaluate(() => {
    const w = window as unknown as PageGlobals & { maxProgress: number };
    w.maxProgress = 0;
    w.uppy.on('upload-progress', (_file, progress) => (w.maxProgress = Math.max(w.maxProgress, (progress.bytesUploaded ?? 0) / (progress.bytesTotal ?? 1))));
  });
  return () => page.evaluate(() => (window as unknown as { maxProgress: number }).maxProgress);
}

forEachEngine((engine) => {
  it('finishes when part PUTs are reset on arrival or answered 503 SlowDown', async (context) => {
    if (engine.engine === 'firefox') return context.skip(FIREFOX_DROP_CRASH);
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 3 });
    await watchUploads(page);
    // Each part's first attempt: parts 3 and 6 reset as they arrive, parts 2 and 5 get a 503 after their body.
    const tried = new Set<number>();
    env.proxy.setFault((request: ProxiedRequest): Fault => {
      const part = request.partNumber;
      if (request.method !== 'PUT' || part === undefined || tried.has(part)) return { kind: 'pass' };
      tried.add(part);
      if (part === 3 || part === 6) return { kind: 'reset' };
      if (part === 2 || part === 5) return { kind: 'error', status: 503, code: 'SlowDown' };
      return { kind: 'pass' };
    });
    const maxProgress = await watchProgress(page);
    const digests = await addSeededFiles(page, [{ name: 'flaky.bin', size: 40 * MiB, seed: 31 }]);

    const outcome = await uploadAll(page);

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['flaky.bin']!)).toBe(digests['flaky.bin']);
    const puts = partPuts(env.proxy.records);
    expect(puts.filter((put) => put.fault !== 'pass').map((put) => [put.partNumber, put.fault]).sort()).toEqual([
      [2, 'error'],
      [3, 'reset'],
      [5, 'error'],
      [6, 'reset'],
    ]);
    expect(storedParts(puts).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await maxProgress()).toBeLessThanOrEqual(1);
    // The plugin saw both 503s (an answer: no browser sends the request again), and a reset unless
    // the browser itself sent the PUT again at once on another connection (Chromium and Firefox
    // do, for a connection that fails before any answer); each failure it saw cost one retry.
    const { timeline, counters } = await readUploadWatch(page);
    const ends = timeline.filter((event): event is TimelineEvent & { type: 'put-end' } => event.type === 'put-end');
    const refused = ends.filter((end) => end.outcome === 'refused');
    const lost = ends.filter((end) => end.outcome === 'network');
    expect(refused.map((end) => [end.partNumber, 'status' in end && end.status, 'code' in end && end.code]).sort()).toEqual([
      [2, 503, 'SlowDown'],
      [5, 503, 'SlowDown'],
    ]);
    for (const end of lost) expect([3, 6]).toContain(end.partNumber);
    expect(counters).toMatchObject({ retries: refused.length + lost.length, partsUploaded: 8, partsVerified: 8, resigns: 0 });
    console.log(`[numbers] ${engine.engine} resets and 503s: 2 resets injected, ${lost.length} seen by the plugin (the rest resent by the browser itself), 2 503s retried`);
  });

  it('retries a PUT whose connection is cut mid-body as a network failure, never as a cancel', async (context) => {
    if (engine.engine === 'firefox') return context.skip(FIREFOX_DROP_CRASH);
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 3 });
    await watchUploads(page);
    // Part 2's arrivals are cut after 1 MiB of body until the plugin has seen one fail: a browser
    // may itself send a request again when a reused connection fails (Chromium once; WebKit's
    // libsoup, for an idempotent PUT, may do it every time), so a fixed number of cuts can all be
    // absorbed by the browser. At most 4, under the plugin's 5 retries.
    let cuts = 0;
    let seenByPlugin = false;
    env.proxy.setFault((request: ProxiedRequest): Fault => {
      if (request.method !== 'PUT' || request.partNumber !== 2 || seenByPlugin || cuts >= 4) return { kind: 'pass' };
      cuts += 1;
      return { kind: 'reset-mid-body', afterBytes: MiB };
    });
    const digests = await addSeededFiles(page, [{ name: 'cut.bin', size: 20 * MiB, seed: 33 }]);

    let uploading = true;
    const watching = (async () => {
      while (uploading && !seenByPlugin) {
        const { timeline } = await readUploadWatch(page);
        seenByPlugin = timeline.some((event) => event.type === 'put-end' && event.partNumber === 2 && event.outcome === 'network');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const outcome = await uploadAll(page).finally(() => (uploading = false));
    await watching;

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['cut.bin']!)).toBe(digests['cut.bin']);
    const cut = partPuts(env.proxy.records).filter((put) => put.fault === 'reset-mid-body');
    expect(cut.length).toBeGreaterThanOrEqual(1);
    for (const put of cut) expect(put.bytesIn, 'cut mid-body').toBeGreaterThanOrEqual(MiB);
    for (const put of cut) expect(put.bytesIn, 'cut mid-body').toBeLessThan(5 * MiB);
    // The plugin's own account: part 2's PUTs ended as network failures, each followed by a retry
    // of part 2, then one was stored; nothing was ever cancelled.
    const { timeline, counters } = await readUploadWatch(page);
    const ends = timeline.filter((event): event is TimelineEvent & { type: 'put-end' } => event.type === 'put-end');
    expect(ends.filter((end) => end.outcome === 'cancelled')).toEqual([]);
    const part2 = timeline.filter((event) => 'partNumber' in event && event.partNumber === 2 && (event.type === 'put-end' || event.type === 'retry'));
    const failures = part2.filter((event) => event.type === 'put-end' && event.outcome === 'network');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(part2.map((event) => (event.type === 'put-end' ? event.outcome : `retry:${(event as { reason: string }).reason}`))).toEqual([
      ...failures.flatMap(() => ['network', 'retry:network']),
      'stored',
    ]);
    expect(counters).toMatchObject({ partsUploaded: 4, retries: failures.length });
    console.log(`[numbers] ${engine.engine} mid-body cut: ${cut.length} PUTs cut at ${cut.map((put) => put.bytesIn).join(', ')} bytes, ${failures.length} seen by the plugin as network failures, retried`);
  });

  it('a file that failed after its retries resumes on "retry": parts S3 holds are not sent again', { timeout: 180_000 }, async (context) => {
    if (engine.engine === 'firefox') return context.skip(FIREFOX_DROP_CRASH);
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 2 });
    let blockPart2 = true;
    env.proxy.setFault((request) => (blockPart2 && request.method === 'PUT' && request.partNumber === 2 ? { kind: 'reset' } : { kind: 'pass' }));
    const digests = await addSeededFiles(page, [{ name: 'retried.bin', size: 30 * MiB, seed: 32 }]);

    const first = await uploadAll(page);
    expect(first.errors['retried.bin']).toMatch(/^network_error: /);
    const sentBefore = new Set(storedParts(env.proxy.records));
    expect(sentBefore.has(2)).toBe(false);

    blockPart2 = false;
    const mark = env.proxy.records.length;
    const result = await retryFirstFile(page);

    expect(result.complete).toBe(true);
    expect(await objectSha256(env.s3, env.server.bucket, result.key)).toBe(digests['retried.bin']);
    const sentAfter = partPuts(env.proxy.records.slice(mark)).map((put) => put.partNumber!);
    for (const part of sentAfter) expect(sentBefore.has(part), `part ${part} was sent again`).toBe(false);
    expect(sentAfter).toContain(2);
    expect((await readCounters(page)).partsSkipped).toBe(sentBefore.size);
  });

  it('waits for the network when the page goes offline mid-upload, then finishes', async (context) => {
    const page = await openPluginPage(engine, env, { partSize: 5 * MiB, limit: 3 });
    const { setOffline } = page.hooks;
    if (!setOffline) {
      const why = { firefox: "this Firefox's WebDriver BiDi has no emulation.setNetworkConditions", webkit: 'classic WebDriver cannot take a page offline' };
      return context.skip(`${engine.engine}: ${why[engine.engine as keyof typeof why] ?? 'no way to take the page offline'}`);
    }
    env.proxy.setUploadBytesPerSecond(10_000_000); // so the upload is still going when the network drops
    const maxProgress = await watchProgress(page);
    const digests = await addSeededFiles(page, [{ name: 'offline.bin', size: 40 * MiB, seed: 34 }]);
    const done = uploadAll(page);

    // Offline once two parts are in, for three seconds.
    await partsUploaded(page, 2);
    await setOffline(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await setOffline(false);
    const outcome = await done;

    expect(outcome.errors).toEqual({});
    expect(await objectSha256(env.s3, env.server.bucket, outcome.keys['offline.bin']!)).toBe(digests['offline.bin']);
    expect(await maxProgress()).toBeLessThanOrEqual(1);
    const counters = await readCounters(page);
    expect(counters.offlineWaits).toBeGreaterThanOrEqual(1);
    expect(counters.partsUploaded).toBe(8);
    console.log(`[numbers] ${engine.engine} offline: retries ${counters.retries}, offline waits ${counters.offlineWaits}, re-signs ${counters.resigns}`);
  });
});
