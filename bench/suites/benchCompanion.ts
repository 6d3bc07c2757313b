/**
 * One big file through the real Companion 6 (`@uppy/companion`, its routes only), from Chromium
 * with added latency: our plugin (Companion mode: parts signed by Companion's batch route, each
 * part's MD5 sent as Content-MD5 and its ETag compared) against the stock `@uppy/aws-s3` 6, both
 * pointed at the same Companion on its own origin, on the same radosgw bucket.
 */
import { alternate, measurement, ratioOf, type BenchSection } from '../report/benchReport.js';
import { engineSectionId } from '../harness/engineSection.js';
import type { UploadBench } from '../harness/startUploadBench.js';
import { CONTENDER_NAMES } from './benchBigFile.js';

const MiB = 1024 * 1024;

export async function benchCompanion(bench: UploadBench, { path, size, latencyMs = 50, rounds = 3, log = console.log }: { path: string; size: number; latencyMs?: number; rounds?: number; log?: (line: string) => void }): Promise<BenchSection> {
  const runs: string[] = [];
  const upload = (contender: 'ours-companion' | 'stock-companion') => async () => {
    const run = await bench.run(contender, [path], { latencyMs });
    runs.push(`${contender} ${(run.ms / 1000).toFixed(2)} s`);
    return size / MiB / (run.ms / 1000);
  };
  const values = await alternate(rounds, { ours: upload('ours-companion'), stock: upload('stock-companion') }, (name, round, value) =>
    log(`  Companion, ${latencyMs} ms latency, round ${round + 1}: ${(name === 'ours' ? CONTENDER_NAMES['ours-companion'] : CONTENDER_NAMES['stock-companion']).padEnd(34)} ${value.toFixed(1).padStart(6)} MiB/s`),
  );
  const ours = measurement(CONTENDER_NAMES['ours-companion'], 'MiB/s', values.ours);
  const stock = measurement(CONTENDER_NAMES['stock-companion'], 'MiB/s', values.stock);
  return {
    id: engineSectionId(`companion${latencyMs}ms`, bench.engine),
    title: `${size / MiB} MiB file through Companion 6, Chromium to radosgw, ${latencyMs} ms latency`,
    setup:
      `One ${size / MiB} MiB file from disk through a file input, to the real @uppy/companion 6 on its own origin (same bucket). ` +
      `Our plugin: Companion mode (found by GET /s3/capabilities), 8 MiB parts, 6 at a time, each part's MD5 as Content-MD5; the stock plugin: its defaults. ` +
      `Chromium's network emulation adds ${latencyMs} ms to every request. ${rounds} rounds, contenders alternated.`,
    measurements: [ours, stock],
    ratios: [ratioOf(ours, stock)],
    notes: [`${bench.browserVersion}; runs in order: ${runs.join(', ')}`],
    traces: [],
  };
}
