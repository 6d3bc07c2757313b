import { ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RequestHandler } from 'express';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import type { S3MiddlewareOptions } from '../../middleware/index.js';
import { s3ClientConfig } from '../../scripts/s3ClientConfig.js';
import type { EnginePage } from './engines/EngineBrowser.js';
import type { EngineEnv } from './forEachEngine.js';
import { startFaultProxy, type FaultProxy } from './startFaultProxy.js';
import { gotoPluginPage, pluginPage, type PageQuery } from '../helpers/pluginPage.js';
import { startPageServer, type PageServer, type PageServerSettings } from './startPageServer.js';
import { createTestS3Client } from './testServer.js';

export interface PluginPageEnv {
  server: PageServer;
  /**
   * The fault proxy in front of S3: the middleware signs URLs for it, so every PUT of every
   * engine passes it. It records each request; a test sets faults or an uplink cap on it, and
   * both are lifted after each test (its records are emptied then too).
   */
  proxy: FaultProxy;
  /** For checking what the bucket really holds (straight to S3, not through the proxy). */
  s3: S3Client;
}

/**
 * For a browser test file: starts, before its tests, the fault proxy in front of S3 and the test
 * page's server (middleware options as given, or made from the started proxy, signing for the proxy; `before` handlers ahead of
 * it, as an app's auth or rate limiter would; `settings` for the server, such as the
 * Content-Security-Policies it serves the page under); stops both after them. The browsers come
 * from `forEachEngine`, which shares this one server and proxy.
 */
export function usePluginPage(options: Partial<S3MiddlewareOptions> | ((proxy: FaultProxy) => Partial<S3MiddlewareOptions>) = {}, before: RequestHandler[] = [], settings: PageServerSettings = {}): PluginPageEnv {
  const env = {} as PluginPageEnv;
  beforeAll(async () => {
    env.proxy = await startFaultProxy({ upstreams: [inject('s3').endpoint] });
    env.server = await startPageServer(pluginPage, { s3: s3ClientConfig({ ...inject('s3'), endpoint: env.proxy.url }), ...(typeof options === 'function' ? options(env.proxy) : options) }, before, settings);
    env.s3 = createTestS3Client();
  });
  afterEach(() => {
    env.proxy?.setFault(undefined);
    env.proxy?.setUploadBytesPerSecond(undefined);
    if (env.proxy) env.proxy.records.length = 0;
  });
  afterAll(async () => {
    await env.server?.close();
    await env.proxy?.close();
    env.s3?.destroy();
  });
  return env;
}

/**
 * Opens the test page in a new page of `engine` with the given query and waits until it is ready;
 * `policy` names one of the server's Content-Security-Policies to open it under.
 */
export async function openPluginPage(engine: EngineEnv, env: PluginPageEnv, query: PageQuery = {}, policy?: string): Promise<EnginePage> {
  const page = await engine.newPage();
  const base = policy === undefined ? env.server.url : env.server.urlUnder[policy];
  if (!base) throw new TypeError(`Expected \`policy\` to name one of the page server's policies (${Object.keys(env.server.urlUnder).join(', ')}), got \`${policy}\``);
  await gotoPluginPage(page, base, query);
  return page;
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
