/** What the plugin has done since it was installed; readable by the page (`plugin.getCounters()`). */
export interface UploadCounters {
  /** Parts S3 accepted, with their signed Content-MD5 (without one under `md5: false`). */
  partsUploaded: number;
  /** Parts whose ETag S3 answered equals the MD5 the worker computed (none under `md5: false`). */
  partsVerified: number;
  /**
   * Parts not sent again on resume: S3 held them with the planned size and the local MD5 as ETag
   * (the planned size alone under `md5: false`).
   */
  partsSkipped: number;
  /** Multipart objects whose final ETag equals `md5(part digests)-N` (none under `md5: false`). */
  objectsVerified: number;
  /** Files uploaded with one presigned PUT. */
  singleUploads: number;
  /** URLs signed again because they were about to expire or S3 refused them as expired. */
  resigns: number;
  /** Requests retried after a failure (network, 5xx, 429, BadDigest), to S3 or the middleware. */
  retries: number;
  /** Parts read and hashed again after S3 answered BadDigest. */
  rehashes: number;
  /** Times an upload waited for the browser to come back online. */
  offlineWaits: number;
  /** Times a file waited for an unreachable upload server (a deploy, a restart) to answer again. */
  serverWaits: number;
  /** MD5 workers that could not start (a CSP without a worker source, a missing script), whose hashing went to the main thread. */
  mainThreadHashing: number;
  /**
   * MD5 hashers (workers, or the main thread in their stead) that hash in plain JavaScript, about
   * half as fast, because WebAssembly can't compile there (a CSP without `'wasm-unsafe-eval'`).
   */
  jsMd5Hashing: number;
  /** Bytes hashed, and the hashing time summed over workers (MB/s = bytes / 1e3 / ms). */
  hashedBytes: number;
  hashMs: number;
}

export function emptyCounters(): UploadCounters {
  return {
    partsUploaded: 0,
    partsVerified: 0,
    partsSkipped: 0,
    objectsVerified: 0,
    singleUploads: 0,
    resigns: 0,
    retries: 0,
    rehashes: 0,
    offlineWaits: 0,
    serverWaits: 0,
    mainThreadHashing: 0,
    jsMd5Hashing: 0,
    hashedBytes: 0,
    hashMs: 0,
  };
}

/** What the plugin did for one file: the counters that belong to a file (not the hashing totals). */
export type FileCounters = Omit<UploadCounters, 'mainThreadHashing' | 'jsMd5Hashing' | 'hashedBytes' | 'hashMs'>;

export function emptyFileCounters(): FileCounters {
  const { mainThreadHashing: _threads, jsMd5Hashing: _js, hashedBytes: _bytes, hashMs: _ms, ...perFile } = emptyCounters();
  return perFile;
}
