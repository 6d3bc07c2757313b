import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ROUTES } from '../contract.js';
import { createUploadHandlers, type RawInput, type UploadHandlers } from './createUploadHandlers.js';
import type { UploadOptions } from './options.js';
import { toUploadError, UploadError } from './UploadError.js';

/** Options of {@link createS3Middleware}: the upload options plus what only HTTP needs. */
export interface S3MiddlewareOptions extends UploadOptions<Request> {
  /**
   * Largest JSON body accepted, in bytes. A complete request for 10,000 parts is about 650 KB.
   * @default 1048576 (1 MiB)
   */
  maxBodySize?: number;
}

/**
 * An Express router that speaks Uppy Companion's `/s3/...` routes (so the stock `@uppy/aws-s3`
 * plugin in `companionEndpoint` mode works against it) plus our extensions. Mount it where the
 * plugin's `companionEndpoint` points.
 *
 * @example
 * import express from 'express';
 * import { createS3Middleware } from 'uppy-s3-resumable/middleware';
 *
 * const app = express();
 * app.use('/uploads', createS3Middleware({ s3: { region: 'eu-west-1' }, bucket: 'my-uploads' }));
 * // new AwsS3({ companionEndpoint: '/uploads' }) or our plugin with endpoint: '/uploads'
 */
export function createS3Middleware(options: S3MiddlewareOptions): Router {
  const { maxBodySize = 1024 * 1024, ...uploadOptions } = options;
  if (!Number.isSafeInteger(maxBodySize) || maxBodySize < 1024) {
    throw new TypeError(`Expected \`maxBodySize\` to be a whole number of bytes from 1024 up, got ${String(maxBodySize)} (${typeof maxBodySize})`);
  }
  const handlers = createUploadHandlers(uploadOptions);
  const router = express.Router();
  // Answers carry fresh signatures and upload state: no cache may keep or replay them.
  router.use('/s3', (_req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  const json = express.json({ limit: maxBodySize, strict: true });

  type Name = Exclude<keyof UploadHandlers<Request>, 'options'>;
  const route = (name: Name) => async (req: Request, res: Response) => {
    const input: RawInput = { params: req.params, query: req.query, body: req.body };
    res.json(await handlers[name](req, input));
  };

  router.get(ROUTES.params, route('getUploadParameters'));
  router.post(ROUTES.createMultipart, json, route('createMultipartUpload'));
  // The batch route comes before `:partNumber`, which would otherwise match "batch".
  router.post(ROUTES.batch, json, route('signParts'));
  router.get(ROUTES.batch, route('signPartsCompanion'));
  router.post(ROUTES.complete, json, route('completeMultipartUpload'));
  router.get(ROUTES.part, route('signPart'));
  router.get(ROUTES.upload, route('listParts'));
  router.delete(ROUTES.upload, route('abortMultipartUpload'));
  router.all('/s3{/*rest}', () => {
    throw new UploadError('not_found', 'No such upload route.');
  });

  // Express 5 passes rejected promises here; body-parser errors carry a `type`.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const uploadError = fromBodyParser(error) ?? toUploadError(error);
    try {
      handlers.options.onError(uploadError, req);
    } catch {
      // A failing log hook must not turn a 4xx into a crash.
    }
    res.status(uploadError.status).json(uploadError.toBody());
  });
  return router;
}

function fromBodyParser(error: unknown): UploadError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  switch ((error as { type: unknown }).type) {
    case 'entity.too.large':
      return new UploadError('body_too_large', 'The request body is too large.', { cause: error });
    case 'entity.parse.failed':
      return new UploadError('invalid_body', 'The request body is not valid JSON.', { cause: error });
    case 'encoding.unsupported':
    case 'charset.unsupported':
    case 'request.size.invalid':
    case 'request.aborted':
    case 'entity.verify.failed':
      return new UploadError('invalid_body', 'The request body could not be read.', { cause: error });
    default:
      return undefined;
  }
}
