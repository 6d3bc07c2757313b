/**
 * Chaos, in real Chromium against radosgw, through the demo as a person uses it (`npm run
 * demo:prod`'s own server process, page built): a 256 MiB file while a share of part PUTs fail
 * at random (connection reset, or 503 SlowDown), presigned URLs live 5 seconds and every tenth
 * PUT that does go to S3 is held until its URL has expired, the middleware's Node process is
 * killed and started again once, and the page is reloaded once. Faults come from a proxy in front
 * of S3 (test/harness/startFaultProxy.ts), which also caps the uplink and records every request.
 *
 * The object must be byte-identical, nothing may be left behind (no incomplete multipart upload,
 * no second object), and every PUT that reached S3 and is not the one S3 finally stored must have
 * a cause (test/helpers/accountForPuts.ts): none may be "other". The run's numbers go to
 * test/output/chaos.json, the card with its part timeline to chaos-timeline.png. A failing run prints its seed (replay it with CHAOS_SEED) and writes
 * what the page and the plugin knew to test/output/chaos-failure-<seed>.json and .png.
 */
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { ChromiumPage } from '../harness/engines/launchChromium.js';
import { beforeAll, expect, inject, it } from 'vitest';
import type { TimelineEvent } from '../../plugin/index.js';
import { freePort } from '../../scripts/freePort.js';
import type { Fault, FaultProxy, ProxiedRequest } from '../harness/startFaultProxy.js';
import { accountForPuts, hungUpByReload, type Reload } from '../helpers/accountForPuts.js';
import { objectSha256 } from '../helpers/pluginPage.js';
import { seededRandom } from '../helpers/seededRandom.js';
import type { Command } from '../harness/startCommand.js';
import { useDemoProcessEnv } from '../harness/useDemoProcessEnv.js';
import { readUploadWatch, watchUploads, type UploadWatch } from '../helpers/watchUploads.js';

const MiB = 1024 * 1024;
const FILE_SIZE = 256 * MiB;
const PART_SIZE = 8 * MiB; // what the middleware answers for this size (choosePartSize)
const PARTS = FILE_SIZE / PART_SIZE;
const FAILURE_SHARE = 0.2;
const URL_LIFETIME = 5;
const UPLINK = 30_000_000; // bytes/s: slow enough to act mid-upload, fast enough for CI
const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url));

const env = useDemoProcessEnv('chaos-test');
let proxy: FaultProxy | undefined;
let demo: Command | undefined;
beforeAll(() => mkdir(OUTPUT, { recursive: true }));

/** The card's parts count, or a failure when the file failed meanwhile. */
async function partsDone(page: Page, atLeast: number): Promise<void> {
  const handle = await page.waitForFunction(
    (n) => {
      const card = document.querySelector('[data-testid=file]');
      if (card?.getAttribute('data-state') === 'failed') return card.querySelector('[data-testid=status]')?.textContent ?? 'failed';
      return Number(card?.querySelector('[data-testid=parts]')?.getAttribute('data-done')) >= n;
    },
    atLeast,
    { timeout: 120_000 },
  );
  const value = await handle.jsonValue();
  if (value !== true) throw new Error(`the file failed before ${atLeast} parts were stored: ${String(value)}`);
}

