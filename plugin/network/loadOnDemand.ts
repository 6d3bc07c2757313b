import { S3UploadError } from '../S3UploadError.js';
import { abortable } from './abortable.js';
import { browserOnline, waitUntilOnline } from './waitUntilOnline.js';

/**
 * Code that only some uploads run, loaded by `import()` when the first of them needs it, so that a
 * bundler gives it a chunk of its own that pages without such uploads never fetch. Answers the
 * loader: its calls share one load, kept once it has succeeded.
 *
 * A browser may keep a failed fetch of a module for the page's life (Chromium does, for a network
 * failure and an HTTP error alike, though the HTML standard now has it fetched again), so the
 * chunk is not asked for while the browser is offline: the caller waits for the network, as the
 * plugin's requests do (`onOffline`). A load that failed all the same is not kept (the next call
 * loads again, where the browser lets it) and rejects as an upload error (`code_load_failed`),
 * not the browser's bare TypeError. `signal` stops the caller waiting (a pause), not the load,
 * which other uploads may share.
 */
export function loadOnDemand<T>(what: string, load: () => Promise<T>): (signal: AbortSignal, onOffline?: (waiting: boolean) => void) => Promise<T> {
  let loading: Promise<T> | undefined;
  return async (signal, onOffline) => {
    signal.throwIfAborted();
    if (!loading && !browserOnline()) {
      onOffline?.(true);
      await waitUntilOnline(signal);
      onOffline?.(false);
    }
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw new S3UploadError(
        'code_load_failed',
        `The plugin's code for ${what} could not be loaded (${String(error)}). Retry the upload; if it fails again, reload the page: a browser may keep a failed load until then.`,
        { cause: error },
      );
    });
    return abortable(loading, signal);
  };
}
