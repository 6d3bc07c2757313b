import type { Md5Fallback } from '../md5/createMd5Lanes.js';
import { toDigest, type Digest } from '../md5/digest.js';
import type { HashAnswer, HashRequest, WorkerReady } from './workerMessages.js';
import { SIMD_MD5_LANES } from '../md5/simdMd5Lanes.js';
import type { LaneDigest } from './hashInLanes.js';
import { blobByobSupported } from './blobByobSupported.js';
import { simdSupported } from '../md5/simdSupported.js';
import type { mainThreadHashQueue } from './mainThreadHashQueue.js';

/** Hashes parts off the main thread, a few at a time, in the order they were asked for. */
export interface HashPool {
  /** MD5 of `blob`. A job still waiting is dropped when `signal` aborts. */
  md5(blob: Blob, signal?: AbortSignal): Promise<Digest>;
  /**
   * MD5s of consecutive parts of `blob` (`sizes` add up to its size), read through one stream (one
   * job, one lane): cheaper to read than a blob per part (hashInLanes). A job still waiting is
   * dropped when `signal` aborts.
   */
  md5Parts(blob: Blob, sizes: readonly number[], signal?: AbortSignal): Array<Promise<Digest>>;
  /** Jobs a worker hashes at once (its MD5's lanes): asking for that many at a time keeps the lanes full. */
  readonly lanes: number;
  /** Bytes hashed and the time the hashing took (summed over workers), for throughput. */
  readonly stats: { bytes: number; ms: number };
  /** Stops the workers; jobs still waiting are rejected. */
  terminate(): void;
}

export interface HashPoolOptions {
  /** Workers to run. */
  size: number;
  /** Starts one worker running `md5Worker`; bundlers (Vite, webpack 5, esbuild) follow this `new URL` form. */
  createWorker?: () => Worker;
  /** Called when a worker could not start and its jobs are hashed on the main thread instead. */
  onFallback?: (reason: string) => void;
  /**
   * Called when a hasher (a worker, or the main thread in a worker's stead) runs a slower MD5
   * because a faster one failed to start: plain JavaScript where the CSP forbids WebAssembly.
   */
  onMd5Fallback?: (fallback: Md5Fallback) => void;
  /**
   * ms a new worker has to say its MD5 started; one that stays silent longer (its script never
   * ran, or its MD5 hung) is stopped and its jobs hashed on the main thread. Chromium and Firefox
   * report a worker a CSP forbids (`worker-src`) or whose script fails to load with an `error`
   * event, without waiting for this.
   * @default 30000
   */
  startTimeout?: number;
  /**
   * Jobs a worker hashes at once: 8 where WebAssembly SIMD validates (createSimdMd5) and Blob
   * streams have a BYOB reader, else 1. Jobs go to a worker with a free lane first, so a worker's
   * lanes fill before the next worker starts.
   *
   * Without a BYOB reader (WebKit) reading, not hashing, is what costs: each open Blob stream is
   * fed by WebKit's network process, and 8 lanes and 2 read ahead in each of 2 workers (20 streams)
   * about doubled its CPU per MB over one stream at a time, for no more MB/s
   * (bench/studies/probeBlobRead.ts, bench:md5 --engine=webkit).
   * One lane and no read ahead keep each worker to one stream; its one-lane MD5 hashes
   * several times what WebKit reads there.
   * @default 8 with SIMD and a BYOB reader, else 1
   */
  lanes?: number;
  /**
   * Jobs a worker is given at a time: its lanes and a few more, whose reading starts at once so
   * Chromium opens those parts and fills their data pipes while the lanes hash (one 256 KiB buffer
   * and open stream each). With one lane, 2 workers hashed a little faster
   * given 2 rather than 1 (bench/studies/profileMd5.ts). Without a BYOB reader on Blob streams
   * (WebKit), 1: see `lanes`.
   * @default lanes + 2, or 1 without a BYOB reader
   */
  depth?: number;
}

export const defaultCreateWorker = (): Worker => new Worker(new URL('../md5Worker.js', import.meta.url), { type: 'module' });

interface Job {
  blob: Blob;
  sizes: readonly number[];
  settle: Array<{ resolve: (digest: Digest) => void; reject: (error: unknown) => void }>;
}

