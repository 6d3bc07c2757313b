import { build } from 'vite';
import { demoViteConfig } from '../../demo/demoViteConfig.js';
import type { S3Config } from '../../scripts/s3ConfigFromEnv.js';
import { s3ConfigToEnv } from '../../scripts/s3ConfigFromEnv.js';
import { startCommand, type Command } from './startCommand.js';

/** Builds the demo page into `outDir`, as `npm run demo:build` does into demo/dist. */
export async function buildDemoPage(outDir: string): Promise<string> {
  await build({ ...demoViteConfig({ outDir }), logLevel: 'error' });
  return outDir;
}

export interface DemoProcessOptions {
  s3: S3Config;
  port: number;
  /**
   * The built page (see {@link buildDemoPage}), served as `npm run demo:prod` does; without it the
   * page comes from Vite's dev server, as `npm run demo` (the README's command) serves it.
   */
  dist?: string;
  /** Seconds a presigned URL lives. @default 900 */
  urlLifetime?: number;
  /** `DEMO_DATA_DIR`: where the demo records uploads (kept across its restarts). @default 'off': nothing recorded */
  dataDir?: string;
  /** `DEMO_EVENTS=radosgw`: the S3 (a radosgw) pushes ObjectCreated events to the demo. @default false */
  radosgwEvents?: boolean;
}

/**
 * The demo's server process (`node --import tsx demo/server.ts`) on 127.0.0.1:`port`, against
 * `s3`: as `npm run demo` starts it, or as `npm run demo:prod` does with `dist`; resolves once it
 * says it is ready.
 */
export async function startDemoProcess(options: DemoProcessOptions): Promise<Command> {
  const command = startCommand(
    ['demo/server.ts'],
    {
      ...s3ConfigToEnv(options.s3),
      ...(options.dist === undefined ? {} : { NODE_ENV: 'production', DEMO_DIST: options.dist }),
      PORT: String(options.port),
      URL_LIFETIME: String(options.urlLifetime ?? 900),
      DEMO_DATA_DIR: options.dataDir ?? 'off',
      DEMO_EVENTS: options.radosgwEvents ? 'radosgw' : 'off',
    },
    /Demo ready in/,
  );
  await command.ready;
  return command;
}
