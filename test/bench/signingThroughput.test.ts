/**
 * The signing throughput benchmark (`npm run bench:signing`), shortened: its section has the
 * report's shape, every route signed URLs through every way of serving the middleware (and
 * through a baseline revision's Express middleware, checked out from git), and every answer
 * passed its check. Figures are printed, not asserted: these machines are shared.
 */
import { expect, inject, it } from 'vitest';
import { formatSection } from '../../bench/report/formatSection.js';
import { benchSigningThroughput } from '../../bench/suites/signingThroughput.js';

it('measures the batch and single-part routes through Express, node:http and the Web handler, a baseline revision and a Companion-style route, all answering every request right', { timeout: 90_000 }, async () => {
  const section = await benchSigningThroughput({ s3: inject('s3'), rounds: 1, secondsPerRun: 0.3, warmUpSeconds: 0.1, baseline: 'HEAD', log: () => {} });

  expect(section.id).toBe('signing');
  const paths = ['Express', 'node:http', 'Web handler', 'Express, HEAD'];
  const routes = [...paths.flatMap((via) => [`batch route (${via})`, `single-part route (${via})`]), 'Companion-style route'];
  expect(section.measurements.map((m) => [m.name, m.unit, m.values.length])).toEqual([
    ...routes.map((name) => [name, 'URLs/s', 1]),
    ...routes.map((name) => [`${name}, per server CPU-second`, 'URLs/CPU-s', 1]),
  ]);
  for (const m of section.measurements) {
    expect(m.median).toBeGreaterThan(0);
    expect(m.median).toBe(m.values[0]);
  }
  expect(section.ratios.map((r) => [r.name, r.min, r.max])).toEqual([
    ['batch route (Express) / Companion-style route', 10, undefined],
    ['single-part route (Express) / Companion-style route', undefined, undefined],
    ['batch route (Express) / single-part route (Express)', undefined, undefined],
    ['batch route (node:http) / batch route (Express)', undefined, undefined],
    ['single-part route (node:http) / single-part route (Express)', undefined, undefined],
    ['batch route (Web handler) / batch route (Express)', undefined, undefined],
    ['single-part route (Web handler) / single-part route (Express)', undefined, undefined],
    ['batch route (Express) / batch route (Express, HEAD)', 0.95, undefined],
    ['batch route (Express), per server CPU-second / batch route (Express, HEAD), per server CPU-second', 0.95, undefined],
    ['single-part route (Express) / single-part route (Express, HEAD)', 0.95, undefined],
    ['single-part route (Express), per server CPU-second / single-part route (Express, HEAD), per server CPU-second', 0.95, undefined],
    ['answers failing the check', undefined, 0],
  ]);
  expect(section.ratios.at(-1)).toMatchObject({ value: 0, met: true });
  expect(section.notes?.join('\n')).not.toMatch(/failed/);
  console.log(`[numbers] signing throughput (shortened):\n${formatSection(section)}`);
});
