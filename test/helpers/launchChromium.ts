import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH } from '../../scripts/ensureChromiumInstalled.js';

/** Debian's headless Chromium, driven by playwright-core (nothing downloads a browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Root needs --no-sandbox; the rest keeps Chromium from reaching for the (closed) internet.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
