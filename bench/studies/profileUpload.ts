/**
 * Where the CPU goes while one big file (or, with `--files=N`, N files of 100 KiB) uploads from
 * Chromium to the local radosgw: for each contender (plain presigned PUTs, our plugin without
 * MD5, with MD5; for small files the stock plugin and ours), the wall time and the
 * CPU-seconds of every process and thread involved (this Node process with the middleware,
 * Chromium's browser, renderer with its MD5 workers, and network processes, radosgw, the OSD),
 * from `/proc` (bench/harness/threadCpu.ts), averaged over the rounds. On a machine whose cores are all
 * busy, a contender can only be as fast as the CPU it needs allows.
 *
 * Run: `node --import tsx bench/studies/profileUpload.ts [--mib=512 | --files=500] [--rounds=2] [--latency=0] [--mbps=0] [--workers=N]`
 * (`--mbps`: an upload bandwidth cap, MB/s, none by default; `--workers`: our plugin's `hashWorkers`, its default otherwise)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalS3 } from '../../scripts/startLocalS3.js';
import { median } from '../report/benchReport.js';
import { CONTENDER_NAMES } from '../suites/benchBigFile.js';
import { startUploadBench, type Contender } from '../harness/startUploadBench.js';
import type { Ticks } from '../harness/threadCpu.js';
import { writeRandomFile } from '../harness/writeRandomFile.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const option = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const MiB = 1024 * 1024;
const size = option('mib', 512) * MiB;
const rounds = option('rounds', 2);
const latencyMs = option('latency', 0);
const files = option('files', 0);
const uploadBytesPerSecond = option('mbps', 0) > 0 ? option('mbps', 0) * 1e6 : -1;
const contenders: Contender[] = files > 0 ? ['stock', 'ours'] : ['plain', 'ours-no-md5', 'ours'];
const plugin = option('workers', 0) > 0 ? { hashWorkers: option('workers', 0) } : {};

const local = await startLocalS3();
const folder = await mkdtemp(join(tmpdir(), 'profile-upload-'));
try {
  const daemons = local.pids(); // radosgw and the OSD run detached, outside this process's tree
  const paths = files > 0 ? Array.from({ length: files }, (_, i) => join(folder, `small-${i}.bin`)) : [join(folder, 'big.bin')];
  for (const path of paths) await writeRandomFile(path, files > 0 ? 100 * 1024 : size);
  const bench = await startUploadBench(local, { settle: local.collectGarbage });
  try {
    for (const contender of contenders) await bench.run(contender, paths, { latencyMs, uploadBytesPerSecond, plugin }); // warm-up
    const wall = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
    const cpu = new Map<Contender, Map<string, number>>(contenders.map((c) => [c, new Map()]));
    const faults = new Map<Contender, Map<string, number>>(contenders.map((c) => [c, new Map()]));
    for (let round = 0; round < rounds; round++) {
      for (const contender of round % 2 === 0 ? contenders : [...contenders].reverse()) {
        const run = await bench.run(contender, paths, { latencyMs, uploadBytesPerSecond, cpuOf: daemons, plugin });
        wall.get(contender)!.push(run.ms / 1000);
        const spent = cpu.get(contender)!;
        const faulted = faults.get(contender)!;
        for (const [key, ticks] of run.cpu as Map<string, Ticks>) {
          spent.set(key, (spent.get(key) ?? 0) + ticks.all / 100 / rounds);
          faulted.set(key, (faulted.get(key) ?? 0) + ticks.faults / rounds);
        }
      }
    }
    console.log(`${files > 0 ? `${files} files of 100 KiB` : `${size / MiB} MiB`}, ${latencyMs} ms latency${uploadBytesPerSecond > 0 ? `, upload capped at ${uploadBytesPerSecond / 1e6} MB/s` : ''}, ${rounds} rounds; CPU-seconds per upload (mean), wall seconds (median):`);
    const keys = [...new Set(contenders.flatMap((c) => [...cpu.get(c)!].filter(([, s]) => s >= 0.05).map(([k]) => k)))];
    keys.sort((a, b) => (cpu.get('ours')!.get(b) ?? 0) - (cpu.get('ours')!.get(a) ?? 0));
    const cell = (value: number) => value.toFixed(2).padStart(22);
    console.log(`${''.padEnd(58)}${contenders.map((c) => CONTENDER_NAMES[c].padStart(22)).join('')}`);
    console.log(`${'wall time'.padEnd(58)}${contenders.map((c) => cell(median(wall.get(c)!))).join('')}`);
    const total = (c: Contender) => [...cpu.get(c)!.values()].reduce((sum, s) => sum + s, 0);
    console.log(`${'CPU, all processes'.padEnd(58)}${contenders.map((c) => cell(total(c))).join('')}`);
    console.log(`${'cores busy (CPU / wall)'.padEnd(58)}${contenders.map((c) => cell(total(c) / median(wall.get(c)!))).join('')}`);
    for (const key of keys) console.log(`${key.slice(0, 57).padEnd(58)}${contenders.map((c) => cell(cpu.get(c)!.get(key) ?? 0)).join('')}`);
    console.log("The renderer's exited threads are the plugin's MD5 workers (Uppy's destroy() ends them before the last snapshot).");
    // A page mapped in on first touch costs ~0.1 µs on bare metal and 50–65 µs of wall time here (a VM whose page faults go through the hypervisor).
    console.log('\nMinor page faults per upload (mean, thousands), where over 1,000:');
    const faulting = [...new Set(contenders.flatMap((c) => [...faults.get(c)!].filter(([, n]) => n >= 1000).map(([k]) => k)))];
    faulting.sort((a, b) => (faults.get('ours')!.get(b) ?? 0) - (faults.get('ours')!.get(a) ?? 0));
    for (const key of faulting) console.log(`${key.slice(0, 57).padEnd(58)}${contenders.map((c) => ((faults.get(c)!.get(key) ?? 0) / 1000).toFixed(1).padStart(22)).join('')}`);
  } finally {
    await bench.close();
  }
} finally {
  await rm(folder, { recursive: true, force: true });
  await local.stop();
}
