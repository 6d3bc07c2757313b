import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether `binary` is an executable file: an absolute path as given, a bare name on PATH. */
async function onPath(binary: string): Promise<boolean> {
  if (binary.startsWith('/')) {
    try {
      await access(binary, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
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

/** The binaries of `binaries` (names on PATH, or absolute paths) that are missing. */
export async function missingBinaries(binaries: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const binary of binaries) if (!(await onPath(binary))) missing.push(binary);
  return missing;
}

/**
 * Makes sure `binaries` are there (names on PATH, or absolute paths): when one is missing and we run as root, installs `packages`
 * from Debian (running `apt-get update` first if the package lists are stale); otherwise throws an
 * error that says exactly what to install.
 */
export async function ensureDebianPackages(what: string, packages: readonly string[], binaries: readonly string[], log: (line: string) => void = () => {}): Promise<void> {
  const missing = await missingBinaries(binaries);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`${what} is not installed (missing: ${missing.join(', ')}). Install it as root: ${command}`);
  }
  log(`installing ${packages.join(' ')} from Debian`);
  const options = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 * 1024 * 1024 };
  const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], options);
  try {
    await install();
  } catch {
    // A fresh machine has no package lists yet.
    await run('apt-get', ['update'], options);
    await install();
  }
  const still = await missingBinaries(binaries);
  if (still.length > 0) throw new Error(`Installed ${packages.join(' ')}, but ${still.join(', ')} is still not on PATH.`);
}
