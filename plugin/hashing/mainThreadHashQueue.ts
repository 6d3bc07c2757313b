/**
 * The hash queue the pool runs on the main thread when its workers can't start (a CSP without
 * `worker-src`, a bundler that dropped the worker): the fastest MD5 that starts here, as a worker
 * would run it. createHashPool loads this module with `import()` when it first needs it, so the
 * MD5s (the WebAssembly builders, the plain-JavaScript one) and the reading are not in the page's
 * script on the pages whose workers start.
 */
import { createHashQueue } from './createHashQueue.js';
import { hashingMd5Implementations } from './hashingMd5Implementations.js';
import { createMd5Lanes, type Md5Fallback } from '../md5/createMd5Lanes.js';

export function mainThreadHashQueue(onMd5Fallback: (fallback: Md5Fallback) => void): ReturnType<typeof createHashQueue> {
  return createHashQueue(() => createMd5Lanes(hashingMd5Implementations, onMd5Fallback));
}
