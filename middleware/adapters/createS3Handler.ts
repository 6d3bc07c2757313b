import { createS3Router, type S3HandlerOptions } from '../http/createS3Router.js';

/**
 * A Web-standard handler, `(request: Request) => Promise<Response>`, for Next.js route handlers,
 * Hono, Remix, SvelteKit, Bun and Deno. It serves Uppy Companion's `/s3/...` routes (so the stock
 * `@uppy/aws-s3` works against it) plus our extensions, matched on the path's `/s3/...` tail
 * wherever it is mounted; any other path is answered 404 `not_found`. The hooks (`authorize`,
 * `prefix`, `getKey`, `onError`) receive the `Request` (or your framework's subclass of it, `R`).
 *
 * @example
 * // app/api/upload/[...path]/route.ts (Next.js App Router)
 * const handler = createS3Handler({ s3: { region: 'eu-west-1' }, bucket: 'my-uploads', prefix: (request) => `users/${userOf(request)}/` });
 * export { handler as GET, handler as POST, handler as DELETE };
 * // page: new Uppy().use(S3ResumableUpload, { endpoint: '/api/upload' })
 */
export function createS3Handler<R extends Request = Request>(options: S3HandlerOptions<R>): (request: R) => Promise<Response> {
  const route = createS3Router(options);
  return async (request) => {
    const answer = await route(request, {
      method: request.method,
      url: request.url,
      header: (name) => request.headers.get(name) ?? undefined,
      // preventCancel: a body refused half-read (413) must not take the connection with it.
      stream: () => request.body?.values({ preventCancel: true }) ?? null,
    });
    return new Response(request.method === 'HEAD' ? null : answer.body, { status: answer.status, headers: answer.headers });
  };
}
