/**
 * The read-once experiment's worker (bench/pages/uploadPage/runPlainMd5.ts): reads a part from the File
 * once, into a buffer the page hands back after each PUT (a BYOB reader filling it 256 KiB at a
 * time, as readBlob does), hashes those bytes in memory with the plugin's MD5 (hashInLanes over
 * createMd5Lanes: parts in flight share the SIMD lanes) and gives the page the bytes and the digest.
 */
import { createMd5Lanes } from '../../../plugin/md5/createMd5Lanes.js';
import { hashInLanes } from '../../../plugin/hashing/hashInLanes.js';

export interface ReadOnceRequest {
  id: number;
  blob: Blob;
  /** A buffer of an earlier part, to read into (at least `blob.size` bytes), or none. */
  buffer?: ArrayBuffer;
}
export type ReadOnceAnswer = { id: number; bytes: ArrayBuffer; size: number; digest: Uint8Array } | { id: number; error: string };

const CHUNK = 256 * 1024;
const hash = hashInLanes(createMd5Lanes());
const scope = self as unknown as DedicatedWorkerGlobalScope;

async function readInto(blob: Blob, buffer: ArrayBuffer): Promise<ArrayBuffer> {
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
  readInto(blob, buffer)
    .then(async (bytes) => {
      const view = new Uint8Array(bytes, 0, blob.size);
      let given = false;
      const [digest] = hash({ next: async () => (given ? undefined : ((given = true), view)) }, [blob.size]);
      const { digest: md5 } = await (digest as NonNullable<typeof digest>);
      scope.postMessage({ id, bytes, size: blob.size, digest: md5 } satisfies ReadOnceAnswer, [bytes, md5.buffer]);
    })
    .catch((error: unknown) => scope.postMessage({ id, error: String(error) } satisfies ReadOnceAnswer));
});
