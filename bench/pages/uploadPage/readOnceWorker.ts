/**
 * The read-once experiment's worker (bench/pages/uploadPage/runPlainMd5.ts): reads a part from the File
 * once, into a buffer the page hands back after each PUT (a BYOB reader filling it 256 KiB at a
 * time, as readBlob does), hashes those bytes in memory with the plugin's MD5 (hashInLanes over
 * createMd5Lanes: parts in flight share the SIMD lanes) and gives the page the bytes and the digest.
 * Where Blob streams have no BYOB reader (WebKit) it reads with the default reader, copying each
 * chunk into the buffer, and one part at a time (the plugin's pool keeps a worker there to one
 * open stream too, see createHashPool's `lanes`; `parallel` reads them side by side), with the MD5 the plugin takes there
 * (hashingMd5Implementations: one lane).
 */
import { blobByobSupported } from '../../../plugin/hashing/blobByobSupported.js';
import { hashingMd5Implementations } from '../../../plugin/hashing/hashingMd5Implementations.js';
import { hashInLanes } from '../../../plugin/hashing/hashInLanes.js';
import { createMd5Lanes } from '../../../plugin/md5/createMd5Lanes.js';

export interface ReadOnceRequest {
  id: number;
  blob: Blob;
  /** A buffer of an earlier part, to read into (at least `blob.size` bytes), or none. */
  buffer?: ArrayBuffer;
  /** Without a BYOB reader, read this part beside the others rather than after them. */
  parallel: boolean;
}
export type ReadOnceAnswer = { id: number; bytes: ArrayBuffer; size: number; digest: Uint8Array } | { id: number; error: string };

const CHUNK = 256 * 1024;
const hash = hashInLanes(createMd5Lanes(hashingMd5Implementations));
const byob = blobByobSupported();
const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Without a BYOB reader: the default reader's chunks copied into `buffer`. */
async function copyInto(blob: Blob, buffer: ArrayBuffer): Promise<ArrayBuffer> {
  const reader = blob.stream().getReader();
  const target = new Uint8Array(buffer);
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    target.set(value, at);
    at += value.length;
  }
  if (at !== blob.size) throw new Error('The part ended early.');
  return buffer;
}

/** Reads without a BYOB reader wait for the one before (one open stream per worker). */
let previous: Promise<unknown> = Promise.resolve();

async function readInto(blob: Blob, buffer: ArrayBuffer, parallel: boolean): Promise<ArrayBuffer> {
  if (!byob && parallel) return copyInto(blob, buffer);
  if (!byob) {
    const read = previous.then(() => copyInto(blob, buffer));
    previous = read.catch(() => {});
    return read;
  }
  const reader = blob.stream().getReader({ mode: 'byob' });
  let at = 0;
  while (at < blob.size) {
    const length = Math.min(CHUNK, blob.size - at);
    const { value } = await reader.read(new Uint8Array(buffer, at, length), { min: length });
    if (!value) throw new Error('The part ended early.');
    buffer = value.buffer; // the whole buffer comes back with each read
    at += value.length;
  }
  return buffer;
}

scope.addEventListener('message', (event: MessageEvent<ReadOnceRequest>) => {
  const { id, blob } = event.data;
  const buffer = event.data.buffer && event.data.buffer.byteLength >= blob.size ? event.data.buffer : new ArrayBuffer(blob.size);
  readInto(blob, buffer, event.data.parallel)
    .then(async (bytes) => {
      const view = new Uint8Array(bytes, 0, blob.size);
      let given = false;
      const [digest] = hash({ next: async () => (given ? undefined : ((given = true), view)) }, [blob.size]);
      const { digest: md5 } = await (digest as NonNullable<typeof digest>);
      scope.postMessage({ id, bytes, size: blob.size, digest: md5 } satisfies ReadOnceAnswer, [bytes, md5.buffer]);
    })
    .catch((error: unknown) => scope.postMessage({ id, error: String(error) } satisfies ReadOnceAnswer));
});