it('uploads 256 MiB byte-identical through failing PUTs, 5-second URLs, a middleware restart and a page reload, leaves nothing behind, and accounts for every byte sent twice', { timeout: 420_000 }, async () => {
  const seed = Number(process.env.CHAOS_SEED ?? randomBytes(4).readUInt32LE());
  console.log(`[chaos] seed ${seed} (replay with CHAOS_SEED=${seed})`);
  const chance = seededRandom(seed);
  const path = join(env.workDir, 'chaos.bin');
  const bytes = randomBytes(FILE_SIZE);
  await writeFile(path, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  // Part PUTs: a fifth fail at random (reset, or 503 SlowDown after the body); of those that go
  // on to S3, every tenth is held until its URL has expired, as on a congested link.
  let forwarded = 0;
  const fault = (request: ProxiedRequest): Fault => {
    if (request.method !== 'PUT' || request.partNumber === undefined) return { kind: 'pass' };
    const roll = chance();
    if (roll < FAILURE_SHARE / 2) return { kind: 'reset' };
    if (roll < FAILURE_SHARE) return { kind: 'error', status: 503, code: 'SlowDown' };
    forwarded += 1;
    if (forwarded % 10 === 5) return { kind: 'hold', until: (request.urlExpiresAt ?? Date.now()) + 1000 };
    return { kind: 'pass' };
  };
  proxy = await env.startProxy({ upstreams: [inject('s3').endpoint], fault, uploadBytesPerSecond: UPLINK });
  const s3ThroughProxy = { ...inject('s3'), endpoint: proxy.url };
  const port = await freePort();
  const startDemo = () => env.startDemo({ s3: s3ThroughProxy, port, urlLifetime: URL_LIFETIME });
  demo = await startDemo();
  const url = `http://127.0.0.1:${port}/`;

  const chromiumPage = await env.browser.newPage({ viewport: { width: 1280, height: 640 } });
  const page = chromiumPage.playwright;
  let phase = 'loading the page';
  const pageLoads: TimelineEvent[][] = [];
  const watched: UploadWatch[] = [];
  const reloads: Reload[] = [];
  const marks: Record<string, number> = {};
  const mark = (name: string) => {
    phase = name;
    marks[name] = Date.now();
  };

  try {
    await page.goto(url);
    await watchUploads(chromiumPage);
    const prefix = await page.locator('#prefix').innerText();
    mark('uploading');
    await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
    await page.getByRole('button', { name: /^Upload 1 file/ }).click();

    // The middleware's process dies mid-upload and comes back 2 s later on the same port.
    await partsDone(page, 8);
    mark('restarting the middleware');
    const restartedAt = await page.locator('[data-testid=parts]').getAttribute('data-done');
    await demo.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    demo = await startDemo();

    // The page is reloaded further on; Golden Retriever brings the upload back, the file is re-selected.
    mark('uploading after the restart');
    await partsDone(page, 18);
    mark('reloading');
    const beforeReload = await readUploadWatch(chromiumPage);
    watched.push(beforeReload);
    pageLoads.push(beforeReload.timeline);
    const reloadFrom = Date.now();
    await page.reload();
    reloads.push({ from: reloadFrom, to: Date.now() });
    await watchUploads(chromiumPage);
    await expect.poll(() => page.locator('[data-testid=file] [data-testid=status]').innerText(), { timeout: 30_000 }).toContain('Re-select the file');
    mark('resuming after the reload');
    await page.getByRole('button', { name: 'Re-select' }).click();
    await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
    await page.getByRole('button', { name: /^Upload 1 file/ }).click();

    const card = page.locator('[data-testid=file]');
    await card.and(page.locator('[data-state=complete]')).waitFor({ timeout: 180_000 });
    mark('checking');
    const afterReload = await readUploadWatch(chromiumPage);
    watched.push(afterReload);
    pageLoads.push(afterReload.timeline);
    const key = await card.locator('dd[data-row=key]').innerText();
    await page.screenshot({ path: join(OUTPUT, 'chaos.png') });
    // The card with the file's part timeline: faults, the restart and the reload, as drawn.
    await card.screenshot({ path: join(OUTPUT, 'chaos-timeline.png') });

    expect(key.startsWith(prefix)).toBe(true);
    expect(await objectSha256(env.s3, inject('s3').bucket, key)).toBe(sha256);
    const open = await env.s3.send(new ListMultipartUploadsCommand({ Bucket: inject('s3').bucket, Prefix: prefix }));
    expect(open.Uploads ?? [], 'incomplete multipart uploads left').toEqual([]);
    const objects = await env.s3.send(new ListObjectsV2Command({ Bucket: inject('s3').bucket, Prefix: prefix }));
    expect((objects.Contents ?? []).map((object) => object.Key)).toEqual([key]);

    const accounts = accountForPuts(proxy.records, pageLoads, reloads);
    const held = proxy.records.filter((record) => record.fault === 'hold');
    const transit = accounts.puts.flatMap((put) => (put.transitMs === undefined ? [] : [put.transitMs])).sort((a, b) => a - b);
    const sum = (name: 'resigns' | 'retries' | 'partsUploaded' | 'partsSkipped' | 'serverWaits') =>
      watched.reduce((total, watch) => total + (watch.counters?.[name] ?? 0), 0);
    const numbers = {
      seed,
      parts: PARTS,
      restartedAtPartsDone: Number(restartedAt),
      reloadedAtPartsDone: beforeReload.counters ? beforeReload.counters.partsVerified + beforeReload.counters.partsSkipped : undefined,
      partPutsReachingS3: accounts.reachedS3.count,
      bytesReachingS3: accounts.reachedS3.bytes,
      sentAgain: Object.fromEntries(Object.entries(accounts.wasted).filter(([, value]) => value.count > 0)),
      bytesSentAgain: accounts.wastedBytes,
      sentAgainShare: Number((accounts.wastedBytes / FILE_SIZE).toFixed(3)),
      injectedFailures: accounts.injected,
      held: held.length,
      transitMs: { median: transit[Math.floor(transit.length / 2)], max: transit.at(-1) },
      resigns: sum('resigns'),
      retries: sum('retries'),
      serverWaits: sum('serverWaits'),
      partsUploadedBeforeReload: beforeReload.counters?.partsUploaded,
      partsSkippedOnResume: afterReload.counters?.partsSkipped,
      partsUploadedAfterReload: afterReload.counters?.partsUploaded,
    };
    await writeFile(join(OUTPUT, 'chaos.json'), `${JSON.stringify({ ...numbers, puts: accounts.puts.map(describePut) }, null, 2)}\n`);
    console.log(`[numbers] chaos: ${JSON.stringify(numbers)}`);

    expect(Object.values(accounts.injected).reduce((n, { count }) => n + count, 0), 'failures injected').toBeGreaterThan(0);
    // The held PUTs reached S3 with expired URLs and were refused; their parts were signed again.
    // A PUT held while the page was being reloaded never reaches S3: the browser hangs up on it
    // (seed 2239955559: a retry sent 120 ms into the reload, cut 5 ms later).
    const refused = held.filter((record) => record.upstream !== undefined);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.filter((record) => record.status !== 403).map((record) => `part ${record.partNumber}: ${record.status}`), 'held PUTs S3 did not refuse').toEqual([]);
    expect(held.filter((record) => record.upstream === undefined && !hungUpByReload(record, reloads)).map((record) => `part ${record.partNumber}`), 'held PUTs that never reached S3, not cut by the reload').toEqual([]);
    expect(numbers.resigns).toBeGreaterThanOrEqual(refused.length);
    // Every byte sent twice has a cause.
    const unexplained = accounts.puts.filter((put) => put.cause === 'other').map(describePut);
    expect(unexplained, 'PUTs that reached S3 and were not stored, for no known cause').toEqual([]);
  } catch (error) {
    const report = await failureReport(chromiumPage, seed, phase, marks, pageLoads, reloads).catch((reportError: unknown) => `(no report: ${String(reportError)})`);
    throw new Error(`Chaos run with seed ${seed} failed while ${phase}: ${error instanceof Error ? error.message : String(error)}\n${report}`, { cause: error });
  }
});

