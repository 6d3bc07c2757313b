/**
 * Runs the demo: `npm run demo`. With no S3_ENDPOINT, starts a local S3 (Ceph radosgw, installed
 * from Debian when missing) and stops it on exit; with one, uses that bucket
 * (S3_REGION, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). PORT defaults to 3000,
 * URL_LIFETIME (seconds) to 900.
 */
import { startLocalS3, type LocalS3 } from '../scripts/startLocalS3.js';
import { createDemoServer, type DemoS3 } from './createDemoServer.js';

const started = Date.now();
let local: LocalS3 | undefined;

async function demoS3(): Promise<DemoS3> {
  const env = process.env;
  if (env.S3_ENDPOINT) {
    return {
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION ?? 'us-east-1',
      bucket: env.S3_BUCKET ?? '',
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    };
  }
  console.log('No S3_ENDPOINT: starting a local S3 (Ceph radosgw)');
  local = await startLocalS3({ log: (line) => console.log(`  ${line}`) });
  return local;
}

async function main(): Promise<void> {
  const s3 = await demoS3();
  const demo = await createDemoServer({ s3, port: Number(process.env.PORT ?? 3000), expiresIn: Number(process.env.URL_LIFETIME ?? 900) });
  console.log(`Demo ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${demo.url}  (S3 ${s3.endpoint}, bucket ${s3.bucket}; Ctrl-C stops)`);
  const shutdown = async () => {
    console.log('Stopping');
    await demo.close();
    await local?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await local?.stop().catch(() => {});
  process.exit(1);
});
