import express, { type RequestHandler } from 'express';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer as createViteServer, type InlineConfig, type ViteDevServer } from 'vite';
import { demoViteConfig } from '../../demo/demoViteConfig.js';
import { createS3Middleware, type S3MiddlewareOptions } from '../../middleware/index.js';
import { s3ClientConfig } from './testServer.js';

export interface PageServer {
  /** The page's address, e.g. `http://127.0.0.1:PORT/`. */
  url: string;
  /** The page's address under each of `policies`, by name: another port of the same app (see {@link PageServerSettings}). */
  urlUnder: Record<string, string>;
  bucket: string;
  close(): Promise<void>;
}

export interface PageServerSettings {
  /** Overrides Vite's settings (a page with other dependencies than the demo's). */
  vite?: InlineConfig;
  /**
   * Content-Security-Policies to serve the app under, by name: each on a port (an origin) of its
   * own, sent with every response there (the page, its modules, the MD5 worker's script), as a
   * site that sets its CSP for all its responses does. A worker runs under its own script's CSP,
   * not the page's: in Chromium 150 and Firefox 140 a worker script served without the header
   * compiles WebAssembly under a page that can't.
   */
  policies?: Record<string, string>;
  /** Handlers ahead of the page's own files (the page, its modules), as a CDN in front of them: a test refuses a module with one. */
  pageHandlers?: RequestHandler[];
}

/**
 * One Express app on 127.0.0.1: the middleware at `/api` (keys under `test/page/`; `before` runs
 * ahead of it there, as an app's auth or rate limiter would), and a page
 * folder served by Vite in development mode (TypeScript and the MD5 worker compiled on the fly);
 * on more ports under the `policies` of {@link PageServerSettings}.
 */
export async function startPageServer(pageFolder: URL, options: Partial<S3MiddlewareOptions> = {}, before: RequestHandler[] = [], { vite = {}, policies = {}, pageHandlers = [] }: PageServerSettings = {}): Promise<PageServer> {
  const { bucket, ...s3 } = s3ClientConfig();
  const app = express();
  const policyAt = new Map<number, string>(); // by local port
  app.use((req, res, next) => {
    const policy = policyAt.get(req.socket.localPort ?? 0);
    if (policy) res.setHeader('Content-Security-Policy', policy);
    next();
  });
  app.use('/api', ...before, createS3Middleware({ s3, bucket, prefix: 'test/page/', onError: () => {}, ...options }));
  // Its own dependency cache: servers of test files running side by side would otherwise
  // re-bundle into one shared folder under each other's feet (a page that never loads).
  const cacheDir = await mkdtemp(join(tmpdir(), 'vite-page-'));
  const servers = [createServer(app), ...Object.keys(policies).map(() => createServer(app))];
  const viteServer: ViteDevServer = await createViteServer({
    // Bundled as the demo page is (the same dependencies up front, the worker as an ES module).
    ...demoViteConfig({ cacheDir }),
    root: fileURLToPath(pageFolder),
    // No websocket: a fixed port of its own would clash between test files, and a page that lost
    // it (tests go offline) would be reloaded by Vite's client when it came back.
    server: { middlewareMode: true, hmr: false, ws: false },
    appType: 'spa',
    ...vite,
  });
  app.use(...pageHandlers, viteServer.middlewares);
  const urls = await Promise.all(
    servers.map(async (server) => {
      await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1').once('listening', resolve).once('error', reject));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    }),
  );
  const names = Object.keys(policies);
  names.forEach((name, i) => policyAt.set(Number(new URL(urls[i + 1] as string).port), policies[name] as string));
  return {
    url: urls[0] as string,
    urlUnder: Object.fromEntries(names.map((name, i) => [name, urls[i + 1] as string])),
    bucket,
    async close() {
      await viteServer.close();
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
