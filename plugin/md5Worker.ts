/**
 * The Web Worker that hashes parts: receives `{ id, blob }`, answers `{ id, digest }` (16 bytes)
 * or `{ id, error }`. Posting a Blob slice to a worker copies no bytes; the worker reads them.
 */
import { createMD5, type IHasher } from 'hash-wasm';
import { md5OfBlob } from './md5OfBlob.js';

export interface HashRequest {
  id: number;
  blob: Blob;
}

export type HashAnswer = { id: number; digest: Uint8Array; ms: number } | { id: number; error: string };

let hasher: Promise<IHasher> | undefined;
const scope = self as unknown as DedicatedWorkerGlobalScope;

// Jobs run one at a time per worker (the pool sends one at a time), so one hasher suffices.
scope.addEventListener('message', (event: MessageEvent<HashRequest>) => {
  const { id, blob } = event.data;
  hasher ??= createMD5();
  const started = performance.now();
  hasher
    .then((h) => md5OfBlob(blob, h))
    .then((digest) => scope.postMessage({ id, digest, ms: performance.now() - started } satisfies HashAnswer, [digest.buffer]))
    .catch((error: unknown) => scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies HashAnswer));
});
