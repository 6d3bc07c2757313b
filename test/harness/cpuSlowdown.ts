/**
 * The browser tests at another machine speed. A test that passes only because the machine is as
 * fast as the one it was written on (a reload that happens to come after a save, a click that
 * happens to come before the file finished) is a bug; running the suite slowed finds them.
 *
 * `TEST_CPU_SLOWDOWN=N` slows every Chromium page's CPU N-fold (Chromium's own throttling, through
 * the DevTools protocol). Firefox and WebKit have no such switch: run the whole test process on one
 * core as well, which slows every engine, S3 and the test itself together:
 *
 *   TEST_CPU_SLOWDOWN=4 taskset -c 0 npx vitest run test/browser/pluginReload.test.ts
 *
 * (`npm run test:slow -- FILES` runs exactly that.)
 */

/** How many times slower Chromium pages run: `TEST_CPU_SLOWDOWN`, 1 (not slowed) when unset. */
export function cpuSlowdown(value = process.env.TEST_CPU_SLOWDOWN): number {
  if (value === undefined || value.trim() === '') return 1;
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate < 1) throw new TypeError(`Expected TEST_CPU_SLOWDOWN to be a number from 1 up (how many times slower), got "${value}"`);
  return rate;
}
