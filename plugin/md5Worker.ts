/**
 * The Web Worker that hashes parts: receives `{ id, blob, sizes }` (a blob cut into consecutive
 * parts of these sizes: a part, a run of parts of one file, or a small file), answers
 * `{ id, part, digest }` (16 bytes) or `{ id, part, error }` for each part. Posting a Blob slice to
 * a worker copies no bytes; the worker reads them.
 *
 * It starts its MD5 at once and says so first (`{ ready }`, see {@link WorkerReady}): which MD5 it
 * runs, why a faster one could not start (WebAssembly refused by the CSP its script was served
 * with), or why none could. The pool takes a worker that never says so for one that can't start.
 *
 * Jobs go through one hash queue (createHashQueue): up to eight at once in the lanes of the SIMD
 * MD5, in the order they came. The pool sends a worker a few jobs beyond its lanes
 * (createHashPool's `depth`): their reading starts at once, so Chromium opens those parts and
 * fills their data pipes while the lanes hash.
 */
import { createHashQueue } from './hashing/createHashQueue.js';
import { hashingMd5Implementations } from './hashing/hashingMd5Implementations.js';
import type { HashAnswer, HashRequest, WorkerReady } from './hashing/workerMessages.js';
import { createMd5Lanes, type Md5Fallback } from './md5/createMd5Lanes.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let fallback: Md5Fallback | undefined;
const md5 = createMd5Lanes(hashingMd5Implementations, (taken) => (fallback = taken));
const hash = createHashQueue(() => md5);
md5.then(
  () => scope.postMessage({ ready: true, fallback } satisfies WorkerReady),
  (error: unknown) => scope.postMessage({ ready: false, error: String(error) } satisfies WorkerReady),
);

scope.addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const { id, blob, sizes } = event.data;
  hash(blob, sizes).forEach((digest, part) =>
    digest.then(
      ({ digest, ms }) => scope.postMessage({ id, part, digest, ms } satisfies HashAnswer, [digest.buffer]),
      (error: unknown) => scope.postMessage({ id, part, error: error instanceof Error ? error.message : String(error) } satisfies HashAnswer),
    ),
  );
});
