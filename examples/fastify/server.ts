/**
 * Fastify with the upload routes at /api/upload and the page (examples/page, built). Each visitor
 * gets an id in a cookie, standing in for your login; the routes keep their files under
 * `users/<id>/` and refuse anyone without one. S3 from S3_ENDPOINT (unset: AWS), S3_REGION,
 * S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; PORT (default 3000) on 127.0.0.1.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createS3NodeHandler } from 'uppy-s3-resumable/middleware';

const isUserId = (id: string | undefined): id is string => id !== undefined && /^[0-9a-f-]{36}$/.test(id);

const app = Fastify();
await app.register(fastifyCookie);
app.addHook('onRequest', async (request, reply) => {
  if (!isUserId(request.cookies.user)) reply.setCookie('user', randomUUID(), { path: '/', httpOnly: true, sameSite: 'lax' });
});

// The hooks get Fastify's request (the third argument below), with its cookies.
const uploads = createS3NodeHandler<FastifyRequest>({
  s3: { region: process.env.S3_REGION ?? 'us-east-1', endpoint: process.env.S3_ENDPOINT },
  bucket: process.env.S3_BUCKET ?? '',
  authorize: (request) => isUserId(request.cookies.user),
  prefix: (request) => `users/${request.cookies.user}/`,
  // Runs once the object is in S3, checked by the server; at least once, so a database would upsert
  // by key + ETag. Its answer reaches the page as serverData: here an id made from key + ETag.
  onUploadComplete: ({ key, etag, size, source }) => {
    console.log(`Upload complete (${source}): ${key}, ${size} bytes, ETag ${etag}`);
    return { id: createHash('sha256').update(`${key} ${etag}`).digest('hex').slice(0, 16) };
  },
});
// Answered in onRequest, before Fastify reads the body: the handler reads it itself, within its limit.
app.all('/api/upload/*', {
  onRequest: (request, reply, done) => {
    reply.hijack();
    uploads(request.raw, reply.raw, request);
    done();
  },
}, () => {});

await app.register(fastifyStatic, { root: fileURLToPath(new URL('../page/dist', import.meta.url)) });
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
console.log(`Listening on ${address}`);
