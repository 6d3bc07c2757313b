/** Bounds how many of something run at once (requests under way, files signed ahead); first come, first served. */
export interface Limiter {
  /** Waits for a free slot; resolves with the function that gives it back. Rejects when `signal` aborts. */
  acquire(signal: AbortSignal): Promise<() => void>;
  /** Slots in use now. */
  readonly active: number;
}

export function createLimiter(limit: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };
  const once = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };

  return {
    get active() {
      return active;
    },
    acquire(signal) {
      signal.throwIfAborted();
      if (active < limit) {
        active += 1;
        return Promise.resolve(once());
      }
      return new Promise((resolve, reject) => {
        // The slot passes straight from the releasing request to this one: `active` stays the same.
        const grant = () => {
          signal.removeEventListener('abort', onAbort);
          resolve(once());
        };
        const onAbort = () => {
          const at = waiting.indexOf(grant);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal.reason);
        };
        waiting.push(grant);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
