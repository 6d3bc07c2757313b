/**
 * What the upload benchmarks share: the page (bench/pages/uploadPage, built by Vite as for production)
 * and the middleware at `/api` on one Express server on 127.0.0.1, a browser of one engine from
 * Debian's packages (Chromium by default, over a bare DevTools pipe; Firefox ESR or WebKitGTK
 * through the engine-neutral harness, test/harness/engines), and an S3 client to check and empty
 * the bucket between runs.
 * Latency, a bandwidth cap and the JS heap go through Chromium's DevTools protocol: in another
 * engine asking for them throws.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import express from 'express';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineBrowser, EngineName } from '../../test/harness/engines/EngineBrowser.js';
import { launchBrowser } from '../../test/harness/engines/launchBrowser.js';
import { build } from 'vite';
import { demoViteConfig } from '../../demo/demoViteConfig.js';
import { cleanupStaleUploads, createS3Middleware } from '../../middleware/index.js';
import { s3ClientConfig } from '../../scripts/s3ClientConfig.js';
import type { S3Config } from '../../scripts/s3ConfigFromEnv.js';
import { startCompanion } from '../../test/harness/startCompanion.js';
import { launchRawChromium, type RawChromium } from './launchRawChromium.js';
import { diff, snapshot, type Ticks } from './threadCpu.js';
import type { Contender, PluginOverrides, RunResult } from '../pages/uploadPage/main.js';

export type { Contender };

const PREFIX = 'bench/uploads/';

/** Options of one {@link UploadBench.run}. */
export interface RunOptions {
  /**
   * Latency added to every request of the page (Chromium's network emulation), ms; no throughput cap.
   * @default 0 (plain loopback)
   */
  latencyMs?: number;
  /**
   * The page's upload bandwidth, bytes per second (Chromium's network emulation).
   * @default no cap
   */
  uploadBytesPerSecond?: number;
  /**
   * Sample the page's JS heap every this many ms while the upload runs.
   * @default 0 (no sampling)
   */
  heapSampleMs?: number;
  /**
   * Count the CPU time every process spent during the upload (bench/harness/threadCpu.ts): this process,
   * what it started (Chromium) and these PIDs too (radosgw's daemons).
   * @default undefined (not counted)
   */
  cpuOf?: readonly number[];
  /**
   * Our plugin's options to set (a profile comparing settings).
   * @default its defaults
   */
  plugin?: PluginOverrides;
}

/** One upload run, as the page and the bucket saw it. */
export interface UploadRun extends RunResult {
  /** Peak of the page's JS heap (V8's used heap plus ArrayBuffer backing stores), bytes; with `heapSampleMs`. */
  peakHeapBytes?: number;
  /** Peak of V8's used heap alone, bytes. */
  peakUsedHeapBytes?: number;
  heapSamples?: number;
  /** Every heap sample: `[ms since sampling started, just before the upload, heap bytes, of it V8's used heap]`. */
  heap?: Array<[number, number, number]>;
  /** CPU ticks (1/100 s) by `process / thread`, with `cpuOf`. */
  cpu?: Map<string, Ticks>;
}

export interface UploadBench {
  /** Uploads `paths` (files on disk, given to the page's file input) with `contender` in a fresh page, checks the bucket holds exactly them, and empties it again. */
  run(contender: Contender, paths: string[], options?: RunOptions): Promise<UploadRun>;
  /** The browser's own version string, e.g. `Chromium 150.0.7871.100` or `WebKitGTK 2.50.6 (MiniBrowser)`. */
  browserVersion: string;
  engine: EngineName;
  /** Whether the `ours-hosts` contender can run (an S3 on the loopback). */
  spreadsHosts: boolean;
  close(): Promise<void>;
}

export interface UploadBenchOptions {
  /**
   * Runs after each run has emptied the bucket, before the next starts: e.g. makes a local
   * radosgw reclaim the deleted objects now rather than in the middle of a later run.
   * @default nothing
   */
  settle?: () => Promise<void>;
  /** The browser engine the page runs in. @default 'chromium' */
  engine?: EngineName;
}

/** The upload page (built by Vite as for production) and the middleware at `/api`, served on 127.0.0.1, and the bucket's checks. */
export interface UploadServer {
  url: string;
  /** The real Companion 6 on its own origin, on the same bucket and prefix: the `*-companion` contenders' server. */
  companionUrl: string;
  /**
   * The middleware with `uploadHosts` (the `ours-hosts` contender's server): small files' URLs
   * spread over the S3's host and the other name of the loopback; undefined for an S3 elsewhere.
   */
  hostsUrl?: string;
  /**
   * Throws unless the bucket holds exactly `files` objects of `bytes` in all (what a run sent), and,
   * with `confirmed`, unless the middleware's completion hook was told of every one of them.
   */
  checkStored(what: string, files: number, bytes: number, options?: { confirmed?: boolean }): Promise<void>;
  /** Deletes every object under the prefix and aborts any multipart upload a failed run left. */
  empty(): Promise<void>;
  close(): Promise<void>;
}

