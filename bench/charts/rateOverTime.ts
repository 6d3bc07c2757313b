/** The running total at `ms`, read off samples `[ms, total]` in straight lines between them. */
function totalAt(samples: Array<[number, number]>, ms: number): number {
  const after = samples.findIndex(([at]) => at >= ms);
  if (after === -1) return samples.at(-1)![1];
  if (after === 0) return samples[0]![1];
  const [t0, v0] = samples[after - 1]!;
  const [t1, v1] = samples[after]!;
  return t1 === t0 ? v1 : v0 + ((v1 - v0) * (ms - t0)) / (t1 - t0);
}

/**
 * How fast a running total grew, per second, in bins of `binMs` from 0 to its last sample: one
 * `[ms at the bin's middle, rate]` a bin; the last bin takes what is left (up to 1.25 bins). Between samples the total is
 * taken to grow evenly, so samples taken at irregular times (as events came) still give fair bins.
 *
 * @example
 * rateOverTime([[0, 0], [1000, 500], [2000, 1500]], 1000); // [[500, 500], [1500, 1000]]
 */
export function rateOverTime(samples: Array<[number, number]>, binMs: number): Array<[number, number]> {
  if (samples.length < 2) return [];
  const end = samples.at(-1)![0];
  const rates: Array<[number, number]> = [];
  for (let start = 0; start < end; ) {
    // A sliver of a bin left at the end joins the bin before it: alone it says more about rounding than speed.
    const stop = end - (start + binMs) < binMs / 4 ? end : start + binMs;
    rates.push([(start + stop) / 2, ((totalAt(samples, stop) - totalAt(samples, start)) * 1000) / (stop - start)]);
    start = stop;
  }
  return rates;
}
