/**
 * The Web Worker that hashes parts: receives `{ id, blob, sizes }` (a blob cut into consecutive
 * parts of these sizes: a part, a run of parts of one file, or a small file), answers
 * `{ id, part, digest }` (16 bytes) or `{ id, part, error }` for each part. Posting a Blob slice to
 * a worker copies no bytes; the worker reads them.
 *
 * Jobs go through one hash queue (createHashQueue): up to eight at once in the lanes of the SIMD
 * MD5, in the order they came. The pool sends a worker a few jobs beyond its lanes
 * (createHashPool's `depth`): their reading starts at once, so Chromium opens those parts and
 * fills their data pipes while the lanes hash.
 */
import { createHashQueue } from './createHashQueue.js';

export interface HashRequest {
  id: number;
  blob: Blob;
  sizes: number[];
}

/** `ms`: the hashing time the part is charged with (see hashInLanes). */
export type HashAnswer = { id: number; part: number; digest: Uint8Array; ms: number } | { id: number; part: number; error: string };

const hash = createHashQueue();
const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const { id, blob, sizes } = event.data;
  hash(blob, sizes).forEach((digest, part) =>
    digest.then(
      ({ digest, ms }) => scope.postMessage({ id, part, digest, ms } satisfies HashAnswer, [digest.buffer]),
      (error: unknown) => scope.postMessage({ id, part, error: error instanceof Error ? error.message : String(error) } satisfies HashAnswer),
    ),
  );
});
