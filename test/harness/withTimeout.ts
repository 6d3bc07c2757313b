/**
 * `promise`, or a rejection after `ms` with `message`. Given as a function, the message is made
 * when the time is up, so it can say what the state was then (a driver's output, bytes left).
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string | (() => string)): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const say = typeof message === 'string' ? () => message : message;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(say())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