/** The loopback S3's other name (`127.0.0.1:P` ⇄ `localhost:P`): a second host for the browser's connection limit. */
function otherLoopbackName(endpoint: URL): string | undefined {
  const other = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' }[endpoint.hostname];
  return other === undefined ? undefined : `${other}${endpoint.port ? `:${endpoint.port}` : ''}`;
}

/** Builds the page and starts the server (no browser: startUploadBench adds Chromium, bench/studies/readOnce.ts its own). */
export async function startUploadServer(s3Config: S3Config): Promise<UploadServer> {
  const outDir = await mkdtemp(join(tmpdir(), 'upload-bench-'));
  await build({ ...demoViteConfig({ outDir }), root: fileURLToPath(new URL('../pages/uploadPage/', import.meta.url)), logLevel: 'warn' });
  const s3 = new S3Client(s3ClientConfig(s3Config));
  const bucket = s3Config.bucket;
  const app = express();
  // An app that learns of every upload, as apps do: each file our plugin sends is confirmed, each
  // confirm checked on S3 (HeadObject) and reported here.
  const completed = new Set<string>();
  const onUploadComplete = ({ key }: { key: string }) => void completed.add(key);
  app.use('/api', createS3Middleware({ s3, bucket, prefix: PREFIX, onUploadComplete }));
  const otherName = otherLoopbackName(new URL(s3Config.endpoint));
  if (otherName) app.use('/api-hosts', createS3Middleware({ s3, bucket, prefix: PREFIX, onUploadComplete, uploadHosts: [otherName] }));
  app.use(express.static(outDir));
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1').once('listening', resolve).once('error', reject));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const companion = await startCompanion({ s3: s3Config, corsOrigins: [new URL(url).origin], getKey: ({ filename }) => `${PREFIX}${crypto.randomUUID()}/${filename}` });

  /** Every object under the benchmark's prefix. */
  async function listStored(): Promise<Array<{ Key: string; Size: number }>> {
    const objects: Array<{ Key: string; Size: number }> = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: PREFIX, ContinuationToken: token }));
      for (const object of page.Contents ?? []) objects.push({ Key: object.Key!, Size: object.Size ?? 0 });
      token = page.NextContinuationToken;
    } while (token);
    return objects;
  }

  async function empty(): Promise<void> {
    completed.clear();
    const objects = await listStored();
    for (let at = 0; at < objects.length; at += 1000) {
      const batch = objects.slice(at, at + 1000).map(({ Key }) => ({ Key }));
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
    }
    const { failed } = await cleanupStaleUploads({ s3, bucket, prefix: PREFIX, olderThan: 0 });
    if (failed.length > 0) throw new Error(`Could not abort ${failed.length} uploads left under ${PREFIX}: ${failed[0]!.error}`);
  }

  return {
    url,
    companionUrl: companion.url,
    ...(otherName ? { hostsUrl: `${url}api-hosts` } : {}),
    async checkStored(what, files, bytes, { confirmed = false } = {}) {
      const stored = await listStored();
      const unconfirmed = confirmed ? stored.filter(({ Key }) => !completed.has(Key)) : [];
      if (unconfirmed.length > 0) throw new Error(`${what}: ${unconfirmed.length} of ${stored.length} stored objects never reached the completion hook, e.g. ${unconfirmed[0]!.Key}`);
      const storedBytes = stored.reduce((sum, object) => sum + object.Size, 0);
      if (stored.length !== files || storedBytes !== bytes) {
        throw new Error(`${what}: the bucket holds ${stored.length} objects, ${storedBytes} bytes; the page sent ${files} files, ${bytes} bytes`);
      }
    },
    empty,
    async close() {
      await empty().catch(() => {});
      await companion.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      s3.destroy();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

/** A page of the bench's browser, as one run drives it. */
export interface BenchPage {
  setInputFiles(paths: string[]): Promise<void>;
  /** Latency and an upload cap (Chromium's network emulation); only in Chromium. */
  emulate?(latencyMs: number, uploadBytesPerSecond: number): Promise<void>;
  /** The page's heap; only in Chromium. */
  heap?(): Promise<{ used: number; total: number }>;
  /** Runs `bench.run` on the page and answers its result. */
  run(contender: Contender, overrides: PluginOverrides): Promise<RunResult | { error: string }>;
  close(): Promise<void>;
}

/** The page in Chromium over a bare DevTools pipe: no domain on but those a run asks for. */
export async function openChromiumPage(chromium: RawChromium, url: string): Promise<Required<BenchPage>> {
  const page = await chromium.newPage(url);
  return {
    setInputFiles: (paths) => page.setInputFiles('#files', paths),
    emulate: (latencyMs, uploadBytesPerSecond) => page.emulateNetwork(latencyMs, uploadBytesPerSecond),
    heap: () => page.heapUsage(),
    run: (contender, overrides) =>
      page.evaluate<RunResult | { error: string }>(
        `window.bench.run(${JSON.stringify(contender)}, ${JSON.stringify(overrides)}).catch((error) => ({ error: String(error) }))`,
      ),
    close: () => page.close(),
  };
}

/** The page in another engine, through the engine-neutral harness (no latency, no heap). */
async function openEnginePage(browser: EngineBrowser, url: string): Promise<BenchPage> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitFor(() => document.body.dataset.ready === 'true', undefined, { what: 'the upload page ready' });
  return {
    setInputFiles: (paths) => page.setInputFiles('#files', paths),
    // Started, then polled: a classic WebDriver call (WebKit) must not stay open for a whole upload.
    async run(contender, overrides) {
      await page.evaluate(
        ([name, given]) => {
          const bench = (window as unknown as { bench: { run(c: string, o: PluginOverrides): Promise<RunResult> } }).bench;
          const state = window as unknown as { benchResult?: RunResult | { error: string } };
          state.benchResult = undefined;
          void bench.run(name, given).then(
            (result) => (state.benchResult = result),
            (error: unknown) => (state.benchResult = { error: String(error) }),
          );
          return true;
        },
        [contender, overrides] as const,
      );
      return page.waitFor(() => (window as unknown as { benchResult?: RunResult | { error: string } }).benchResult, undefined, {
        timeout: 900_000,
        interval: 250,
        what: `${contender}'s upload to end`,
      });
    },
    close: () => page.close(),
  };
}

/**
 * Builds the page, starts the server and a browser of `engine`. Chromium runs over a bare DevTools
 * pipe (launchRawChromium.ts), not Playwright: Playwright turns DevTools' Network domain on for
 * every page, which costs Chromium something for every request and slowed the stock plugin more
 * than ours (bench/studies/harnessOverhead.ts). Latency and a bandwidth cap need that domain, so
 * runs with them turn it on.
 */
export async function startUploadBench(s3Config: S3Config, { settle = async () => {}, engine = 'chromium' }: UploadBenchOptions = {}): Promise<UploadBench> {
  const served = await startUploadServer(s3Config);
  const { url, empty } = served;
  const browser = await (engine === 'chromium' ? launchRawChromium() : launchBrowser(engine)).catch(async (error: unknown) => {
    await served.close();
    throw error;
  });
  const openPage = () => ('engine' in browser ? openEnginePage(browser, url) : openChromiumPage(browser, url));

  return {
    browserVersion: 'engine' in browser ? browser.version : `Chromium ${browser.version.replace(/^[^/]*\//, '')}`,
    engine,
    spreadsHosts: served.hostsUrl !== undefined,
    async run(contender, paths, { latencyMs = 0, uploadBytesPerSecond = -1, heapSampleMs = 0, cpuOf, plugin: given = {} } = {}) {
      if (contender === 'ours-hosts' && served.hostsUrl === undefined) throw new TypeError('ours-hosts needs an S3 on the loopback (127.0.0.1 or localhost), reachable under both names');
      const plugin = contender.endsWith('-companion') ? { ...given, endpoint: served.companionUrl } : contender === 'ours-hosts' ? { ...given, endpoint: served.hostsUrl } : given;
      const emulated = latencyMs > 0 || uploadBytesPerSecond > 0;
      const page = await openPage();
      try {
        if ((emulated && !page.emulate) || (heapSampleMs > 0 && !page.heap)) {
          throw new TypeError(`Latency, a bandwidth cap and heap samples need Chromium's DevTools protocol; ${engine} has none the harness drives`);
        }
        // Paths, not bytes: the browser reads the files from disk itself, as it would a user's.
        await page.setInputFiles(paths);
        if (emulated) await page.emulate!(latencyMs, uploadBytesPerSecond);
        let peak = { used: 0, total: 0 };
        const samples: Array<[number, number, number]> = [];
        let sampling = heapSampleMs > 0;
        const sampler = (async () => {
          const started = performance.now();
          while (sampling && page.heap) {
            const heap = await page.heap();
            peak = { used: Math.max(peak.used, heap.used), total: Math.max(peak.total, heap.total) };
            samples.push([Math.round(performance.now() - started), heap.total, heap.used]);
            await new Promise((resolve) => setTimeout(resolve, heapSampleMs));
          }
        })();
        const labels = new Map<number, string>();
        const before = cpuOf && snapshot(labels, cpuOf);
        const result = await page.run(contender, plugin).finally(() => (sampling = false));
        if ('error' in result) throw new Error(`${contender}: ${result.error}`);
        const cpu = new Map<string, Ticks>();
        if (before) diff(before, snapshot(labels, cpuOf), cpu);
        await sampler;
        if (result.errors.length > 0) throw new Error(`${contender}: ${result.errors.length} of ${result.files} files failed: ${result.errors.slice(0, 3).join('; ')}`);
        await served.checkStored(contender, result.files, result.bytes, { confirmed: contender === 'ours' || contender === 'ours-no-md5' || contender === 'ours-hosts' });
        const heap = heapSampleMs > 0 ? { peakHeapBytes: peak.total, peakUsedHeapBytes: peak.used, heapSamples: samples.length, heap: samples } : {};
        return { ...result, ...heap, ...(before ? { cpu } : {}) };
      } finally {
        await page.close();
        await empty();
        await settle();
      }
    },
    async close() {
      await browser.close();
      await served.close();
    },
  };
}
