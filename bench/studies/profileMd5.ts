/**
 * Where the CPU goes while headless Chromium hashes a File with the plugin's MD5 (its worker pool,
 * driven through bench/pages/md5Page as `npm run bench:md5` drives it). Prints, for each scenario:
 *
 * - each round's MB/s (10^6 bytes) over the timed part; every digest is checked against node:crypto;
 * - CPU-seconds (utime + stime from `/proc/<pid>/task/<tid>/stat`, summed over the rounds) per
 *   Chromium process (browser, renderer, utility:network, gpu, zygote) and thread name
 *   (`/proc/<pid>/task/<tid>/comm`: DedicatedWorker, Chrome_ChildIOThread, ThreadPoolForegroundWorker,
 *   Chrome_IOThread; a process's main thread is `main thread (chromium)`), as CPU-seconds, ms of CPU
 *   per MB hashed, share of the wall time, and the kernel's part of it (stime). Only the Chromium
 *   this script launched is counted (the processes descending from this Node process). The page
 *   calls an exposed `md5Mark` at the start and end of each timed part, where the snapshots are taken;
 * - the whole machine's busy CPU over the same windows (`/proc/stat`): "others" shows another
 *   agent's load, which makes those rounds worth less;
 * - a summary: median MB/s, the median of each round's ratio to the first scenario and to `node`,
 *   the hashing thread's CPU per MB, and the share of the workers' time spent between parts;
 *
 * then a V8 CPU profile (CDP Profiler, 100 µs sampling) of the worker of a 1-worker pool, self time
 * by kind (wasm MD5, JavaScript incl. stream reads, idle = waiting for bytes, GC) and by function.
 *
 * Scenarios: `pool1`, `pool2` (the plugin's createHashPool and md5Worker, 1 and 2 workers; `pool1r4`:
 * runs of 4 consecutive parts read through one stream, as uploads ask for them), `one`
 * (the one-lane createMd5 in a worker over bytes already in its memory: the hashing alone), `simd1`
 * to `simd8` (the SIMD MD5, createSimdMd5, likewise, given 1 to 8 parts at a time: its MB/s per
 * lane count), `node` (node:crypto in this process). Scenarios alternate over the rounds; each is
 * run once untimed first.
 *
 * Run: `node --import tsx bench/studies/profileMd5.ts [--mib=256] [--part-mib=8] [--rounds=3]
 * [--scenarios=pool1,pool2,one,simd8,node] [--profile=pool1|pool1r4|none]`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { launchPlaywrightChromium } from '../../test/harness/engines/launchChromium.js';
import { median } from '../report/benchReport.js';
import { startMd5PageServer } from '../harness/startMd5PageServer.js';
import { diff, plus, snapshot, type Snapshot, type Ticks } from '../harness/threadCpu.js';
import type { HashRun, Md5PageApi } from '../pages/md5Page/main.js';

const MiB = 1024 * 1024;

// ---- the page ------------------------------------------------------------------------------

/** Runs one scenario in the page; answers its timed part's milliseconds and digests. */
function runScenario(page: Page, scenario: string, partSize: number): Promise<HashRun> {
  return page.evaluate(
    ([scenario, partSize]) => {
      const api = window as unknown as Md5PageApi;
      const pool = /^pool(\d+)(?:r(\d+))?$/.exec(scenario);
      if (pool) return api.hashWithPool(Number(pool[1]), partSize, Number(pool[2] ?? 1));
      if (scenario === 'one') return api.hashInWorker('one-lane', 1, partSize);
      const simd = /^simd([1-8])$/.exec(scenario);
      if (simd) return api.hashInWorker('simd', Number(simd[1]), partSize);
      throw new Error(`Unknown scenario ${scenario}`);
    },
    [scenario, partSize] as const,
  );
}

// ---- a V8 CPU profile of a worker, over CDP ------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/**
 * A CDP session to a worker target. Playwright's CDPSession can't address a flattened child
 * session, so this attaches unflattened and talks through Target.sendMessageToTarget.
 */
