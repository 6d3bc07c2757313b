import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DemoCommand {
  pid: number;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** The address from its "Demo ready in N s: URL" line, and the seconds from spawning it to that line. */
  ready: Promise<{ url: string; seconds: number }>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Sends `signal` to its whole process group (as Ctrl-C does) and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `tsx demo/server.ts` (what `npm run demo` runs) with exactly `env` (plus PATH and HOME),
 * so nothing from the test run's environment leaks in.
 */
export function startDemoCommand(env: Record<string, string>): DemoCommand {
  const spawnedAt = performance.now();
  // As `npm run demo` runs it (tsx's CLI, which runs the script in a child Node), in a process
  // group of its own, so a signal can go to the whole group as Ctrl-C in a terminal does.
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['demo/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<{ url: string; seconds: number }>((resolve, reject) => {
    const look = () => {
      const match = /Demo ready in ([\d.]+) s: (\S+)/.exec(output);
      if (match) resolve({ seconds: (performance.now() - spawnedAt) / 1000, url: match[2] as string });
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`the demo exited (${code}) before it was ready:\n${output}`)));
  });
  ready.catch(() => {}); // a test that expects an early exit awaits `exited` instead
  return {
    pid: child.pid as number,
    output: () => output,
    ready,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), signal);
      return exited;
    },
  };
}

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
