/**
 * The Web Worker that hashes parts: receives `{ id, blob }`, answers `{ id, digest }` (16 bytes)
 * or `{ id, error }`. Posting a Blob slice to a worker copies no bytes; the worker reads them.
 *
 * Jobs are hashed one at a time, in the order they came, with one hasher. The pool sends a
 * worker its next part while it still hashes one (createHashPool's `depth`): that part's reading
 * starts at once, so Chromium opens it and fills its data pipe meanwhile instead of after.
 */
import { createMd5, type Md5Hasher } from './createMd5.js';
import { md5OfReading, readBlob } from './md5OfBlob.js';

export interface HashRequest {
  id: number;
  blob: Blob;
}

/** `ms`: the time hashing took, from the part's turn (not its arrival) to its digest. */
export type HashAnswer = { id: number; digest: Uint8Array; ms: number } | { id: number; error: string };

let hasher: Promise<Md5Hasher> | undefined;
/** The job hashing now; the next one starts when it settles. */
let turn: Promise<unknown> = Promise.resolve();
const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const { id, blob } = event.data;
  const ready = (hasher ??= createMd5());
  let reading: ReturnType<typeof readBlob>;
  try {
    reading = readBlob(blob);
  } catch (error) {
    scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies HashAnswer);
    return;
  }
  const job = turn.then(async () => {
    const started = performance.now();
    const digest = await md5OfReading(reading, await ready);
    return { digest, ms: performance.now() - started };
  });
  turn = job.catch(() => {});
  job
    .then(({ digest, ms }) => scope.postMessage({ id, digest, ms } satisfies HashAnswer, [digest.buffer]))
    .catch((error: unknown) => scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies HashAnswer));
});
