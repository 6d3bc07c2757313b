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

/** The folder a local S3 announced in a command's output (`starting the monitor, in <dir>`), if it started one. */
export function localS3Folder(output: string): string | undefined {
  return /starting the monitor, in (\S+)/.exec(output)?.[1];
}

/**
 * The daemons running from `folder` (`-c <folder>/ceph.conf`): one local S3's, whatever else
 * runs on the machine (another test run may have its own).
 */
export function daemonsIn(folder: string, daemons: Map<number, string>): { pids: number[]; names: string[] } {
  const own = [...daemons].filter(([, line]) => line.includes(` -c ${folder}/ceph.conf`));
  return { pids: own.map(([pid]) => pid), names: own.map(([, line]) => /ceph-mon|ceph-osd|radosgw/.exec(line)?.[0] ?? line).sort() };
}
