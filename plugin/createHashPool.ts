import { createMD5, type IHasher } from 'hash-wasm';
import { toDigest, type Digest } from './digest.js';
import { md5OfBlob } from './md5OfBlob.js';
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
}

export const defaultCreateWorker = (): Worker => new Worker(new URL('./md5Worker.js', import.meta.url), { type: 'module' });

interface Job {
  blob: Blob;
  resolve: (digest: Digest) => void;
  reject: (error: unknown) => void;
}

/** One hashing lane: a worker, or the main thread when workers can't start (a strict CSP). */
interface Lane {
  run(blob: Blob): Promise<{ digest: Uint8Array; ms: number }>;
  stop(): void;
}

/**
 * A lane on a worker. If the worker fails to start (its script can't load, a CSP forbids it),
 * the lane hashes on the main thread instead, the jobs it held included: slower, still correct.
 */
function workerLane(worker: Worker, onFallback: (reason: string) => void): Lane {
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

function mainThreadLane(): Lane {
  let hasher: Promise<IHasher> | undefined;
  return {
    async run(blob) {
      hasher ??= createMD5();
      const started = performance.now();
      const digest = await md5OfBlob(blob, await hasher);
      return { digest, ms: performance.now() - started };
    },
    stop() {},
  };
}

/** Creates a pool of `size` MD5 workers, started on first use. */
export function createHashPool({ size, createWorker = defaultCreateWorker, onFallback = () => {} }: HashPoolOptions): HashPool {
  const queue: Job[] = [];
  const idle: Lane[] = [];
  let started = 0;
  let stopped = false;
  const lanes: Lane[] = [];
  const stats = { bytes: 0, ms: 0 };

  const startLane = (): Lane => {
    let lane: Lane;
    try {
      lane = typeof Worker === 'undefined' ? mainThreadLane() : workerLane(createWorker(), onFallback);
    } catch (error) {
      onFallback(String(error));
      lane = mainThreadLane();
    }
    lanes.push(lane);
    return lane;
  };

  const pump = () => {
    while (queue.length > 0 && !stopped) {
      let lane = idle.pop();
      if (!lane && started < size) {
        started += 1;
        lane = startLane();
      }
      if (!lane) return;
      const job = queue.shift() as Job;
      const free = lane;
      free
        .run(job.blob)
        .then(({ digest, ms }) => {
          stats.bytes += job.blob.size;
          stats.ms += ms;
          job.resolve(toDigest(digest));
        }, job.reject)
        .finally(() => {
          idle.push(free);
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
