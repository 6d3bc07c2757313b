import type { CORSRule } from '@aws-sdk/client-s3';

/**
 * The CORS rule a bucket needs for browser uploads from `origins`: PUT (parts, single files) and
 * POST (the stock plugin's form uploads) with any request header (Content-MD5, Content-Type), and
 * ETag exposed, since the browser must read each part's ETag to complete the upload.
 */
export function uploadCorsRule(origins: string[]): CORSRule {
  return {
    AllowedOrigins: origins,
    AllowedMethods: ['GET', 'PUT', 'POST', 'HEAD'],
    AllowedHeaders: ['*'],
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: 3000,
  };
}
