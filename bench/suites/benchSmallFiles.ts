/** Many files at once: our plugin against the stock `@uppy/aws-s3` 6, files per second. */
import { alternate, measurement, ratioOf, type BenchSection } from '../report/benchReport.js';
import { CONTENDER_NAMES } from './benchBigFile.js';
import { medianRoundTrace } from '../charts/medianRoundTrace.js';
import type { UploadBench } from '../harness/startUploadBench.js';

export interface SmallFilesOptions {
  /** The files to upload (on disk). */
  paths: string[];
  /** What the files are, for the title: "500 files of 100 KiB". */
  title: string;
  /** Each file's size, for the setup text: "of 100 KiB", "of 10 KiB to 20 MiB". */
  sizes: string;
  /** Section id. @default 'smallFiles' (with `latencyMs`, `smallFiles<N>ms`) */
  id?: string;
  /** Latency Chromium's network emulation adds to every request, ms. @default 0 (plain loopback) */
  latencyMs?: number;
  /** The least ours / stock the section expects (marked in the report when missed). @default none */
  minOverStock?: number;
  /**
   * Also race our plugin with the middleware spreading small files' URLs over two host names of
   * the S3 (`uploadHosts`), where the S3 is on the loopback.
   * @default true
   */
  spreadHosts?: boolean;
  /** @default 5 */
  rounds?: number;
  /** @default console.log */
  log?: (line: string) => void;
}

export async function benchSmallFiles(bench: UploadBench, options: SmallFilesOptions): Promise<BenchSection> {
  const { paths, latencyMs = 0, rounds = 5, log = console.log } = options;
  const progress: Record<'ours' | 'ours-hosts' | 'stock', Array<Array<[number, number]>>> = { ours: [], 'ours-hosts': [], stock: [] };
  const upload = (contender: 'ours' | 'ours-hosts' | 'stock') => async () => {
    const run = await bench.run(contender, paths, { latencyMs });
    progress[contender].push(run.progress.map(([ms, , files]) => [ms, files]));
    return paths.length / (run.ms / 1000);
  };
  // The second host name only where it can matter: many files, each a round trip of its own.
  const withHosts = bench.spreadsHosts && options.spreadHosts !== false;
  const names: Array<keyof typeof progress> = withHosts ? ['ours', 'ours-hosts', 'stock'] : ['ours', 'stock'];
  const contenders = Object.fromEntries(names.map((name) => [name, upload(name)])) as Record<keyof typeof progress, () => Promise<number>>;
  const values: Partial<Record<keyof typeof progress, number[]>> = await alternate(rounds, contenders, (name, round, value) =>
    log(`  ${options.title}${latencyMs ? ` at ${latencyMs} ms` : ''}, round ${round + 1}: ${CONTENDER_NAMES[name].padEnd(26)} ${value.toFixed(1).padStart(6)} files/s`),
  );
  const ours = measurement(CONTENDER_NAMES.ours, 'files/s', values.ours!);
  const hosts = withHosts ? measurement(CONTENDER_NAMES['ours-hosts'], 'files/s', values['ours-hosts']!) : undefined;
  const stock = measurement(CONTENDER_NAMES.stock, 'files/s', values.stock!);
  const target = options.minOverStock === undefined ? {} : { min: options.minOverStock };
  const setting = latencyMs === 0 ? 'Plain loopback' : `Chromium's network emulation adds ${latencyMs} ms to every request`;
  return {
    id: options.id ?? (latencyMs === 0 ? 'smallFiles' : `smallFiles${latencyMs}ms`),
    title: `${options.title}${latencyMs === 0 ? '' : ` at ${latencyMs} ms`}`,
    setup:
      `${paths.length} files ${options.sizes} from disk added at once. Ours: each file hashed (MD5), its URL signed with the MD5 in, many files to a request (POST /s3/params), ` +
      `one PUT to S3, then confirmed to the server many files to a request (POST /s3/confirm: a HeadObject each, then the app's onUploadComplete, which the run checks was told of every file); files over 8 MiB in parts. ` +
      `With 2 S3 host names: the middleware's uploadHosts spreads the small files' URLs over 127.0.0.1 and localhost (one S3), so the browser keeps 6 connections to each. The stock plugin: a presigned POST form per file, ` +
      `one request to the server and one to S3 each; files over 10 MiB in parts, one part at a time. 6 requests to S3 at a time. ${setting}, ${rounds} rounds, alternated.`,
    measurements: hosts ? [ours, hosts, stock] : [ours, stock],
    ratios: hosts ? [ratioOf(ours, stock, target), ratioOf(hosts, stock, target)] : [ratioOf(ours, stock, target)],
    traces: [
      medianRoundTrace(ours, progress.ours, 'files stored'),
      ...(hosts ? [medianRoundTrace(hosts, progress['ours-hosts'], 'files stored')] : []),
      medianRoundTrace(stock, progress.stock, 'files stored'),
    ],
  };
}
