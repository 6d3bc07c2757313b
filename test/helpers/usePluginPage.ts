import { ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RequestHandler } from 'express';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { S3MiddlewareOptions } from '../../middleware/index.js';
import { launchChromium } from './launchChromium.js';
import { pluginPage } from './pluginPage.js';
import { startPageServer, type PageServer } from './startPageServer.js';
import { createTestS3Client } from './testServer.js';

export interface PluginPageEnv {
  server: PageServer;
  browser: Browser;
  /** For checking what the bucket really holds. */
  s3: S3Client;
}

/**
 * For a browser test file: starts the test page's server (middleware options as given, `before`
 * handlers ahead of it) and
 * Chromium before the tests, closes each test's pages after it, and stops both at the end.
 * Pages are closed because Chromium holds in-memory blobs under a quota of about 500 MiB here
 * (past it, reading a File fails with NotReadableError).
 */
export function usePluginPage(options: Partial<S3MiddlewareOptions> = {}, before: RequestHandler[] = []): PluginPageEnv {
  const env = {} as PluginPageEnv;
  beforeAll(async () => {
    [env.server, env.browser] = await Promise.all([startPageServer(pluginPage, options, before), launchChromium()]);
    env.s3 = createTestS3Client();
  });
  afterEach(async () => {
    await Promise.all(env.browser.contexts().map((context) => context.close()));
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
    env.s3?.destroy();
  });
  return env;
}

/** Waits until S3 no longer knows a multipart upload (radosgw says NoSuchKey after an abort, AWS NoSuchUpload). */
export async function expectUploadGone(env: PluginPageEnv, upload: { key: string; uploadId: string }): Promise<void> {
  await expect
    .poll(
      async () => {
        try {
          await env.s3.send(new ListPartsCommand({ Bucket: env.server.bucket, Key: upload.key, UploadId: upload.uploadId }));
          return 'still there';
        } catch (error) {
          return (error as Error).name;
        }
      },
      { timeout: 10_000 },
    )
    .toMatch(/^NoSuch(Upload|Key)$/);
}
