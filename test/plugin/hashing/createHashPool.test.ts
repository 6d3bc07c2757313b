/**
 * The hash pool's fallbacks (plugin/createHashPool.ts), in Node with stand-in workers: a worker that
 * fails (as a CSP without a worker source makes it, with a bare `error` event) or never says it
 * started hands its jobs to the main thread; a worker or the main thread that can't compile
 * WebAssembly hashes in plain JavaScript. Every digest stays node:crypto's. The real thing, in
 * Chromium and Firefox under real CSPs: test/browser/strictCsp.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Md5Fallback } from '../../../plugin/md5/createMd5Lanes.js';
import { createHashPool, type HashPoolOptions } from '../../../plugin/hashing/createHashPool.js';
import type { WorkerReady } from '../../../plugin/hashing/workerMessages.js';

const MiB = 1024 * 1024;

/** A worker that takes messages and says nothing, until the test makes it. */
class StandInWorker extends EventTarget {
  static started: StandInWorker[] = [];
  received: unknown[] = [];
  terminated = false;
  constructor() {
    super();
    StandInWorker.started.push(this);
  }
  postMessage(message: unknown) {
    this.received.push(message);
  }
  terminate() {
    this.terminated = true;
  }
}

/** A pool of stand-in workers (the Worker global stubbed, so the pool believes it can start them), and what it reported. */
function poolOfStandIns(options: Partial<HashPoolOptions> = {}) {
  vi.stubGlobal('Worker', StandInWorker);
  StandInWorker.started = [];
  const reported = { fallbacks: [] as string[], md5Fallbacks: [] as Md5Fallback[] };
  const pool = createHashPool({
    size: 1,
    lanes: 1,
    createWorker: () => new StandInWorker() as unknown as Worker,
    onFallback: (reason) => reported.fallbacks.push(reason),
    onMd5Fallback: (fallback) => reported.md5Fallbacks.push(fallback),
    ...options,
  });
  return { pool, reported };
}

const md5Hex = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

/** Two parts of random bytes, hashed by `pool` as a run; answers the digests and the ones expected. */
async function hashTwoParts(pool: ReturnType<typeof createHashPool>, whileWaiting: () => void = () => {}) {
  const data = randomBytes(2 * MiB + 5);
  const digests = pool.md5Parts(new Blob([data]), [MiB, MiB + 5]);
  whileWaiting();
  return { got: (await Promise.all(digests)).map((digest) => digest.hex), expected: [md5Hex(data.subarray(0, MiB)), md5Hex(data.subarray(MiB))] };
}

describe('createHashPool fallbacks', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('a worker the CSP forbids (an error event, no message) hands its jobs to the main thread', async () => {
    const { pool, reported } = poolOfStandIns();
    const { got, expected } = await hashTwoParts(pool, () => StandInWorker.started[0]!.dispatchEvent(new Event('error')));
    expect(got).toEqual(expected);
    expect(reported.fallbacks).toEqual(['its script did not load, or the Content-Security-Policy forbids workers (worker-src)']);
    expect(StandInWorker.started[0]!.terminated).toBe(true);
    pool.terminate();
  });

  it('a worker that never says its MD5 started is taken for one that cannot start, after startTimeout', async () => {
    const { pool, reported } = poolOfStandIns({ startTimeout: 50 });
    const { got, expected } = await hashTwoParts(pool);
    expect(got).toEqual(expected);
    expect(reported.fallbacks).toEqual(['it said nothing for 0.05 s']);
    expect(StandInWorker.started[0]!.terminated).toBe(true);
    pool.terminate();
  });

  it('a worker whose MD5 could not start at all hands its jobs to the main thread', async () => {
    const { pool, reported } = poolOfStandIns();
    const failed: WorkerReady = { ready: false, error: 'Error: No MD5 implementation runs here.' };
    const { got, expected } = await hashTwoParts(pool, () => StandInWorker.started[0]!.dispatchEvent(new MessageEvent('message', { data: failed })));
    expect(got).toEqual(expected);
    expect(reported.fallbacks).toEqual(['its MD5 could not start: Error: No MD5 implementation runs here.']);
    pool.terminate();
  });

  it("reports a worker's MD5 fallback, and keeps the worker", () => {
    const { pool, reported } = poolOfStandIns({ startTimeout: 50 });
    void pool.md5(new Blob([new Uint8Array(10)])).catch(() => {}); // starts the worker; rejected when the pool stops
    const ready: WorkerReady = { ready: true, fallback: { used: 'js', reason: 'CompileError: call to WebAssembly.compile() blocked by CSP' } };
    StandInWorker.started[0]!.dispatchEvent(new MessageEvent('message', { data: ready }));
    expect(reported.md5Fallbacks).toEqual([ready.fallback]);
    expect(reported.fallbacks).toEqual([]);
    expect(StandInWorker.started[0]!.terminated).toBe(false);
    pool.terminate();
  });

  it('on the main thread, where WebAssembly cannot compile, hashes in plain JavaScript and says so', async () => {
    // No Worker global in Node: the pool hashes on the main thread.
    const refusal = new WebAssembly.CompileError('call to WebAssembly.compile() blocked by CSP');
    vi.spyOn(WebAssembly, 'instantiate').mockRejectedValue(refusal);
    const md5Fallbacks: Md5Fallback[] = [];
    const pool = createHashPool({ size: 1, lanes: 1, onMd5Fallback: (fallback) => md5Fallbacks.push(fallback) });
    const { got, expected } = await hashTwoParts(pool);
    expect(got).toEqual(expected);
    expect(md5Fallbacks).toEqual([{ used: 'js', reason: 'CompileError: call to WebAssembly.compile() blocked by CSP' }]);
    pool.terminate();
  });
});
