export { S3ResumableUpload, type S3ResumableUploadState, type S3UploadBody } from './S3ResumableUpload.js';
export type { S3ResumableUploadOptions } from './options.js';
export type { FileCounters, UploadCounters } from './counters.js';
export { S3UploadError, type S3UploadErrorCode, type PluginErrorCode } from './S3UploadError.js';
export type { TimelineEvent, PutOutcome } from './TimelineEvent.js';