/** One hasher of the pool: a worker, or the main thread when workers can't start (a strict CSP). */
interface Hasher {
  /** Hashes `blob`'s parts beside or after the hasher's earlier jobs. */
  run(blob: Blob, sizes: readonly number[]): Array<Promise<LaneDigest>>;
  stop(): void;
  /** Jobs the hasher takes at a time. */
  depth: number;
}

/** A job's parts, each settled on its own; settling twice does nothing (a fallback may hash parts a worker had answered). */
type Parts = Array<{ resolve: (digest: LaneDigest) => void; reject: (error: unknown) => void }>;

/** What a hasher reports to the pool's owner. */
interface HasherEvents {
  onFallback: (reason: string) => void;
  onMd5Fallback: (fallback: Md5Fallback) => void;
}

/**
 * A hasher on a worker. If the worker fails to start (its script can't load, a CSP forbids it, it
 * says nothing within `startTimeout` ms), it hashes on the main thread instead, the jobs it held
 * included: slower, still correct.
 */
function workerHasher(worker: Worker, depth: number, startTimeout: number, events: HasherEvents): Hasher {
  let nextId = 0;
  let fallback: Hasher | undefined;
  const pending = new Map<number, { blob: Blob; sizes: readonly number[]; parts: Parts; left: number }>();
  const toMainThread = (reason: string) => {
    clearTimeout(silence);
    worker.terminate();
    fallback ??= mainThreadHasher(depth, events.onMd5Fallback);
    events.onFallback(reason);
    for (const job of pending.values()) fallback.run(job.blob, job.sizes).forEach((digest, i) => digest.then(job.parts[i]?.resolve, job.parts[i]?.reject));
    pending.clear();
  };
  const silence = setTimeout(() => toMainThread(`it said nothing for ${startTimeout / 1000} s`), startTimeout);
  worker.addEventListener('message', (event: MessageEvent<HashAnswer | WorkerReady>) => {
    const answer = event.data;
    if ('ready' in answer) {
      clearTimeout(silence);
      if (!answer.ready) toMainThread(`its MD5 could not start: ${answer.error}`);
      else if (answer.fallback) events.onMd5Fallback(answer.fallback);
      return;
    }
    const job = pending.get(answer.id);
    if (!job) return;
    if (--job.left === 0) pending.delete(answer.id);
    const part = job.parts[answer.part];
    if ('error' in answer) part?.reject(new Error(`MD5 worker: ${answer.error}`));
    else part?.resolve(answer);
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    // A worker the page's CSP forbids (`worker-src`) gets a bare Event, without a message, in Chromium and Firefox alike.
    toMainThread(event.message || 'its script did not load, or the Content-Security-Policy forbids workers (worker-src)');
  });
  return {
    depth,
    run(blob, sizes) {
      if (fallback) return fallback.run(blob, sizes);
      const id = nextId++;
      const parts: Parts = [];
      const digests = sizes.map(() => new Promise<LaneDigest>((resolve, reject) => parts.push({ resolve, reject })));
      pending.set(id, { blob, sizes, parts, left: sizes.length });
      worker.postMessage({ id, blob, sizes: [...sizes] } satisfies HashRequest);
      return digests;
    },
    stop() {
      clearTimeout(silence);
      worker.terminate();
      for (const job of pending.values()) for (const part of job.parts) part.reject(new Error('The hash pool was stopped.'));
      pending.clear();
    },
  };
}

/**
 * Hashes on the main thread, as a worker would, with the fastest MD5 that starts here. Its code
 * (mainThreadHashQueue: the MD5s and the reading) is loaded by `import()` on first use: only pages
 * whose workers can't start pay for it.
 */
function mainThreadHasher(depth: number, onMd5Fallback: (fallback: Md5Fallback) => void): Hasher {
  let queue: Promise<ReturnType<typeof mainThreadHashQueue>> | undefined;
  return {
    depth,
    run(blob, sizes) {
      // A load that failed (the network, not the CSP, kept the worker out too) is tried again with the next job.
      queue ??= import('./mainThreadHashQueue.js').then(
        (loaded) => loaded.mainThreadHashQueue(onMd5Fallback),
        (error: unknown) => {
          queue = undefined;
          throw error;
        },
      );
      const digests = queue.then((hash) => hash(blob, sizes));
      return sizes.map((_, i) => digests.then((all) => all[i] as Promise<LaneDigest>));
    },
    stop() {},
  };
}

