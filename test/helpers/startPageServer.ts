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
  bucket: string;
  close(): Promise<void>;
}

/**
 * One Express app on 127.0.0.1: the middleware at `/api` (keys under `test/page/`; `before` runs
 * ahead of it there, as an app's auth or rate limiter would), and a page
 * folder served by Vite in development mode (TypeScript and the MD5 worker compiled on the fly).
 * `vite` overrides Vite's settings (a page with other dependencies than the demo's).
 */
export async function startPageServer(pageFolder: URL, options: Partial<S3MiddlewareOptions> = {}, before: RequestHandler[] = [], vite: InlineConfig = {}): Promise<PageServer> {
  const { bucket, ...s3 } = s3ClientConfig();
  const app = express();
  app.use('/api', ...before, createS3Middleware({ s3, bucket, prefix: 'test/page/', onError: () => {}, ...options }));
  // Its own dependency cache: servers of test files running side by side would otherwise
  // re-bundle into one shared folder under each other's feet (a page that never loads).
  const cacheDir = await mkdtemp(join(tmpdir(), 'vite-page-'));
  const server = createServer(app);
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
  app.use(viteServer.middlewares);
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1').once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    bucket,
    async close() {
      await viteServer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
