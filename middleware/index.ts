export { createS3Handler } from './adapters/createS3Handler.js';
export { createS3NodeHandler, type S3NodeHandler } from './adapters/createS3NodeHandler.js';
export { createS3Middleware, type S3MiddlewareOptions } from './adapters/createS3Middleware.js';
export { createRateLimiter, type RateLimiterOptions } from './extras/createRateLimiter.js';
export type { S3HandlerOptions } from './http/createS3Router.js';
export { createUploadHandlers, type RawInput, type UploadHandlers } from './core/createUploadHandlers.js';
export { createPresigner, type Presigner, type PresignedRequest } from './core/createPresigner.js';
export type { CompletedUpload, EventOptions, KeyContext, UploadOptions } from './core/options.js';
export { sanitizeFilename, createObjectKey } from './core/objectKey.js';
export { UploadError } from './core/UploadError.js';
export {
  cleanupStaleUploads,
  CleanupError,
  type CleanupEvent,
  type CleanupOutcome,
  type CleanupReport,
  type CleanupStaleUploadsOptions,
  type FailedAbort,
  type IncompleteUpload,
} from './core/cleanupStaleUploads.js';
export * from '../contract.js';
