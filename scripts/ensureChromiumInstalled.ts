import { ensureDebianPackages } from './ensureDebianPackages.js';

/** Where Debian puts Chromium; browser tests drive it with playwright-core (nothing downloads a browser). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Installs Debian's Chromium when missing (as root); otherwise says what to install. */
export function ensureChromiumInstalled(log?: (line: string) => void): Promise<void> {
  return ensureDebianPackages('Chromium (for the browser tests)', ['chromium'], ['chromium'], log);
}
