/**
 * Whether the upload server (the middleware) answers, shared by every call the plugin makes to
 * it. A call that cannot reach it marks it down; any answer marks it up again and wakes every
 * call that was waiting to try again, so an outage (a deploy, a restart) ends for all files at
 * once, while each waiting call backs off on its own schedule instead of polling.
 */
export interface ServerAvailability {
  /** Since when (ms since epoch) no call has reached the server; `undefined` while it answers. */
  readonly downSince: number | undefined;
  /** A call could not reach the server. */
  markDown(now?: number): void;
  /** A call got an answer from the server. */
  markUp(): void;
  /** Resolves after `ms`, or as soon as the server is marked up; rejects when `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

export function createServerAvailability(): ServerAvailability {
  let downSince: number | undefined;
  const waiting = new Set<() => void>();

  return {
    get downSince() {
      return downSince;
    },
    markDown(now = Date.now()) {
      downSince ??= now;
    },
    markUp() {
      if (downSince === undefined) return;
      downSince = undefined;
      for (const wake of [...waiting]) wake();
    },
    wait(ms, signal) {
      return new Promise((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          clearTimeout(timer);
          waiting.delete(done);
          reject(signal.reason);
        };
        const timer = setTimeout(done, ms);
        waiting.add(done);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
