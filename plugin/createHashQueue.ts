import { createMd5, type Md5Hasher } from './createMd5.js';
import { readBlob, type BlobReading } from './readBlob.js';

/** A blob's MD5 and the time hashing took, from the blob's turn (not its arrival) to its digest. */
export interface QueuedDigest {
  digest: Uint8Array;
  ms: number;
}

/** Hashes a Blob whose reading {@link readBlob} has started. */
async function md5OfReading(reading: BlobReading, hasher: Md5Hasher): Promise<Uint8Array> {
  hasher.init();
  for (let chunk = await reading.next(); chunk; chunk = await reading.next()) hasher.update(chunk);
  return hasher.digest();
}

/**
 * Hashes blobs one at a time, in the order given, with one hasher (created on first use). Each
 * blob's reading starts when it is given (see `readBlob`), so a blob queued behind another is
 * opened while that one is hashed. An MD5 worker runs one; the pool's main-thread fallback too.
 */
export function createHashQueue(): (blob: Blob) => Promise<QueuedDigest> {
  let hasher: Promise<Md5Hasher> | undefined;
  /** The job hashing now; the next one starts when it settles. */
  let turn: Promise<unknown> = Promise.resolve();
  return (blob) => {
    const ready = (hasher ??= createMd5());
    let reading: BlobReading;
    try {
      reading = readBlob(blob);
    } catch (error) {
      return Promise.reject(error);
    }
    const job = turn.then(async () => {
      const started = performance.now();
      const digest = await md5OfReading(reading, await ready);
      return { digest, ms: performance.now() - started };
    });
    turn = job.catch(() => {});
    return job;
  };
}
