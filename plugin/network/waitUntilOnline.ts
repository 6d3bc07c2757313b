/**
 * The browser's own word on the network (`navigator.onLine` and its `online` event), apart from
 * the retry loop that also waits on it: loadOnDemand, which the page loads with the plugin's
 * shell, waits on it before loading the code that uploads, and must not bring the retry loop and
 * its policy into the page's script.
 */

/** Resolves when the browser is back online, or rejects when `signal` aborts. */
export function waitUntilOnline(signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    if (navigator.onLine) return resolve();
    const done = () => {
      window.removeEventListener('online', onOnline);
      signal.removeEventListener('abort', onAbort);
    };
    const onOnline = () => {
      done();
      resolve();
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    window.addEventListener('online', onOnline);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Whether the browser says it is online (`navigator.onLine`); outside a browser, always. */
export const browserOnline = (): boolean => typeof navigator === 'undefined' || navigator.onLine;
