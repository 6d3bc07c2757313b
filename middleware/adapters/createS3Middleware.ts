import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ROUTES } from '../../contract.js';
import { createUploadHandlers, type RawInput, type UploadHandlers } from '../core/createUploadHandlers.js';
import type { UploadOptions } from '../core/options.js';
import { toUploadError, UploadError } from '../core/UploadError.js';

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
  router.use('/s3', rejectUndecodablePath);
  const parseJson = express.json({ limit: maxBodySize, strict: true });
  // Whatever the body parser refuses is the body's fault, whichever error shape it comes in.
  const json = (req: Request, res: Response, next: NextFunction) =>
    parseJson(req, res, (error?: unknown) => next(error === undefined ? undefined : fromBodyParser(error)));

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

  // Express 5 passes rejected promises here; body-parser errors arrive already translated by `json`.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const uploadError = toUploadError(error);
    try {
      handlers.options.onError(uploadError, req);
    } catch {
      // A failing log hook must not turn a 4xx into a crash.
    }
    res.status(uploadError.status).json(uploadError.toBody());
  });
  return router;
}

/**
 * The router decodes path parameters with `decodeURIComponent` and throws a bare `URIError` (a 500
 * here) on a malformed escape such as `%` or `%E0%A4`. Such a path names no route and no upload.
 */
function rejectUndecodablePath(req: Request, _res: Response, next: NextFunction): void {
  try {
    decodeURIComponent(req.path);
  } catch (error) {
    throw new UploadError('not_found', 'No such upload route: the path has a malformed percent-escape.', { cause: error });
  }
  next();
}

/**
 * An error of the JSON body parser as an {@link UploadError}. Besides its typed errors (too large,
 * not JSON, unknown charset or encoding, aborted) it passes on decompression failures untyped (a
 * `Content-Encoding: gzip` body that is not gzip) with a 4xx status; those are unreadable bodies too.
 */
function fromBodyParser(error: unknown): UploadError {
  const { type, status } = (typeof error === 'object' && error !== null ? error : {}) as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large') return new UploadError('body_too_large', 'The request body is too large.', { cause: error });
  if (type === 'entity.parse.failed') return new UploadError('invalid_body', 'The request body is not valid JSON.', { cause: error });
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new UploadError('invalid_body', 'The request body could not be read.', { cause: error });
  }
  return toUploadError(error);
}
