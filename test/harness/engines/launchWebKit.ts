/**
 * WebKit: WebKitGTK's MiniBrowser from Debian, driven through `WebKitWebDriver` (webkit2gtk-driver)
 * by webdriverio over classic WebDriver, on a virtual display (Xvfb) the harness starts; nothing
 * downloads a browser or a driver (the driver's address is given, so webdriverio starts none).
 * It is not Safari, but Safari's engine (WebCore: Blob, streams, workers, IndexedDB, fetch).
 *
 * Each page is a WebDriver session of its own (its own MiniBrowser, an ephemeral profile). What
 * classic WebDriver cannot do here: intercept requests, throttle or take the page offline, read
 * console logs. Under `--automation`, IndexedDB cannot store a Blob (docs/browser-engines.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { remote } from 'webdriverio';
import { MINIBROWSER_PATH, WEBKIT_DRIVER_PATH } from '../../../scripts/ensureBrowsersInstalled.js';
import { freePort } from '../../../scripts/freePort.js';
import type { EngineBrowser, EnginePage, NewPageOptions } from './EngineBrowser.js';
import { pollPage } from './pollPage.js';
import { readProcessMemory } from './readProcessMemory.js';
import { startXvfb } from './startXvfb.js';
import { stopProcess } from './stopProcess.js';
import { withTimeout } from '../withTimeout.js';

/** Session creation hangs with no error when the browser cannot open its display: bounded here. */
const SESSION_TIMEOUT_MS = 60_000;

type WebdriverBrowser = Awaited<ReturnType<typeof remote>>;

/** Waits until the driver answers `GET /status`. */
async function driverReady(url: string, driver: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (driver.exitCode !== null || driver.signalCode !== null) throw new Error(`WebKitWebDriver exited (${driver.exitCode ?? driver.signalCode}): ${output()}`);
    try {
      const answer = await fetch(`${url}/status`);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`WebKitWebDriver did not answer at ${url} within 20 s: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function webkitPage(session: WebdriverBrowser, driverPid: number): EnginePage {
  let closed = false;
  const evaluate = <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => session.execute(fn as never, arg as never) as Promise<R>;
  return {
    engine: 'webkit',
    async goto(url) {
      await session.url(url);
    },
    async reload() {
      await session.refresh();
    },
    evaluate: (fn, arg) => evaluate(fn, arg as never),
    waitFor: (fn, arg, options) => pollPage(evaluate, fn, arg as never, options, () => closed),
    async setInputFiles(selector, paths) {
      const input = await session.$(selector).getElement();
      await input.waitForExist();
      // WebDriver's Element Send Keys on a file input chooses the files (one path a line).
      await session.elementSendKeys(await input.elementId, paths.join('\n'));
    },
    async click(selector) {
      const element = await session.$(selector);
      // WebDriver's Element Click scrolls the element into view itself and fails if another
      // element would take the click; webdriverio's own checks (clickable: elementFromPoint before
      // scrolling; displayed) refused the Dashboard's pause and resume buttons in WebKit.
      await element.waitForExist();
      await element.click();
    },
    async screenshot(path) {
      await session.saveScreenshot(path);
    },
    async close() {
      closed = true;
      await withTimeout(session.deleteSession(), 20_000, 'WebKitWebDriver did not end the session').catch(() => {});
    },
    hooks: {
      // The web content process (WebKitWebProcess) of this browser, under its driver.
      pageMemory: async () => ({
        bytes: (await readProcessMemory(driverPid, /WebKitWebProcess/)).bytes,
        what: "the resident memory of WebKit's web content processes (/proc VmRSS)",
      }),
    },
  };
}

/** WebKitGTK's MiniBrowser under Xvfb, as an {@link EngineBrowser}. */
export async function launchWebKit(): Promise<EngineBrowser> {
  const xvfb = await startXvfb();
  let driver: ChildProcess | undefined;
  const sessions = new Set<WebdriverBrowser>();
  const stopAll = async () => {
    await Promise.all([...sessions].map((session) => withTimeout(session.deleteSession(), 20_000, 'no answer').catch(() => {})));
    if (driver) await stopProcess(driver, { group: true });
    await xvfb.stop();
  };
  try {
    const port = await freePort();
    // Its own process group: stopping it by its PID takes the MiniBrowsers it started along.
    driver = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=127.0.0.1'], {
      env: { ...process.env, DISPLAY: xvfb.display },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    driver.stdout?.on('data', keep);
    driver.stderr?.on('data', keep);
    driver.once('error', (error) => keep(Buffer.from(`spawn failed: ${error.message} (is Debian's webkit2gtk-driver installed?)`)));
    await driverReady(`http://127.0.0.1:${port}`, driver, () => output);
    const driverPid = driver.pid!;

    const started = driver;
    const driverState = () => (started.exitCode !== null || started.signalCode !== null ? `exited (${started.exitCode ?? started.signalCode})` : 'still running');
    const newSession = async () => {
      const creating = withTimeout(
        remote({
          hostname: '127.0.0.1',
          port,
          logLevel: 'error',
          connectionRetryCount: 0,
          connectionRetryTimeout: SESSION_TIMEOUT_MS,
          capabilities: {
            browserName: 'MiniBrowser',
            // Without it webdriverio asks for BiDi, which WebKitWebDriver refuses.
            'wdio:enforceWebDriverClassic': true,
            'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
          } as WebdriverIO.Capabilities,
        }),
        SESSION_TIMEOUT_MS,
        `WebKitWebDriver did not create a session within ${SESSION_TIMEOUT_MS / 1000} s`,
      );
      // A MiniBrowser that cannot open its display makes the driver hang, so a failed session
      // says how the display stood then, beside what the driver (and MiniBrowser) printed.
      const session = await creating.catch(async (error: unknown) => {
        const state = `DISPLAY=${xvfb.display}; ${await xvfb.status()}; the driver ${driverState()}; ${sessions.size} other sessions open`;
        throw new Error(`${(error as Error).message} (${state}). Its output: ${output || '(none)'}`, { cause: error });
      });
      sessions.add(session);
      // Scenarios wait with short polls; one evaluation may still take a while on a busy machine.
      await session.setTimeout({ script: 120_000 });
      return session;
    };
    const first = await newSession();
    const version = `WebKitGTK ${String(first.capabilities.browserVersion)} (MiniBrowser)`;
    let spare: WebdriverBrowser | undefined = first;
    return {
      engine: 'webkit',
      version,
      async newPage({ viewport = { width: 1280, height: 800 } }: NewPageOptions = {}) {
        const session = spare ?? (await newSession());
        spare = undefined;
        await session.setWindowSize(viewport.width, viewport.height);
        const page = webkitPage(session, driverPid);
        return {
          ...page,
          async close() {
            await page.close();
            sessions.delete(session);
          },
        };
      },
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
