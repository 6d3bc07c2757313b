/**
 * MD5 throughput of the plugin as shipped, in one engine (Debian's headless Chromium, Firefox ESR or
 * WebKitGTK, through the engine-neutral harness, test/harness/engines), against `node:crypto` on the
 * same bytes. A file of random bytes is written to a temporary folder; the page gets it through
 * an `<input type=file>` (the driver hands the browser the path, nothing is copied through the
 * protocol) and hashes it in parts with the plugin's `createHashPool` (its md5Worker, createHashQueue,
 * hashInLanes, createSimdMd5, readBlob): 2 workers (the plugin's default `hashWorkers`: the target)
 * and 1 worker (one core against one core). Also measured, side by side: the hashing alone, in one
 * worker over the bytes already in its memory, with the SIMD MD5 given 8 parts at a time (its two
 * registers of four lanes full) and 4 (one register's four lanes), and with the one-lane createMd5:
 * their ratios are the SIMD MD5's gain on one core, and the pool's over the in-memory SIMD MD5 is
 * what reading the File costs in that engine. Node hashes the
 * same bytes, already in memory, part by part with `createHash('md5')`. The contenders alternate
 * over several rounds; every page digest is checked against Node's.
 * `npm run bench:md5 [-- --engine=chromium|firefox|webkit]` (several comma-separated: one after another).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineName } from '../../test/harness/engines/EngineBrowser.js';
import { launchBrowser } from '../../test/harness/engines/launchBrowser.js';
import { ENGINE_TITLES, enginesFromArgs, engineSectionId } from '../harness/engineSection.js';
import { alternate, measurement, ratio, ratioOf, type BenchSection } from '../report/benchReport.js';
import { formatNumber, formatSection } from '../report/formatSection.js';
import { startMd5PageServer } from '../harness/startMd5PageServer.js';
import type { Md5PageApi } from '../pages/md5Page/main.js';

const MiB = 1024 * 1024;

/** Options of {@link benchMd5}; the defaults are the benchmark's, a test shortens them. */
export interface Md5Options {
  /** Rounds; each runs every contender once, in alternating order. @default 5 */
  rounds?: number;
  /** Size of the file hashed, in MiB. @default 128 */
  totalMiB?: number;
  /** Size of each part, in MiB (the plugin's default part size). @default 8 */
  partMiB?: number;
  /** Receives a line per run. @default console.log */
  log?: (line: string) => void;
  /** The browser engine the page runs in. @default 'chromium' */
  engine?: EngineName;
}

type Contender = 'pool2' | 'pool1' | 'eightLanes' | 'fourLanes' | 'oneLane' | 'node';

const NAMES: Record<Contender, string> = {
  pool2: 'worker pool, 2 workers',
  pool1: 'worker pool, 1 worker',
  eightLanes: 'SIMD MD5, 8 lanes, worker, in memory',
  fourLanes: 'SIMD MD5, 4 lanes, worker, in memory',
  oneLane: 'one-lane MD5, worker, in memory',
  node: 'node:crypto',
};

