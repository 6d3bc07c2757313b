/** The plugin's own record of each upload's resume handle, over a Storage that behaves like the browser's. */
import { describe, expect, it } from 'vitest';
import { createResumeStore, RESUME_HANDLE_MAX_AGE_MS, type ResumeStorage } from '../../../plugin/upload/createResumeStore.js';
import { resolveOptions } from '../../../plugin/options.js';

/** The Web Storage API over a Map, as `localStorage` behaves (strings in, strings out, keys by index). */
function memoryStorage(entries: Record<string, string> = {}): ResumeStorage & { map: Map<string, string> } {
  const map = new Map(Object.entries(entries));
  return {
    map,
    get length() {
      return map.size;
    },
    key: (index) => [...map.keys()][index] ?? null,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, String(value)),
    removeItem: (key) => void map.delete(key),
  };
}

const handle = { uploadId: 'upload-1', key: 'u/alice/a.bin', partSize: 5 * 1024 * 1024 };

describe('createResumeStore', () => {
  it('answers a handle the moment it is set, for the same file and endpoint only, until it is deleted', () => {
    const storage = memoryStorage();
    const store = createResumeStore({ scope: 'https://app.example/upload', storage });
    store.set('uppy-a.bin-1-2', handle);
    // A new page (a new store over the same storage) finds it.
    const reloaded = createResumeStore({ scope: 'https://app.example/upload', storage });
    expect(reloaded.get('uppy-a.bin-1-2')).toEqual(handle);
    expect(reloaded.get('uppy-b.bin-1-2')).toBeUndefined();
    expect(createResumeStore({ scope: 'https://other.example/upload', storage }).get('uppy-a.bin-1-2')).toBeUndefined();
    reloaded.delete('uppy-a.bin-1-2');
    expect(store.get('uppy-a.bin-1-2')).toBeUndefined();
    expect(storage.map.size).toBe(0);
  });

  it('drops handles past their age, and unreadable ones, when a page starts; keeps the others and what is not its own', () => {
    let now = 1_000_000;
    const storage = memoryStorage({ 'someone-else': 'kept', 'uppy-s3-resumable:x:broken': '{not json' });
    createResumeStore({ scope: 'x', storage, now: () => now }).set('old', handle);
    now += RESUME_HANDLE_MAX_AGE_MS / 2;
    createResumeStore({ scope: 'x', storage, now: () => now }).set('young', handle);
    now += RESUME_HANDLE_MAX_AGE_MS / 2 + 1;
    const store = createResumeStore({ scope: 'x', storage, now: () => now });
    expect(store.get('old')).toBeUndefined();
    expect(store.get('young')).toEqual(handle);
    expect([...storage.map.keys()].sort()).toEqual(['someone-else', 'uppy-s3-resumable:x:young']);
  });

  it('answers nothing for a malformed handle, and never throws when the storage does', () => {
    const storage = memoryStorage({ 'uppy-s3-resumable:x:f': JSON.stringify({ uploadId: 1, key: 'k', partSize: 5, savedAt: 0 }) });
    expect(createResumeStore({ scope: 'x', storage, now: () => 0 }).get('f')).toBeUndefined();
    const failing: ResumeStorage = {
      length: 1,
      key: () => {
        throw new Error('SecurityError');
      },
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const store = createResumeStore({ scope: 'x', storage: failing });
    expect(() => store.set('f', handle)).not.toThrow();
    expect(store.get('f')).toBeUndefined();
    expect(() => store.delete('f')).not.toThrow();
    expect(createResumeStore({ scope: 'x', storage: undefined }).get('f')).toBeUndefined();
  });

  it('is the plugin option `resumeStorage`: a Storage, or `false` for none; anything else is refused by name', () => {
    const storage = memoryStorage();
    expect(resolveOptions({ endpoint: '/upload', resumeStorage: storage }).resumeStorage).toBe(storage);
    expect(resolveOptions({ endpoint: '/upload', resumeStorage: false }).resumeStorage).toBeUndefined();
    // Node has no localStorage: nothing is kept by default there.
    expect(resolveOptions({ endpoint: '/upload' }).resumeStorage).toBe(globalThis.localStorage);
    expect(() => resolveOptions({ endpoint: '/upload', resumeStorage: {} as never })).toThrow(
      new TypeError('Expected `resumeStorage` to be `false` or a Storage (getItem, setItem, removeItem, key, length), got `[object Object]` (object)'),
    );
  });
});
