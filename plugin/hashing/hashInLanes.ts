import type { Md5Lanes } from '../md5/Md5Lanes.js';
import type { BlobReading } from './readBlob.js';

/** A segment's MD5, and the hashing time it is charged with (see {@link hashInLanes}). */
export interface LaneDigest {
  digest: Uint8Array;
  ms: number;
}

/** A reading given to the scheduler: the sizes of the segments it is cut into, where their digests go. */
interface Task {
  reading: BlobReading;
  sizes: readonly number[];
  settle: Array<{ resolve: (digest: LaneDigest) => void; reject: (error: unknown) => void }>;
}

/** A lane's current task: the segment it hashes and its bytes still to come, the chunk not yet staged, the read under way, the end seen, a failure. */
interface Busy {
  task: Task;
  segment: number;
  left: number;
  chunk: Uint8Array | undefined;
  coming: Promise<void> | undefined;
  ended: boolean;
  failure?: { error: unknown };
}

/**
 * Hashes readings (readBlob's, of parts or small files) in the lanes of `hasher`, in the order
 * given: a reading takes the first free lane, the lanes advance together, and a lane whose input
 * ends gives its digest and takes the next reading waiting. With eight lanes, eight parts of
 * whatever sizes and files are hashed at once.
 *
 * A reading may be cut into consecutive segments (`sizes`: several parts read through one stream):
 * each gets its own digest, in turn, in the reading's lane. Chromium gives every Blob stream a new
 * 2 MiB data pipe whose pages fault in as the browser fills it; one stream over several parts
 * pays that once for all of them.
 *
 * The lanes move in step: a lane that has hashed all it holds waits for its next chunk (whose read
 * was asked for as soon as the previous chunk was staged, so it came while the lanes hashed), and
 * the lanes that hold input are hashed together (hasher.hash). A lane waits alone only where its
 * input is ragged: it keeps what the lane holding fewest blocks did not reach.
 *
 * Each digest is charged with the hashing time since the previous digest (or since the lanes got
 * busy): the charges add up to the time the lanes were busy, whatever ran side by side.
 */
export function hashInLanes(hasher: Promise<Md5Lanes>): (reading: BlobReading, sizes: readonly number[]) => Array<Promise<LaneDigest>> {
  const waiting: Task[] = [];
  const lanes: Array<Busy | undefined> = [];
  let running = false;

  const ask = (busy: Busy) => {
    busy.coming = busy.task.reading.next().then(
      (chunk) => {
        busy.chunk = chunk;
        busy.ended = chunk === undefined;
        busy.coming = undefined;
      },
      (error: unknown) => {
        busy.failure = { error };
        busy.coming = undefined;
      },
    );
  };
  const fail = (busy: Busy, error: unknown) => {
    for (const { reject } of busy.task.settle.slice(busy.segment)) reject(error);
  };

  const run = async (h: Md5Lanes) => {
    let since = performance.now();
    for (;;) {
      for (let lane = 0; lane < h.lanes && waiting.length > 0; lane++) {
        if (lanes[lane]) continue;
        const task = waiting.shift() as Task;
        const busy: Busy = { task, segment: 0, left: task.sizes[0] as number, chunk: undefined, coming: undefined, ended: false };
        lanes[lane] = busy;
        h.init(lane);
        ask(busy);
      }
      if (!lanes.some(Boolean)) return;
      // Lanes that hold less than a block, have no chunk in hand and are not at a segment's end wait for their next chunk.
      const needed = lanes.flatMap((busy, lane) => (busy?.coming && !busy.chunk && busy.left > 0 && h.held(lane) < 64 ? [busy.coming] : []));
      if (needed.length > 0) await Promise.all(needed);
      for (const [lane, busy] of lanes.entries()) {
        if (!busy) continue;
        if (busy.failure) {
          fail(busy, busy.failure.error);
          lanes[lane] = undefined;
          continue;
        }
        if (busy.chunk && busy.left > 0) {
          const taken = h.update(lane, busy.chunk.length > busy.left ? busy.chunk.subarray(0, busy.left) : busy.chunk);
          busy.left -= taken;
          busy.chunk = taken < busy.chunk.length ? busy.chunk.subarray(taken) : undefined;
          if (!busy.chunk && !busy.ended) ask(busy); // the chunk's buffer is free: read the next one while the lanes hash
        }
      }
      h.hash();
      for (const [lane, busy] of lanes.entries()) {
        if (!busy || h.held(lane) >= 64) continue;
        const short = busy.left > 0 && busy.ended && !busy.chunk;
        if (busy.left > 0 && !short) continue;
        if (short && busy.segment < busy.task.sizes.length - 1) {
          // The blob ended before its segments did: the file changed since it was cut.
          fail(busy, new Error(`The blob ended ${busy.left} bytes into part ${busy.segment + 1} of ${busy.task.sizes.length}.`));
          lanes[lane] = undefined;
          continue;
        }
        // A last segment that came short is what there is: its digest is of the bytes that came.
        const now = performance.now();
        busy.task.settle[busy.segment]?.resolve({ digest: h.digest(lane), ms: now - since });
        since = now;
        busy.segment += 1;
        if (busy.segment < busy.task.sizes.length) busy.left = busy.task.sizes[busy.segment] as number;
        else lanes[lane] = undefined;
      }
    }
  };

  const start = () => {
    if (running) return;
    running = true;
    hasher
      .then(run)
      .catch((error: unknown) => {
        for (const busy of lanes.splice(0)) if (busy) fail(busy, error);
        for (const task of waiting.splice(0)) for (const { reject } of task.settle) reject(error);
      })
      .finally(() => {
        running = false;
        if (waiting.length > 0) start();
      });
  };

  return (reading, sizes) => {
    if (sizes.length === 0) throw new RangeError('A reading is cut into one segment at least.');
    const settle: Task['settle'] = [];
    const digests = sizes.map(() => new Promise<LaneDigest>((resolve, reject) => settle.push({ resolve, reject })));
    waiting.push({ reading, sizes, settle });
    start();
    return digests;
  };
}
