/**
 * The Web Worker that hashes parts: receives `{ id, blob }`, answers `{ id, digest }` (16 bytes)
 * or `{ id, error }`. Posting a Blob slice to a worker copies no bytes; the worker reads them.
 *
 * Jobs are hashed one at a time, in the order they came, with one hasher. The pool sends a
 * worker its next part while it still hashes one (createHashPool's `depth`): that part's reading
 * starts at once, so Chromium opens it and fills its data pipe meanwhile instead of after.
 */
import { createHashQueue } from './createHashQueue.js';

export interface HashRequest {
  id: number;
  blob: Blob;
}

/** `ms`: the time hashing took, from the part's turn (not its arrival) to its digest. */
export type HashAnswer = { id: number; digest: Uint8Array; ms: number } | { id: number; error: string };

const hash = createHashQueue();
const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const { id, blob } = event.data;
  hash(blob).then(
    ({ digest, ms }) => scope.postMessage({ id, digest, ms } satisfies HashAnswer, [digest.buffer]),
    (error: unknown) => scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies HashAnswer),
  );
});
