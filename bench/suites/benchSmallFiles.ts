/** Many small files at once: our plugin against the stock `@uppy/aws-s3` 6, files per second. */
import { alternate, measurement, ratioOf, type BenchSection } from '../report/benchReport.js';
import { CONTENDER_NAMES } from './benchBigFile.js';
import { medianRoundTrace } from '../charts/medianRoundTrace.js';
import type { UploadBench } from '../harness/startUploadBench.js';

export interface SmallFilesOptions {
  /** The files to upload (on disk). */
  paths: string[];
  /** Size of each, bytes. */
  size: number;
  /** @default 5 */
  rounds?: number;
  /** @default console.log */
  log?: (line: string) => void;
}

export async function benchSmallFiles(bench: UploadBench, options: SmallFilesOptions): Promise<BenchSection> {
  const { paths, size, rounds = 5, log = console.log } = options;
  const progress: Record<'ours' | 'stock', Array<Array<[number, number]>>> = { ours: [], stock: [] };
  const upload = (contender: 'ours' | 'stock') => async () => {
    const run = await bench.run(contender, paths);
    progress[contender].push(run.progress.map(([ms, , files]) => [ms, files]));
    return paths.length / (run.ms / 1000);
  };
  const values = await alternate(rounds, { ours: upload('ours'), stock: upload('stock') }, (name, round, value) =>
    log(`  ${paths.length} files, round ${round + 1}: ${CONTENDER_NAMES[name].padEnd(22)} ${value.toFixed(1).padStart(6)} files/s`),
  );
  const ours = measurement(CONTENDER_NAMES.ours, 'files/s', values.ours);
  const stock = measurement(CONTENDER_NAMES.stock, 'files/s', values.stock);
  return {
    id: 'smallFiles',
    title: `${paths.length} files of ${size / 1024} KiB`,
    setup:
      `${paths.length} files of ${size / 1024} KiB from disk added at once; each goes up in one request to S3 (ours: a presigned PUT with its MD5 signed in; ` +
      `the stock plugin: a presigned POST form), 6 at a time. Plain loopback, ${rounds} rounds, alternated.`,
    measurements: [ours, stock],
    ratios: [ratioOf(ours, stock)],
    traces: [medianRoundTrace(ours, progress.ours, 'files stored'), medianRoundTrace(stock, progress.stock, 'files stored')],
  };
}
