import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Config } from './s3ConfigFromEnv.js';

/**
 * S3 client settings for a bucket at an explicit endpoint: path-style addressing (works on AWS,
 * R2, MinIO and radosgw alike) and checksums only where S3 requires them (radosgw and others
 * refuse the SDK's newer default checksums).
 */
export function s3ClientConfig({ endpoint, region, accessKeyId, secretAccessKey }: S3Config): S3ClientConfig {
  return {
    endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}
