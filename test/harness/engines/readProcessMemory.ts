import { readdir, readFile } from 'node:fs/promises';

interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The command line, arguments joined by spaces. */
  command: string;
  /** Resident memory, bytes. */
  rssBytes: number;
}

async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const [stat, status, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    // The command name in parentheses may hold spaces: the fields after its closing one are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    return { pid, ppid, command: cmdline.split('\0').join(' ').trim(), rssBytes: rssKiB * 1024 };
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/** Every live process under `rootPid` (itself included), read from /proc. */
export async function processTree(rootPid: number): Promise<ProcessInfo[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const all = (await Promise.all(pids.map(readProcess))).filter((info): info is ProcessInfo => info !== undefined);
  const children = new Map<number, ProcessInfo[]>();
  for (const info of all) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info]);
  const tree: ProcessInfo[] = [];
  const root = all.find((info) => info.pid === rootPid);
  for (const queue = root ? [root] : []; queue.length > 0; ) {
    const info = queue.shift()!;
    tree.push(info);
    queue.push(...(children.get(info.pid) ?? []));
  }
  return tree;
}

/**
 * Resident memory (bytes) of the processes under `rootPid` whose command line matches `which`:
 * the page's content process of a browser we started, found from its root by PID.
 */
export async function readProcessMemory(rootPid: number, which: RegExp): Promise<{ bytes: number; processes: number }> {
  const matching = (await processTree(rootPid)).filter((info) => which.test(info.command));
  return { bytes: matching.reduce((sum, info) => sum + info.rssBytes, 0), processes: matching.length };
}
