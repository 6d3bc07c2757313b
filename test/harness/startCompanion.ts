/**
 * The real Uppy Companion 6 (`@uppy/companion`, its documented `companion.app(options)` API) on
 * 127.0.0.1, with its S3 options pointing at a given bucket: the backend the stock `@uppy/aws-s3`
 * was written for, to check our plugin and the stock one against something other than our own
 * middleware. Companion signs its presigned URLs for `s3.endpoint` as given, so that must be the
 * host the browser sends its PUTs and POSTs to (radosgw itself, or the fault proxy in front of it).
 */
import { app as companionApp } from '@uppy/companion';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/freePort.js';
import type { S3Config } from '../../scripts/s3ConfigFromEnv.js';

export interface CompanionOptions {
  /** The bucket and how Companion reaches it; `endpoint` is also the host its URLs are signed for. */
  s3: S3Config;
  /** Origins allowed to call Companion from a browser (its `corsOrigins`): the test page's, e.g. `http://127.0.0.1:PORT`. */
  corsOrigins: string[];
  /** Companion's `s3.getKey`: the object key for a file name. @default Companion's own (a random id + the name) */
  getKey?: (args: { filename: string; metadata: Record<string, string> }) => string;
}

export interface RunningCompanion {
  /** Where Companion answers, e.g. `http://127.0.0.1:PORT` (its routes are `/s3/...` under it): the stock plugin's `companionUrl`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Runs `create` with NODE_ENV=test, as under Vitest: elsewhere (a bench run) Companion's app()
 * schedules a daily clean-up of remote downloads (none here) that close() cannot cancel and that
 * keeps the process alive.
 */
function asUnderVitest<T>(create: () => T): T {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'test';
  try {
    return create();
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/**
 * Starts Companion's Express app on a free port of 127.0.0.1. Companion insists on a `secret`, a
 * writable `filePath` (for remote downloads, unused here) and `server.host`; `metrics` is off, as
 * its Prometheus registry is global and a second Companion in the same process would clash.
 * Only the `/s3` routes matter here; no provider is configured.
 */
export async function startCompanion({ s3, corsOrigins, getKey }: CompanionOptions): Promise<RunningCompanion> {
  const port = await freePort();
  const filePath = await mkdtemp(join(tmpdir(), 'companion-'));
  const { app } = asUnderVitest(() =>
    companionApp({
      secret: randomBytes(32).toString('hex'),
      filePath,
      server: { host: `127.0.0.1:${port}`, protocol: 'http' },
      corsOrigins,
      // Companion fetches remote files only to these URLs; it has none to fetch here.
      uploadUrls: [`http://127.0.0.1:${port}/`],
      metrics: false,
      s3: {
        endpoint: s3.endpoint,
        region: s3.region,
        bucket: s3.bucket,
        key: s3.accessKeyId,
        secret: s3.secretAccessKey,
        forcePathStyle: true,
        ...(getKey ? { getKey } : {}),
      },
    }),
  );
  const server = createServer(app as unknown as RequestListener);
  await new Promise<void>((resolve, reject) => server.listen(port, '127.0.0.1').once('listening', resolve).once('error', reject));
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(filePath, { recursive: true, force: true });
    },
  };
}
