import type { IncomingMessage, ServerResponse } from 'node:http';
import { createS3Router, type S3HandlerOptions } from '../http/createS3Router.js';

/**
 * A `node:http` request listener. The hooks receive `context`, or `req` when there is none:
 * optional while the hooks take an `IncomingMessage`, required when they take something else
 * (Fastify's request, Koa's context).
 */
export type S3NodeHandler<Ctx> = IncomingMessage extends Ctx
  ? (req: IncomingMessage, res: ServerResponse, context?: Ctx) => void
  : (req: IncomingMessage, res: ServerResponse, context: Ctx) => void;

/**
 * The same routes as {@link createS3Handler} as a `node:http` handler, `(req, res) => void`: for
 * plain `http.createServer`, Connect, Koa (`ctx.req, ctx.res, ctx`) and Fastify's raw routes
 * (`request.raw, reply.raw, request`). It answers every request it is given (404 `not_found`
 * off the routes), and reads bodies itself: give it the request before any body parser has.
 *
 * @example
 * import { createServer } from 'node:http';
 * const handle = createS3NodeHandler({ s3: { region: 'eu-west-1' }, bucket: 'my-uploads', prefix: (req) => `users/${userOf(req)}/` });
 * createServer((req, res) => (req.url?.startsWith('/upload/') ? handle(req, res) : serveApp(req, res))).listen(3000);
 */
export function createS3NodeHandler<Ctx = IncomingMessage>(options: S3HandlerOptions<Ctx>): S3NodeHandler<Ctx> {
  const route = createS3Router(options);
  const handle = (req: IncomingMessage, res: ServerResponse, context?: Ctx): void => {
    void route(context ?? (req as Ctx), {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      header: (name) => req.headers[name] as string | undefined,
      // destroyOnReturn false: a body refused half-read (413) must not take the socket with it.
      stream: () => req.iterator({ destroyOnReturn: false }),
      parsed: req.readableEnded ? (req as { body?: unknown }).body : undefined,
    }).then((answer) => {
      // The client may have gone while S3 answered; there is nobody to tell.
      if (!res.headersSent && !res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
      // A body refused half-read (too large, not decodable) would be parsed as the next request
      // on a kept-alive connection: discard the rest, as Node does with bodies nobody reads.
      if (!req.readableEnded) req.resume();
    }).catch((error: unknown) => res.destroy(error instanceof Error ? error : undefined));
  };
  return handle as S3NodeHandler<Ctx>;
}
