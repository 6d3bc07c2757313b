/** How the benchmarks name the browser engine a section was measured in (bench:md5, the big-file race). */
import { ENGINE_NAMES, type EngineName } from '../../test/harness/engines/EngineBrowser.js';

/** How the engines are named in section titles and ids. */
export const ENGINE_TITLES: Record<EngineName, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/** A section id for `engine`: `base` for Chromium (the ids the report always had), `base` + the engine's title otherwise (`md5WebKit`). */
export function engineSectionId(base: string, engine: EngineName): string {
  return engine === 'chromium' ? base : `${base}${ENGINE_TITLES[engine]}`;
}

/**
 * The engines named by `--engine=…` among `args` (one, or several comma-separated), `fallback` when none is.
 *
 * @example
 * enginesFromArgs(['--engine=webkit,firefox'], ['chromium']); // ['webkit', 'firefox']
 */
export function enginesFromArgs(args: readonly string[], fallback: readonly EngineName[]): EngineName[] {
  const given = args.find((arg) => arg.startsWith('--engine='))?.slice('--engine='.length);
  if (given === undefined) return [...fallback];
  const names = given.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(ENGINE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) throw new TypeError(`Expected --engine to name engines among ${ENGINE_NAMES.join(', ')}, got \`${given}\``);
  return names as EngineName[];
}
