/**
 * The browser tests' page: Uppy with our plugin against the middleware at /api, configured from
 * the query string (`limit`, `partSize`, `golden=1` for Golden Retriever, `dashboard=1` for the
 * Dashboard, `uploader=stock` for the stock `@uppy/aws-s3` 6 instead, `token=T` to send `Authorization: Bearer T`,
 * `md5=0` for `md5: false`, `multipart=1` for every file in parts). Exposes `window.uppy`, `window.plugin` and `window.page` (deterministic test files,
 * SHA-256, the plugin's MD5 of parts of a file picked in `#pick`, the warnings Uppy logged, the
 * Content-Security-Policy violations seen) to the tests.
 */
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import GoldenRetriever from '@uppy/golden-retriever';
import { createHashPool } from '../../../plugin/hashing/createHashPool.js';
import { S3ResumableUpload } from '../../../plugin/index.js';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const query = new URLSearchParams(location.search);
/** What a page served under a Content-Security-Policy was refused: `directive blocked-URI` (e.g. `script-src wasm-eval`). */
const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (event) => violations.push(`${event.effectiveDirective} ${event.blockedURI}`));
/** Uppy's warnings (its default logger drops them). */
const warnings: string[] = [];
let headerCalls = 0;
const tokenHeaders = async (token: string) => {
  headerCalls += 1;
  return { authorization: `Bearer ${token}` };
};
const number = (name: string) => (query.has(name) ? Number(query.get(name)) : undefined);

// A fixed id: Golden Retriever keys its stores by it, so a reloaded page finds its files.
const uppy = new Uppy({
  id: 'plugin-test',
  autoProceed: false,
  logger: {
    debug: () => {},
    warn: (...args: unknown[]) => void warnings.push(args.map(String).join(' ')),
    error: (...args: unknown[]) => console.error('[Uppy]', ...args),
  },
});
if (query.get('uploader') === 'stock') {
  // The stock plugin on the same middleware mount, for comparison.
  uppy.use(AwsS3, { companionEndpoint: query.get('endpoint') ?? '/api', shouldUseMultipart: (file) => (file.size ?? 0) > 10 * 1024 * 1024 });
} else {
  uppy.use(S3ResumableUpload, {
    endpoint: query.get('endpoint') ?? '/api',
    limit: number('limit'),
    signAhead: number('signAhead'),
    partSize: number('partSize'),
    md5: query.get('md5') === '0' ? false : undefined,
    // `multipart=1`: every file in parts, however small.
    shouldUseMultipart: query.get('multipart') === '1' ? true : undefined,
    retryDelays: [0, 200, 500, 1000, 2000, 3000],
    // `token=T`: an app with bearer tokens; a function, asked before every call to the middleware.
    headers: query.has('token') ? () => tokenHeaders(query.get('token') as string) : undefined,
    // `brokenWorker=1`: a worker whose script does not exist, as when a bundler drops it.
    createWorker: query.get('brokenWorker') === '1' ? () => new Worker('/no-such-md5-worker.js', { type: 'module' }) : undefined,
  });
}
if (query.get('golden') === '1') uppy.use(GoldenRetriever);
if (query.get('dashboard') === '1') uppy.use(Dashboard, { target: '#dashboard', inline: true, height: 400 });

/** Bytes from a seed (xorshift32): the same file can be made again after a reload. */
function seededBytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < size; i++) bytes[i] = i & 0xff;
  return bytes;
}

const page = {
  warnings: () => warnings,
  violations: () => violations,
  /** How often the plugin asked for its `headers` (with `token=`). */
  headerCalls: () => headerCalls,
  /** A File with fixed content and `lastModified`, so Uppy gives it the same id every time. */
  makeFile(name: string, size: number, seed: number): File {
    return new File([seededBytes(size, seed)], name, { type: 'application/octet-stream', lastModified: 1_700_000_000_000 });
  },
  /**
   * MD5s (hex) of slices `[start, end)` of the file picked in `#pick`, hashed by the plugin's own
   * hash pool (its workers, reading the File as for an upload): for parts far into a big file.
   */
  async md5OfPicked(ranges: Array<[number, number]>): Promise<string[]> {
    const file = (document.querySelector('#pick') as HTMLInputElement).files?.[0];
    if (!file) throw new Error('No file picked in #pick');
    const pool = createHashPool({ size: 2 });
    try {
      return await Promise.all(ranges.map(async ([start, end]) => (await pool.md5(file.slice(start, end))).hex));
    } finally {
      pool.terminate();
    }
  },
  /**
   * Reloads the page from inside the plugin's own event, the moment it says `type` for the first
   * time (`run-start`: the multipart upload was just created): no test can come closer to the
   * worst moment. The page's `reloadArmed` tells the old document from the new one.
   */
  reloadOn(type: string): void {
    Object.assign(window, { reloadArmed: true });
    let fired = false;
    uppy.on('s3-resumable:timeline', (_file, event) => {
      if (fired || event.type !== type) return;
      fired = true;
      location.reload();
    });
  },
  /**
   * Whether Golden Retriever has saved the file of this name: read from where it keeps its state
   * (IndexedDB `uppy-blobs`, store `metadata`, keyed by Uppy's id), so a test can start an upload
   * only once a reload would bring the file back.
   */
  async goldenRetrieverHas(name: string): Promise<boolean> {
    if (!(await indexedDB.databases()).some((db) => db.name === 'uppy-blobs')) return false;
    const request = (open: () => IDBRequest) =>
      new Promise<unknown>((resolve, reject) => {
        const pending = open();
        pending.onsuccess = () => resolve(pending.result);
        pending.onerror = () => reject(pending.error);
      });
    const db = (await request(() => indexedDB.open('uppy-blobs'))) as IDBDatabase;
    try {
      if (!db.objectStoreNames.contains('metadata')) return false;
      const record = (await request(() => db.transaction('metadata').objectStore('metadata').get(uppy.getID()))) as { metadata?: string } | undefined;
      const files = (JSON.parse(record?.metadata ?? '{}') as { files?: Record<string, { name?: string }> }).files ?? {};
      return Object.values(files).some((file) => file.name === name);
    } finally {
      db.close();
    }
  },
  async sha256(blob: Blob): Promise<string> {
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  },
};

Object.assign(window, { uppy, plugin: uppy.getPlugin('S3ResumableUpload') ?? uppy.getPlugin('AwsS3'), page });
document.body.dataset.ready = 'true';
