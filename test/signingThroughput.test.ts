/**
 * The signing throughput benchmark (`npm run bench:signing`), shortened: its section has the
 * report's shape, every route signed URLs, and every answer passed its check. Figures are
 * printed, not asserted: these machines are shared.
 */
import { expect, inject, it } from 'vitest';
import { formatSection } from '../bench/formatSection.js';
import { benchSigningThroughput } from '../bench/signingThroughput.js';

it('measures the batch, single-part and Companion-style routes, all answering every request right', { timeout: 60_000 }, async () => {
  const section = await benchSigningThroughput({ s3: inject('s3'), rounds: 1, secondsPerRun: 0.5, warmUpSeconds: 0.2, log: () => {} });

  expect(section.id).toBe('signing');
  expect(section.measurements.map((m) => [m.name, m.unit, m.values.length])).toEqual([
    ['batch route', 'URLs/s', 1],
    ['single-part route', 'URLs/s', 1],
    ['Companion-style route', 'URLs/s', 1],
  ]);
  for (const m of section.measurements) {
    expect(m.median).toBeGreaterThan(0);
    expect(m.median).toBe(m.values[0]);
  }
  expect(section.ratios.map((r) => r.name)).toEqual([
    'batch route / Companion-style route',
    'single-part route / Companion-style route',
    'batch route / single-part route',
    'answers failing the check',
  ]);
  expect(section.ratios[0]!.min).toBe(10);
  expect(section.ratios[3]).toMatchObject({ value: 0, max: 0, met: true });
  expect(section.notes?.join('\n')).not.toMatch(/failed/);
  console.log(`[numbers] signing throughput (shortened):\n${formatSection(section)}`);
});
