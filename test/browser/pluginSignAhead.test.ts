/**
 * Small files (one presigned PUT each) are signed ahead of their turn: a file asks the middleware
 * for its URL while S3's connections are still busy with earlier files, so no connection waits on
 * a middleware round trip. At most `signAhead` files wait signed (1 here, so each step shows); a URL that went stale while its file
 * waited for a connection is signed again before the PUT, never sent for S3 to refuse; a file
 * removed while it waits gives its place back. Chromium only: it holds S3's answer to a PUT
 * (Playwright's route), which the proxy in front of S3 cannot do.
 */
import type { Page, Route } from 'playwright-core';
import { expect, it } from 'vitest';
import type { ParamsBatchRequest, ParamsBatchResponse } from '../../contract.js';
import { asChromiumPage } from '../harness/engines/launchChromium.js';
import { forEachEngine } from '../harness/forEachEngine.js';
import { addSeededFiles, objectSha256, readCounters, readFileCounters, uploadAll, type PageGlobals } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';

const KiB = 1024;
// Short, so a file can outwait its URL in a test; the margin is the page's 60 s capped at half the
// life: 2 s. (The first PUT goes to S3 at once; only its answer is held, so its own URL never expires.)
const URL_LIFETIME_S = 4;
const env = usePluginPage({ expiresIn: URL_LIFETIME_S });

interface Seen {
  /** In the order the page made them: `params <file>` (asking for a URL) and `put <file>` (sending it to S3). */
  events: string[];
  /** How many files each `/s3/params` request asked for, in order. */
  batches: number[];
  /** Each URL `/s3/params` answered, by file name, in order. */
  signed: Record<string, string[]>;
  /** Each PUT to S3: its file, URL, and status (`failed`: no answer the page could read, as radosgw's bare 403 for an expired URL). */
  puts: Array<{ name: string; url: string; status: number | 'failed' }>;
  /** Hands the page S3's answer to the first PUT (S3 had the PUT at once): until then the PUT is on its way. */
  releaseFirstPut: () => void;
  /** Resolves with its file's name once the first PUT is held. */
  firstPutHeld: Promise<string>;
}

/** The object key ends in the file name (`test/page/<hex>/<name>`). */
const nameOfPut = (url: string) => decodeURIComponent(new URL(url).pathname.split('/').pop()!);

/** Records the calls for URLs and the PUTs to S3, and holds the answer to the first PUT until released. */
async function watch(page: Page): Promise<Seen> {
  let releaseFirstPut = () => {};
  const release = new Promise<void>((resolve) => (releaseFirstPut = resolve));
  let firstHeld = (_name: string) => {};
  const firstPutHeld = new Promise<string>((resolve) => (firstHeld = resolve));
  const seen: Seen = { events: [], batches: [], signed: {}, puts: [], releaseFirstPut: () => releaseFirstPut(), firstPutHeld };

  // The plugin asks for many files' URLs in one POST (`{files}`): each file named is one `params` event.
  await page.route('**/api/s3/params', async (route: Route) => {
    const names = (route.request().postDataJSON() as ParamsBatchRequest).files.map((file) => file.filename);
    for (const name of names) seen.events.push(`params ${name}`);
    seen.batches.push(names.length);
    const response = await route.fetch();
    const body = (await response.json()) as ParamsBatchResponse;
    body.files.forEach((file, index) => {
      if (file.ok) (seen.signed[names[index]!] ??= []).push(file.url);
    });
    return route.fulfill({ response });
  });
  let held = 0;
  await page.route(
    (url) => url.pathname.startsWith(`/${env.server.bucket}/`),
    async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      const name = nameOfPut(route.request().url());
      seen.events.push(`put ${name}`);
      if (held++ > 0) return route.continue();
      const response = await route.fetch();
      firstHeld(name);
      await release;
      return route.fulfill({ response });
    },
  );
  page.on('requestfinished', async (request) => {
    if (request.method() === 'PUT') seen.puts.push({ name: nameOfPut(request.url()), url: request.url(), status: (await request.response())?.status() ?? 0 });
  });
  page.on('requestfailed', (request) => {
    if (request.method() === 'PUT') seen.puts.push({ name: nameOfPut(request.url()), url: request.url(), status: 'failed' });
  });
  return seen;
}

