import type { BenchSection, Ratio } from './benchReport.js';

/** A figure for people: thousands grouped from 100 up, three significant digits below. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

function formatTarget(ratio: Ratio): string {
  const bounds = [ratio.min === undefined ? undefined : `≥ ${formatNumber(ratio.min)}`, ratio.max === undefined ? undefined : `≤ ${formatNumber(ratio.max)}`];
  return bounds.filter((bound) => bound !== undefined).join(', ');
}

function table(rows: string[][], rightAligned: number[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (rightAligned.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * A benchmark section as a console table: each measurement's median, unit and every round's
 * value (in the order measured); each ratio with its target and `met` or `MISSED`; then the notes.
 *
 * @example
 * console.log(formatSection(await benchSigningThroughput()));
 */
export function formatSection(section: BenchSection): string {
  const lines = [`${section.title} [${section.id}]`, `  ${section.setup}`, ''];
  const measurements = table(
    [['measurement', 'median', 'unit', 'rounds'], ...section.measurements.map((m) => [m.name, formatNumber(m.median), m.unit, m.values.map(formatNumber).join(', ')])],
    [1],
  );
  lines.push(...measurements.map((line) => `  ${line}`));
  if (section.ratios.length > 0) {
    const ratios = table(
      [['ratio', 'value', 'target', ''], ...section.ratios.map((r) => [r.name, formatNumber(r.value), formatTarget(r) || '–', r.min === undefined && r.max === undefined ? '' : r.met ? 'met' : 'MISSED'])],
      [1],
    );
    lines.push('', ...ratios.map((line) => `  ${line}`));
  }
  if (section.notes && section.notes.length > 0) lines.push('', ...section.notes.map((note) => `  - ${note}`));
  return lines.join('\n');
}
