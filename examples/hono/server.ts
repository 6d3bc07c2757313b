/**
 * Hono on Node with the upload routes at /api/upload and the page (examples/page, built). Each
 * visitor gets an id in a cookie, standing in for your login; the routes keep their files under
 * `users/<id>/` and refuse anyone without one. S3 from S3_ENDPOINT (unset: AWS), S3_REGION,
 * S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; PORT (default 3000) on 127.0.0.1.
 */
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { parse } from 'hono/utils/cookie';
import { createHash, randomUUID } from 'node:crypto';
import { createS3Handler } from 'uppy-s3-resumable/middleware';

const isUserId = (id: string | undefined): id is string => id !== undefined && /^[0-9a-f-]{36}$/.test(id);
/** The hooks get the Web Request: the user id is read from its Cookie header. */
const userOf = (request: Request) => parse(request.headers.get('cookie') ?? '', 'user').user;

const uploads = createS3Handler({
  s3: { region: process.env.S3_REGION ?? 'us-east-1', endpoint: process.env.S3_ENDPOINT },
  bucket: process.env.S3_BUCKET ?? '',
  authorize: (request) => isUserId(userOf(request)),
  prefix: (request) => `users/${userOf(request)}/`,
  // Runs once the object is in S3, checked by the server; at least once, so a database would upsert
  // by key + ETag. Its answer reaches the page as serverData: here an id made from key + ETag.
  onUploadComplete: ({ key, etag, size, source }) => {
    console.log(`Upload complete (${source}): ${key}, ${size} bytes, ETag ${etag}`);
    return { id: createHash('sha256').update(`${key} ${etag}`).digest('hex').slice(0, 16) };
  },
});

const app = new Hono();
app.use(async (c, next) => {
  if (!isUserId(getCookie(c, 'user'))) setCookie(c, 'user', randomUUID(), { path: '/', httpOnly: true, sameSite: 'Lax' });
  await next();
});
app.all('/api/upload/*', (c) => uploads(c.req.raw));
app.use('/*', serveStatic({ root: new URL('../page/dist', import.meta.url).pathname }));

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => console.log(`Listening on http://127.0.0.1:${info.port}`));
