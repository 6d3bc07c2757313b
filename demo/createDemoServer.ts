import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import express, { type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import { paths, type ErrorBody, type ErrorCode } from '../contract.js';
import { createS3Middleware } from '../middleware/index.js';
import { isValidKey } from '../middleware/core/parseInput.js';
import { createCephTopic, deleteCephTopic, notifyObjectCreated, removeCephNotification } from '../scripts/cephNotifications.js';
import { s3ClientConfig } from '../scripts/s3ClientConfig.js';
import type { S3Config } from '../scripts/s3ConfigFromEnv.js';
import { corsAdvice, demoOrigins } from './checkBucketCors.js';
import { demoUsers, userPrefix } from './demoUsers.js';
import { demoViteConfig } from './demoViteConfig.js';
import { openUploadRecords, type UploadRecord, type UploadRecords } from './uploadRecords.js';

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
  /**
   * The folder of the upload records (a PGlite database, created on first use): the completion
   * hook records every finished upload there, and `GET /demo/uploads` lists them. Without it,
   * nothing is recorded. @default undefined
   */
  dataDir?: string;
  /**
   * Ask the bucket's radosgw for S3 ObjectCreated notifications pushed to this server's
   * `/api/s3/events` (a topic and a bucket notification made at start, removed at close), so that
   * uploads the browser never confirms (the stock plugin's single POST) are recorded too. The
   * radosgw must reach the server at 127.0.0.1. Needs `dataDir`. @default false
   */
  radosgwEvents?: boolean;
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
  /** The completion hook's record of this object (this key and ETag); null when it has none or nothing is recorded. */
  record: UploadRecord | null;
}

/** What `GET /demo/uploads` answers: the caller's recorded uploads, newest first. */
export interface DemoUploads {
  /** False when the server keeps no records (no `dataDir`). */
  recording: boolean;
  uploads: UploadRecord[];
}

/** All demo users' keys start with it (`demo/<user id>/`): the events' prefix and the bucket notification's filter. */
const DEMO_PREFIX = 'demo/';

function answerError(res: Response, status: number, code: ErrorCode, message: string): void {
  res.status(status).json({ code, message } satisfies ErrorBody);
}

/**
 * The demo: every browser gets a random user id in an HttpOnly cookie, and the middleware (at
 * `/api`, for both plugins) keeps its keys under `demo/<user id>/`. Beside it, `/demo/me` (the
 * caller's prefix), `/demo/object?key=` (an upload's ETag and a download link, for its owner
 * only) and `/demo/cors-problem` (the page reports an unreadable ETag; the server prints the CORS
 * rule the bucket needs). The page comes from Vite in development, or from `assets`. With
 * `dataDir`, the completion hook records every finished upload in a database there (answered to
 * the client as `serverData`) and `/demo/uploads` lists the caller's records.
 */
export async function createDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const { s3: bucketConfig, port = 3000, expiresIn = 900, assets, hotReload = false, cacheDir, log = console.log, dataDir, radosgwEvents = false } = options;
  if (assets !== undefined && !existsSync(join(assets, 'index.html'))) throw new Error(`No built demo page in ${assets}: run \`npm run demo:build\` first.`);
  if (radosgwEvents && dataDir === undefined) throw new Error('radosgwEvents needs dataDir: events only feed the upload records.');
  const records: UploadRecords | undefined = dataDir === undefined ? undefined : await openUploadRecords(dataDir);
  const s3 = new S3Client(s3ClientConfig(bucketConfig));
  const bucket = bucketConfig.bucket;
  let origin = '';
  // The events route's token: a fresh one per start, known only to this server and the topic made below.
  const eventsSecret = randomBytes(32).toString('base64url');

  const app = express();
  app.disable('x-powered-by');
  app.use(demoUsers());
  app.use(
    '/api',
    createS3Middleware({
      s3,
      bucket,
      prefix: userPrefix,
      expiresIn,
      // The record is what the client gets back as `serverData`.
      ...(records && { onUploadComplete: (upload) => records.record(upload) }),
      ...(radosgwEvents && { events: { secret: eventsSecret, prefix: DEMO_PREFIX } }),
    }),
  );

  app.get('/demo/me', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ prefix: userPrefix(req) });
  });

  app.get('/demo/uploads', async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    try {
      res.json({ recording: records !== undefined, uploads: (await records?.list(userPrefix(req))) ?? [] } satisfies DemoUploads);
    } catch (error) {
      log(`Listing the upload records failed: ${String(error)}`);
      answerError(res, 500, 'internal_error', 'The upload records could not be read.');
    }
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
      const etag = head.ETag ?? '';
      const record = (await records?.find(key, etag)) ?? null;
      res.json({ key, size: head.ContentLength ?? 0, etag, downloadUrl, record } satisfies DemoObject);
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

  let stopEvents: (() => Promise<void>) | undefined;
  const close = async () => {
    await stopEvents?.().catch((error: unknown) => log(`Could not remove the bucket notification: ${String(error)}`));
    await vite?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    s3.destroy();
    await records?.close();
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
  if (radosgwEvents) {
    try {
      stopEvents = await pushEventsHere(bucketConfig, s3, `${origin}/api${paths.events(eventsSecret)}`);
    } catch (error) {
      await close();
      throw new Error(`Could not set up radosgw's bucket notifications (set DEMO_EVENTS=off to go without): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return {
    url: `${origin}/`,
    s3,
    close,
  };
}

/**
 * Makes radosgw push ObjectCreated events for keys under `demo/` to `pushEndpoint`: a topic and a
 * bucket notification, both named for this start (other servers' notifications on the bucket stay).
 * The topic is not persistent: radosgw pushes while the upload's own request waits, so the record
 * exists by the time the browser hears that S3 stored the file (a persistent topic queues the
 * event, about 30 s in radosgw 16.2). Answers what removes both.
 */
async function pushEventsHere(config: S3Config, s3: S3Client, pushEndpoint: string): Promise<() => Promise<void>> {
  const connection = { endpoint: config.endpoint, region: config.region, credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } };
  const name = `demo-uploads-${randomBytes(6).toString('hex')}`;
  const arn = await createCephTopic({ ...connection, name, pushEndpoint });
  try {
    await notifyObjectCreated(s3, config.bucket, name, arn, DEMO_PREFIX);
  } catch (error) {
    await deleteCephTopic(connection, arn).catch(() => {});
    throw error;
  }
  return async () => {
    try {
      await removeCephNotification(connection, config.bucket, name);
    } finally {
      await deleteCephTopic(connection, arn);
    }
  };
}
