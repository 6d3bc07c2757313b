import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { XVFB_PATH } from '../../../scripts/ensureBrowsersInstalled.js';
import { probeXDisplay } from './probeXDisplay.js';
import { stopProcess } from './stopProcess.js';

export interface Xvfb {
  /** For `DISPLAY`, e.g. `:99`. */
  display: string;
  pid: number;
  /**
   * How it stands now, for an error message: how it exited (code or signal, when, the end of its
   * stderr), or that it runs and whether its display answers an X connection.
   */
  status(): Promise<string>;
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

/**
 * A virtual X display (Debian's `xvfb`) for a browser that needs one (WebKitGTK's MiniBrowser),
 * handed out once an X connection to it has been set up. If Xvfb exits before `stop()`, its exit
 * is said on stderr at once and kept for {@link Xvfb.status}.
 */
export async function startXvfb({ timeoutMs = 20_000 }: { timeoutMs?: number } = {}): Promise<Xvfb> {
  const startedAt = Date.now();
  const xvfb: ChildProcess = spawn(XVFB_PATH, XVFB_ARGS, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  // Read to the end, so a chatty Xvfb never blocks on a full pipe; the tail says why it died.
  let stderr = '';
  xvfb.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const stderrTail = () => (stderr.trim() ? `its stderr ends: ${stderr.trim().split('\n').slice(-8).join(' | ')}` : 'it wrote nothing to stderr');

  let display = ''; // known once Xvfb has written it
  const name = () => `Xvfb${display ? ` on ${display}` : ''} (pid ${xvfb.pid})`;
  let handedOut = false;
  let stopping = false;
  let exit: string | undefined;
  const exited = new Promise<string>((resolve) => {
    xvfb.once('exit', (code, signal) => {
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      exit = `${name()} ${how} ${((Date.now() - startedAt) / 1000).toFixed(1)} s after it started; ${stderrTail()}`;
      // Said when it happens: the browser's own error may come much later, or never name the display.
      if (handedOut && !stopping) console.error(`[xvfb] ${exit}`);
      resolve(exit);
    });
  });

  try {
    const number = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Xvfb gave no display number within ${timeoutMs} ms; ${stderrTail()}`)), timeoutMs);
      let written = '';
      (xvfb.stdio[3] as Readable).on('data', (chunk: Buffer) => {
        written += chunk.toString();
        if (!written.includes('\n')) return;
        clearTimeout(timer);
        resolve(written.trim());
      });
      xvfb.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`Xvfb could not start (is Debian's xvfb installed?): ${error.message}`));
      });
      void exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(how));
      });
    });
    display = `:${number}`;
    // Xvfb writes the number once it listens; a real X connection proves that it answers there.
    await Promise.race([probeXDisplay(display, timeoutMs), exited.then((how) => Promise.reject(new Error(how)))]);
    handedOut = true;
  } catch (error) {
    stopping = true;
    await stopProcess(xvfb);
    throw new Error(`Xvfb did not give a working display: ${(error as Error).message}`, { cause: error });
  }

  return {
    display,
    pid: xvfb.pid!,
    async status() {
      if (exit) return exit;
      try {
        await probeXDisplay(display, 5000);
        return `${name()} runs and its display answers`;
      } catch (error) {
        return exit ?? `${name()} runs, but ${(error as Error).message}; ${stderrTail()}`;
      }
    },
    async stop() {
      stopping = true;
      await stopProcess(xvfb);
    },
  };
}
