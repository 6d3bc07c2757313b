import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Debian packages that make a single-node Ceph with an S3 gateway. */
export const CEPH_PACKAGES = ['radosgw', 'ceph-mon', 'ceph-osd', 'ceph-common'] as const;
const BINARIES = ['radosgw', 'radosgw-admin', 'ceph-mon', 'ceph-osd', 'ceph', 'monmaptool'];

async function onPath(binary: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(':')) {
    try {
      await access(`${dir}/${binary}`, constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** The Ceph binaries that are not on PATH. */
export async function missingCephBinaries(): Promise<string[]> {
  const missing: string[] = [];
  for (const binary of BINARIES) if (!(await onPath(binary))) missing.push(binary);
  return missing;
}

/**
 * Makes sure Ceph's daemons are installed: as root, installs the Debian packages (about 20 s);
 * otherwise throws an error saying what to install.
 */
export async function ensureCephInstalled(log: (line: string) => void = () => {}): Promise<void> {
  const missing = await missingCephBinaries();
  if (missing.length === 0) return;
  const install = `apt-get install -y --no-install-recommends ${CEPH_PACKAGES.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`A local S3 needs Ceph's radosgw (missing: ${missing.join(', ')}). Install it as root: ${install}`);
  }
  log(`installing ${CEPH_PACKAGES.join(' ')} from Debian`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { env, maxBuffer: 64 * 1024 * 1024 };
  try {
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...CEPH_PACKAGES], options);
  } catch {
    // A fresh machine has no package lists yet.
    await run('apt-get', ['update'], options);
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...CEPH_PACKAGES], options);
  }
  const still = await missingCephBinaries();
  if (still.length > 0) throw new Error(`Installed ${CEPH_PACKAGES.join(' ')}, but ${still.join(', ')} is still missing from PATH.`);
}
