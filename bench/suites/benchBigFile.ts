/**
 * One big file from a browser to S3, four ways side by side: our plugin with MD5, without it,
 * plain parallel presigned PUTs with no Uppy (the ceiling), and the stock `@uppy/aws-s3` 6. The
 * browser is the bench's (startUploadBench's `engine`); added latency needs Chromium.
 */
import { alternate, measurement, ratioOf, type BenchSection } from '../report/benchReport.js';
import { ENGINE_TITLES, engineSectionId } from '../harness/engineSection.js';
import { medianRoundTrace } from '../charts/medianRoundTrace.js';
import type { Contender, UploadBench } from '../harness/startUploadBench.js';

const MiB = 1024 * 1024;

/** What each contender is called in the tables. */
export const CONTENDER_NAMES: Record<Contender, string> = {
  ours: 'our plugin, MD5',
  'ours-no-md5': 'our plugin, no MD5',
  plain: 'plain presigned PUTs',
  stock: 'stock @uppy/aws-s3 6',
  'plain-md5': 'plain PUTs + MD5, read twice',
  'plain-md5-once': 'plain PUTs + MD5, read once',
  'plain-md5-once-parallel': 'read once, parallel reads',
  'ours-hosts': 'our plugin, 2 S3 host names',
  'ours-companion': 'our plugin via Companion',
  'stock-companion': 'stock @uppy/aws-s3 6 via Companion',
};

export interface BigFileOptions {
  /** The file to upload (on disk). */
  path: string;
  size: number;
  /**
   * Latency added to every request of the page, ms.
   * @default 0
   */
  latencyMs?: number;
  /** @default 5 */
  rounds?: number;
  /**
   * Targets of ours / stock: hashing must cost nothing visible on loopback, and parallel parts must
   * win where latency decides.
   * @default 0.95 at 0 ms, else 1.8
   */
  minOverStock?: number;
  /** @default console.log */
  log?: (line: string) => void;
  /** Said in the section's notes (e.g. what was not measured in this engine, and why). */
  notes?: string[];
}

/** The contenders this benchmark races (the read-once ones are bench/studies/readOnce.ts's). */
type RacedContender = 'ours' | 'ours-no-md5' | 'plain' | 'stock';

export async function benchBigFile(bench: UploadBench, options: BigFileOptions): Promise<BenchSection> {
  const { path, size, latencyMs = 0, rounds = 5, log = console.log, notes = [] } = options;
  const { engine } = bench;
  const minOverStock = options.minOverStock ?? (latencyMs === 0 ? 0.95 : 1.8);
  // Verified uploads cost CPU, the ceiling's don't; where latency leaves the cores time to spare, they must cost less.
  const minOverPlain = latencyMs === 0 ? 0.85 : 0.9;
  const runs: string[] = [];
  const progress: Record<RacedContender, Array<Array<[number, number]>>> = { ours: [], 'ours-no-md5': [], plain: [], stock: [] };
  const upload = (contender: RacedContender) => async () => {
    const run = await bench.run(contender, [path], { latencyMs });
    runs.push(`${contender} ${(run.ms / 1000).toFixed(2)} s`);
    progress[contender].push(run.progress.map(([ms, bytes]) => [ms, bytes]));
    return size / MiB / (run.ms / 1000);
  };
  const setting = latencyMs === 0 ? 'loopback' : `${latencyMs} ms latency`;
  const values = await alternate(rounds, { ours: upload('ours'), 'ours-no-md5': upload('ours-no-md5'), plain: upload('plain'), stock: upload('stock') }, (name, round, value) =>
    log(`  ${engine}, ${setting}, round ${round + 1}: ${CONTENDER_NAMES[name].padEnd(22)} ${value.toFixed(1).padStart(6)} MiB/s`),
  );
  const ours = measurement(CONTENDER_NAMES.ours, 'MiB/s', values.ours);
  const noMd5 = measurement(CONTENDER_NAMES['ours-no-md5'], 'MiB/s', values['ours-no-md5']);
  const plain = measurement(CONTENDER_NAMES.plain, 'MiB/s', values.plain);
  const stock = measurement(CONTENDER_NAMES.stock, 'MiB/s', values.stock);
  return {
    id: engineSectionId(latencyMs === 0 ? 'bigFile' : `bigFile${latencyMs}ms`, engine),
    title: `${size / MiB} MiB file, ${ENGINE_TITLES[engine]} to radosgw, ${setting}`,
    setup:
      `One ${size / MiB} MiB file from disk through a file input; the clock runs from upload() to the last byte stored. ` +
      `Our plugin and the plain PUTs: 8 MiB parts (the middleware's answer), 6 at a time; the stock plugin: its defaults (5 MiB parts, one at a time per file). ` +
      (latencyMs === 0 ? 'Plain loopback.' : `Chromium's network emulation adds ${latencyMs} ms to every request (no throughput cap).`) +
      ` ${rounds} rounds, contenders alternated.`,
    measurements: [ours, noMd5, plain, stock],
    ratios: [ratioOf(ours, plain, { min: minOverPlain }), ratioOf(ours, stock, { min: minOverStock }), ratioOf(ours, noMd5)],
    notes: [...notes, `${bench.browserVersion}; runs in order: ${runs.join(', ')}`],
    traces: [
      medianRoundTrace(ours, progress.ours, 'bytes sent'),
      medianRoundTrace(noMd5, progress['ours-no-md5'], 'bytes sent'),
      medianRoundTrace(plain, progress.plain, 'bytes sent', 'counted per finished part'),
      medianRoundTrace(stock, progress.stock, 'bytes sent'),
    ],
  };
}
