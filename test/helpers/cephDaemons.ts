import { readdir, readFile } from 'node:fs/promises';

/** Running Ceph daemons (monitor, OSD, radosgw), by PID, with their command lines. */
export async function cephDaemons(): Promise<Map<number, string>> {
  const daemons = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const [program = ''] = commandLine.split('\0');
    if (/(^|\/)(ceph-mon|ceph-osd|radosgw)$/.test(program)) daemons.set(Number(entry), commandLine.replaceAll('\0', ' ').trim());
  }
  return daemons;
}

/** The daemons in `after` that were not in `before`, and the folder (`-c <dir>/ceph.conf`) they run from. */
export function startedDaemons(before: Map<number, string>, after: Map<number, string>): { pids: number[]; names: string[]; folder: string | undefined } {
  const started = [...after].filter(([pid]) => !before.has(pid));
  return {
    pids: started.map(([pid]) => pid),
    names: started.map(([, line]) => /ceph-mon|ceph-osd|radosgw/.exec(line)?.[0] ?? line).sort(),
    folder: /-c (\S+)\/ceph\.conf/.exec(started[0]?.[1] ?? '')?.[1],
  };
}
