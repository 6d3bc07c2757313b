/** The upload page's pace recorder (bench/pages/uploadPage/recordProgress.ts), on a fake clock. */
import { afterEach, expect, it, vi } from 'vitest';
import { recordProgress } from '../../bench/pages/uploadPage/recordProgress.js';

afterEach(() => {
  vi.useRealTimers();
});

it('keeps running totals across files on every event and samples them at most every 50 ms, and at the end', () => {
  vi.useFakeTimers({ toFake: ['performance'] });
  const progress = recordProgress(performance.now());
  progress.sent('a', 100);
  vi.advanceTimersByTime(30);
  progress.sent('a', 300); // a's total, not an increment
  vi.advanceTimersByTime(30);
  progress.sent('b', 50); // 60 ms: sampled
  vi.advanceTimersByTime(10);
  progress.stored();
  vi.advanceTimersByTime(5);
  progress.sent('a', 250); // a part sent again: a's total drops
  expect(progress.finish()).toEqual([
    [0, 0, 0],
    [60, 350, 0],
    [75, 300, 1],
  ]);
});
