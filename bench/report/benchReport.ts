/**
 * The shape every benchmark of `npm run bench` answers: its measurements (every round kept, the
 * median reported) and the ratios read against their targets.
 */

/** One contender's figure over all rounds; higher is better unless its unit says otherwise. */
export interface Measurement {
  name: string;
  /** e.g. `URLs/s`, `MB/s`, `files/s`, `MiB`. */
  unit: string;
  /** Every round's value, in the order measured. */
  values: number[];
  median: number;
}

/** A ratio of two medians (or a figure against a limit), with the target it is read against. */
export interface Ratio {
  name: string;
  value: number;
  /** The ratio must be at least this. */
  min?: number;
  /** The ratio must be at most this. */
  max?: number;
  /** Whether the target holds (true when there is none). */
  met: boolean;
}

/**
 * One contender's course through one round, sampled as it ran: what a chart over time is drawn
 * from. A running total (`bytes sent`, `files stored`) is drawn as its rate, a level (`heap bytes`)
 * as it is.
 */
export interface Trace {
  /** The contender, named as in the section's measurements. */
  name: string;
  /** The round it was sampled in, from 1: the one whose figure is nearest the contender's median. */
  round: number;
  quantity: 'bytes sent' | 'files stored' | 'heap bytes';
  /** How the figures were taken where that differs between contenders, in a few words. */
  note?: string;
  /** Ms since the round's clock started, ascending, and the quantity then: `[ms, value]`. */
  samples: Array<[number, number]>;
}

export interface BenchSection {
  /** Short and stable, the key in the JSON file: `signing`, `md5`, `bigFile`, ... */
  id: string;
  title: string;
  /** What was run, in a sentence or two (sizes, rounds, settings). */
  setup: string;
  measurements: Measurement[];
  ratios: Ratio[];
  /** Anything else worth printing (errors seen, versions). */
  notes?: string[];
  /** Samples over time of one round per contender, where the benchmark records them. */
  traces?: Trace[];
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function measurement(name: string, unit: string, values: number[]): Measurement {
  return { name, unit, values, median: median(values) };
}

/** The index of the value nearest the median (the first of equals): which round to show as typical. */
export function medianIndex(values: number[]): number {
  const middle = median(values);
  return values.reduce((best, value, index) => (Math.abs(value - middle) < Math.abs(values[best]! - middle) ? index : best), 0);
}

/** `value` read against a target: at least `min`, at most `max`. */
export function ratio(name: string, value: number, target: { min?: number; max?: number } = {}): Ratio {
  const met = (target.min === undefined || value >= target.min) && (target.max === undefined || value <= target.max);
  return { name, value, ...target, met };
}

/** The ratio of two measurements' medians, `a / b`. */
export function ratioOf(a: Measurement, b: Measurement, target: { min?: number; max?: number } = {}): Ratio {
  return ratio(`${a.name} / ${b.name}`, a.median / b.median, target);
}

/**
 * Runs each contender once per round, in turn, for `rounds` rounds, so drift on a shared machine
 * (another process, a warm cache) falls on all of them alike; each call answers one figure.
 * The first contender leads in odd rounds and the last in even ones.
 */
export async function alternate<Name extends string>(
  rounds: number,
  contenders: Record<Name, () => Promise<number>>,
  onValue: (name: Name, round: number, value: number) => void = () => {},
): Promise<Record<Name, number[]>> {
  const names = Object.keys(contenders) as Name[];
  const values = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Name, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const value = await contenders[name]();
      values[name].push(value);
      onValue(name, round, value);
    }
  }
  return values;
}
