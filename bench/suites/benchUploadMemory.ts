/** The page's JS heap while our plugin uploads a big file, against what its part buffers could take at most. */
import { measurement, ratio, type BenchSection } from '../report/benchReport.js';
import type { UploadBench } from '../harness/startUploadBench.js';

const MiB = 1024 * 1024;
/** The plugin's defaults, which the page uses. */
const LIMIT = 6;
const PART_SIZE = 8 * MiB;

export interface UploadMemoryOptions {
  path: string;
  size: number;
  /**
   * How often the heap is sampled, ms.
   * @default 50
   */
  sampleMs?: number;
  /** @default console.log */
  log?: (line: string) => void;
}

export async function benchUploadMemory(bench: UploadBench, options: UploadMemoryOptions): Promise<BenchSection> {
  const { path, size, sampleMs = 50, log = console.log } = options;
  const run = await bench.run('ours', [path], { heapSampleMs: sampleMs });
  const allowance = LIMIT * PART_SIZE * 2 + 64 * MiB;
  const peak = measurement('page JS heap, peak', 'MiB', [run.peakHeapBytes! / MiB]);
  const used = measurement('of it V8 heap (no ArrayBuffers)', 'MiB', [run.peakUsedHeapBytes! / MiB]);
  log(`  ${size / MiB} MiB in ${(run.ms / 1000).toFixed(1)} s: peak ${peak.median.toFixed(1)} MiB (V8 heap ${used.median.toFixed(1)} MiB), ${run.heapSamples} samples`);
  return {
    id: 'memory',
    title: `Page memory during a ${size / 1024 / MiB} GiB upload`,
    setup:
      `Our plugin (limit ${LIMIT}, ${PART_SIZE / MiB} MiB parts, MD5 on) uploads a ${size / MiB} MiB file from disk; the page's heap (CDP Runtime.getHeapUsage: ` +
      `V8's used heap plus ArrayBuffer backing stores) sampled every ${sampleMs} ms (${run.heapSamples} samples). ` +
      `Allowance: limit × part size × 2 + 64 MiB = ${allowance / MiB} MiB.`,
    measurements: [peak, used],
    ratios: [ratio('peak / allowance', peak.median / (allowance / MiB), { max: 1 })],
    traces: [
      { name: 'page JS heap', round: 1, quantity: 'heap bytes', samples: run.heap!.map(([ms, total]) => [ms, total]) },
      { name: 'of it V8 heap (no ArrayBuffers)', round: 1, quantity: 'heap bytes', samples: run.heap!.map(([ms, , used]) => [ms, used]) },
    ],
  };
}
