import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Command {
  pid: number;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** The first match of `readyWhen` in its output, and the seconds from spawning it to that match. */
  ready: Promise<{ match: RegExpExecArray; seconds: number }>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Sends `signal` to its whole process group (as Ctrl-C does) and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs one of the project's scripts as `npm run` does (`node --import tsx script …`), in a process
 * group of its own so that a signal can go to the whole group as Ctrl-C in a terminal does, with
 * exactly `env` (plus PATH and HOME) so nothing from the test run's environment leaks in.
 */
export function startCommand(args: string[], env: Record<string, string>, readyWhen: RegExp): Command {
  return startProcess(process.execPath, ['--import', 'tsx', ...args], { env, readyWhen });
}

/**
 * Runs any command (`npm start` in an example's folder) as {@link startCommand} runs a script: its
 * own process group, exactly `env` plus PATH and HOME, in `cwd` (default: the project's folder).
 */
export function startProcess(command: string, args: string[], { cwd = ROOT, env, readyWhen }: { cwd?: string; env: Record<string, string>; readyWhen: RegExp }): Command {
  const spawnedAt = performance.now();
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<{ match: RegExpExecArray; seconds: number }>((resolve, reject) => {
    const look = () => {
      const match = readyWhen.exec(output);
      if (match) resolve({ match, seconds: (performance.now() - spawnedAt) / 1000 });
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`${[command, ...args].join(' ')} exited (${code}) before it was ready:\n${output}`)));
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

/** Runs a command to its end (a build); answers its output and how long it took, or throws with its output if it fails. */
export async function runToEnd(command: string, args: string[], options: { cwd?: string; env: Record<string, string> }): Promise<{ output: string; seconds: number }> {
  const started = performance.now();
  const run = startProcess(command, args, { ...options, readyWhen: /$^/ });
  const code = await run.exited;
  if (code !== 0) throw new Error(`${[command, ...args].join(' ')} failed (${code}):\n${run.output()}`);
  return { output: run.output(), seconds: (performance.now() - started) / 1000 };
}

/** Ctrl-C, then an impatient second one while the first is being handled; resolves with the exit code. */
export async function pressCtrlCTwice(command: Command): Promise<number | null> {
  const exited = command.stop('SIGINT');
  await new Promise((resolve) => setTimeout(resolve, 150));
  void command.stop('SIGINT');
  return exited;
}
