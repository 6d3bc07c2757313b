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
 * Xvfb's arguments. `-displayfd 3`: Xvfb picks a free display number itself (it takes the first
 * whose abstract socket it can bind, which only one server can) and writes it to descriptor 3 once
 * it accepts connections, so displays of tests running side by side never clash; stale
 * `/tmp/.X<n>-lock` and `/tmp/.X11-unix/X<n>` files of a killed server do not stop it.
 * `-noreset`: by default an X server resets when its last client leaves and closes every
 * connection still in its setup. WebKit's web content process outlives its MiniBrowser, is
 * often that last client, and leaves at no set time: when that is while the next session's
 * MiniBrowser connects, that MiniBrowser fails with "cannot open display" and no session comes.
 */
const XVFB_ARGS = ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp', '-noreset'];

/** A virtual X display (Debian's `xvfb`) for a browser that needs one (WebKitGTK's MiniBrowser). */
export async function startXvfb({ timeoutMs = 20_000 }: { timeoutMs?: number } = {}): Promise<Xvfb> {
  const xvfb: ChildProcess = spawn(XVFB_PATH, XVFB_ARGS, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
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
