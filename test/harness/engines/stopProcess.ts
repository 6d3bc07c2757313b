import type { ChildProcess } from 'node:child_process';

/**
 * Stops a process we started, by its PID: SIGTERM, then SIGKILL if it is still there after
 * `graceMs`. With `group`, the signals go to its whole process group (it was spawned `detached`,
 * so the group is its own: the browser it started goes too). Resolves once it has exited.
 */
export async function stopProcess(child: ChildProcess, { graceMs = 5000, group = false }: { graceMs?: number; group?: boolean } = {}): Promise<void> {
  if (child.pid === undefined) return;
  const alreadyExited = child.exitCode !== null || child.signalCode !== null;
  // Its PID is free once it has exited and may be another process's by now (PIDs wrap at 32768
  // here). A group's number is not reused while any process of the group lives, so the group
  // is still signalled: what it left behind goes.
  if (alreadyExited && !group) return;
  const target = group ? -child.pid : child.pid;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(target, name);
    } catch {
      // already gone
    }
  };
  const exited = alreadyExited ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // What the group leader left behind (a browser it started) goes with the group.
  if (group) signal('SIGKILL');
}
