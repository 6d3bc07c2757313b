/** The messages between the hash pool and its workers (md5Worker). */
import type { Md5Fallback } from '../md5/createMd5Lanes.js';

export interface HashRequest {
  id: number;
  blob: Blob;
  sizes: number[];
}

/** `ms`: the hashing time the part is charged with (see hashInLanes). */
export type HashAnswer = { id: number; part: number; digest: Uint8Array; ms: number } | { id: number; part: number; error: string };

/** The worker's first message: its MD5 started (the fallback it took, if any), or none could. */
export type WorkerReady = { ready: true; fallback?: Md5Fallback } | { ready: false; error: string };
