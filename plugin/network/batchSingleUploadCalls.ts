import { MAX_CONFIRM_FILES, MAX_PARAMS_FILES, type ConfirmedFile, type ConfirmFile, type ErrorCode, type ParamsFile, type ParamsResponse } from '../../contract.js';
import { S3UploadError } from '../S3UploadError.js';
import type { ApiClient } from './createApiClient.js';
import { createBatcher } from './createBatcher.js';

/** The calls each small file makes to the middleware, answered one file at a time but sent many files to a request. */
export interface SingleUploadCalls {
  /** A presigned PUT for the whole file, bound to its own key, size and MD5. */
  sign(file: ParamsFile, signal: AbortSignal): Promise<ParamsResponse>;
  /** The server's check of the stored object (and its completion hook's answer). */
  confirm(file: ConfirmFile, signal: AbortSignal): Promise<ConfirmedFile>;
}

/**
 * Signing and confirming small files in batches (`POST /s3/params`, `POST /s3/confirm`): with
 * many small files, a request per file to the middleware costs a round trip per file, which at
 * a distance is most of a small file's time. A file the server refuses alone fails alone, with
 * its error; the batch requests end when `signal` aborts (the plugin is uninstalled).
 */
export function batchSingleUploadCalls(api: ApiClient, signal: AbortSignal): SingleUploadCalls {
  const refusal = (refused: { code: ErrorCode; message: string; status: number }, what: string) =>
    new S3UploadError(refused.code, `The upload server refused to ${what}: ${refused.message}`, { status: refused.status });
  const signing = createBatcher<ParamsFile, ParamsResponse>({
    max: MAX_PARAMS_FILES,
    send: async (files) => (await api.signSingleUploads(files, signal)).map((file) => (file.ok ? file : refusal(file, 'sign the upload'))),
  });
  const confirming = createBatcher<ConfirmFile, ConfirmedFile>({
    max: MAX_CONFIRM_FILES,
    send: async (files) => (await api.confirmUploads(files, signal)).map((file) => (file.ok ? file : refusal(file, 'confirm the upload'))),
  });
  return { sign: (file, fileSignal) => signing.add(file, fileSignal), confirm: (file, fileSignal) => confirming.add(file, fileSignal) };
}
