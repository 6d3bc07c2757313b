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
  /**
   * A small file's PUT is under way, so its confirm will follow: confirms wait a little for it to
   * join their batch. Answers the function to call when the PUT has ended, however it ended.
   */
  uploading(): () => void;
}

/** Longest a confirm waits for the confirms of files still uploading, ms: a file's success is told that much later at most. */
const CONFIRM_LINGER_MS = 100;
/** Confirms waiting at which they leave at once. */
const CONFIRM_BATCH = 25;

/**
 * Signing and confirming small files in batches (`POST /s3/params`, `POST /s3/confirm`): with
 * many small files, a request per file to the middleware costs a round trip per file, which at
 * a distance is most of a small file's time, and CPU in the browser and the server at any
 * distance. A confirm waits up to 100 ms for those of the files still uploading; the last file's
 * leaves at once. A file the server refuses alone fails alone, with
 * its error; the batch requests end when `signal` aborts (the plugin is uninstalled).
 */
export function batchSingleUploadCalls(api: ApiClient, signal: AbortSignal): SingleUploadCalls {
  const refusal = (refused: { code: ErrorCode; message: string; status: number }, what: string) =>
    new S3UploadError(refused.code, `The upload server refused to ${what}: ${refused.message}`, { status: refused.status });
  const signing = createBatcher<ParamsFile, ParamsResponse>({
    max: MAX_PARAMS_FILES,
    send: async (files) => (await api.signSingleUploads(files, signal)).map((file) => (file.ok ? file : refusal(file, 'sign the upload'))),
  });
  let uploading = 0;
  const confirming = createBatcher<ConfirmFile, ConfirmedFile>({
    max: MAX_CONFIRM_FILES,
    linger: { while: () => uploading > 0, ms: CONFIRM_LINGER_MS, atLeast: CONFIRM_BATCH },
    send: async (files) => (await api.confirmUploads(files, signal)).map((file) => (file.ok ? file : refusal(file, 'confirm the upload'))),
  });
  return {
    sign: (file, fileSignal) => signing.add(file, fileSignal),
    confirm: (file, fileSignal) => confirming.add(file, fileSignal),
    uploading() {
      uploading += 1;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        uploading -= 1;
        confirming.wake();
      };
    },
  };
}
