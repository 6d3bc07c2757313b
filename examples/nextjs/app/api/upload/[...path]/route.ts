import { createHash } from 'node:crypto';
import type { NextRequest } from 'next/server';
import { createS3Handler } from 'uppy-s3-resumable/middleware';
import { isUserId } from '../../../../userId';

let handler: ((request: NextRequest) => Promise<Response>) | undefined;

/**
 * Every route under /api/upload (`/api/upload/s3/...`). The hooks get the NextRequest: the user
 * comes from its cookie. Made at the first request: `next build` loads this file without the
 * app's environment (S3_BUCKET, credentials).
 */
function uploads(request: NextRequest): Promise<Response> {
  handler ??= createS3Handler<NextRequest>({
    s3: { region: process.env.S3_REGION ?? 'us-east-1', endpoint: process.env.S3_ENDPOINT },
    bucket: process.env.S3_BUCKET ?? '',
    authorize: (req) => isUserId(req.cookies.get('user')?.value),
    prefix: (req) => `users/${req.cookies.get('user')?.value}/`,
    // Runs once the object is in S3, checked by the server; at least once, so a database would upsert
    // by key + ETag. Its answer reaches the page as serverData: here an id made from key + ETag.
    onUploadComplete: ({ key, etag, size, source }) => {
      console.log(`Upload complete (${source}): ${key}, ${size} bytes, ETag ${etag}`);
      return { id: createHash('sha256').update(`${key} ${etag}`).digest('hex').slice(0, 16) };
    },
  });
  return handler(request);
}

export { uploads as GET, uploads as POST, uploads as DELETE };