/** Runs the benchmark (see the top of this file) and answers its section of the report. */
export async function benchMd5(options: Md5Options = {}): Promise<BenchSection> {
  const { rounds = 5, totalMiB = 128, partMiB = 8, log = console.log, engine = 'chromium' } = options;
  const partSize = partMiB * MiB;
  const bytes = randomBytes(totalMiB * MiB);
  const partsOf = <T>(each: (start: number) => T) => Array.from({ length: Math.ceil(bytes.length / partSize) }, (_, i) => each(i * partSize));
  const expected = partsOf((at) => createHash('md5').update(bytes.subarray(at, at + partSize)).digest('hex'));
  const folder = await mkdtemp(join(tmpdir(), 'md5-bench-'));
  const path = join(folder, 'random.bin');
  await writeFile(path, bytes);

  const vite = await startMd5PageServer();
  const browser = await launchBrowser(engine).catch(async (error: unknown) => {
    await vite.close();
    await rm(folder, { recursive: true, force: true });
    throw error;
  });
  try {
    const page = await browser.newPage();
    await page.goto(vite.resolvedUrls!.local[0]!);
    await page.waitFor(() => document.body.dataset.ready === 'true', undefined, { what: 'the MD5 page ready' });
    await page.setInputFiles('#file', [path]);
    const { simd, poolLanes } = await page.evaluate(() => {
      const api = window as unknown as Md5PageApi;
      return { simd: api.simd, poolLanes: api.poolLanes };
    });

    let mismatches = 0;
    const notes: string[] = [];
    /** MB/s of one run in the page, its digests checked against Node's. */
    const inPage = (contender: Exclude<Contender, 'node'>) => async () => {
      const { ms, digests } = await page.evaluate(
        ([contender, partSize]) => {
          const api = window as unknown as Md5PageApi;
          if (contender === 'eightLanes') return api.hashInWorker('simd', 8, partSize);
          if (contender === 'fourLanes') return api.hashInWorker('simd', 4, partSize);
          if (contender === 'oneLane') return api.hashInWorker('one-lane', 1, partSize);
          return api.hashWithPool(contender === 'pool2' ? 2 : 1, partSize);
        },
        [contender, partSize] as const,
      );
      const wrong = expected.filter((digest, i) => digests[i] !== digest).length + Math.max(0, digests.length - expected.length);
      if (wrong > 0) notes.push(`${NAMES[contender]}: ${wrong} of ${expected.length} part digests differ from node:crypto's`);
      mismatches += wrong;
      return bytes.length / 1e3 / ms;
    };
    const node = async () => {
      const started = performance.now();
      for (let at = 0; at < bytes.length; at += partSize) createHash('md5').update(bytes.subarray(at, at + partSize)).digest();
      return bytes.length / 1e3 / (performance.now() - started);
    };
    const contenders: Partial<Record<Contender, () => Promise<number>>> = {
      pool2: inPage('pool2'),
      pool1: inPage('pool1'),
      ...(simd ? { eightLanes: inPage('eightLanes'), fourLanes: inPage('fourLanes') } : {}),
      oneLane: inPage('oneLane'),
      node,
    };
    await node(); // warm up Node's side; the page's warm up inside each run
    const values = await alternate(rounds, contenders as Record<Contender, () => Promise<number>>, (contender, round, value) =>
      log(`  ${engine}, round ${round + 1}  ${NAMES[contender].padEnd(36)} ${formatNumber(value).padStart(6)} MB/s`),
    );
    const of = (contender: Contender) => measurement(NAMES[contender], 'MB/s', values[contender]);
    const [pool2, pool1, oneLane, native] = [of('pool2'), of('pool1'), of('oneLane'), of('node')] as const;
    const [eightLanes, fourLanes] = simd ? [of('eightLanes'), of('fourLanes')] : [undefined, undefined];
    // What the pool's workers hash with, over bytes in memory: the read path's cost is the rest.
    const inMemory = poolLanes > 1 && eightLanes ? eightLanes : oneLane;
    const pageErrors = await page.evaluate(() => (window as unknown as Md5PageApi).errors);
    if (pageErrors.length > 0) notes.push(`page errors: ${pageErrors.join('; ')}`);
    if (simd && poolLanes === 1) notes.push("Blob streams have no BYOB reader here: the pool's workers read one part at a time and hash it with the one-lane MD5 (createHashPool's lanes).");
    if (!simd) notes.push('WebAssembly SIMD does not validate here: the pool hashes one lane per worker and there is no SIMD MD5 to time.');
    notes.push(`${browser.version}, Node ${process.version} (OpenSSL ${process.versions.openssl})`);
    const engineName = ENGINE_TITLES[engine];
    return {
      id: engineSectionId('md5', engine),
      title: engine === 'chromium' ? 'MD5 in the browser' : `MD5 in the browser, ${engineName}`,
      setup:
        `MB/s (10^6 bytes) hashing ${totalMiB} MiB of random bytes in ${partMiB} MiB parts: the plugin's worker pool as shipped (createHashPool, md5Worker, ` +
        `the SIMD MD5 createSimdMd5 where WebAssembly SIMD validates) with 2 workers (its default) and 1 in ${browser.version}, reading the parts from a File picked ` +
        `in an <input type=file> (a file on disk), all parts queued at once; the hashing alone, on one core: one worker over the same bytes read into its memory ` +
        `beforehand, with the SIMD MD5 given 8 parts at a time (two i32x4 registers of lanes) and 4 (one register), and with the one-lane createMd5; ` +
        `node:crypto createHash('md5') per part on the same bytes in memory. ` +
        `${rounds} round${rounds === 1 ? '' : 's'}, contenders alternated; every page digest checked against node:crypto's.`,
      measurements: [pool2, pool1, ...(eightLanes && fourLanes ? [eightLanes, fourLanes] : []), oneLane, native],
      ratios: [
        // Where Node's MD5 is the mark (Chromium, the engine the targets were first set in).
        ratioOf(pool2, native, engine === 'chromium' ? { min: 0.75 } : {}),
        ratioOf(pool1, native),
        // Reading the File must not cost the pool more than half its own MD5's speed, in any engine (issue 14).
        ratioOf(pool2, inMemory, { min: 0.5 }),
        ...(eightLanes && fourLanes ? [ratioOf(eightLanes, oneLane, { min: 2 }), ratioOf(fourLanes, oneLane)] : []),
        ratioOf(oneLane, native),
        ratio('part digests differing from node:crypto', mismatches, { max: 0 }),
      ],
      notes,
    };
  } finally {
    await browser.close();
    await vite.close();
    await rm(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const engine of enginesFromArgs(process.argv.slice(2), ['chromium'])) {
    const started = performance.now();
    const section = await benchMd5({ engine });
    console.log(`\n${formatSection(section)}\n\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
    if (section.ratios.some((r) => !r.met)) process.exitCode = 1;
  }
}
