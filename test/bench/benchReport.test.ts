import { describe, expect, it } from 'vitest';
import { alternate, measurement, median, medianIndex, ratio, ratioOf, type Trace } from '../../bench/report/benchReport.js';
import { formatMarkdown } from '../../bench/report/formatMarkdown.js';
import { medianRoundTrace } from '../../bench/charts/medianRoundTrace.js';

describe('benchReport', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('finds the round nearest the median, the first of equals, and keeps its samples as the trace', () => {
    expect(medianIndex([146, 154, 140, 160, 160])).toBe(1);
    expect(medianIndex([4, 1, 3, 2])).toBe(2);
    const ours = measurement('ours', 'MiB/s', [100, 300, 200]);
    const byRound: Array<Array<[number, number]>> = [[[0, 0], [10, 1]], [[0, 0], [10, 3]], [[0, 0], [10, 2]]];
    expect(medianRoundTrace(ours, byRound, 'bytes sent', 'a note')).toEqual({ name: 'ours', round: 3, quantity: 'bytes sent', note: 'a note', samples: [[0, 0], [10, 2]] });
    expect(() => medianRoundTrace(ours, byRound.slice(0, 2), 'bytes sent')).toThrow('ours: no samples for round 3 (2 rounds sampled)');
  });

  it('reads a ratio against its target', () => {
    expect(ratio('a', 0.9, { min: 0.85 }).met).toBe(true);
    expect(ratio('a', 0.8, { min: 0.85 }).met).toBe(false);
    expect(ratio('a', 1.2, { max: 1 }).met).toBe(false);
    expect(ratio('a', 5).met).toBe(true);
    const fast = measurement('fast', 'MB/s', [10, 30, 20]);
    const slow = measurement('slow', 'MB/s', [5, 10, 15]);
    expect(ratioOf(fast, slow, { min: 2 })).toEqual({ name: 'fast / slow', value: 2, min: 2, met: true });
  });

  it('alternates the contenders, the order reversed every other round', async () => {
    const order: string[] = [];
    const values = await alternate(3, {
      a: async () => (order.push('a'), 1),
      b: async () => (order.push('b'), 2),
      c: async () => (order.push('c'), 3),
    });
    expect(order.join('')).toBe('abccbaabc');
    expect(values).toEqual({ a: [1, 1, 1], b: [2, 2, 2], c: [3, 3, 3] });
  });

  it('writes every ratio with its target, then every measurement', () => {
    const a = measurement('ours', 'MiB/s', [100, 120]);
    const b = measurement('stock', 'MiB/s', [50, 60]);
    const text = formatMarkdown([{ id: 'x', title: 'One file', setup: 'How.', measurements: [a, b], ratios: [ratioOf(a, b, { min: 2.5 })] }], 'Header.');
    expect(text).toContain('| One file | ours / stock | 2 | ≥ 2.5 ✗ missed |');
    expect(text).toContain('| ours | 110 MiB/s | 100, 120 |');
  });

  it("shows a section's chart between its setup and its table, where it has one", () => {
    const a = measurement('ours', 'MiB/s', [100, 120]);
    const heap: Trace = { name: 'heap', round: 1, quantity: 'heap bytes', samples: [[0, 1]] };
    const sections = [
      { id: 'x', title: 'One file', setup: 'How.', measurements: [a], ratios: [], traces: [{ ...heap, name: 'ours', quantity: 'bytes sent' as const }] },
      { id: 'y', title: 'Memory', setup: 'Once.', measurements: [measurement('peak', 'MiB', [5])], ratios: [], traces: [heap] },
      { id: 'z', title: 'Once', setup: 'No chart.', measurements: [measurement('peak', 'MiB', [5])], ratios: [] },
    ];
    const text = formatMarkdown(sections, 'Header.', { x: 'bench/results/x.svg', y: 'bench/results/y.svg' });
    expect(text).toContain(
      "#### One file\n\nHow.\n\n![One file: every round of each contender and its median; each contender's median round over time (bytes sent)](bench/results/x.svg)\n\n| contender |",
    );
    expect(text).toContain('#### Memory\n\nOnce.\n\n![Memory: the heap over time](bench/results/y.svg)\n\n| contender |');
    expect(text).toContain('#### Once\n\nNo chart.\n\n| contender |');
    expect(formatMarkdown(sections, 'Header.')).not.toContain('![');
  });

  it('puts the engines side by side where the MD5 bench and the big-file race ran in each', () => {
    const pool = (engine: string, mbps: number) => ({
      id: engine === 'chromium' ? 'md5' : `md5${engine}`,
      title: 'MD5',
      setup: '',
      measurements: [measurement('worker pool, 2 workers', 'MB/s', [mbps]), measurement('one-lane MD5, worker, in memory', 'MB/s', [400])],
      ratios: [ratio('worker pool, 2 workers / one-lane MD5, worker, in memory', mbps / 400, { min: 0.5 })],
    });
    const race = { id: 'bigFileWebKit', title: 'Race', setup: '', measurements: [measurement('our plugin, MD5', 'MiB/s', [50])], ratios: [ratio('our plugin, MD5 / stock @uppy/aws-s3 6', 1.1)] };
    const text = formatMarkdown([pool('chromium', 300), { ...pool('WebKit', 100) }, race], 'Header.');
    expect(text).toContain('| Chromium | 300 | – | 400 | – | 0.75 (of one-lane MD5) | – | – | – | – |');
    expect(text).toContain('| WebKit | 100 | – | 400 | – | 0.25 (of one-lane MD5) | 50 | – | 1.1 | – |');
    expect(text).not.toContain('| Firefox |');
    expect(formatMarkdown([race].map((section) => ({ ...section, id: 'other' })), 'Header.')).not.toContain('| engine |');
  });
});

