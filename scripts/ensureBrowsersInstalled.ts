import { ensureDebianPackages } from './ensureDebianPackages.js';

/** Where Debian puts Chromium (`chromium`); driven by playwright-core. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Where Debian puts Firefox ESR (`firefox-esr`); driven by puppeteer-core over WebDriver BiDi. */
export const FIREFOX_PATH = '/usr/bin/firefox-esr';
/** WebKitGTK's WebDriver server (`webkit2gtk-driver`); webdriverio talks to it. */
export const WEBKIT_DRIVER_PATH = '/usr/bin/WebKitWebDriver';
/** WebKitGTK's browser for automation (`libwebkit2gtk-4.1-0`, which `webkit2gtk-driver` depends on). */
export const MINIBROWSER_PATH = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
/** The virtual display MiniBrowser needs (`xvfb`). */
export const XVFB_PATH = '/usr/bin/Xvfb';

/** The Debian packages of the three engines the browser tests run in (about 220 packages on a bare machine). */
export const BROWSER_PACKAGES = ['chromium', 'firefox-esr', 'webkit2gtk-driver', 'xvfb'] as const;

/**
 * Installs the browsers of the browser tests from Debian when one is missing (as root), otherwise
 * says what to install: Chromium, Firefox ESR, and WebKitGTK's MiniBrowser with its WebDriver and
 * a virtual display. Nothing downloads a browser of its own.
 */
export function ensureBrowsersInstalled(log?: (line: string) => void): Promise<void> {
  return ensureDebianPackages(
    'The browsers of the browser tests (Chromium, Firefox ESR, WebKitGTK)',
    BROWSER_PACKAGES,
    [CHROMIUM_PATH, FIREFOX_PATH, WEBKIT_DRIVER_PATH, MINIBROWSER_PATH, XVFB_PATH],
    log,
  );
}
