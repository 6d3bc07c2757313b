import type { BenchSection, Ratio } from './benchReport.js';
import { formatEngineTable } from './formatEngineTable.js';
import { formatNumber as figure } from './formatSection.js';

function target(ratio: Ratio): string {
  const bounds = [ratio.min === undefined ? '' : `≥ ${ratio.min}`, ratio.max === undefined ? '' : `≤ ${ratio.max}`].filter(Boolean).join(', ');
  if (bounds === '') return '–';
  return `${bounds} ${ratio.met ? '✓ met' : '✗ missed'}`;
}

/** What a section's chart shows, in words, for its image's alt text (as formatChart draws it). */
function drawn(section: BenchSection): string {
  const shown = section.measurements.some((m) => m.values.length > 1) ? ['every round of each contender and its median'] : [];
  const quantity = section.traces?.[0]?.quantity;
  if (quantity === 'heap bytes') shown.push('the heap over time');
  else if (quantity !== undefined) shown.push(`each contender's median round over time (${quantity})`);
  return shown.join('; ');
}

/**
 * The results as Markdown: the engines side by side where sections were measured in each
 * (formatEngineTable), one table of every ratio against its target, then each benchmark's
 * setup, its chart where it has one, and its medians with every round's figure.
 *
 * @param charts Each chart's path from where the Markdown goes, by section id (see writeCharts).
 */
export function formatMarkdown(sections: BenchSection[], header: string, charts: Record<string, string> = {}): string {
  const engines = formatEngineTable(sections);
  const lines = [header, '', ...(engines.length > 0 ? [...engines, ''] : []), '| benchmark | ratio | value | target |', '|---|---|---:|---|'];
  for (const section of sections) {
    for (const ratio of section.ratios) lines.push(`| ${section.title} | ${ratio.name} | ${figure(ratio.value)} | ${target(ratio)} |`);
  }
  for (const section of sections) {
    lines.push('', `#### ${section.title}`, '', section.setup, '');
    const chart = charts[section.id];
    if (chart !== undefined) lines.push(`![${section.title}: ${drawn(section)}](${chart})`, '');
    lines.push('| contender | median | every round |', '|---|---:|---|');
    for (const m of section.measurements) lines.push(`| ${m.name} | ${figure(m.median)} ${m.unit} | ${m.values.map(figure).join(', ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
