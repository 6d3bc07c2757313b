/**
 * The MD5 benchmark's page (bench/md5Throughput.ts, bench/profileMd5.ts): hashes the file picked in
 * `#file` in parts with the plugin's worker pool, as uploads do, or with the plugin's createMd5 on
 * the page's main thread over bytes already in memory (no read: what the hashing alone costs);
 * answers the time taken and each part's digest. Calls `md5Mark` around each timed part, which
 * bench/profileMd5.ts exposes to snapshot CPU times there.
 */
import { createHashPool, type HashPool } from '../../plugin/createHashPool.js';
import { createMd5 } from '../../plugin/createMd5.js';
import { toDigest } from '../../plugin/digest.js';

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
  hashWithPool(workers: number, partSize: number): Promise<HashRun>;
  hashInMemory(partSize: number): Promise<HashRun>;
}

/**
 * Tells bench/profileMd5.ts that the timed part of a run starts or ends (it snapshots CPU times
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
const pools = new Map<number, HashPool>();

/** Hashes the picked file in `partSize` parts with a pool of `workers` workers, all parts queued at once as an upload does. */
async function hashWithPool(workers: number, partSize: number): Promise<HashRun> {
  const file = pickedFile();
  const pool =
    pools.get(workers) ?? createHashPool({ size: workers, onFallback: (reason) => console.error(`MD5 worker fell back to the main thread: ${reason}`) });
  pools.set(workers, pool);
  // Every worker started and its hasher ready before the clock starts.
  phase(`pool${workers}: warming up`);
  await Promise.all(Array.from({ length: workers }, () => pool.md5(file.slice(0, 1024 * 1024))));
  const parts = Array.from({ length: Math.ceil(file.size / partSize) }, (_, i) => file.slice(i * partSize, (i + 1) * partSize));
  await mark('start');
  const busy = pool.stats.ms;
  const started = performance.now();
  let done = 0;
  const digests = await Promise.all(parts.map((part) => pool.md5(part).finally(() => phase(`pool${workers}: ${++done} of ${parts.length} parts hashed`))));
  const ms = performance.now() - started;
  await mark('end');
  return { ms, digests: digests.map((digest) => digest.hex), workerMs: pool.stats.ms - busy };
}

let inMemory: { file: File; bytes: Uint8Array } | undefined;

/** The plugin's createMd5 on the main thread over the picked file's bytes, read into memory beforehand (not timed). */
async function hashInMemory(partSize: number): Promise<HashRun> {
  const file = pickedFile();
  if (inMemory?.file !== file) inMemory = { file, bytes: new Uint8Array(await file.arrayBuffer()) };
  const { bytes } = inMemory;
  const hasher = await createMd5();
  hasher.init().update(bytes.subarray(0, 1024 * 1024)).digest(); // warm up
  const digests: string[] = [];
  await mark('start');
  const started = performance.now();
  for (let at = 0; at < bytes.length; at += partSize) digests.push(toDigest(hasher.init().update(bytes.subarray(at, at + partSize)).digest()).hex);
  const ms = performance.now() - started;
  await mark('end');
  return { ms, digests };
}

Object.assign(window, { hashWithPool, hashInMemory } satisfies Md5PageApi);
document.body.dataset.ready = 'true';
