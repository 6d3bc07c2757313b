/**
 * What a browser scenario needs of a browser, whatever drives it: Chromium (playwright-core, CDP),
 * Firefox (puppeteer-core, WebDriver BiDi) or WebKit (webdriverio, classic WebDriver). A scenario
 * written against these types runs in every engine; faults go through a proxy in front of S3
 * (test/harness/startFaultProxy.ts), which every engine passes. What only some engines can do is
 * in {@link EngineHooks}, absent where the engine cannot.
 */

/** The engines the browser tests run in. */
export const ENGINE_NAMES = ['chromium', 'firefox', 'webkit'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface WaitOptions {
  /** ms. @default 30000 */
  timeout?: number;
  /** ms between two looks. @default 100 */
  interval?: number;
  /** Said in the error when the time runs out: what was awaited. @default the function's source */
  what?: string;
}

/** A function sent to the page: its source is what travels, so it may use only its argument and the page's globals. */
export type PageFunction<Arg, Result> = (arg: Arg) => Result | Promise<Result>;

/** One tab, in any engine. */
export interface EnginePage {
  readonly engine: EngineName;
  /** Loads `url` and resolves once its `load` event fired. */
  goto(url: string): Promise<void>;
  /** Reloads the page and resolves once its `load` event fired. */
  reload(): Promise<void>;
  /**
   * Runs `fn(arg)` in the page and answers its (awaited) result. `arg` and the result travel as
   * JSON: no `undefined` inside objects, no functions, no Blobs. Keep it short (WebKit's driver
   * has a script timeout): wait for things with {@link waitFor}.
   */
  evaluate<Result, Arg = undefined>(fn: PageFunction<Arg, Result>, arg?: Arg): Promise<Result>;
  /**
   * Runs `fn(arg)` in the page until it answers something truthy, and answers that. Throws when
   * `timeout` passes, saying what was awaited and what the last answer was.
   */
  waitFor<Result, Arg = undefined>(fn: PageFunction<Arg, Result>, arg?: Arg, options?: WaitOptions): Promise<NonNullable<Result>>;
  /** Chooses files (paths on this machine) in the `<input type=file>` that `selector` (CSS) finds, as a person picking them would. */
  setInputFiles(selector: string, paths: string[]): Promise<void>;
  /** Clicks the first element `selector` (CSS) finds, once it is there. */
  click(selector: string): Promise<void>;
  /** Saves a PNG of the viewport. */
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
  /** What only some engines can do (see {@link EngineHooks}). */
  readonly hooks: EngineHooks;
}

/**
 * Abilities beyond the common ones, present only in the engines that have them. A scenario that
 * needs one runs where it is present and says why it is skipped elsewhere.
 */
export interface EngineHooks {
  /** Takes the page off the network and back (`navigator.onLine` follows): Chromium (CDP), Firefox (BiDi). */
  setOffline?(offline: boolean): Promise<void>;
  /**
   * The page's memory now, as far as the engine lets it be read: Chromium its JS heap (CDP),
   * Firefox and WebKit the resident memory of the processes that run its content (read from
   * /proc). `what` says which.
   */
  pageMemory?(): Promise<PageMemory>;
}

export interface PageMemory {
  bytes: number;
  /** What was measured, for reports. */
  what: string;
}

export interface NewPageOptions {
  /** @default 1280 × 800 */
  viewport?: { width: number; height: number };
}

/** A running browser of one engine, started by the harness and stopped by it (by PID). */
export interface EngineBrowser {
  readonly engine: EngineName;
  /** The browser's own version string, e.g. `Firefox 140.12.0esr` or `WebKitGTK 2.50.6`. */
  readonly version: string;
  /** A new page in a fresh profile (cookies and storage of its own). */
  newPage(options?: NewPageOptions): Promise<EnginePage>;
  /** Closes every page and stops every process started for this browser. */
  close(): Promise<void>;
}