async function workerSession(browserSession: CDPSession, targetId: string) {
  const { sessionId } = await browserSession.send('Target.attachToTarget', { targetId, flatten: false });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  browserSession.on('Target.receivedMessageFromTarget', (event: { sessionId: string; message: string }) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } };
    const caller = message.id === undefined ? undefined : waiting.get(message.id);
    if (!caller) return;
    waiting.delete(message.id!);
    if (message.error) caller.reject(new Error(message.error.message));
    else caller.resolve(message.result);
  });
  return {
    send<T = unknown>(method: string, params: object = {}): Promise<T> {
      const id = nextId++;
      const answer = new Promise<T>((resolve, reject) => waiting.set(id, { resolve: resolve as (result: unknown) => void, reject }));
      void browserSession.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
      return answer;
    },
    detach: () => browserSession.send('Target.detachFromTarget', { sessionId }).catch(() => {}),
  };
}

/** Self time by function of a CPU profile, and by kind (wasm, GC, idle, JS, native). */
function summariseProfile(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  // A sample's time is the gap to the next one.
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
  const byFunction = new Map<string, number>();
  const byKind = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byNode.get(id)!.callFrame;
    const file = url.replace(/^.*\//, '').replace(/\?.*$/, '');
    const name = `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const kind =
      functionName === '(idle)'
        ? 'idle (waiting: for bytes, for a message)'
        : functionName === '(garbage collector)'
          ? 'garbage collector'
          : functionName === '(program)'
            ? 'program (native: Blink, V8 runtime, stream machinery)'
            : url.startsWith('wasm://') || /^\$?blocks/.test(functionName) || /^js-to-wasm|^wasm-to-js/.test(functionName)
              ? 'wasm (MD5 itself)'
              : 'JavaScript (createMd5 staging, stream reads, promises)';
    byKind.set(kind, (byKind.get(kind) ?? 0) + us);
    total += us;
  }
  return { byFunction, byKind, total };
}

// ---- main ----------------------------------------------------------------------------------

function option(name: string, fallback: string): string {
  return process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

const totalMiB = Number(option('mib', '256'));
const partSize = Number(option('part-mib', '8')) * MiB;
const rounds = Number(option('rounds', '3'));
const scenarios = option('scenarios', 'pool1,pool2,one,simd8,node').split(',');
const profileScenario = option('profile', 'pool1');
const ticksPerSecond = 100; // `getconf CLK_TCK` on Linux

const bytes = randomBytes(totalMiB * MiB);
const expected = Array.from({ length: Math.ceil(bytes.length / partSize) }, (_, i) =>
  createHash('md5')
    .update(bytes.subarray(i * partSize, (i + 1) * partSize))
    .digest('hex'),
);
const folder = await mkdtemp(join(tmpdir(), 'md5-profile-'));
const path = join(folder, 'random.bin');
await writeFile(path, bytes);

const vite = await startMd5PageServer(join(folder, 'vite'));
const browser = await launchPlaywrightChromium();
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  page.on('console', (message) => void (message.type() === 'error' && console.error(`page console: ${message.text()}`)));
  await page.goto(vite.resolvedUrls!.local[0]!);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  await page.setInputFiles('#file', path);

  const labels = new Map<number, string>();
  let marked: Snapshot | undefined;
  const spent = { cpu: new Map<string, Ticks>(), machine: 0, ours: 0 };
  await page.exposeFunction('md5Mark', (at: string) => {
    if (at === 'start') marked = snapshot(labels);
    else if (marked) {
      const ticks = diff(marked, snapshot(labels), spent.cpu);
      spent.machine += ticks.machine;
      spent.ours += ticks.ours;
      marked = undefined;
    }
  });

  const results = new Map(scenarios.map((scenario) => [scenario, { mbps: [] as number[], seconds: 0, cpu: new Map<string, Ticks>(), machine: 0, ours: 0, gaps: [] as number[] }]));
  /** A scenario's run: in the page, or `node`: node:crypto in this process over the bytes in memory. */
  const measure = async (scenario: string): Promise<HashRun> => {
    if (scenario !== 'node') {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${scenario} took over 2 minutes`)), 120_000)));
      return Promise.race([runScenario(page, scenario, partSize), timeout])
        .catch(async (error: unknown) => {
          const where = await page.evaluate(() => (window as { md5Phase?: string }).md5Phase).catch(() => '?');
          throw new Error(`${error instanceof Error ? error.message : String(error)}; the page was at: ${where}`);
        })
        .finally(() => clearTimeout(timer));
    }
    await page.evaluate(() => (window as unknown as { md5Mark(at: string): Promise<void> }).md5Mark('start'));
    const started = performance.now();
    const digests = expected.map((_, i) =>
      createHash('md5')
        .update(bytes.subarray(i * partSize, (i + 1) * partSize))
        .digest('hex'),
    );
    const ms = performance.now() - started;
    await page.evaluate(() => (window as unknown as { md5Mark(at: string): Promise<void> }).md5Mark('end'));
    return { ms, digests };
  };
  for (const scenario of scenarios) await measure(scenario); // warm up: workers, wasm, bytes in memory
  for (let round = 0; round < rounds; round++) {
    for (const scenario of round % 2 === 0 ? scenarios : [...scenarios].reverse()) {
      Object.assign(spent, { cpu: new Map<string, Ticks>(), machine: 0, ours: 0 });
      const { ms, digests, workerMs } = await measure(scenario);
      const wrong = expected.filter((digest, i) => digests[i] !== digest).length;
      const result = results.get(scenario)!;
      result.mbps.push(bytes.length / 1e3 / ms);
      result.seconds += ms / 1000;
      const workers = Number(/^pool(\d+)/.exec(scenario)?.[1] ?? 0);
      if (workerMs !== undefined && workers > 0) result.gaps.push(1 - workerMs / (ms * workers));
      for (const [key, ticks] of spent.cpu) result.cpu.set(key, plus(result.cpu.get(key), ticks));
      result.machine += spent.machine;
      result.ours += spent.ours;
      console.log(`round ${round + 1}  ${scenario.padEnd(20)} ${(bytes.length / 1e3 / ms).toFixed(0).padStart(5)} MB/s${wrong ? `  ${wrong} WRONG DIGESTS` : ''}`);
    }
  }

  const mb = (bytes.length / 1e6) * rounds;
  for (const [scenario, result] of results) {
    const wall = result.seconds;
    console.log(
      `\n== ${scenario}: median ${median(result.mbps).toFixed(0)} MB/s; ${rounds} × ${totalMiB} MiB = ${mb.toFixed(0)} MB in ${wall.toFixed(2)} s wall` +
        ` (${(2 * wall).toFixed(2)} core-s on 2 cores)`,
    );
    console.log(`   ${'process / thread'.padEnd(52)} ${'CPU s'.padStart(6)} ${'ms/MB'.padStart(6)} ${'% wall'.padStart(7)} ${'kernel'.padStart(7)} ${'faults/MB'.padStart(10)}`);
    const row = (name: string, ticks: Ticks) =>
      console.log(
        `   ${name.padEnd(52)} ${(ticks.all / ticksPerSecond).toFixed(2).padStart(6)} ${((ticks.all / ticksPerSecond / mb) * 1000).toFixed(2).padStart(6)} ` +
          `${((ticks.all / ticksPerSecond / wall) * 100).toFixed(0).padStart(6)}% ${ticks.all > 0 && ticks.sys >= 0 ? `${((ticks.sys / ticks.all) * 100).toFixed(0).padStart(6)}%` : ''.padStart(7)}` +
          ` ${ticks.faults >= 0 ? (ticks.faults / mb).toFixed(1).padStart(10) : ''}`,
      );
    const byProcess = new Map<string, Ticks>();
    for (const [key, ticks] of result.cpu) byProcess.set(key.split(' / ')[0]!, plus(byProcess.get(key.split(' / ')[0]!), ticks));
    for (const [processName, total] of [...byProcess].sort((a, b) => b[1].all - a[1].all)) {
      row(processName, total);
      for (const [key, ticks] of [...result.cpu].filter(([key]) => key.startsWith(`${processName} / `)).sort((a, b) => b[1].all - a[1].all)) {
        row(`  ${key.slice(processName.length + 3)}`, ticks);
      }
    }
    row('all of the above', { all: result.ours, sys: -1, faults: -1 });
    row('whole machine busy (/proc/stat)', { all: result.machine, sys: -1, faults: -1 });
    row('others (machine busy minus the above)', { all: Math.max(0, result.machine - result.ours), sys: -1, faults: -1 });
  }

  // Ratios read round by round (the contenders of a round ran under the same load), then the median.
  const pairedRatio = (a: string, b: string) => median(results.get(a)!.mbps.map((value, round) => value / results.get(b)!.mbps[round]!));
  const [first] = scenarios as [string];
  console.log(`\n== summary: medians over ${rounds} rounds; ratios are the median of each round's ratio`);
  console.log(`   ${'scenario'.padEnd(24)} ${'MB/s'.padStart(6)} ${`/ ${first}`.padStart(16)}${results.has('node') ? ' / node'.padStart(9) : ''} ${'hashing thread ms/MB'.padStart(22)} ${'workers between parts'.padStart(22)}`);
  for (const [scenario, result] of results) {
    const hashing = [...result.cpu].filter(([key]) => / \/ (DedicatedWorker|main thread \(chromium\))$/.test(key)).sort((a, b) => b[1].all - a[1].all)[0];
    console.log(
      `   ${scenario.padEnd(24)} ${median(result.mbps).toFixed(0).padStart(6)} ${pairedRatio(scenario, first).toFixed(2).padStart(16)}` +
        `${results.has('node') ? pairedRatio(scenario, 'node').toFixed(2).padStart(9) : ''} ${hashing ? ((hashing[1].all / ticksPerSecond / mb) * 1000).toFixed(2).padStart(22) : ''.padStart(22)} ${result.gaps.length > 0 ? `${(median(result.gaps) * 100).toFixed(1)}%`.padStart(22) : ''}`,
    );
  }

  if (profileScenario !== 'none') {
    // The CPU profile of the hashing worker: a fresh 1-worker pool, attached, then profiled over one run.
    if (!/^pool1(r\d+)?$/.test(profileScenario)) throw new Error('--profile takes pool1, pool1r<N> or none');
    await runScenario(page, profileScenario, partSize);
    const session = await browser.newBrowserCDPSession();
    const { targetInfos } = (await session.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
    const workers = targetInfos.filter((target) => target.type === 'worker' && target.url.includes('md5Worker'));
    // Every worker of that script: the one of this pool is among them (the others idle).
    const attached = await Promise.all(workers.map((target) => workerSession(session, target.targetId)));
    for (const worker of attached) {
      await worker.send('Profiler.enable');
      await worker.send('Profiler.setSamplingInterval', { interval: 100 });
      await worker.send('Profiler.start');
    }
    const { ms } = await runScenario(page, profileScenario, partSize);
    const profiles = await Promise.all(
      attached.map((worker) => worker.send<{ profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } }>('Profiler.stop')),
    );
    await Promise.all(attached.map((worker) => worker.detach()));
    const summaries = profiles.map(({ profile }) => summariseProfile(profile));
    // The busy one is the worker that hashed (least idle time).
    const busiest = summaries.sort((a, b) => (a.byKind.get('idle (waiting: for bytes, for a message)') ?? 0) - (b.byKind.get('idle (waiting: for bytes, for a message)') ?? 0))[0]!;
    console.log(
      `\n== V8 CPU profile of the hashing worker (${profileScenario}, ${totalMiB} MiB, ${(bytes.length / 1e3 / ms).toFixed(0)} MB/s under the profiler, ${(busiest.total / 1000).toFixed(0)} ms profiled)`,
    );
    const share = (us: number) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((us / busiest.total) * 100).toFixed(1).padStart(5)}%`;
    for (const [kind, us] of [...busiest.byKind].sort((a, b) => b[1] - a[1])) console.log(`   ${kind.padEnd(60)} ${share(us)}`);
    console.log('   top functions by self time:');
    for (const [name, us] of [...busiest.byFunction].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`     ${name.slice(0, 70).padEnd(70)} ${share(us)}`);
  }
} finally {
  await browser.close();
  await vite.close();
  await rm(folder, { recursive: true, force: true });
}
