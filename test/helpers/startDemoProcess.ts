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
  /** The built page (see {@link buildDemoPage}). */
  dist: string;
  /** Seconds a presigned URL lives. @default 900 */
  urlLifetime?: number;
}

/**
 * `npm run demo:prod`'s server process (`NODE_ENV=production node --import tsx demo/server.ts`)
 * on 127.0.0.1:`port`, against `s3`; resolves once it says it is ready.
 */
export async function startDemoProcess(options: DemoProcessOptions): Promise<Command> {
  const command = startCommand(
    ['demo/server.ts'],
    {
      ...s3ConfigToEnv(options.s3),
      NODE_ENV: 'production',
      DEMO_DIST: options.dist,
      PORT: String(options.port),
      URL_LIFETIME: String(options.urlLifetime ?? 900),
    },
    /Demo ready in/,
  );
  await command.ready;
  return command;
}
