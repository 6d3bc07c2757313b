/**
 * `npm run bench`: every benchmark on this machine, each comparison side by side in one run
 * (contenders alternated, several rounds), medians and ratios printed, and the results written
 * to bench/results/latest.json and latest.md (the tables docs/performance.md links to), with one SVG chart per
 * benchmark beside them (bench/report/writeCharts.ts).
 * Uses the S3 named by S3_ENDPOINT & co., or starts a local radosgw. `BENCH_ONLY=bigFile,memory`
 * runs some of them (ids: bundle, signing, md5, bigFile, bigFile50ms, companion50ms, smallFiles, memory). The
 * first, `bundle`, measures no time: the weight on the page, ours (main thread at load, when a
 * file is added and on demand, the worker) and the stock plugin's, as `npm run bench:bundle` does.
 *
 * The MD5 benchmark and the 512 MiB loopback race run in every engine, side by side (Chromium,
 * Firefox ESR, WebKitGTK: sections md5, md5Firefox, md5WebKit, bigFile, bigFileFirefox,
 * bigFileWebKit), the extra engines with fewer rounds (3 against 5) to keep the whole run short;
 * `--engine=webkit` (or a comma-separated list) runs only those. What needs Chromium's DevTools
 * protocol (the 50 ms latency race, the page heap) and the small files run in Chromium only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3ConfigFromEnv } from '../../scripts/s3ConfigFromEnv.js';
import { startLocalS3 } from '../../scripts/startLocalS3.js';
import { benchBigFile } from './benchBigFile.js';
import { benchBundleSize } from './bundleSize.js';
import { benchCompanion } from './benchCompanion.js';
import type { BenchSection } from '../report/benchReport.js';
import { benchSmallFiles } from './benchSmallFiles.js';
import { benchUploadMemory } from './benchUploadMemory.js';
import { formatSection } from '../report/formatSection.js';
import { ENGINE_TITLES, enginesFromArgs } from '../harness/engineSection.js';
import { benchMd5 } from './md5Throughput.js';
import { ENGINE_NAMES, type EngineName } from '../../test/harness/engines/EngineBrowser.js';
import { benchSigningThroughput } from './signingThroughput.js';
import { startUploadBench } from '../harness/startUploadBench.js';
import { writeBenchReport } from '../report/writeBenchReport.js';
import { writeRandomFile } from '../harness/writeRandomFile.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const MiB = 1024 * 1024;
const BIG = 512 * MiB;
const HUGE = 1024 * MiB;
const SMALL = 100 * 1024;
const SMALL_COUNT = 500;
const MIXED_COUNT = 200;

/**
 * `count` file sizes from 10 KiB to 20 MiB, spread evenly on a log scale (as many of 10–100 KiB
 * as of 2–20 MiB), in a shuffled but fixed order: a mixed set that is the same every run.
 */
function mixedSizes(count: number): number[] {
  const [low, high] = [10 * 1024, 20 * MiB];
  const sizes = Array.from({ length: count }, (_, i) => Math.round(low * (high / low) ** (i / (count - 1))));
  // A fixed permutation (multiplying by a number prime to `count`), so big and small files interleave.
  return sizes.map((_, i) => sizes[(i * 37) % count] as number);
}
/** Rounds in the engines other than Chromium, whose figures the targets were set in. */
const EXTRA_ENGINE_ROUNDS = 3;
const engines = enginesFromArgs(process.argv.slice(2), ENGINE_NAMES);
const roundsIn = (engine: EngineName) => (engine === 'chromium' ? 5 : EXTRA_ENGINE_ROUNDS);
const only = process.env.BENCH_ONLY?.split(',').map((id) => id.trim());
const wanted = (id: string) => only === undefined || only.includes(id);

