import type { PageFunction, WaitOptions } from './EngineBrowser.js';

/**
 * {@link EnginePage.waitFor} for every engine alike: runs `fn` in the page through `evaluate`
 * every `interval` ms until it answers something truthy. Polling from here, not in the page,
 * behaves the same in every engine and survives a navigation under way (an evaluation that fails
 * while the page loads is tried again). On timeout the error says what was awaited and the last
 * answer or error, so a failed wait explains itself. It ends at once when the page is closed.
 */
export async function pollPage<Result, Arg>(
  evaluate: (fn: PageFunction<Arg, Result>, arg: Arg) => Promise<Result>,
  fn: PageFunction<Arg, Result>,
  arg: Arg,
  { timeout = 30_000, interval = 100, what }: WaitOptions = {},
  isClosed: () => boolean = () => false,
): Promise<NonNullable<Result>> {
  const deadline = Date.now() + timeout;
  const awaited = () => `${what ?? String(fn).replace(/\s+/g, ' ').slice(0, 300)}${arg === undefined ? '' : ` (with ${JSON.stringify(arg)})`}`;
  let last: string;
  for (;;) {
    if (isClosed()) throw new Error(`The page was closed while waiting in it for: ${awaited()}`);
    try {
      const value = await evaluate(fn, arg);
      if (value) return value as NonNullable<Result>;
      last = `answered ${JSON.stringify(value)}`;
    } catch (error) {
      last = `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  throw new Error(`Waited ${timeout} ms in the page for: ${awaited()}; it last ${last}`);
}
