/**
 * `npm run demo`: the demo page with the middleware. Settings come from the environment (and from
 * demo/.env when there is one; copy demo/.env.example). With no
 * S3_ENDPOINT, a local S3 (Ceph radosgw, installed from Debian when missing) is started and
 * stopped on exit, its data kept in demo/.s3 (DEMO_S3_DIR) for the next start; with one, that bucket is used and its CORS rules are checked.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLocalS3, type LocalS3 } from '../scripts/startLocalS3.js';
import type { S3Config } from '../scripts/s3ConfigFromEnv.js';
import { checkBucketCors, corsAdvice, demoOrigins } from './checkBucketCors.js';
import { createDemoServer, type DemoServer } from './createDemoServer.js';
import { DEMO_ASSETS } from './demoViteConfig.js';
import { readDemoConfig } from './readDemoConfig.js';
import { hasUploadRecords } from './uploadRecords.js';

// The SDK warns at every start that its 2027 releases need Node 22; the demo's console stays readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
let local: LocalS3 | undefined;
let demo: DemoServer | undefined;

const envFile = fileURLToPath(new URL('./.env', import.meta.url));
if (existsSync(envFile)) process.loadEnvFile(envFile);

async function bucket(given: S3Config | undefined, keepIn: string): Promise<S3Config> {
  if (given !== undefined) return given;
  console.log(`No S3_ENDPOINT: starting a local S3 (Ceph radosgw); it stops when the demo does and keeps its data in ${keepIn} for the next start (delete that folder to start afresh).`);
  local = await startLocalS3({ keepIn, log: (line) => console.log(`  ${line}`) });
  return local;
}

let stopping: Promise<never> | undefined;

/**
 * Stops the demo, then the local S3 (daemon by daemon), then exits. Runs once: an impatient
 * second Ctrl-C must not cut the shutdown short and leave Ceph daemons behind.
 */
function stop(code: number): Promise<never> {
  stopping ??= (async () => {
    if (demo || local) console.log(`Stopping the demo${local ? ' and the local S3' : ''}`);
    await demo?.close().catch(() => {});
    await local?.stop().catch((error: unknown) => console.error(`Could not stop the local S3: ${String(error)}`));
    process.exit(code);
  })();
  return stopping;
}

async function main(): Promise<void> {
  const config = readDemoConfig(process.env);
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const s3 = await bucket(config.s3, config.localS3Dir);
  if (config.dataDir && !hasUploadRecords(config.dataDir)) {
    console.log(`Creating the upload records' database in ${config.dataDir} (the first start only: some seconds).`);
  }
  demo = await createDemoServer({
    s3,
    port: config.port,
    expiresIn: config.expiresIn,
    assets: config.production ? (config.dist ?? DEMO_ASSETS) : undefined,
    hotReload: config.hotReload,
    dataDir: config.dataDir || undefined,
    radosgwEvents: config.events === 'radosgw',
  });

  if (local === undefined) {
    const origin = new URL(demo.url).origin;
    const problems = await checkBucketCors(demo.s3, s3.bucket, origin);
    if (problems.length > 0) {
      console.log(`Uploads from ${origin} may fail: ${problems.join('; ')}.\n${corsAdvice(s3.bucket, demoOrigins(origin))}`);
    }
  }
  const seconds = (performance.now() / 1000).toFixed(1); // since this Node process started
  console.log(
    `Demo ready in ${seconds} s: ${demo.url}\n` +
      `  S3 ${s3.endpoint}, bucket ${s3.bucket}${local ? ' (local)' : ''}; page ${config.production ? 'built' : config.hotReload ? 'from Vite, reloaded on edit' : 'from Vite'}; URLs live ${config.expiresIn} s. Ctrl-C stops.\n` +
      `  Uploads recorded ${config.dataDir ? `in ${config.dataDir}` : 'nowhere (DEMO_DATA_DIR=off)'}${config.events === 'radosgw' ? ", also from radosgw's bucket notifications" : ''}.`,
  );
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await stop(1);
});
