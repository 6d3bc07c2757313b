import { medianIndex, type Measurement, type Trace } from '../report/benchReport.js';

/**
 * A contender's trace for the chart: of the samples taken in every round, those of the round whose
 * figure is nearest its median, so the line shown is a typical run rather than the first or best.
 *
 * @param samplesByRound One list of `[ms, value]` per round, in the order of `measured.values`.
 * @example
 * medianRoundTrace(ours, progressByRound, 'bytes sent'); // { name: 'our plugin, MD5', round: 3, ... }
 */
export function medianRoundTrace(measured: Measurement, samplesByRound: Array<Array<[number, number]>>, quantity: Trace['quantity'], note?: string): Trace {
  const index = medianIndex(measured.values);
  const samples = samplesByRound[index];
  if (samples === undefined) throw new Error(`${measured.name}: no samples for round ${index + 1} (${samplesByRound.length} rounds sampled)`);
  return { name: measured.name, round: index + 1, quantity, ...(note === undefined ? {} : { note }), samples };
}
