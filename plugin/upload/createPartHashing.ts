import type { Digest } from '../md5/digest.js';
import type { UnstampedTimelineEvent } from '../TimelineEvent.js';
import type { PartDigests } from './PartDigests.js';
import { planHashRuns } from './planHashRuns.js';
import type { PlannedPart } from './planParts.js';

export interface PartHashing {
  /** The part's MD5, hashing it (and the next `hashAhead` parts not asked for yet, in batches of runs) when not known. */
  digestOf(part: PlannedPart): Promise<Digest | undefined>;
  /** After a BadDigest: the part's bytes read and hashed again (if the file really changed, the new MD5 is signed). */
  rehash(part: PlannedPart): Promise<Digest | undefined>;
}

/**
 * Hashing for one multipart run: each part when its turn comes, with a look-ahead window of the
 * parts queued after it, consecutive parts read through one stream (planHashRuns). Digests land in
 * `digests`, which outlives the run.
 */
export function createPartHashing({
  data,
  digests,
  queue,
  hashAhead,
  timeline,
  signal,
}: {
  data: Blob;
  digests: PartDigests;
  /** The parts not taken yet, in order (the run takes from its front). */
  queue: readonly PlannedPart[];
  hashAhead: number;
  timeline: (event: UnstampedTimelineEvent) => void;
  signal: AbortSignal;
}): PartHashing {
  const hashing = new Map<number, Promise<Digest | undefined>>();
  let batches = 0;

  /** Hashes a run of consecutive parts through one stream. */
  const hashRun = (run: readonly PlannedPart[]) => {
    if (!digests.hashing) {
      for (const part of run) hashing.set(part.partNumber, Promise.resolve(undefined));
      return;
    }
    const [first, last] = [run[0] as PlannedPart, run[run.length - 1] as PlannedPart];
    const hashed = digests.md5Parts(data.slice(first.start, last.end), run.map((part) => part.size), signal);
    run.forEach((part, i) => {
      timeline({ type: 'hash-start', partNumber: part.partNumber });
      const promise = (hashed[i] as Promise<Digest | undefined>).then((digest) => {
        timeline({ type: 'hash-end', partNumber: part.partNumber });
        if (digest) digests.set(part.partNumber, digest);
        return digest;
      });
      promise.catch(() => {}); // look-ahead hashes may be abandoned by an abort
      hashing.set(part.partNumber, promise);
    });
  };
  const hash = (part: PlannedPart): Promise<Digest | undefined> => {
    const known = digests.get(part.partNumber);
    if (known && !hashing.has(part.partNumber)) hashing.set(part.partNumber, Promise.resolve(known));
    if (!hashing.has(part.partNumber)) hashRun([part]);
    return hashing.get(part.partNumber) as Promise<Digest | undefined>;
  };

  return {
    digestOf(part) {
      // The window: this part and the next `hashAhead`; those not asked for go in batches of runs (planHashRuns).
      const window = [part, ...queue.slice(0, hashAhead)];
      const unasked = window.filter((next) => !hashing.has(next.partNumber) && !digests.get(next.partNumber));
      if (digests.hashing && unasked.length > 0) {
        const planned = planHashRuns(unasked, { lanes: digests.lanes, window: hashAhead, batches, toEnd: window.length > queue.length });
        batches = planned.batches;
        for (const run of planned.runs) hashRun(run);
      }
      return hash(part);
    },
    rehash(part) {
      hashing.delete(part.partNumber);
      digests.delete(part.partNumber);
      return hash(part);
    },
  };
}
