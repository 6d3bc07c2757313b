import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { s3ConfigFromEnv, type S3Config } from '../scripts/s3ConfigFromEnv.js';

/** Where the demo keeps its upload records unless `DEMO_DATA_DIR` says otherwise (git ignores it). */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('./.data', import.meta.url));

/** The demo's settings, read from the environment (see demo/.env.example). */
export interface DemoConfig {
  /** The bucket to use, or `undefined` to start a local S3 (Ceph radosgw) and stop it on exit. */
  s3: S3Config | undefined;
  /** `DEMO_S3_DIR`: the folder that keeps the local S3 (data, ports, keys) across restarts. @default demo/.s3 */
  localS3Dir: string;
  /** `PORT`, on 127.0.0.1; 0 picks a free one. @default 3000 */
  port: number;
  /** `URL_LIFETIME`: seconds a presigned URL stays valid. @default 900 */
  expiresIn: number;
  /** `NODE_ENV=production`: serve the built page (`npm run demo:build`) instead of Vite's dev server. @default false */
  production: boolean;
  /** `DEMO_DIST`: the folder of the built page served in production. @default demo/dist */
  dist: string | undefined;
  /**
   * `DEMO_HOT_RELOAD=1` (`npm run demo:dev`): Vite reloads the page when a file of the demo is
   * edited, and also when the server comes back after a restart, which throws away the uploads
   * on the page. For whoever works on the demo, not for trying uploads. @default false
   */
  hotReload: boolean;
  /**
   * `DEMO_DATA_DIR`: the folder of the upload records (a PGlite database), kept across restarts
   * (a relative path is from the working folder); `off` records nothing. @default demo/.data
   */
  dataDir: string | false;
  /**
   * `DEMO_EVENTS`: `radosgw` makes the bucket's radosgw push S3 ObjectCreated events to the demo
   * (so uploads nobody confirms are recorded too); `off` does not. @default radosgw for the local
   * S3, off with S3_ENDPOINT (another store may not be a radosgw, or may not reach the demo)
   */
  events: 'radosgw' | 'off';
}

/** A setting that cannot be used; the message names the variable and what it should hold. */
export class DemoConfigError extends Error {
  override readonly name = 'DemoConfigError';
}

/** S3 accepts presigned URLs for at most 7 days. */
const MAX_URL_LIFETIME = 7 * 24 * 3600;

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DemoConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

/** Reads and checks the demo's environment; throws a {@link DemoConfigError} naming what is wrong. */
export function readDemoConfig(env: NodeJS.ProcessEnv): DemoConfig {
  let s3: S3Config | undefined;
  try {
    s3 = s3ConfigFromEnv(env);
  } catch (error) {
    throw new DemoConfigError(error instanceof Error ? error.message : String(error));
  }
  if (s3 !== undefined && !/^https?:\/\/[^/]+/.test(s3.endpoint)) {
    throw new DemoConfigError(`S3_ENDPOINT must be an http(s) URL such as https://s3.eu-west-1.amazonaws.com, got "${s3.endpoint}".`);
  }
  const dataDir = env.DEMO_DATA_DIR?.trim() || DEFAULT_DATA_DIR;
  const events = env.DEMO_EVENTS?.trim() || (s3 === undefined && dataDir !== 'off' ? 'radosgw' : 'off');
  if (events !== 'radosgw' && events !== 'off') throw new DemoConfigError(`DEMO_EVENTS must be radosgw or off, got "${events}".`);
  if (events === 'radosgw' && dataDir === 'off') throw new DemoConfigError('DEMO_EVENTS=radosgw needs the upload records: DEMO_DATA_DIR is off.');
  return {
    s3,
    localS3Dir: env.DEMO_S3_DIR?.trim() || fileURLToPath(new URL('./.s3', import.meta.url)),
    port: wholeNumber(env, 'PORT', 3000, 0, 65535),
    expiresIn: wholeNumber(env, 'URL_LIFETIME', 900, 1, MAX_URL_LIFETIME),
    production: env.NODE_ENV === 'production',
    dist: env.DEMO_DIST?.trim() || undefined,
    hotReload: env.DEMO_HOT_RELOAD === '1',
    dataDir: dataDir === 'off' ? false : resolve(dataDir),
    events,
  };
}
