/**
 * Parallel presigned PUTs with a Content-MD5 each and no Uppy: the read-once experiment
 * (bench/studies/readOnce.ts). `twice` is the plugin's way: the worker pool hashes the parts from the File
 * (in runs, planHashRuns) and each PUT sends the part's File.slice, which Chromium reads again.
 * `once` reads each part from the File once, in a worker, into memory, hashes those bytes and PUTs
 * them (a Uint8Array body); at most `limit + 2` parts are held, their buffers reused. Both sign a
 * part (batch route, one part a request) once its digest is known and PUT it in the same loop.
 */
import { paths, type BatchSignResponse } from '../../../contract.js';
import { createHashPool } from '../../../plugin/hashing/createHashPool.js';
import { toDigest, type Digest } from '../../../plugin/md5/digest.js';
import { planHashRuns } from '../../../plugin/upload/planHashRuns.js';
import type { PlannedPart } from '../../../plugin/upload/planParts.js';
import type { ReadOnceAnswer, ReadOnceRequest } from './readOnceWorker.js';
import type { ProgressRecorder } from './recordProgress.js';
import { callApi, uploadInParts } from './uploadInParts.js';

/** `once-parallel`: read once, and a worker reads its parts at once even without a BYOB reader (see readOnceWorker). */
export type ReadMode = 'twice' | 'once' | 'once-parallel';

/** A part's digest and the body its PUT sends; `release` once the PUT has its body. */
interface Ready {
  digest: Digest;
  body: Blob | Uint8Array<ArrayBuffer>;
  release(): void;
}

/** Digests (and bodies) of the parts, the plugin's way: hashed from the File in runs, sent as File slices. */
function readTwice(file: File, parts: PlannedPart[]): { ready: (part: PlannedPart) => Promise<Ready>; close(): void } {
  const pool = createHashPool({ size: 2 });
  const digests = new Map<number, Promise<Digest>>();
  const { runs } = planHashRuns(parts, { lanes: pool.lanes, window: 64, batches: 0, toEnd: true });
  for (const run of runs) {
    const [first, last] = [run[0]!, run[run.length - 1]!];
    pool.md5Parts(file.slice(first.start, last.end), run.map((part) => part.size)).forEach((digest, i) => digests.set(run[i]!.partNumber, digest));
  }
  return {
    ready: async (part) => ({ digest: await digests.get(part.partNumber)!, body: file.slice(part.start, part.end), release() {} }),
    close: () => pool.terminate(),
  };
}

/** Digests and bodies of the parts read once: a worker reads each into memory and hashes the bytes; `held` parts at most. */
function readOnce(file: File, parts: PlannedPart[], held: number, parallel: boolean): { ready: (part: PlannedPart) => Promise<Ready>; close(): void } {
  const workers = [0, 1].map(() => new Worker(new URL('./readOnceWorker.ts', import.meta.url), { type: 'module' }));
  const answers = new Map<number, (answer: ReadOnceAnswer) => void>();
  for (const worker of workers) worker.addEventListener('message', (event: MessageEvent<ReadOnceAnswer>) => answers.get(event.data.id)?.(event.data));
  const buffers: ArrayBuffer[] = [];
  const reads = new Map<number, Promise<Ready>>();
  let next = 0;
  let holding = 0;
  const read = (part: PlannedPart): Promise<Ready> =>
    new Promise((resolve, reject) => {
      answers.set(part.partNumber, (answer) => {
        answers.delete(part.partNumber);
        if ('error' in answer) return reject(new Error(answer.error));
        const release = () => {
          buffers.push(answer.bytes);
          holding -= 1;
          fill();
        };
        resolve({ digest: toDigest(answer.digest), body: new Uint8Array(answer.bytes, 0, answer.size), release });
      });
      const buffer = buffers.pop();
      workers[part.partNumber % workers.length]!.postMessage({ id: part.partNumber, blob: file.slice(part.start, part.end), buffer, parallel } satisfies ReadOnceRequest, buffer ? [buffer] : []);
    });
  const fill = () => {
    while (holding < held && next < parts.length) {
      const part = parts[next++]!;
      holding += 1;
      reads.set(part.partNumber, read(part));
    }
  };
  fill();
  return {
    ready: (part) => reads.get(part.partNumber) ?? Promise.reject(new Error(`part ${part.partNumber} was not read`)),
    close: () => workers.forEach((worker) => worker.terminate()),
  };
}

/** Uploads `file` (uploadInParts), `limit` PUTs at a time, each with its Content-MD5 (see the top of this file). */
export function runPlainMd5(file: File, limit: number, mode: ReadMode, progress: ProgressRecorder): Promise<void> {
  return uploadInParts(file, limit, progress, async ({ uploadId, key, parts }) => {
    const source = mode === 'twice' ? readTwice(file, parts) : readOnce(file, parts, limit + 2, mode === 'once-parallel');
    return {
      async request(part) {
        const { digest, body, release } = await source.ready(part);
        const signed = await callApi<BatchSignResponse>(paths.batch(uploadId, key), {
          method: 'POST',
          body: JSON.stringify({ parts: [{ partNumber: part.partNumber, size: part.size, md5: digest.base64 }] }),
        });
        const { url, headers } = signed.parts[0]!;
        return { url, headers, body, sent: release }; // fetch takes its copy of an in-memory body at once
      },
      close: source.close,
    };
  });
}
