import { createMd5Lanes, type Md5Lanes } from '../md5/createMd5Lanes.js';
import { hashingMd5Implementations } from './hashingMd5Implementations.js';
import { hashInLanes, type LaneDigest } from './hashInLanes.js';
import { readBlob } from './readBlob.js';

/**
 * Hashes blobs in the order given with one MD5 (created on first use): eight at a time in the
 * lanes of the SIMD MD5 where WebAssembly SIMD validates, else one at a time (createMd5Lanes).
 * A blob may be cut into consecutive parts (`sizes`, by default the whole blob): one digest each,
 * one stream for all. Each blob's reading starts when it is given (see `readBlob`), so a blob
 * queued behind others is opened while they are hashed. An MD5 worker runs one; the pool's
 * main-thread fallback too. `createHasher` chooses the MD5 (tests pin one).
 */
export function createHashQueue(createHasher: () => Promise<Md5Lanes> = () => createMd5Lanes(hashingMd5Implementations)): (blob: Blob, sizes?: readonly number[]) => Array<Promise<LaneDigest>> {
  let hash: ReturnType<typeof hashInLanes> | undefined;
  return (blob, sizes = [blob.size]) => {
    hash ??= hashInLanes(createHasher());
    try {
      return hash(readBlob(blob), sizes);
    } catch (error) {
      return sizes.map(() => Promise.reject(error));
    }
  };
}
