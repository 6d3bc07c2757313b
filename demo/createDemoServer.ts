import express from 'express';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServer as createViteServer } from 'vite';
import { createS3Middleware } from '../middleware/index.js';

/** Where the demo's uploads go. */
export interface DemoS3 {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface DemoServerOptions {
  s3: DemoS3;
  /** @default 3000; 0 picks a free port */
  port?: number;
  /** Presigned URL lifetime, seconds. @default 900 */
  expiresIn?: number;
  /** Vite's dependency cache. @default node_modules/.vite */
  cacheDir?: string;
}

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The demo: the middleware at `/api` and the page (demo/index.html, served by Vite in development
 * mode) on 127.0.0.1.
 */
export async function createDemoServer({ s3, port = 3000, expiresIn = 900, cacheDir }: DemoServerOptions): Promise<DemoServer> {
  const app = express();
  app.use(
    '/api',
    createS3Middleware({
      s3: { endpoint: s3.endpoint, region: s3.region, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
      bucket: s3.bucket,
      prefix: 'demo/',
      expiresIn,
    }),
  );
  const vite = await createViteServer({
    root: fileURLToPath(new URL('.', import.meta.url)),
    configFile: false,
    cacheDir,
    logLevel: 'warn',
    server: { middlewareMode: true, hmr: false },
    appType: 'spa',
  });
  app.use(vite.middlewares);
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await vite.close();
    },
  };
}
