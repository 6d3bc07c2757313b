/**
 * Runs a file's browser scenarios once per engine (Playwright's projects model): a `describe`
 * named after the engine, whose browser starts before its tests and stops after them, and whose
 * pages are closed after each test (Chromium holds in-memory Blobs under a quota of about
 * 500 MiB; past it, reading a File fails with NotReadableError).
 */
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import type { EngineBrowser, EngineName, EnginePage, NewPageOptions } from './engines/EngineBrowser.js';
import { enginesUnderTest, launchBrowser } from './engines/launchBrowser.js';

export interface EngineEnv {
  engine: EngineName;
  /** The running browser (set before the engine's first test). */
  browser: EngineBrowser;
  /** A new page (a fresh profile), closed after the test. */
  newPage(options?: NewPageOptions): Promise<EnginePage>;
}

/** Declares `body`'s tests once per engine under test, in a `describe` named after it. */
export function forEachEngine(body: (env: EngineEnv) => void, engines: EngineName[] = enginesUnderTest()): void {
  for (const engine of engines) {
    // Long enough for the page's own waits (a few minutes at most) to time out first and say
    // what they waited for; the machine may be shared and busy.
    describe(engine, { timeout: 300_000 }, () => {
      const pages = new Set<EnginePage>();
      const env: EngineEnv = {
        engine,
        browser: undefined as unknown as EngineBrowser,
        async newPage(options) {
          const page = await env.browser.newPage(options);
          pages.add(page);
          return page;
        },
      };
      beforeAll(async () => {
        env.browser = await launchBrowser(engine);
      });
      afterEach(async () => {
        await Promise.all([...pages].map((page) => page.close().catch(() => {})));
        pages.clear();
      });
      afterAll(async () => {
        await env.browser?.close();
      });
      body(env);
    });
  }
}
