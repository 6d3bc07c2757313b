import { ENGINE_NAMES, type EngineBrowser, type EngineName } from './EngineBrowser.js';
import { launchChromium } from './launchChromium.js';
import { launchFirefox } from './launchFirefox.js';
import { launchWebKit } from './launchWebKit.js';

const launchers: Record<EngineName, () => Promise<EngineBrowser>> = {
  chromium: launchChromium,
  firefox: launchFirefox,
  webkit: launchWebKit,
};

/** Starts a browser of `engine` from Debian's packages. */
export function launchBrowser(engine: EngineName): Promise<EngineBrowser> {
  return launchers[engine]();
}

/**
 * The engines to run browser scenarios in: all three, or those `BROWSERS` names (comma-separated,
 * e.g. `BROWSERS=webkit`), for a quicker run of one while working on it.
 */
export function enginesUnderTest(value = process.env.BROWSERS): EngineName[] {
  if (!value) return [...ENGINE_NAMES];
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(ENGINE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new TypeError(`Expected BROWSERS to name engines among ${ENGINE_NAMES.join(', ')}, got \`${value}\``);
  return names as EngineName[];
}
