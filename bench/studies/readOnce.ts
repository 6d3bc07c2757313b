/**
 * Read each part once or twice? Today a part is read from the File twice: by an MD5 worker for its
 * digest, then by Chromium for the PUT (a File.slice body). This measures the alternative: read it
 * once into memory, hash those bytes and PUT them (an in-memory body), on one big file from disk
 * to the local radosgw, side by side (bench/pages/uploadPage/runPlainMd5.ts, no Uppy in either):
 *
 * - `plain-md5` (read twice): the plugin's worker pool hashes the parts from the File (runs of
 *   parts, planHashRuns), each PUT sends the part's File.slice;
 * - `plain-md5-once` (read once): a worker reads each part into a reused buffer and hashes it, the
 *   PUT sends those bytes (a Uint8Array); `limit + 2` parts held at most;
 * - `plain` (no MD5: the floor).
 *
 * In Chromium (`--engine=chromium`, the default) the browser is driven over a bare DevTools pipe
 * (bench/harness/launchRawChromium.ts): with `--network=off` no CDP domain but Runtime and DOM is
 * ever enabled; with `on`, `Network.enable` as Playwright and an open DevTools do. Firefox and
 * WebKit (`--engine=firefox,webkit`) go through the benchmarks' engine-neutral harness
 * (bench/harness/startUploadBench.ts, as `npm run bench -- --engine=webkit`), which enables
 * nothing of the kind; there the page heap is not read. Where Blob streams have no BYOB reader
 * (WebKit) the read-once worker reads a part with the default reader, copying each chunk into its
 * buffer, one part at a time per worker (as the plugin's pool reads there). For each: wall
 * seconds (median), CPU-seconds of every process and thread (bench/harness/threadCpu.ts,
 * radosgw's daemons included; mean), and in Chromium the page's peak heap (CDP
 * Runtime.getHeapUsage every 50 ms) against the allowance `npm run bench` holds the plugin to
 * (limit × part size × 2 + 64 MiB = 160 MiB). Rounds alternate the contenders' order.
 *
 * `--contenders=plain-md5,plain-md5-once-parallel,…` adds `plain-md5-once-parallel`: without a BYOB
 * reader, a worker reads its parts side by side rather than one after another.
 *
 * Run: `node --import tsx bench/studies/readOnce.ts [--engine=chromium,firefox,webkit] [--contenders=…] [--mib=512] [--rounds=3] [--network=off,on] [--timeout=300]` (seconds per upload)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalS3 } from '../../scripts/startLocalS3.js';
import type { EngineName } from '../../test/harness/engines/EngineBrowser.js';
import { ENGINE_TITLES, enginesFromArgs } from '../harness/engineSection.js';
import { median } from '../report/benchReport.js';
import { CONTENDER_NAMES } from '../suites/benchBigFile.js';
import { launchRawChromium } from '../harness/launchRawChromium.js';
import { startUploadBench, startUploadServer } from '../harness/startUploadBench.js';
import { diff, snapshot, type Ticks } from '../harness/threadCpu.js';
import type { Contender, RunResult } from '../pages/uploadPage/main.js';
import { writeRandomFile } from '../harness/writeRandomFile.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const option = (name: string, fallback: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const MiB = 1024 * 1024;
const size = Number(option('mib', '512')) * MiB;
const rounds = Number(option('rounds', '3'));
const engines = enginesFromArgs(process.argv.slice(2), ['chromium']);
const networkModes = option('network', 'off,on').split(',') as Array<'off' | 'on'>;
const contenders = option('contenders', 'plain-md5,plain-md5-once,plain').split(',') as Contender[];
const ALLOWANCE = 6 * 8 * MiB * 2 + 64 * MiB;
/** An upload that takes longer fails the run (an in-memory body with the Network domain on can crawl). */
const TIMEOUT_S = Number(option('timeout', '300'));

/** One upload: wall seconds, CPU ticks by process / thread, the page's peak heap (Chromium only). */
interface Run {
  wall: number;
  cpu: Map<string, Ticks>;
  peak?: number;
}
/** Uploads the file once with `contender` (undefined: it did not finish in time). */
type Upload = (contender: Contender) => Promise<Run | undefined>;

