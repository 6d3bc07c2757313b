/** Bounds how many of something run at once (requests under way, files signed ahead); first come, first served. */
export interface Limiter {
  /** Waits for a free slot; resolves with the function that gives it back. Rejects when `signal` aborts. */
  acquire(signal: AbortSignal): Promise<() => void>;
  /** Slots in use now. */
  readonly active: number;
}

/**
 * At most `limit` slots in use. Once all are taken, waiters get slots again only when no more than
 * `refillAt` are in use, and then as many at once as are free: files signed ahead are then asked
 * for many to a request, instead of one request per file as each slot comes back.
 */
export function createLimiter(
  limit: number,
  {
    refillAt = limit - 1,
  }: {
    /**
     * Slots in use at or below which waiters are let in again once all were taken.
     * @default limit - 1 (a slot given back goes to the next waiter at once)
     */
    refillAt?: number;
  } = {},
): Limiter {
  let active = 0;
  let open = true;
  const waiting: Array<() => void> = [];

  const take = () => {
    active += 1;
    if (active >= limit) open = false;
  };
  const grantWaiting = () => {
    while (open && waiting.length > 0) {
      take();
      (waiting.shift() as () => void)();
    }
  };
  const release = () => {
    active -= 1;
    if (active <= refillAt) open = true;
    grantWaiting();
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
      if (open) {
        take();
        return Promise.resolve(once());
      }
      return new Promise((resolve, reject) => {
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
