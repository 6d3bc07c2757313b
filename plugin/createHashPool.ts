import { createHashQueue } from './createHashQueue.js';
import { toDigest, type Digest } from './digest.js';
import type { HashAnswer, HashRequest } from './md5Worker.js';

/** Hashes parts off the main thread, a few at a time, in the order they were asked for. */
export interface HashPool {
  /** MD5 of `blob`. A job still waiting is dropped when `signal` aborts. */
  md5(blob: Blob, signal?: AbortSignal): Promise<Digest>;
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
  /** Called when a worker could not start and its lane hashes on the main thread instead. */
  onFallback?: (reason: string) => void;
  /**
   * Parts a worker is given at a time. With 2 it starts reading its next part while it hashes one,
   * so Chromium opens that part and fills its data pipe meanwhile: 2 workers hashed 3–7% faster
   * with 8 MiB parts and 9% with 5 MiB parts (bench/profileMd5.ts; 1 worker ±2%), at the cost of
   * one more 256 KiB buffer and open stream per worker. 1: the next part only once one is done.
   * @default 2
   */
  depth?: number;
}

export const defaultCreateWorker = (): Worker => new Worker(new URL('./md5Worker.js', import.meta.url), { type: 'module' });

interface Job {
  blob: Blob;
  resolve: (digest: Digest) => void;
  reject: (error: unknown) => void;
}

/** One hashing lane: a worker, or the main thread when workers can't start (a strict CSP). */
interface Lane {
  /** Hashes `blob` after the lane's earlier jobs. */
  run(blob: Blob): Promise<{ digest: Uint8Array; ms: number }>;
  stop(): void;
  /** Jobs the lane takes at a time. */
  depth: number;
}

/**
 * A lane on a worker. If the worker fails to start (its script can't load, a CSP forbids it),
 * the lane hashes on the main thread instead, the jobs it held included: slower, still correct.
 */
function workerLane(worker: Worker, depth: number, onFallback: (reason: string) => void): Lane {
  let nextId = 0;
  let fallback: Lane | undefined;
  const pending = new Map<number, { blob: Blob; resolve: (answer: { digest: Uint8Array; ms: number }) => void; reject: (error: unknown) => void }>();
  worker.addEventListener('message', (event: MessageEvent<HashAnswer>) => {
    const answer = event.data;
    const job = pending.get(answer.id);
    pending.delete(answer.id);
    if ('error' in answer) job?.reject(new Error(`MD5 worker: ${answer.error}`));
    else job?.resolve(answer);
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    worker.terminate();
    fallback ??= mainThreadLane();
    onFallback(event.message || 'the worker failed to start');
    for (const job of pending.values()) fallback.run(job.blob).then(job.resolve, job.reject);
    pending.clear();
  });
  return {
    depth,
    run(blob) {
      if (fallback) return fallback.run(blob);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { blob, resolve, reject });
        worker.postMessage({ id, blob } satisfies HashRequest);
      });
    },
    stop() {
      worker.terminate();
      for (const job of pending.values()) job.reject(new Error('The hash pool was stopped.'));
      pending.clear();
    },
  };
}

/** Hashes on the main thread, one job at a time (they share one hasher). */
function mainThreadLane(): Lane {
  return { depth: 1, run: createHashQueue(), stop() {} };
}

/** Creates a pool of `size` MD5 workers, started on first use. */
export function createHashPool({ size, createWorker = defaultCreateWorker, onFallback = () => {}, depth = 2 }: HashPoolOptions): HashPool {
  const queue: Job[] = [];
  let stopped = false;
  const lanes: Lane[] = [];
  /** Jobs each lane holds. */
  const load = new Map<Lane, number>();
  const stats = { bytes: 0, ms: 0 };

  const startLane = (): Lane => {
    let lane: Lane;
    try {
      lane = typeof Worker === 'undefined' ? mainThreadLane() : workerLane(createWorker(), depth, onFallback);
    } catch (error) {
      onFallback(String(error));
      lane = mainThreadLane();
    }
    lanes.push(lane);
    load.set(lane, 0);
    return lane;
  };

  const pump = () => {
    while (queue.length > 0 && !stopped) {
      // The least loaded lane; a new one, while the pool may grow, rather than a second job for a busy one.
      let lane = lanes.reduce<Lane | undefined>((best, each) => (best && (load.get(best) ?? 0) <= (load.get(each) ?? 0) ? best : each), undefined);
      if ((!lane || (load.get(lane) ?? 0) > 0) && lanes.length < size) lane = startLane();
      if (!lane || (load.get(lane) ?? 0) >= lane.depth) return;
      const job = queue.shift() as Job;
      const taken = lane;
      load.set(taken, (load.get(taken) ?? 0) + 1);
      taken
        .run(job.blob)
        .then(({ digest, ms }) => {
          stats.bytes += job.blob.size;
          stats.ms += ms;
          job.resolve(toDigest(digest));
        }, job.reject)
        .finally(() => {
          load.set(taken, (load.get(taken) ?? 0) - 1);
          pump();
        });
    }
  };

  return {
    stats,
    md5(blob, signal) {
      return new Promise<Digest>((resolve, reject) => {
        if (stopped) return reject(new Error('The hash pool was stopped.'));
        if (signal?.aborted) return reject(signal.reason);
        const job: Job = { blob, resolve, reject };
        signal?.addEventListener(
          'abort',
          () => {
            const at = queue.indexOf(job);
            if (at >= 0) {
              queue.splice(at, 1);
              reject(signal.reason);
            }
          },
          { once: true },
        );
        queue.push(job);
        pump();
      });
    },
    terminate() {
      stopped = true;
      for (const lane of lanes) lane.stop();
      for (const job of queue.splice(0)) job.reject(new Error('The hash pool was stopped.'));
    },
  };
}
