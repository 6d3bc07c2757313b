/** Gathers single requests into batch requests (see {@link createBatcher}). */
export interface Batcher<Item, Result> {
  /** Sends `item` with the next batch; resolves with its result, rejects with its own error or the batch's. */
  add(item: Item, signal: AbortSignal): Promise<Result>;
  /** Checks again whether lingering items should leave now (`linger.while` may have turned false). */
  wake(): void;
}

/** Lets items wait for others to join their batch, while more are known to be coming. */
export interface Linger {
  /** Whether more items are on their way (e.g. uploads whose confirms will follow). */
  while: () => boolean;
  /** Longest an item waits for others, ms. */
  ms: number;
  /** Items waiting at which the batch leaves at once. */
  atLeast: number;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
  onAbort: () => void;
}

/**
 * Many files each needing the same call (a URL, a confirm) make one request for all of them: the
 * items added in the same turn of the event loop, or while `concurrency` batches are on their way,
 * go together in the next batch, at most `max` of them. So the number of requests follows the
 * round-trip time by itself, and a slow server gets bigger batches. With `linger`, items also wait
 * (at most `linger.ms`) for others while more are known to be coming: on a fast server, a request
 * per item would otherwise go out as each item arrives.
 *
 * `send` answers one result per item, in order: a value, or an `Error` for an item refused alone;
 * when `send` throws, every item of its batch rejects with that error. An item whose `signal`
 * aborts rejects at once, and is taken out of its batch if that has not left yet.
 */
export function createBatcher<Item, Result>({
  send,
  max,
  concurrency = 2,
  linger,
}: {
  send: (items: Item[]) => Promise<Array<Result | Error>>;
  /** Most items in one batch. */
  max: number;
  /**
   * Batches on their way at once.
   * @default 2
   */
  concurrency?: number;
  /**
   * Waiting for more items to join a batch.
   * @default none: a batch leaves in the turn of the event loop its first item was added
   */
  linger?: Linger;
}): Batcher<Item, Result> {
  const queue: Array<Waiting<Item, Result>> = [];
  let inFlight = 0;
  let scheduled = false;
  let lingering: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    scheduled = false;
    clearTimeout(lingering);
    lingering = undefined;
    while (inFlight < concurrency && queue.length > 0) {
      const batch = queue.splice(0, max);
      inFlight += 1;
      send(batch.map((waiting) => waiting.item))
        .then(
          (results) =>
            batch.forEach((waiting, index) => {
              const result = results[index];
              if (result instanceof Error) waiting.reject(result);
              else if (index >= results.length) waiting.reject(new Error('The batch answered fewer results than it was sent items.'));
              else waiting.resolve(result as Result);
            }),
          (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
        )
        .finally(() => {
          inFlight -= 1;
          schedule();
        });
    }
  };
  const schedule = () => {
    if (scheduled || queue.length === 0) return;
    if (linger && queue.length < linger.atLeast && linger.while()) {
      lingering ??= setTimeout(() => {
        lingering = undefined;
        if (!scheduled) flush();
      }, linger.ms);
      return;
    }
    scheduled = true;
    // A macrotask: the items added in this turn (files hashed by the same worker message) go together.
    setTimeout(flush, 0);
  };

  return {
    wake: schedule,
    add(item, signal) {
      signal.throwIfAborted();
      return new Promise<Result>((resolve, reject) => {
        const settled = () => signal.removeEventListener('abort', waiting.onAbort);
        const waiting: Waiting<Item, Result> = {
          item,
          resolve: (result) => {
            settled();
            resolve(result);
          },
          reject: (error) => {
            settled();
            reject(error);
          },
          onAbort: () => {
            const at = queue.indexOf(waiting);
            if (at >= 0) queue.splice(at, 1);
            reject(signal.reason);
          },
        };
        signal.addEventListener('abort', waiting.onAbort, { once: true });
        queue.push(waiting);
        schedule();
      });
    },
  };
}
