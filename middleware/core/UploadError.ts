import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '../../contract.js';

/**
 * The one error type the middleware answers with: a stable {@link ErrorCode}, its HTTP status, a
 * plain sentence for people, and the original failure as `cause` (for logs and `onError`, never
 * for the client).
 *
 * @example
 * throw new UploadError('invalid_part_number', 'partNumber must be a whole number from 1 to 10000, got "0".');
 */
export class UploadError extends Error {
  override readonly name = 'UploadError';
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = ERROR_STATUS[code];
  }

  /** The JSON body sent to the client. */
  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** Wraps anything thrown into an {@link UploadError}; unknown failures become `internal_error`. */
export function toUploadError(error: unknown): UploadError {
  if (error instanceof UploadError) return error;
  return new UploadError('internal_error', 'The upload server failed; the failure is in its logs.', { cause: error });
}
