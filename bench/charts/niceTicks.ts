/**
 * A round step (1, 2, 2.5 or 5 times a power of ten) that cuts `span` into about `count` pieces.
 *
 * @example
 * niceStep(2_460, 5); // 500
 */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough * 0.999)!;
  return step;
}

/**
 * An axis from 0 to the first round step at or above `max`, in about `count` steps: the tick
 * values, 0 first and the axis' end last.
 *
 * @example
 * niceTicks(213); // [0, 50, 100, 150, 200, 250]
 */
export function niceTicks(max: number, count = 5): number[] {
  const step = niceStep(max, count);
  const steps = Math.max(1, Math.ceil(max / step - 1e-9));
  // Multiplying, not adding up, keeps 0.1 + 0.2 out of the labels.
  return Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}
