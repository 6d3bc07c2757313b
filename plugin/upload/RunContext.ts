import type { Digest } from '../md5/digest.js';
import type { PutToS3 } from '../network/putToS3.js';
import type { RetryOptions } from '../network/withRetry.js';
import type { FileToUpload, FileUploadEvents, UploadServices } from './FileUploadTypes.js';
import type { PartDigests } from './PartDigests.js';

/** What a run of a file's upload (single PUT or multipart) is handed by its {@link FileUpload}. */
export interface RunContext {
  file: FileToUpload;
  services: UploadServices;
  events: FileUploadEvents;
  digests: PartDigests;
  /** Aborted only when the file is removed: completing and confirming must not be cut off by a pause. */
  removal: AbortSignal;
  /** One PUT to S3 with its timeline events; resolves with the ETag checked against `digest`. */
  put(request: Omit<PutToS3, 'stallTimeout'>, partNumber: number, attempt: number, digest: Digest | undefined): Promise<string>;
  /** The file starts (`true`) or stops waiting for the browser to be online: code loaded on demand waits for it. */
  onOffline(waiting: boolean): void;
  /** The retry policy's options for a request of this file, cut short by `signal`. */
  retryOptions(signal: AbortSignal, extra?: Partial<RetryOptions>): RetryOptions;
}
