export { createS3Middleware, type S3MiddlewareOptions } from './createS3Middleware.js';
export { createRateLimiter, type RateLimiterOptions } from './createRateLimiter.js';
export { createUploadHandlers, type RawInput, type UploadHandlers } from './createUploadHandlers.js';
export { createPresigner, type Presigner, type PresignedRequest } from './createPresigner.js';
export type { KeyContext, UploadOptions } from './options.js';
export { sanitizeFilename, createObjectKey } from './objectKey.js';
export { UploadError } from './UploadError.js';
export {
  cleanupStaleUploads,
  CleanupError,
  type CleanupEvent,
  type CleanupOutcome,
  type CleanupReport,
  type CleanupStaleUploadsOptions,
  type FailedAbort,
  type IncompleteUpload,
} from './cleanupStaleUploads.js';
export * from '../contract.js';