/** Warm-up, then `rounds` rounds alternating the contenders' order; prints every round and a table. */
async function measure(label: string, upload: Upload): Promise<void> {
  for (const contender of contenders) {
    const run = await upload(contender); // warm-up: untimed
    console.log(`  ${label}, warm-up: ${CONTENDER_NAMES[contender].padEnd(30)} ${run ? `${run.wall.toFixed(2)} s` : `did not finish in ${TIMEOUT_S} s`}`);
  }
  const walls = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  const peaks = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  const cpu = new Map<Contender, Map<string, number>>(contenders.map((c) => [c, new Map()]));
  for (let round = 0; round < rounds; round++) {
    for (const contender of round % 2 === 0 ? contenders : [...contenders].reverse()) {
      const run = await upload(contender);
      if (!run) {
        console.log(`  ${label}, round ${round + 1}: ${CONTENDER_NAMES[contender].padEnd(30)} did not finish in ${TIMEOUT_S} s`);
        walls.get(contender)!.push(Infinity);
        continue;
      }
      walls.get(contender)!.push(run.wall);
      if (run.peak !== undefined) peaks.get(contender)!.push(run.peak);
      const spent = cpu.get(contender)!;
      for (const [key, ticks] of run.cpu) spent.set(key, (spent.get(key) ?? 0) + ticks.all / 100 / rounds);
      const heap = run.peak === undefined ? '' : `, page heap peak ${(run.peak / MiB).toFixed(1)} MiB`;
      console.log(`  ${label}, round ${round + 1}: ${CONTENDER_NAMES[contender].padEnd(30)} ${run.wall.toFixed(2)} s${heap}`);
    }
  }
  const cell = (value: string) => value.padStart(30);
  console.log(`\n${size / MiB} MiB, ${label}, ${rounds} rounds: wall seconds (median), CPU-seconds (mean)${peaks.get(contenders[0]!)!.length > 0 ? ', page heap (peak of each round\'s peak)' : ''}`);
  console.log(`${''.padEnd(52)}${contenders.map((c) => cell(CONTENDER_NAMES[c])).join('')}`);
  const wall = (c: Contender) => median(walls.get(c)!);
  console.log(`${'wall time, s'.padEnd(52)}${contenders.map((c) => cell(Number.isFinite(wall(c)) ? wall(c).toFixed(2) : `over ${TIMEOUT_S}`)).join('')}`);
  console.log(`${'every round, s'.padEnd(52)}${contenders.map((c) => cell(walls.get(c)!.map((w) => w.toFixed(1)).join(', '))).join('')}`);
  const total = (c: Contender) => [...cpu.get(c)!.values()].reduce((sum, s) => sum + s, 0);
  console.log(`${'CPU, all processes, s'.padEnd(52)}${contenders.map((c) => cell(total(c).toFixed(2))).join('')}`);
  if (peaks.get(contenders[0]!)!.length > 0) {
    console.log(`${'page heap peak, MiB (allowance 160)'.padEnd(52)}${contenders.map((c) => cell((Math.max(...peaks.get(c)!) / MiB).toFixed(1))).join('')}`);
  }
  const keys = [...new Set(contenders.flatMap((c) => [...cpu.get(c)!].filter(([, s]) => s >= 0.1).map(([k]) => k)))];
  const byCpu = cpu.get(contenders[1] ?? contenders[0]!)!;
  keys.sort((a, b) => (byCpu.get(b) ?? 0) - (byCpu.get(a) ?? 0));
  for (const key of keys) console.log(`${key.slice(0, 51).padEnd(52)}${contenders.map((c) => cell((cpu.get(c)!.get(key) ?? 0).toFixed(2))).join('')}`);
  if (peaks.get(contenders[0]!)!.length > 0) console.log(`Page heap allowance: ${ALLOWANCE / MiB} MiB.`);
  console.log('');
}

const local = await startLocalS3();
// Stopped early (Ctrl-C, a timeout's kill): radosgw's daemons run detached, stop them too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void local.stop().finally(() => process.exit(1)));
const folder = await mkdtemp(join(tmpdir(), 'read-once-'));
try {
  const path = join(folder, 'big.bin');
  await writeRandomFile(path, size);
  const daemons = local.pids();
  const labels = new Map<number, string>();

  /** Chromium over a bare DevTools pipe, the Network domain on or off. */
  async function measureChromium(): Promise<void> {
    const server = await startUploadServer(local);
    const chromium = await launchRawChromium();
    try {
      const upload = async (contender: Contender, network: 'off' | 'on'): Promise<Run | undefined> => {
        const page = await chromium.newPage(server.url);
        try {
          await page.setInputFiles('#files', [path]);
          if (network === 'on') await page.enableNetwork();
          let peak = 0;
          let sampling = true;
          const sampler = (async () => {
            while (sampling) {
              peak = Math.max(peak, (await page.heapUsage()).total);
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          })();
          const before = snapshot(labels, daemons);
          const started = performance.now();
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${contender} took over ${TIMEOUT_S} s`)), TIMEOUT_S * 1000)));
          const result = await Promise.race([page.evaluate<RunResult>(`window.bench.run(${JSON.stringify(contender)})`), timeout])
            .catch((error: unknown) => {
              if (error instanceof Error && error.message.endsWith(`over ${TIMEOUT_S} s`)) return undefined; // closing the page aborts its upload
              throw error;
            })
            .finally(() => {
              sampling = false;
              clearTimeout(timer);
            });
          const wall = (performance.now() - started) / 1000;
          const cpu = new Map<string, Ticks>();
          diff(before, snapshot(labels, daemons), cpu);
          await sampler.catch(() => {});
          if (!result) return undefined;
          if (result.errors.length > 0) throw new Error(`${contender}: ${result.errors.join('; ')}`);
          await server.checkStored(contender, result.files, result.bytes);
          return { wall, cpu, peak };
        } finally {
          await page.close();
          await server.empty();
          await local.collectGarbage();
        }
      };
      for (const network of networkModes) {
        await measure(`Chromium, CDP Network domain ${network === 'on' ? 'enabled' : 'never enabled'}`, (contender) => upload(contender, network));
      }
    } finally {
      await chromium.close();
      await server.close();
    }
  }

  /** Firefox or WebKit through the benchmarks' harness; the clock is the page's (upload start to last part stored). */
  async function measureEngine(engine: Exclude<EngineName, 'chromium'>): Promise<void> {
    const bench = await startUploadBench(local, { settle: local.collectGarbage, engine });
    try {
      console.log(`${bench.browserVersion}:`);
      await measure(ENGINE_TITLES[engine], async (contender) => {
        const run = await bench.run(contender, [path], { cpuOf: daemons });
        return { wall: run.ms / 1000, cpu: run.cpu ?? new Map() };
      });
    } finally {
      await bench.close();
    }
  }

  for (const engine of engines) {
    if (engine === 'chromium') await measureChromium();
    else await measureEngine(engine);
  }
} finally {
  await rm(folder, { recursive: true, force: true });
  await local.stop();
}
