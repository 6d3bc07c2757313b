import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import express, { type Request } from 'express';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { createS3Middleware, type S3MiddlewareOptions } from '../../middleware/index.js';
import { s3ClientConfig as clientConfigFor } from '../../scripts/s3ClientConfig.js';

/** S3 client settings for the run's S3 (radosgw unless S3_ENDPOINT says otherwise). */
export function s3ClientConfig(): S3ClientConfig & { bucket: string } {
  const s3 = inject('s3');
  return { ...clientConfigFor(s3), bucket: s3.bucket };
}

/** An S3 client for checking what the bucket really holds. */
export function createTestS3Client(): S3Client {
  const { bucket: _bucket, ...config } = s3ClientConfig();
  return new S3Client(config);
}

export interface TestServer {
  /** Where the middleware is mounted, e.g. `http://127.0.0.1:PORT/api`. */
  base: string;
  bucket: string;
  close(): Promise<void>;
}

/** Each test user sends `x-test-user`; their prefix is `test/<user>/`. */
export const userPrefix = (req: Request) => `test/${req.get('x-test-user') ?? 'anonymous'}/`;

/** Starts an Express app on 127.0.0.1 with the middleware mounted at `/api`. */
export async function startTestServer(options: Partial<S3MiddlewareOptions> = {}): Promise<TestServer> {
  const { bucket, ...s3 } = s3ClientConfig();
  const app = express();
  app.use('/api', createS3Middleware({ s3, bucket, prefix: userPrefix, onError: () => {}, ...options }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/api`,
    bucket,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
