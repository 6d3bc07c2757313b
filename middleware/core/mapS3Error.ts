import { UploadError } from './UploadError.js';

/** The error code S3 (or radosgw) answered, from the SDK's error shape. */
export function s3ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  if (typeof Code === 'string') return Code;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Turns an S3 failure into an {@link UploadError}: the client gets a stable code and a sentence,
 * the S3 error stays in `cause`. radosgw answers ListParts on an aborted upload with `NoSuchKey`
 * instead of `NoSuchUpload` (docs/s3-behaviour.md), so both mean "no such upload" here.
 */
export function mapS3Error(error: unknown, action: string): UploadError {
  switch (s3ErrorCode(error)) {
    case 'NoSuchUpload':
    case 'NoSuchKey':
      return new UploadError('upload_not_found', `No such upload: it was never created, or it was completed or aborted.`, { cause: error });
    case 'InvalidPart':
      return new UploadError('invalid_part', 'S3 holds no part with that number and ETag; upload the part again or list the parts.', { cause: error });
    case 'InvalidPartOrder':
      return new UploadError('invalid_parts', 'The parts must be listed in ascending order of part number.', { cause: error });
    case 'EntityTooSmall':
      return new UploadError('part_too_small', 'Every part but the last must be at least 5 MiB.', { cause: error });
    default:
      return new UploadError('s3_error', `S3 failed to ${action}; try again later.`, { cause: error });
  }
}