const started = Date.now();
const given = s3ConfigFromEnv(process.env);
// Bluestore, not the in-memory store: twice in one day the memstore OSD's space accounting went
// wrong mid-run ("full status failsafe engaged … -2147483648% full") and it dropped every write, so
// radosgw held the PUTs unanswered for good.
const local = given ? undefined : await startLocalS3({ objectStore: 'bluestore', log: (line) => console.log(`  local S3: ${line}`) });
const s3 = given ?? local!;
const files = await mkdtemp(join(tmpdir(), 'bench-files-'));
const sections: BenchSection[] = [];
const report = (section: BenchSection) => {
  sections.push(section);
  console.log(`\n${formatSection(section)}\n`);
};
try {
  if (wanted('bundle')) report(await benchBundleSize());
  if (wanted('signing')) report(await benchSigningThroughput({ s3 }));
  if (wanted('md5')) for (const engine of engines) report(await benchMd5({ engine, rounds: roundsIn(engine) }));
  const chromiumOnly = engines.includes('chromium') ? ['bigFile50ms', 'companion50ms', 'smallFiles', 'smallFiles50ms', 'mixedFiles', 'memory'].filter(wanted) : [];
  const uploads = [...(wanted('bigFile') ? ['bigFile'] : []), ...chromiumOnly];
  if (uploads.length > 0) {
    const big = join(files, 'big.bin');
    const huge = join(files, 'huge.bin');
    const small = Array.from({ length: SMALL_COUNT }, (_, i) => join(files, `small-${String(i).padStart(3, '0')}.bin`));
    if (wanted('bigFile') || chromiumOnly.includes('bigFile50ms') || chromiumOnly.includes('companion50ms')) await writeRandomFile(big, BIG);
    if (chromiumOnly.includes('memory')) await writeRandomFile(huge, HUGE);
    if (chromiumOnly.includes('smallFiles') || chromiumOnly.includes('smallFiles50ms')) for (const path of small) await writeRandomFile(path, SMALL);
    const mixed = mixedSizes(MIXED_COUNT).map((size, i) => ({ path: join(files, `mixed-${String(i).padStart(3, '0')}.bin`), size }));
    if (chromiumOnly.includes('mixedFiles')) for (const { path, size } of mixed) await writeRandomFile(path, size);
    const warm = join(files, 'warm.bin');
    await writeRandomFile(warm, 32 * MiB);
    for (const engine of engines) {
      if (engine !== 'chromium' && !wanted('bigFile')) continue;
      // A local radosgw reclaims each run's deleted objects between runs, not during the next one.
      const bench = await startUploadBench(s3, { settle: local?.collectGarbage, engine });
      try {
        console.log(`Uploads from ${bench.browserVersion} to ${s3.endpoint}:`);
        // Untimed: the first upload of each contender pays for cold caches in radosgw and the browser.
        for (const contender of ['ours', 'ours-no-md5', 'plain', 'stock'] as const) await bench.run(contender, [warm]);
        if (chromiumOnly.includes('companion50ms') && engine === 'chromium') for (const contender of ['ours-companion', 'stock-companion'] as const) await bench.run(contender, [warm]);
        const notes =
          engine === 'chromium'
            ? []
            : [
                `${EXTRA_ENGINE_ROUNDS} rounds in ${ENGINE_TITLES[engine]} (5 in Chromium) to keep the whole run short. ` +
                  `Not run in ${ENGINE_TITLES[engine]}: the 50 ms latency race and the page heap, which need Chromium's DevTools protocol (no network emulation or heap reading the harness drives here), and the small files.`,
              ];
        if (wanted('bigFile')) report(await benchBigFile(bench, { path: big, size: BIG, rounds: roundsIn(engine), notes }));
        if (engine !== 'chromium') continue;
        if (chromiumOnly.includes('bigFile50ms')) report(await benchBigFile(bench, { path: big, size: BIG, latencyMs: 50 }));
        if (chromiumOnly.includes('companion50ms')) report(await benchCompanion(bench, { path: big, size: BIG, latencyMs: 50 }));
        const smallFiles = { paths: small, title: `${SMALL_COUNT} files of ${SMALL / 1024} KiB`, sizes: `of ${SMALL / 1024} KiB` };
        if (chromiumOnly.includes('smallFiles')) report(await benchSmallFiles(bench, { ...smallFiles, minOverStock: 1.3 }));
        // 5 rounds like loopback's (about a minute more than 3): our plugin needs more CPU than the
        // stock one, so its rounds swing with the machine's share of the cores, and 3 gave unsteady medians.
        if (chromiumOnly.includes('smallFiles50ms')) report(await benchSmallFiles(bench, { ...smallFiles, latencyMs: 50, minOverStock: 2 }));
        if (chromiumOnly.includes('mixedFiles')) {
          const title = `${MIXED_COUNT} files of 10 KiB to 20 MiB (${(mixed.reduce((sum, file) => sum + file.size, 0) / MiB).toFixed(0)} MiB)`;
          report(await benchSmallFiles(bench, { id: 'mixedFiles', paths: mixed.map((file) => file.path), title, sizes: 'of 10 KiB to 20 MiB, sizes spread evenly on a log scale', rounds: 3 }));
        }
        if (chromiumOnly.includes('memory')) report(await benchUploadMemory(bench, { path: huge, size: HUGE }));
      } finally {
        await bench.close();
      }
    }
  }
} finally {
  await rm(files, { recursive: true, force: true });
  await local?.stop();
}

await writeBenchReport({ measuredAt: new Date().toISOString(), minutes: (Date.now() - started) / 60_000, sections });
