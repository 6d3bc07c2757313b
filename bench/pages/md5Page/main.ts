/**
 * The MD5 benchmark's page (bench/suites/md5Throughput.ts, bench/studies/profileMd5.ts): hashes the file picked in
 * `#file` in parts with the plugin's worker pool, as uploads do, or with the plugin's one-lane or
 * SIMD MD5 in a worker over bytes already in memory (no read: what the hashing alone costs);
 * answers the time taken and each part's digest. Calls `md5Mark` around each timed part, which
 * bench/studies/profileMd5.ts exposes to snapshot CPU times there.
 */
import { createHashPool, type HashPool } from '../../../plugin/hashing/createHashPool.js';
import { blobByobSupported } from '../../../plugin/hashing/blobByobSupported.js';
import { SIMD_MD5_LANES } from '../../../plugin/md5/createSimdMd5.js';
import { simdSupported } from '../../../plugin/md5/simdSupported.js';
import type { InMemoryAnswer, InMemoryMd5, InMemoryRequest } from './inMemoryWorker.js';

/** What one measurement answers to the benchmark. */
export interface HashRun {
  ms: number;
  /** Hex MD5 of each part, in order. */
  digests: string[];
  /** A pool's run: the time its workers spent on the parts, summed (from `pool.stats`): `ms × workers` minus this is time they waited between parts. */
  workerMs?: number;
}

/** The functions the page puts on `window`. */
export interface Md5PageApi {
  hashWithPool(workers: number, partSize: number, partsPerRun?: number, shape?: { lanes?: number; depth?: number }): Promise<HashRun>;
  hashInWorker(md5: InMemoryMd5, lanes: number, partSize: number): Promise<HashRun>;
  /** Whether WebAssembly SIMD validates here (else the pool hashes one lane per worker and there is no SIMD MD5 to time). */
  simd: boolean;
  /** Lanes the pool's workers hash with by default (createHashPool): 8 runs the SIMD MD5, 1 the one-lane one. */
  poolLanes: number;
  /**
   * What went wrong in the page so far: console errors and uncaught errors, collected here
   * because not every engine's driver reads the console (WebKit's classic WebDriver doesn't).
   */
  errors: string[];
}

const errors: string[] = [];
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  errors.push(args.map(String).join(' '));
  consoleError(...args);
};
window.addEventListener('error', (event) => errors.push(event.message));
window.addEventListener('unhandledrejection', (event) => errors.push(String(event.reason)));

/**
 * Tells bench/studies/profileMd5.ts that the timed part of a run starts or ends (it snapshots CPU times
 * then); a no-op unless that script exposed `md5Mark`.
 */
async function mark(at: 'start' | 'end'): Promise<void> {
  phase(`marking ${at}`);
  await (window as { md5Mark?: (at: string) => Promise<void> }).md5Mark?.(at);
  phase(`marked ${at}`);
}

/** Where the current run is, for a benchmark that finds it stuck: `window.md5Phase`. */
function phase(text: string): void {
  (window as { md5Phase?: string }).md5Phase = text;
}

function pickedFile(): File {
  const file = document.querySelector<HTMLInputElement>('#file')?.files?.[0];
  if (!file) throw new Error('No file picked in #file');
  return file;
}

// One long-lived pool per size, as the plugin keeps one per uploader.
const pools = new Map<string, HashPool>();

/**
 * Hashes the picked file in `partSize` parts with a pool of `workers` workers, all parts queued at
 * once as an upload does; `partsPerRun` consecutive parts read through one stream (md5Parts);
 * `shape` sets the pool's `lanes` and `depth` (its defaults otherwise), for a profile comparing them.
 */
async function hashWithPool(workers: number, partSize: number, partsPerRun = 1, shape: { lanes?: number; depth?: number } = {}): Promise<HashRun> {
  const file = pickedFile();
  const key = `${workers} ${shape.lanes ?? ''} ${shape.depth ?? ''}`;
  const pool = pools.get(key) ?? createHashPool({ size: workers, ...shape, onFallback: (reason) => console.error(`MD5 worker fell back to the main thread: ${reason}`) });
  pools.set(key, pool);
  // Every worker started (each lane of each) and its hasher compiled before the clock starts.
  phase(`pool${workers}: warming up`);
  for (let round = 0; round < 2; round++) await Promise.all(Array.from({ length: workers * pool.lanes }, (_, i) => pool.md5(file.slice(i * 65536, i * 65536 + 1024 * 1024))));
  const count = Math.ceil(file.size / partSize);
  const sizeOf = (part: number) => Math.min(partSize, file.size - part * partSize);
  const runs = Array.from({ length: Math.ceil(count / partsPerRun) }, (_, run) =>
    Array.from({ length: Math.min(partsPerRun, count - run * partsPerRun) }, (_, i) => run * partsPerRun + i),
  );
  await mark('start');
  const busy = pool.stats.ms;
  const started = performance.now();
  let done = 0;
  const hashed = runs.flatMap((run) => pool.md5Parts(file.slice(run[0]! * partSize, run[0]! * partSize + run.reduce((sum, part) => sum + sizeOf(part), 0)), run.map(sizeOf)));
  const digests = await Promise.all(hashed.map((digest) => digest.finally(() => phase(`pool${workers}: ${++done} of ${count} parts hashed`))));
  const ms = performance.now() - started;
  await mark('end');
  return { ms, digests: digests.map((digest) => digest.hex), workerMs: pool.stats.ms - busy };
}

let inMemory: { file: File; worker: Worker } | undefined;

/**
 * The plugin's one-lane createMd5 or its SIMD MD5 (createSimdMd5) in a worker (bench/pages/md5Page/inMemoryWorker.ts)
 * over the picked file's bytes, read into the worker's memory beforehand (not timed): the hashing
 * alone, on one core, `lanes` parts at a time.
 */
async function hashInWorker(md5: InMemoryMd5, lanes: number, partSize: number): Promise<HashRun> {
  const file = pickedFile();
  if (inMemory?.file !== file) {
    inMemory?.worker.terminate();
    const worker = new Worker(new URL('./inMemoryWorker.ts', import.meta.url), { type: 'module' });
    inMemory = { file, worker };
    const buffer = await file.arrayBuffer();
    await ask(worker, { bytes: buffer }, [buffer]);
  }
  const { worker } = inMemory;
  await mark('start');
  const answer = await ask(worker, { md5, lanes, partSize });
  await mark('end');
  if (!('ms' in answer)) throw new Error(`in-memory worker: ${JSON.stringify(answer)}`);
  return answer;
}

/** Sends the in-memory worker a request and waits for its answer. */
function ask(worker: Worker, request: InMemoryRequest, transfer: Transferable[] = []): Promise<InMemoryAnswer> {
  return new Promise((resolve, reject) => {
    worker.addEventListener('message', (event: MessageEvent<InMemoryAnswer>) => ('error' in event.data ? reject(new Error(event.data.error)) : resolve(event.data)), { once: true });
    worker.postMessage(request, transfer);
  });
}

Object.assign(window, { hashWithPool, hashInWorker, simd: simdSupported(), poolLanes: simdSupported() && blobByobSupported() ? SIMD_MD5_LANES : 1, errors } satisfies Md5PageApi);
document.body.dataset.ready = 'true';
