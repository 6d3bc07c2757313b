/**
 * CPU time by process and thread, read from `/proc`, for this Node process and everything it
 * started (the Chromium it launched among them) plus any other PIDs named (a radosgw): take a
 * {@link snapshot} before and after, and {@link diff} says where the CPU went in between.
 * Linux only; ticks are `getconf CLK_TCK` (100).
 */
import { readdirSync, readFileSync } from 'node:fs';


/** Fields of `/proc/<pid>/stat` (or a task's) after the `(comm)`, which may hold spaces. */
function statFields(text: string): { comm: string; rest: string[] } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  return { comm: text.slice(open + 1, close), rest: text.slice(close + 2).trim().split(' ') };
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process or thread is gone
  }
};

/** CPU time in clock ticks: utime + stime (fields 14 and 15) and stime alone, and minor faults (field 10); `rest` starts at field 3. */
const ticksOf = (rest: string[]): Ticks => ({ all: Number(rest[11]) + Number(rest[12]), sys: Number(rest[12]), faults: Number(rest[7]) });

/** CPU time in clock ticks, the part of it spent in the kernel (page faults, syscalls), and minor page faults (pages mapped in on first touch). */
export interface Ticks {
  all: number;
  sys: number;
  faults: number;
}

/** A process's label: Chromium's `--type` (and utility sub-type), or what else it is. */
export function processLabel(pid: number): string {
  const raw = (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0+$/, '');
  // Chromium rewrites its command line into one space-separated string.
  const args = raw.includes('\0') ? raw.split('\0') : raw.split(/ (?=--)/);
  if (pid === process.pid) return 'node (this script: Playwright, Vite)';
  if (!/chrom/.test(args[0] ?? '')) return `other: ${(args[0] ?? '?').split('/').at(-1)}`;
  const type = args.find((arg) => arg.startsWith('--type='))?.slice('--type='.length);
  if (!type) return 'browser';
  if (type === 'utility') {
    const sub = args.find((arg) => arg.startsWith('--utility-sub-type='))?.slice('--utility-sub-type='.length) ?? '?';
    return `utility:${sub.replace(/\.mojom\..*$/, '')}`;
  }
  return type === 'gpu-process' ? 'gpu' : type;
}

/** This process and every process descending from it (the Chromium it launched among them). */
export function ourProcesses(extra: readonly number[] = []): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = read(`/proc/${name}/stat`);
    if (!text) continue;
    const ppid = Number(statFields(text).rest[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    found.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(process.pid);
  for (const pid of extra) if (!found.includes(pid)) visit(pid);
  return found;
}

export interface Snapshot {
  /** `pid/tid` → thread's process label, name and ticks. */
  threads: Map<string, { process: string; name: string; ticks: Ticks }>;
  /** pid → the process's own ticks, which keep the time of threads that have exited. */
  processes: Map<number, { label: string; ticks: Ticks }>;
  /** The machine's busy ticks (all cores) from /proc/stat. */
  machineBusy: number;
}

/** `labels` remembers each process's label (a process may be gone by the next snapshot); `extra`: PIDs outside this process's tree. */
export function snapshot(labels: Map<number, string>, extra: readonly number[] = []): Snapshot {
  const threads: Snapshot['threads'] = new Map();
  const processes: Snapshot['processes'] = new Map();
  for (const pid of ourProcesses(extra)) {
    const label = labels.get(pid) ?? processLabel(pid);
    labels.set(pid, label);
    const own = read(`/proc/${pid}/stat`);
    if (own) processes.set(pid, { label, ticks: ticksOf(statFields(own).rest) });
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // the process is gone
    }
    for (const tid of tids) {
      const text = read(`/proc/${pid}/task/${tid}/stat`);
      if (!text) continue;
      const comm = (read(`/proc/${pid}/task/${tid}/comm`) ?? statFields(text).comm).trim();
      // A process's main thread keeps the process's name (CrBrowserMain, CrRendererMain, ...).
      const name = tid === String(pid) ? `main thread (${comm})` : comm;
      threads.set(`${pid}/${tid}`, { process: label, name, ticks: ticksOf(statFields(text).rest) });
    }
  }
  const cpu = (read('/proc/stat') ?? '').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu; // idle and iowait left out
  return { threads, processes, machineBusy: user + nice + system + irq + softirq + steal };
}

/** CPU ticks spent between two snapshots, by `process / thread name`; threads that exited meanwhile as `process / (exited threads)`. */
export function diff(before: Snapshot, after: Snapshot, into: Map<string, Ticks>): { machine: number; ours: number } {
  let ours = 0;
  const add = (key: string, ticks: Ticks) => {
    if (ticks.all <= 0) return;
    into.set(key, plus(into.get(key), ticks));
    ours += ticks.all;
  };
  const perProcessThreads = new Map<number, Ticks>();
  for (const [key, thread] of after.threads) {
    const was = before.threads.get(key)?.ticks ?? { all: 0, sys: 0, faults: 0 };
    const ticks = { all: thread.ticks.all - was.all, sys: thread.ticks.sys - was.sys, faults: thread.ticks.faults - was.faults };
    add(`${thread.process} / ${thread.name}`, ticks);
    const pid = Number(key.split('/')[0]);
    perProcessThreads.set(pid, plus(perProcessThreads.get(pid), ticks));
  }
  for (const [pid, proc] of after.processes) {
    const was = before.processes.get(pid)?.ticks ?? { all: 0, sys: 0, faults: 0 };
    const threads = perProcessThreads.get(pid) ?? { all: 0, sys: 0, faults: 0 };
    add(`${proc.label} / (exited threads)`, {
      all: proc.ticks.all - was.all - threads.all,
      sys: Math.max(0, proc.ticks.sys - was.sys - threads.sys),
      faults: Math.max(0, proc.ticks.faults - was.faults - threads.faults),
    });
  }
  return { machine: after.machineBusy - before.machineBusy, ours };
}

export const plus = (a: Ticks | undefined, b: Ticks): Ticks => ({ all: (a?.all ?? 0) + b.all, sys: (a?.sys ?? 0) + b.sys, faults: (a?.faults ?? 0) + b.faults });

