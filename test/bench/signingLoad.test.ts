/**
 * The load benchmark (`npm run bench:load`), shortened: the middleware in its own process holds the
 * batch signing route at its peak with no errors, refuses every request of the floods of
 * oversized and broken bodies, and signs right after. Figures are printed, not asserted: these
 * machines are shared.
 */
import { expect, inject, it } from 'vitest';
import { benchSigningLoad } from '../../bench/suites/signingLoad.js';

it('holds the batch signing route at its peak without an error, and refuses every flooded body', { timeout: 60_000 }, async () => {
  const lines: string[] = [];
  const result = await benchSigningLoad({ s3: inject('s3'), steps: [1, 4], stepMs: 500, holdMs: 2000, floodMs: 1000, log: (line) => lines.push(line) });

  expect(result.held.requests).toBeGreaterThan(0);
  expect(result.held.errors).toBe(0);
  expect(result.held.statuses).toEqual({ 200: result.held.requests });
  expect(result.floods.tooLarge.errors).toBe(0);
  expect(result.floods.tooLarge.statuses).toEqual({ 413: result.floods.tooLarge.requests });
  expect(result.floods.broken.errors).toBe(0);
  expect(result.floods.broken.statuses).toEqual({ 400: result.floods.broken.requests });
  expect(result.after.errors).toBe(0);
  expect(result.rssMiB).toHaveLength(3);
  console.log(`[numbers] signing load (shortened):\n${lines.join('\n')}`);
});