const paramsCalls = (seen: Seen) => seen.events.filter((event) => event.startsWith('params '));
/** The PUTs' statuses, once the page's events for `count` of them have come in (they may trail 'complete'). */
async function putsSettled(seen: Seen, count: number): Promise<Seen['puts']> {
  await expect.poll(() => seen.puts.length).toBeGreaterThanOrEqual(count);
  return seen.puts;
}

forEachEngine((engine) => {
  it('asks for the next file’s URL while the first file’s PUT is still on its way, and for no more than `signAhead` files', async () => {
    const page = asChromiumPage(await openPluginPage(engine, env, { limit: 1, signAhead: 1 }));
    const seen = await watch(page.playwright);
    try {
      const digests = await addSeededFiles(page, [
        { name: 'a.bin', size: 100 * KiB, seed: 81 },
        { name: 'b.bin', size: 100 * KiB, seed: 82 },
        { name: 'c.bin', size: 100 * KiB, seed: 83 },
      ]);
      const done = uploadAll(page);
      done.catch(() => {}); // a failed check closes the page under it

      const first = await seen.firstPutHeld;
      // S3 has the first file's PUT, the page not yet its answer: the second file is signed meanwhile…
      await expect.poll(() => paramsCalls(seen).length, { timeout: 5000 }).toBe(2);
      // …and waits there, signed, for the one connection. The third is not signed yet: with
      // `signAhead` 1, one file at most waits signed.
      await page.playwright.waitForTimeout(700);
      expect(paramsCalls(seen)).toHaveLength(2);
      expect(paramsCalls(seen)[1]).not.toBe(`params ${first}`);
      expect(seen.events.filter((event) => event.startsWith('put '))).toEqual([`put ${first}`]);
      seen.releaseFirstPut();
      const outcome = await done;

      expect(outcome.errors).toEqual({});
      for (const name of Object.keys(digests)) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[name]!), name).toBe(digests[name]);
      // Each file asked for its URL once, then sent it; PUTs one at a time, in the order signed.
      const order = paramsCalls(seen).map((event) => event.slice('params '.length));
      expect(order.slice().sort()).toEqual(['a.bin', 'b.bin', 'c.bin']);
      for (const name of order) {
        expect(seen.events.indexOf(`put ${name}`), name).toBeGreaterThan(seen.events.indexOf(`params ${name}`));
      }
      expect(seen.events.filter((event) => event.startsWith('put '))).toEqual(order.map((name) => `put ${name}`));
      // The third was signed only once the first PUT was let go (and the second took the connection).
      expect(seen.events.indexOf(`params ${order[2]}`)).toBeGreaterThan(seen.events.indexOf(`put ${order[0]}`));
      expect((await putsSettled(seen, 3)).map((put) => put.status)).toEqual([200, 200, 200]);
      expect(await readCounters(page)).toMatchObject({ singleUploads: 3, resigns: 0, retries: 0 });
    } finally {
      seen.releaseFirstPut();
    }
  });

  it('signs a waiting file’s URL again when it went stale while the file waited, instead of sending it to be refused', async () => {
    const page = asChromiumPage(await openPluginPage(engine, env, { limit: 1, signAhead: 1 }));
    const seen = await watch(page.playwright);
    try {
      const digests = await addSeededFiles(page, [
        { name: 'first.bin', size: 100 * KiB, seed: 84 },
        { name: 'second.bin', size: 100 * KiB, seed: 85 },
      ]);
      const done = uploadAll(page);
      done.catch(() => {}); // a failed check closes the page under it

      const first = await seen.firstPutHeld;
      const second = first === 'first.bin' ? 'second.bin' : 'first.bin';
      await expect.poll(() => seen.signed[second]?.length ?? 0, { timeout: 5000 }).toBe(1); // signed ahead, waiting
      // Past the second URL's whole life (a URL sent now would be refused as expired), let alone
      // its life minus the margin.
      await page.playwright.waitForTimeout((URL_LIFETIME_S + 1) * 1000);
      expect(seen.signed[second]).toHaveLength(1); // still waiting: not re-signed before its turn
      seen.releaseFirstPut();
      const outcome = await done;

      expect(outcome.errors).toEqual({});
      for (const name of Object.keys(digests)) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[name]!), name).toBe(digests[name]);
      // Asked twice: ahead of its turn, and again when its turn came with the URL stale. Only the
      // fresh URL went to S3, once, and S3 took it; no PUT was refused (expired) or retried.
      expect(seen.signed[second]).toHaveLength(2);
      expect(seen.signed[first]).toHaveLength(1);
      expect((await putsSettled(seen, 2)).map((put) => put.status)).toEqual([200, 200]);
      expect(seen.puts.filter((put) => put.name === second)).toEqual([{ name: second, url: seen.signed[second]![1], status: 200 }]);
      expect(await readCounters(page)).toMatchObject({ singleUploads: 2, resigns: 1, retries: 0 });
      const perFile = await readFileCounters(page);
      expect(perFile[second]).toMatchObject({ resigns: 1, retries: 0 });
      expect(perFile[first]).toMatchObject({ resigns: 0, retries: 0 });
    } finally {
      seen.releaseFirstPut();
    }
  });

  it('a file removed while it waits signed gives its place back: the next file is signed', async () => {
    const page = asChromiumPage(await openPluginPage(engine, env, { limit: 1, signAhead: 1 }));
    const seen = await watch(page.playwright);
    try {
      const digests = await addSeededFiles(page, [
        { name: 'kept.bin', size: 100 * KiB, seed: 86 },
        { name: 'removed.bin', size: 100 * KiB, seed: 87 },
        { name: 'last.bin', size: 100 * KiB, seed: 88 },
      ]);
      const done = uploadAll(page);
      done.catch(() => {}); // a failed check closes the page under it

      const first = await seen.firstPutHeld;
      await expect.poll(() => paramsCalls(seen).length, { timeout: 5000 }).toBe(2);
      const waiting = paramsCalls(seen)[1]!.slice('params '.length);
      await page.evaluate((name) => {
        const { uppy } = window as unknown as PageGlobals;
        uppy.removeFile(uppy.getFiles().find((file) => file.name === name)!.id);
      }, waiting);
      // Its place among the files signed ahead is free again: the third file is signed while the
      // first PUT is still held.
      await expect.poll(() => paramsCalls(seen).length, { timeout: 5000 }).toBe(3);
      seen.releaseFirstPut();
      const outcome = await done;

      expect(outcome.errors).toEqual({});
      const rest = Object.keys(digests).filter((name) => name !== waiting);
      expect(Object.keys(outcome.keys).sort()).toEqual(rest.sort());
      for (const name of rest) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[name]!), name).toBe(digests[name]);
      expect(seen.events.filter((event) => event.startsWith('put '))).toEqual([`put ${first}`, `put ${rest.find((name) => name !== first)}`]); // the removed file never went out
    } finally {
      seen.releaseFirstPut();
    }
  });

  it('once `signAhead` files wait signed, asks for more only when half of them have gone, all in one request', async () => {
    // Without MD5 (`md5=0`) every file asks for its place in the same turn, so the first 8 take all
    // the places before any file can give one back, at any machine speed.
    const page = asChromiumPage(await openPluginPage(engine, env, { limit: 1, signAhead: 8, md5: 0 }));
    const seen = await watch(page.playwright);
    try {
      const files = Array.from({ length: 24 }, (_, i) => ({ name: `f${String(i).padStart(2, '0')}.bin`, size: 4 * KiB, seed: 200 + i }));
      const digests = await addSeededFiles(page, files);
      seen.releaseFirstPut(); // no PUT is held in this test
      const outcome = await uploadAll(page);
      expect(outcome.errors).toEqual({});
      for (const file of files) expect(await objectSha256(env.s3, env.server.bucket, outcome.keys[file.name]!), file.name).toBe(digests[file.name]);
      // The first 8 in one or more requests; then, each time 4 of those waiting have taken the
      // connection, the next 4 in one request, the last request the files left.
      let filled = 0;
      let at = 0;
      while (filled < 8) filled += seen.batches[at++]!;
      const left = files.length - filled;
      const refills = Array.from({ length: Math.ceil(left / 4) }, (_, i) => Math.min(4, left - 4 * i));
      expect(seen.batches.slice(at), `files per request: ${seen.batches.join(', ')}`).toEqual(refills);
    } finally {
      seen.releaseFirstPut();
    }
  });
}, ['chromium']);
