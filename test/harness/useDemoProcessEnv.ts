import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium, type ChromiumBrowser } from './engines/launchChromium.js';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './startFaultProxy.js';
import type { Command } from './startCommand.js';
import { buildDemoPage, startDemoProcess, type DemoProcessOptions } from './startDemoProcess.js';
import { createTestS3Client } from './testServer.js';

export interface DemoProcessEnv {
  /** Chromium: its pages have the common interface, and Playwright's page for locators. */
  browser: ChromiumBrowser;
  /** For checking what the bucket really holds. */
  s3: S3Client;
  /** A folder of this test file's own, removed after it. */
  workDir: string;
  /** The demo page, built for this test file (pass it to `startDemoProcess`). */
  dist: string;
  /** Runs `stop` after the file's tests, newest first. */
  stopAfterAll(stop: () => Promise<unknown>): void;
  /** Starts a fault proxy, closed after the file's tests. */
  startProxy(options: FaultProxyOptions): Promise<FaultProxy>;
  /**
   * Starts the demo's process, stopped after the file's tests (a no-op once it has ended): on this
   * file's built page, or with `page: 'vite'` as `npm run demo` starts it (the page from Vite).
   */
  startDemo(options: Omit<DemoProcessOptions, 'dist'> & { page?: 'built' | 'vite' }): Promise<Command>;
}

/**
 * For a test file that runs the demo's real process: Chromium, an S3 client, a work folder and
 * the demo page built into it before the tests; after them, everything registered with
 * `stopAfterAll`, then the browser, the client and the folder.
 */
export function useDemoProcessEnv(name: string): DemoProcessEnv {
  const env = {} as DemoProcessEnv;
  const stops: Array<() => Promise<unknown>> = [];
  env.stopAfterAll = (stop) => stops.push(stop);
  env.startProxy = async (options) => {
    const proxy = await startFaultProxy(options);
    env.stopAfterAll(() => proxy.close());
    return proxy;
  };
  env.startDemo = async ({ page = 'built', ...options }) => {
    const demo = await startDemoProcess({ ...options, dist: page === 'built' ? env.dist : undefined });
    env.stopAfterAll(() => demo.stop());
    return demo;
  };
  beforeAll(async () => {
    env.workDir = await mkdtemp(join(tmpdir(), `${name}-`));
    [env.browser, env.dist] = await Promise.all([launchChromium(), buildDemoPage(join(env.workDir, 'dist'))]);
    env.s3 = createTestS3Client();
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await env.browser?.close();
    env.s3?.destroy();
    if (env.workDir) await rm(env.workDir, { recursive: true, force: true });
  });
  return env;
}
