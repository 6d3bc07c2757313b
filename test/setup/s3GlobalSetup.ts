/**
 * Vitest global setup: one real S3 for the whole run. With S3_ENDPOINT set, that S3 is used as it
 * is (MinIO, AWS, R2: set S3_REGION, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY too);
 * otherwise a local Ceph radosgw is started here and stopped after the last test file.
 */
import type { TestProject } from 'vitest/node';
import { startLocalS3 } from '../../scripts/startLocalS3.js';
import { s3ConfigFromEnv, type S3Config } from '../../scripts/s3ConfigFromEnv.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3Config;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = s3ConfigFromEnv(process.env);
  if (fromEnv !== undefined) {
    project.provide('s3', fromEnv);
    return undefined;
  }
  const started = Date.now();
  const s3 = await startLocalS3({ log: (line) => process.env.S3_VERBOSE && console.log(`[local-s3] ${line}`) });
  console.log(`[local-s3] radosgw ready at ${s3.endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('s3', {
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  return () => s3.stop();
}