/** One PUT of the account, in a line a person can read. */
function describePut(put: ReturnType<typeof accountForPuts>['puts'][number]) {
  const { record, end } = put;
  return {
    part: record.partNumber,
    fault: record.fault,
    status: record.status,
    code: record.code,
    bytesIn: record.bytesIn,
    clientClosed: record.clientClosed,
    arrivedAt: record.arrivedAt,
    endedAt: record.endedAt,
    plugin: end ? end.outcome + ('reason' in end ? `:${end.reason}` : '') : put.start ? 'no end seen' : 'no start seen',
    transitMs: put.transitMs,
    urlLeftMs: record.urlExpiresAt === undefined ? undefined : record.urlExpiresAt - record.arrivedAt,
    cause: put.cause ?? (record.upstream === undefined ? 'injected' : 'stored'),
  };
}

/**
 * Writes what the page and the plugin knew when the run failed to test/output/: the card, the
 * plugin's counters, its last log lines, errors and timeline events, the proxy's last requests,
 * the demo's output, a screenshot. Answers where to find them.
 */
async function failureReport(chromiumPage: ChromiumPage, seed: number, phase: string, marks: Record<string, number>, pageLoads: TimelineEvent[][], reloads: Reload[]): Promise<string> {
  const base = join(OUTPUT, `chaos-failure-${seed}`);
  const page = chromiumPage.playwright;
  const watch = await readUploadWatch(chromiumPage).catch(() => undefined);
  const card = await page.locator('[data-testid=file]').innerText({ timeout: 2000 }).catch(() => '(no card)');
  await page.screenshot({ path: `${base}.png` }).catch(() => {});
  const loads = [...pageLoads, watch?.timeline ?? []];
  const records = proxy?.records ?? [];
  const accounts = accountForPuts(records, loads, reloads);
  const report = {
    seed,
    phase,
    marks,
    card,
    counters: watch?.counters,
    errors: watch?.errors,
    log: watch?.log.slice(-40),
    timelines: loads,
    sentAgain: accounts.wasted,
    puts: accounts.puts.map(describePut),
    proxy: records.slice(-60).map(({ id, method, path, fault, status, code, bytesIn, clientClosed, arrivedAt, endedAt }) => ({
      id,
      method,
      path: path.split('?')[0],
      fault,
      status,
      code,
      bytesIn,
      clientClosed,
      arrivedAt,
      endedAt,
    })),
    demoOutput: demo?.output().slice(-4000),
  };
  await writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  return `Card: ${card.replace(/\s+/g, ' ')}\nCounters: ${JSON.stringify(watch?.counters)}\nErrors: ${JSON.stringify(watch?.errors)}\nWhat the page and the plugin knew: ${base}.json and ${base}.png`;
}
