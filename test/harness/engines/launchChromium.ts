/**
 * Chromium from Debian (`/usr/bin/chromium`), driven by playwright-core over the Chrome DevTools
 * Protocol; nothing downloads a browser. {@link launchChromium} gives the engine-neutral
 * {@link EngineBrowser} the scenarios use, its pages keeping the Playwright page and a CDP
 * session at hand for what only Chromium can do (throttling the uplink); {@link launchPlaywrightChromium}
 * the bare Playwright browser, for the benchmarks and the Chromium-only tests.
 */
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../../scripts/ensureBrowsersInstalled.js';
import type { EngineBrowser, EnginePage, NewPageOptions } from './EngineBrowser.js';
import { cpuSlowdown } from '../cpuSlowdown.js';
import { pollPage } from './pollPage.js';

/** Debian's headless Chromium, driven by playwright-core. */
export function launchPlaywrightChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Root needs --no-sandbox; the rest keeps Chromium from reaching for the (closed) internet.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A Chromium page: the common interface, and Playwright's page with a CDP session for Chromium-only hooks. */
export interface ChromiumPage extends EnginePage {
  readonly playwright: Page;
  /** A CDP session on this page (created on first use), with `Network` enabled. */
  cdp(): Promise<CDPSession>;
  /** Slows the page's uplink to `bytesPerSecond` (-1: no cap) with `latencyMs` added to each request (CDP). */
  throttle(bytesPerSecond: number, latencyMs?: number): Promise<void>;
}

export interface ChromiumBrowser extends EngineBrowser {
  readonly playwright: Browser;
  newPage(options?: NewPageOptions): Promise<ChromiumPage>;
}

function chromiumPage(context: BrowserContext, page: Page): ChromiumPage {
  let session: Promise<CDPSession> | undefined;
  let throttled = { bytesPerSecond: -1, latencyMs: 0 };
  const cdp = () =>
    (session ??= context.newCDPSession(page).then(async (created) => {
      await created.send('Network.enable');
      return created;
    }));
  const emulate = async (offline: boolean) =>
    (await cdp()).send('Network.emulateNetworkConditions', { offline, latency: throttled.latencyMs, downloadThroughput: -1, uploadThroughput: throttled.bytesPerSecond });
  let offline = false;
  const evaluate = <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as never, arg) as Promise<R>;
  return {
    engine: 'chromium',
    playwright: page,
    cdp,
    async throttle(bytesPerSecond, latencyMs = 10) {
      throttled = { bytesPerSecond, latencyMs };
      await emulate(offline);
    },
    async goto(url) {
      await page.goto(url);
    },
    async reload() {
      await page.reload();
    },
    evaluate: (fn, arg) => evaluate(fn, arg as never),
    waitFor: (fn, arg, options) => pollPage(evaluate, fn, arg as never, options, () => page.isClosed()),
    async setInputFiles(selector, paths) {
      await page.locator(selector).first().setInputFiles(paths);
    },
    async click(selector) {
      await page.locator(selector).first().click();
    },
    async screenshot(path) {
      await page.screenshot({ path });
    },
    async close() {
      await context.close();
    },
    hooks: {
      async setOffline(next) {
        offline = next;
        await emulate(next);
      },
      async pageMemory() {
        const usage = (await (await cdp()).send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
        return { bytes: usage.usedSize + (usage.backingStorageSize ?? 0), what: "the page's JS heap (CDP Runtime.getHeapUsage: V8's used heap plus ArrayBuffer backing stores)" };
      },
    },
  };
}

/** Debian's headless Chromium as an {@link EngineBrowser}: each page in a context of its own. */
export async function launchChromium(): Promise<ChromiumBrowser> {
  const browser = await launchPlaywrightChromium();
  const slowdown = cpuSlowdown();
  return {
    engine: 'chromium',
    version: `Chromium ${browser.version()}`,
    playwright: browser,
    async newPage({ viewport = { width: 1280, height: 800 } }: NewPageOptions = {}) {
      const context = await browser.newContext({ viewport });
      const page = chromiumPage(context, await context.newPage());
      if (slowdown > 1) await (await page.cdp()).send('Emulation.setCPUThrottlingRate', { rate: slowdown });
      return page;
    },
    close: () => browser.close(),
  };
}

/** `page` as a Chromium page, for a Chromium-only test; throws in another engine. */
export function asChromiumPage(page: EnginePage): ChromiumPage {
  if (page.engine !== 'chromium' || !('playwright' in page)) throw new TypeError(`Expected a Chromium page, got one of ${page.engine}`);
  return page as ChromiumPage;
}
