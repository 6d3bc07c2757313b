import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { XVFB_PATH } from '../../../scripts/ensureBrowsersInstalled.js';
import { stopProcess } from './stopProcess.js';

export interface Xvfb {
  /** For `DISPLAY`, e.g. `:99`. */
  display: string;
  pid: number;
  /** Stops it by its PID. */
  stop(): Promise<void>;
}

/**
 * A virtual X display (Debian's `xvfb`) for a browser that needs one (WebKitGTK's MiniBrowser):
 * Xvfb picks a free display number itself and writes it to the descriptor given with
 * `-displayfd`, so displays of tests running side by side never clash. No TCP listener.
 */
export async function startXvfb({ timeoutMs = 20_000 }: { timeoutMs?: number } = {}): Promise<Xvfb> {
  const xvfb: ChildProcess = spawn(XVFB_PATH, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  xvfb.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const number = await new Promise<string>((resolve, reject) => {
    let written = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb gave no display number within ${timeoutMs} ms. Its output: ${stderr}`)), timeoutMs);
    (xvfb.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      written += chunk.toString();
      if (written.includes('\n')) {
        clearTimeout(timer);
        resolve(written.trim());
      }
    });
    xvfb.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb could not start (is Debian's xvfb installed?): ${error.message}`));
    });
    xvfb.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code ?? signal}) before giving a display number. Its output: ${stderr}`));
    });
  }).catch(async (error: unknown) => {
    await stopProcess(xvfb);
    throw error;
  });
  return { display: `:${number}`, pid: xvfb.pid!, stop: () => stopProcess(xvfb) };
}