/** Creates a pool of `size` MD5 workers, started on first use. */
export function createHashPool(options: HashPoolOptions): HashPool {
  const byob = blobByobSupported();
  const { size, createWorker = defaultCreateWorker, startTimeout = 30_000, lanes: lanesPerWorker = simdSupported() && byob ? SIMD_MD5_LANES : 1 } = options;
  const events: HasherEvents = { onFallback: options.onFallback ?? (() => {}), onMd5Fallback: options.onMd5Fallback ?? (() => {}) };
  const depth = options.depth ?? (byob ? lanesPerWorker + 2 : 1);
  const queue: Job[] = [];
  let stopped = false;
  const hashers: Hasher[] = [];
  /** Jobs each hasher holds. */
  const load = new Map<Hasher, number>();
  const stats = { bytes: 0, ms: 0 };

  const startHasher = (): Hasher => {
    let hasher: Hasher;
    try {
      hasher = typeof Worker === 'undefined' ? mainThreadHasher(depth, events.onMd5Fallback) : workerHasher(createWorker(), depth, startTimeout, events);
    } catch (error) {
      events.onFallback(String(error));
      hasher = mainThreadHasher(depth, events.onMd5Fallback);
    }
    hashers.push(hasher);
    load.set(hasher, 0);
    return hasher;
  };

  const loadOf = (hasher: Hasher) => load.get(hasher) ?? 0;
  /**
   * Where the next job goes: the busiest worker with a free hashing lane (so its lanes fill and hash
   * together), else a new worker while the pool may grow, else the least loaded one with room.
   */
  const pick = (): Hasher | undefined => {
    const withFreeLane = hashers.filter((hasher) => loadOf(hasher) < lanesPerWorker).sort((a, b) => loadOf(b) - loadOf(a))[0];
    if (withFreeLane) return withFreeLane;
    if (hashers.length < size) return startHasher();
    return hashers.filter((hasher) => loadOf(hasher) < hasher.depth).sort((a, b) => loadOf(a) - loadOf(b))[0];
  };

  const pump = () => {
    while (queue.length > 0 && !stopped) {
      const taken = pick();
      if (!taken) return;
      const job = queue.shift() as Job;
      load.set(taken, loadOf(taken) + 1);
      const digests = taken.run(job.blob, job.sizes).map((digest, i) =>
        digest.then(({ digest, ms }) => {
          stats.bytes += job.sizes[i] as number;
          stats.ms += ms;
          job.settle[i]?.resolve(toDigest(digest));
        }, job.settle[i]?.reject),
      );
      void Promise.allSettled(digests).then(() => {
        load.set(taken, loadOf(taken) - 1);
        pump();
      });
    }
  };

  const md5Parts = (blob: Blob, sizes: readonly number[], signal?: AbortSignal): Array<Promise<Digest>> => {
    const settle: Job['settle'] = [];
    const digests = sizes.map(() => new Promise<Digest>((resolve, reject) => settle.push({ resolve, reject })));
    const rejectAll = (error: unknown) => {
      for (const { reject } of settle) reject(error);
    };
    if (stopped) rejectAll(new Error('The hash pool was stopped.'));
    else if (signal?.aborted) rejectAll(signal.reason);
    else {
      const job: Job = { blob, sizes, settle };
      signal?.addEventListener(
        'abort',
        () => {
          const at = queue.indexOf(job);
          if (at >= 0) {
            queue.splice(at, 1);
            rejectAll(signal.reason);
          }
        },
        { once: true },
      );
      queue.push(job);
      pump();
    }
    return digests;
  };

  return {
    stats,
    lanes: lanesPerWorker,
    md5: (blob, signal) => md5Parts(blob, [blob.size], signal)[0] as Promise<Digest>,
    md5Parts,
    terminate() {
      stopped = true;
      for (const hasher of hashers) hasher.stop();
      for (const job of queue.splice(0)) for (const { reject } of job.settle) reject(new Error('The hash pool was stopped.'));
    },
  };
}
