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
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const answer = await route(request, {
      method: request.method,
      url: request.url,
      header: (name) => request.headers.get(name) ?? undefined,
      stream: () => (request.body === null ? null : chunksOf((reader = request.body.getReader()))),
    });
    // A body refused half-read (too large, not decodable) is read on to its end, unkept, as the
    // Node adapter does: a server that sees its request's body left half-read may close the
    // kept-alive connection under the client's next request (Hono's Node server does, 500 ms on).
    if (reader !== undefined) void discardRest(reader);
    return new Response(request.method === 'HEAD' ? null : answer.body, { status: answer.status, headers: answer.headers });
  };
}

/** The chunks `reader` gives; leaving the loop early leaves the rest unread (and the reader ours). */
async function* chunksOf(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
}

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done);
  } catch {
    // The client went away mid-body: there is nothing left to keep.
  }
}
