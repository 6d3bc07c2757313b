/** How parts are batched into runs for the hash pool's lanes. */
import { describe, expect, it } from 'vitest';
import { planHashRuns } from '../../../plugin/upload/planHashRuns.js';
import { planParts } from '../../../plugin/upload/planParts.js';

const MiB = 1024 * 1024;

describe('planHashRuns', () => {
  const parts = planParts(100 * 8 * MiB, 8 * MiB); // 100 parts
  const numbers = (runs: Array<Array<{ partNumber: number }>>) => runs.map((run) => run.map((part) => part.partNumber));

  it('asks for whole batches of one run per lane, the runs growing from 1 part to 2, then 4', () => {
    const first = planHashRuns(parts.slice(0, 65), { lanes: 8, window: 64, batches: 0, toEnd: false });
    expect(first.batches).toBe(3);
    expect(numbers(first.runs)).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n]),
      ...[9, 11, 13, 15, 17, 19, 21, 23].map((n) => [n, n + 1]),
      ...[25, 29, 33, 37, 41, 45, 49, 53].map((n) => [n, n + 1, n + 2, n + 3]),
    ]);
    // Parts 57-65 are not a whole batch of runs of 4: they wait for more of the window.
    expect(planHashRuns(parts.slice(56, 65), { lanes: 8, window: 64, batches: 3, toEnd: false })).toEqual({ runs: [], batches: 3 });
    expect(numbers(planHashRuns(parts.slice(56, 88), { lanes: 8, window: 64, batches: 3, toEnd: false }).runs)).toHaveLength(8);
  });

  it("asks for the file's last parts in runs as long as the batch's, and cuts runs where parts are not adjacent", () => {
    expect(numbers(planHashRuns(parts.slice(89), { lanes: 8, window: 64, batches: 5, toEnd: true }).runs)).toEqual([[90, 91, 92, 93], [94, 95, 96, 97], [98, 99, 100]]);
    expect(numbers(planHashRuns(parts.slice(0, 5), { lanes: 8, window: 64, batches: 0, toEnd: true }).runs)).toEqual([[1], [2], [3], [4], [5]]);
    const gap = [...parts.slice(0, 2), ...parts.slice(3, 5)]; // part 3 known from before
    expect(numbers(planHashRuns(gap, { lanes: 1, window: 64, batches: 2, toEnd: true }).runs)).toEqual([[1, 2], [4, 5]]);
  });

  it('fits a window smaller than a batch, and one lane', () => {
    expect(numbers(planHashRuns(parts.slice(0, 5), { lanes: 8, window: 4, batches: 0, toEnd: false }).runs)).toEqual([[1], [2], [3], [4]]);
    expect(numbers(planHashRuns(parts.slice(0, 20), { lanes: 1, window: 16, batches: 0, toEnd: false }).runs)).toEqual([[1], [2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15], [16, 17, 18, 19]]);
    expect(planHashRuns(parts.slice(0, 3), { lanes: 8, window: 0, batches: 0, toEnd: false }).runs).toHaveLength(3);
  });
});
