/** Loading the code only some uploads run: one shared load, a failure not kept and told as an upload error, no fetch while offline. */
import { afterEach, expect, it, vi } from 'vitest';
import { loadOnDemand } from '../../../plugin/network/loadOnDemand.js';

const signal = new AbortController().signal;

/** A browser's `navigator.onLine` and its `online` event, which Node lacks. */
function stubOffline(): { goOnline(): void } {
  const window = new EventTarget();
  const navigator = { onLine: false };
  vi.stubGlobal('window', window);
  vi.stubGlobal('navigator', navigator);
  return {
    goOnline() {
      navigator.onLine = true;
      window.dispatchEvent(new Event('online'));
    },
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

it('loads once for every caller, and keeps what it loaded', async () => {
  const load = vi.fn(async () => ({ answer: 42 }));
  const loader = loadOnDemand('tests', load);
  const [a, b] = await Promise.all([loader(signal), loader(signal)]);
  expect(await loader(signal)).toBe(a);
  expect(b).toBe(a);
  expect(load).toHaveBeenCalledTimes(1);
});

it('a failed load rejects as an upload error, and the next call loads again', async () => {
  const cause = new TypeError('Failed to fetch dynamically imported module: /chunk.js');
  const load = vi.fn<() => Promise<string>>().mockRejectedValueOnce(cause).mockResolvedValueOnce('loaded');
  const loader = loadOnDemand('multipart uploads', load);
  await expect(loader(signal)).rejects.toMatchObject({
    name: 'S3UploadError',
    code: 'code_load_failed',
    message: expect.stringMatching(/^The plugin's code for multipart uploads could not be loaded \(TypeError: Failed to fetch .+\)\. Retry the upload/),
    cause,
  });
  expect(await loader(signal)).toBe('loaded');
  expect(load).toHaveBeenCalledTimes(2);
});

it('offline, waits for the network before loading, and says so', async () => {
  const network = stubOffline();
  const load = vi.fn(async () => 'loaded');
  const waits: boolean[] = [];
  const loading = loadOnDemand('tests', load)(signal, (waiting) => waits.push(waiting));
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(load).not.toHaveBeenCalled();
  expect(waits).toEqual([true]);
  network.goOnline();
  expect(await loading).toBe('loaded');
  expect(waits).toEqual([true, false]);
});

it('a caller stops waiting when its signal aborts; the load goes on for the others', async () => {
  let finish!: (value: string) => void;
  const load = vi.fn(() => new Promise<string>((resolve) => (finish = resolve)));
  const shared = loadOnDemand('tests', load);
  const paused = new AbortController();
  const first = shared(paused.signal);
  const second = shared(signal);
  paused.abort(new DOMException('The upload was paused.', 'AbortError'));
  await expect(first).rejects.toMatchObject({ name: 'AbortError' });
  finish('loaded');
  expect(await second).toBe('loaded');
  expect(load).toHaveBeenCalledTimes(1);
});
