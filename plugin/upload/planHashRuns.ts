import type { PlannedPart } from './planParts.js';

/** Consecutive parts read through one stream at most: 4 cut the browser's page faults per byte read to a quarter. */
export const MAX_PARTS_PER_RUN = 4;

export interface HashRunsOptions {
  /** Jobs a worker hashes at once (HashPool.lanes): a batch has one run per lane. */
  lanes: number;
  /** Parts that may be asked for ahead (the plugin's `hashAhead`). */
  window: number;
  /** Batches this upload asked for before: the runs grow with each (1, 2, then 4 parts). */
  batches: number;
  /** Whether `unasked` reaches the file's last part (then a batch needn't be whole: the last parts go in runs as long as the batch's, in fewer lanes). */
  toEnd: boolean;
}

/**
 * Which parts to hash now, and how: `unasked` (the next parts of the window, in order, not asked
 * for yet) cut into batches of one run per lane, a run being consecutive parts read through one
 * stream (HashPool.md5Parts). Chromium gives each Blob stream a new 2 MiB data pipe whose pages
 * fault in as the browser fills it, so a run of 4 parts costs a quarter of the faults of 4 streams
 * (bench/studies/profileMd5.ts). But a lane hashes
 * its run's parts one after another, so the first batch has runs of one part (the first PUTs wait
 * on them), the second runs of two, then four, asked for while the earlier ones are hashed.
 * Only whole batches are asked for, except at the file's end, so a worker's lanes fill together.
 * Answers the runs and the batches asked for so far.
 */
export function planHashRuns(unasked: readonly PlannedPart[], { lanes, window, batches, toEnd }: HashRunsOptions): { runs: PlannedPart[][]; batches: number } {
  const runs: PlannedPart[][] = [];
  let at = 0;
  while (at < unasked.length) {
    const length = Math.max(1, Math.min(MAX_PARTS_PER_RUN, 2 ** batches, Math.floor(window / lanes)));
    const size = Math.max(1, Math.min(lanes * length, window));
    const batch = unasked.slice(at, at + size);
    if (batch.length < size && !toEnd) break;
    let run: PlannedPart[] = [];
    for (const part of batch) {
      const last = run[run.length - 1];
      if (run.length === length || (last && last.end !== part.start)) {
        runs.push(run);
        run = [];
      }
      run.push(part);
    }
    runs.push(run);
    at += batch.length;
    batches += 1;
  }
  return { runs, batches };
}
