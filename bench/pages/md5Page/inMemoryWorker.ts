/**
 * The MD5 benchmark's worker for the hashing alone: holds a file's bytes in memory (sent once) and
 * hashes them in parts with the plugin's one-lane createMd5 or its SIMD MD5, createSimdMd5 (through
 * hashInLanes, as the plugin's workers run it, fed 256 KiB chunks as readBlob would), `lanes`
 * parts at a time. One worker: one core.
 */
import { createMd5 } from '../../../plugin/md5/createMd5.js';
import { oneLane, type Md5Lanes } from '../../../plugin/md5/createMd5Lanes.js';
import { createSimdMd5 } from '../../../plugin/md5/createSimdMd5.js';
import { toDigest } from '../../../plugin/md5/digest.js';
import { hashInLanes, type LaneDigest } from '../../../plugin/hashing/hashInLanes.js';
import type { BlobReading } from '../../../plugin/hashing/readBlob.js';

export type InMemoryRequest = { bytes: ArrayBuffer } | { md5: InMemoryMd5; lanes: number; partSize: number };
export type InMemoryMd5 = 'one-lane' | 'simd';
export type InMemoryAnswer = { ms: number; digests: string[] } | { error: string } | { ready: true };

const CHUNK = 256 * 1024;
const scope = self as unknown as DedicatedWorkerGlobalScope;
let bytes = new Uint8Array(0);
const hashers = new Map<string, Promise<Md5Lanes>>();

/** `data` in readBlob's 256 KiB chunks, straight from memory. */
function readingOf(data: Uint8Array): BlobReading {
  let at = 0;
  return {
    next: async () => {
      if (at >= data.length) return undefined;
      const chunk = data.subarray(at, at + CHUNK);
      at += chunk.length;
      return chunk;
    },
  };
}

async function run(md5: InMemoryMd5, lanes: number, partSize: number): Promise<{ ms: number; digests: string[] }> {
  let hasher = hashers.get(md5);
  if (!hasher) {
    hasher = md5 === 'one-lane' ? createMd5().then(oneLane) : createSimdMd5();
    hashers.set(md5, hasher);
  }
  const hash = hashInLanes(hasher);
  const parts = Array.from({ length: Math.ceil(bytes.length / partSize) }, (_, i) => bytes.subarray(i * partSize, (i + 1) * partSize));
  // Warm up: enough blocks that V8 has compiled the MD5 with its optimizing tier before the clock starts.
  for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: lanes }, (_, i) => hash(readingOf(bytes.subarray(i * 1048576, (i + 1) * 1048576)), [1048576])[0]));
  const digests: string[] = [];
  const started = performance.now();
  for (let at = 0; at < parts.length; at += lanes) {
    const group = await Promise.all(parts.slice(at, at + lanes).map((part) => hash(readingOf(part), [part.length])[0] as Promise<LaneDigest>));
    for (const { digest } of group) digests.push(toDigest(digest).hex);
  }
  return { ms: performance.now() - started, digests };
}

scope.addEventListener('message', (event: MessageEvent<InMemoryRequest>) => {
  const request = event.data;
  if ('bytes' in request) {
    bytes = new Uint8Array(request.bytes);
    scope.postMessage({ ready: true } satisfies InMemoryAnswer);
    return;
  }
  run(request.md5, request.lanes, request.partSize).then(
    (answer) => scope.postMessage(answer satisfies InMemoryAnswer),
    (error: unknown) => scope.postMessage({ error: String(error) } satisfies InMemoryAnswer),
  );
});
