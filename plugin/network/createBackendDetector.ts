import type { Extension } from '../../contract.js';
import { abortable } from './abortable.js';

/**
 * Which routes the upload server has: `extended`, our middleware (parts signed with their MD5s,
 * small files by a presigned PUT); `companion`, Uppy Companion's routes only (part URLs without
 * MD5s, small files by a presigned POST form).
 */
export type BackendMode = 'extended' | 'companion';

/** The extensions an `extended` upload calls; a server lacking one is spoken to as Companion. */
const NEEDED: readonly Extension[] = ['md5-signing', 'put-params'];

/**
 * Decides the mode once, when the first upload needs it: `forced` when given, else from the
 * server's `GET /s3/capabilities` (asked with the calls' retry policy, so an outage or a network
 * failure is waited out and never read as "Companion"). The answer is kept for the plugin's life;
 * a failed detection is not, so the next upload asks again. `signal` only stops the caller waiting:
 * the question itself is shared by every upload that waits on it.
 */
export function createBackendDetector(
  forced: BackendMode | 'auto',
  capabilities: (signal: AbortSignal) => Promise<Extension[] | undefined>,
): (signal: AbortSignal) => Promise<BackendMode> {
  let decided: Promise<BackendMode> | undefined = forced === 'auto' ? undefined : Promise.resolve(forced);
  return async (signal) => {
    signal.throwIfAborted();
    decided ??= capabilities(new AbortController().signal).then(
      (extensions) => (extensions !== undefined && NEEDED.every((name) => extensions.includes(name)) ? 'extended' : 'companion'),
      (error: unknown) => {
        decided = undefined;
        throw error;
      },
    );
    return abortable(decided, signal);
  };
}
