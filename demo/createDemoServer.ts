import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import express, { type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import type { ErrorBody, ErrorCode } from '../contract.js';
import { createS3Middleware } from '../middleware/index.js';
import { isValidKey } from '../middleware/core/parseInput.js';
import { s3ClientConfig } from '../scripts/s3ClientConfig.js';
import type { S3Config } from '../scripts/s3ConfigFromEnv.js';
import { corsAdvice, demoOrigins } from './checkBucketCors.js';
import { demoUsers, userPrefix } from './demoUsers.js';
import { demoViteConfig } from './demoViteConfig.js';

export interface DemoServerOptions {
  /** The bucket uploads go to. */
  s3: S3Config;
  /** Port on 127.0.0.1; 0 picks a free one. @default 3000 */
  port?: number;
  /** Lifetime of presigned URLs, seconds. @default 900 */
  expiresIn?: number;
  /** A folder with the built page (`npm run demo:build`) to serve; without it, Vite serves the page in development mode. @default undefined */
  assets?: string;
  /**
   * Development mode: reload the page on every edit (Vite's websocket). Its client reloads the page
   * also when the server comes back after a restart, losing the page's uploads, so it is off
   * unless asked for. @default false
   */
  hotReload?: boolean;
  /** Vite's dependency cache (development mode). @default node_modules/.vite */
  cacheDir?: string;
  /** Where the server reports (a browser that could not read an ETag). @default console.log */
  log?: (message: string) => void;
}

export interface DemoServer {
  /** The page's address, e.g. `http://127.0.0.1:3000/`. */
  url: string;
  /** The S3 client the server uses (closed by `close()`). */
  s3: S3Client;
  close(): Promise<void>;
}

/** What `GET /demo/object?key=` answers about one of the caller's uploads. */
export interface DemoObject {
  key: string;
  size: number;
  etag: string;
  /** A presigned GET (10 minutes) that downloads the object as an attachment. */
  downloadUrl: string;
}

function answerError(res: Response, status: number, code: ErrorCode, message: string): void {
  res.status(status).json({ code, message } satisfies ErrorBody);
}

/**
 * The demo: every browser gets a random user id in an HttpOnly cookie, and the middleware (at
 * `/api`, for both plugins) keeps its keys under `demo/<user id>/`. Beside it, `/demo/me` (the
 * caller's prefix), `/demo/object?key=` (an upload's ETag and a download link, for its owner
 * only) and `/demo/cors-problem` (the page reports an unreadable ETag; the server prints the CORS
 * rule the bucket needs). The page comes from Vite in development, or from `assets`.
 */
export async function createDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const { s3: bucketConfig, port = 3000, expiresIn = 900, assets, hotReload = false, cacheDir, log = console.log } = options;
  if (assets !== undefined && !existsSync(join(assets, 'index.html'))) throw new Error(`No built demo page in ${assets}: run \`npm run demo:build\` first.`);
  const s3 = new S3Client(s3ClientConfig(bucketConfig));
  const bucket = bucketConfig.bucket;
  let origin = '';

  const app = express();
  app.disable('x-powered-by');
  app.use(demoUsers());
  app.use('/api', createS3Middleware({ s3, bucket, prefix: userPrefix, expiresIn }));

  app.get('/demo/me', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ prefix: userPrefix(req) });
  });

  app.get('/demo/object', async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const key = req.query.key;
    // The middleware's own rule for keys a client sends back (no `..` segments, control characters…).
    if (!isValidKey(key)) return answerError(res, 400, 'invalid_key', 'Send the key of one of your uploads.');
    if (!key.startsWith(userPrefix(req))) return answerError(res, 403, 'key_forbidden', 'That object is not one of your uploads.');
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const name = key.slice(key.lastIndexOf('/') + 1);
      const downloadUrl = await getSignedUrl(
        s3,
        new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(name)}` }),
        { expiresIn: 600 },
      );
      res.json({ key, size: head.ContentLength ?? 0, etag: head.ETag ?? '', downloadUrl } satisfies DemoObject);
    } catch (error) {
      if (error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey')) {
        return answerError(res, 404, 'not_found', 'No such object: the upload has not completed.');
      }
      log(`HeadObject ${key} failed: ${String(error)}`);
      answerError(res, 502, 's3_error', 'S3 could not be asked about the object.');
    }
  });

  let corsReported = false;
  app.post('/demo/cors-problem', (_req, res) => {
    if (!corsReported) {
      corsReported = true;
      log(`A browser could not read the ETag of an upload to S3.\n${corsAdvice(bucket, demoOrigins(origin))}`);
    }
    res.status(204).end();
  });

  const server = createServer(app);
  let vite: ViteDevServer | undefined;
  if (assets === undefined) {
    // Without hot reload, no websocket: Vite's client then never reloads the page by itself (it does
    // when its websocket comes back after a restart). With it, the websocket shares the demo's port.
    const serving = hotReload ? { middlewareMode: true, hmr: { server } } : { middlewareMode: true, hmr: false, ws: false as const };
    vite = await createViteServer({ ...demoViteConfig({ cacheDir }), server: serving, appType: 'spa' });
    app.use(vite.middlewares);
  } else {
    app.use(express.static(assets, { index: 'index.html' }));
  }

  const close = async () => {
    await vite?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    s3.destroy();
  };
  try {
    await new Promise<void>((resolve, reject) => server.listen(port, '127.0.0.1').once('listening', resolve).once('error', reject));
  } catch (error) {
    await close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} on 127.0.0.1 is taken: set PORT to another one (0 picks a free one).`, { cause: error });
    }
    throw error;
  }
  const address = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${address.port}`;
  return {
    url: `${origin}/`,
    s3,
    close,
  };
}
