/**
 * Firefox ESR from Debian (`/usr/bin/firefox-esr`), headless, driven by puppeteer-core over
 * WebDriver BiDi; nothing downloads a browser. Each page gets a browser context of its own (a
 * fresh profile's storage). Offline mode is offered where this Firefox's BiDi has
 * `emulation.setNetworkConditions` (ESR 140 has not).
 */
import { FIREFOX_PATH } from '../../../scripts/ensureBrowsersInstalled.js';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import type { EngineBrowser, EnginePage, EngineHooks, NewPageOptions } from './EngineBrowser.js';
import { pollPage } from './pollPage.js';
import { readProcessMemory } from './readProcessMemory.js';
import { stopProcess } from './stopProcess.js';


/** Whether this Firefox can take a page offline (BiDi `emulation.setNetworkConditions`): tried once. */
async function canGoOffline(page: Page): Promise<boolean> {
  try {
    await page.setOfflineMode(false);
    return true;
  } catch {
    return false;
  }
}

function firefoxPage(context: BrowserContext, page: Page, hooks: EngineHooks): EnginePage {
  const evaluate = <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as never, arg) as Promise<R>;
  return {
    engine: 'firefox',
    async goto(url) {
      await page.goto(url, { waitUntil: 'load' });
    },
    async reload() {
      await page.reload({ waitUntil: 'load' });
    },
    evaluate: (fn, arg) => evaluate(fn, arg as never),
    waitFor: (fn, arg, options) => pollPage(evaluate, fn, arg as never, options, () => page.isClosed()),
    async setInputFiles(selector, paths) {
      const input = await page.waitForSelector(selector);
      if (!input) throw new Error(`No ${selector} to choose files in`);
      await (input as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(...paths);
    },
    async click(selector) {
      const element = await page.waitForSelector(selector, { visible: true });
      await element!.click();
    },
    async screenshot(path) {
      await page.screenshot({ path: path as `${string}.png` });
    },
    async close() {
      await context.close();
    },
    hooks,
  };
}

/** Debian's Firefox ESR, headless, as an {@link EngineBrowser}. */
export async function launchFirefox(): Promise<EngineBrowser> {
  const browser: Browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    // A cold first start of a fresh profile takes 13–20 s on a busy 2-core machine.
    timeout: 120_000,
    // The test process decides when the browser stops.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const child = browser.process();
  const pid = child?.pid;
  // A browser that dies under a test must say so, with what it printed last.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child?.stdout?.on('data', keep);
  child?.stderr?.on('data', keep);
  let closing = false;
  child?.once('exit', (code, signal) => {
    if (!closing) console.error(`[firefox] the browser process (PID ${pid}) exited by itself (${signal ?? `code ${code}`}); its last output:\n${output}`);
  });
  const version = (await browser.version()).replace(/^firefox\//i, 'Firefox ');
  let offline: Promise<boolean> | undefined;
  return {
    engine: 'firefox',
    version,
    async newPage({ viewport = { width: 1280, height: 800 } }: NewPageOptions = {}) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      // Puppeteer also asks for a screen orientation, which ESR 140's BiDi does not know; the
      // viewport itself is set by then.
      await page.setViewport(viewport).catch((error: unknown) => {
        if (!/setScreenOrientationOverride/.test(String(error))) throw error;
      });
      const hooks: EngineHooks = {};
      if (await (offline ??= canGoOffline(page))) hooks.setOffline = (value) => page.setOfflineMode(value);
      if (pid !== undefined) {
        // Content processes run pages (`-contentproc … tab`); their memory, as /proc tells it.
        hooks.pageMemory = async () => ({
          bytes: (await readProcessMemory(pid, /-contentproc\b.*\btab$/)).bytes,
          what: "the resident memory of Firefox's tab content processes (/proc VmRSS)",
        });
      }
      return firefoxPage(context, page, hooks);
    },
    async close() {
      closing = true;
      await browser.close().catch(() => {});
      // Should closing have failed, the process is stopped by its PID.
      if (child && child.exitCode === null && child.signalCode === null) await stopProcess(child);
    },
  };
}
