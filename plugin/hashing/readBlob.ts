/**
 * Reads a Blob (a part's `File.slice`) a chunk at a time for the MD5 hasher: memory stays at one
 * reused 256 KiB buffer whatever the part size.
 *
 * Read with a BYOB reader into that one buffer, going back and forth: the default reader hands
 * each chunk (64 KiB–2 MiB) in a new ArrayBuffer whose fresh pages fault in, then are freed; BYOB
 * made a hashing worker faster (bench/studies/profileMd5.ts, with the earlier hash-wasm MD5).
 * Buffers of 1–2 MiB, or a second one read ahead, left the worker waiting on Chromium's data pipe
 * (slower); gathering the default reader's chunks (an extra copy), `blob.arrayBuffer()` and
 * FileReaderSync (the whole part held) were slower. Now, with createMd5, most of a worker's CPU goes to the MD5
 * itself, not to reading (figures in docs/performance.md).
 *
 * {@link readBlob} starts reading at once, so a worker can open its next part while it hashes
 * the current one (see createHashQueue.ts). Where a Blob's stream is not a byte stream (no BYOB
 * reader), the default reader is used.
 */

/** A Blob being read, a chunk at a time; the first read is already under way. */
export interface BlobReading {
  /** The next chunk, valid until the next call (its buffer is then read into again); `undefined` at the end. */
  next(): Promise<Uint8Array | undefined>;
}

/** The size of the buffer a BYOB read fills before a chunk is hashed. */
const CHUNK = 256 * 1024;

/** Buffers of finished readings, for the next ones (a worker has a few readings open: its lanes and those queued). */
const spare: ArrayBuffer[] = [];
const SPARE = 8;

/** Starts reading `blob` now (its first chunk is asked for before anything awaits it). */
export function readBlob(blob: Blob): BlobReading {
  const stream = blob.stream();
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: 'byob' });
  } catch {
    return defaultReading(stream.getReader());
  }
  // Never a read past the blob's end: each asks (`min`) for exactly what it can get, and the
  // reading ends when `blob.size` bytes came, not on the stream's close. In Chromium a BYOB
  // read still waiting when the stream closed now and then never settled (bench/studies/profileMd5.ts
  // hung, stuck after the part's last byte); read this way, it has not happened again.
  let left = blob.size;
  const read = (buffer: ArrayBuffer) => {
    const length = Math.min(CHUNK, left);
    return quiet(reader.read(new Uint8Array(buffer, 0, length), { min: length }));
  };
  let pending = left > 0 ? read(spare.pop() ?? new ArrayBuffer(CHUNK)) : undefined;
  let held: ArrayBuffer | undefined; // the buffer of the chunk last handed out
  // No `reader.cancel()` at the end: the stream closes by itself once its bytes are read, and
  // cancelling showed as a cost per part in the worker's CPU profile.
  const finish = () => {
    if (held && spare.length < SPARE) spare.push(held);
    held = undefined;
    return undefined;
  };
  return {
    async next() {
      if (held && left > 0) {
        pending = read(held);
        held = undefined;
      }
      const waiting = pending;
      pending = undefined;
      if (!waiting) return finish();
      const { value, done } = await waiting;
      held = value?.buffer; // the buffer comes back (transferred) with the bytes
      // `done` with nothing: the blob was shorter than it said; what came is what there is.
      if (!value || value.length === 0) return finish();
      left = done ? 0 : left - value.length;
      return value;
    },
  };
}

function defaultReading(reader: ReadableStreamDefaultReader<Uint8Array>): BlobReading {
  let first: Promise<ReadableStreamReadResult<Uint8Array>> | undefined = quiet(reader.read());
  let ended = false;
  return {
    async next() {
      if (ended) return undefined;
      const { value, done } = await (first ?? reader.read());
      first = undefined;
      ended = done;
      return done ? undefined : value;
    },
  };
}

/** A read started ahead may fail (the file is gone) before anyone awaits it: not an unhandled rejection, the awaiter sees the error. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
