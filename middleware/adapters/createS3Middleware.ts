import type { Request, RequestHandler } from 'express';
import type { S3HandlerOptions } from '../http/createS3Router.js';
import { isUnderS3 } from '../http/matchRoute.js';
import { createS3NodeHandler } from './createS3NodeHandler.js';

/** Options of {@link createS3Middleware}: the hooks receive Express's `Request`. */
export type S3MiddlewareOptions = S3HandlerOptions<Request>;

/**
 * Express middleware that speaks Uppy Companion's `/s3/...` routes (so the stock `@uppy/aws-s3`
 * plugin in `companionEndpoint` mode works against it) plus our extensions: the node:http handler
 * with Express's `Request` given to the hooks. Requests outside `/s3` (relative to where it is
 * mounted) go on to the next handler. Mount it where the plugin's `companionEndpoint` points.
 *
 * @example
 * import express from 'express';
 * import { createS3Middleware } from 'uppy-s3-resumable/middleware';
 *
 * const app = express();
 * app.use('/uploads', createS3Middleware({ s3: { region: 'eu-west-1' }, bucket: 'my-uploads' }));
 * // new AwsS3({ companionEndpoint: '/uploads' }) or our plugin with endpoint: '/uploads'
 */
export function createS3Middleware(options: S3MiddlewareOptions): RequestHandler {
  const handle = createS3NodeHandler<Request>(options);
  return (req, res, next) => {
    if (isUnderS3(req.url)) handle(req, res, req);
    else next();
  };
}
