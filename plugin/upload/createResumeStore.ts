/**
 * Where the plugin keeps each multipart upload's resume handle (upload id, key, part size) the
 * moment the middleware answers the create: a page reloaded, closed or crashed at any instant
 * after that finds the upload again when the same file comes back (restored by Golden Retriever
 * or selected again). Golden Retriever alone is not enough: it writes file state on a throttled
 * timer, so a reload in the first moments of an upload found no upload id and started over,
 * leaving the first multipart upload open on S3.
 *
 * The handle is written synchronously (Web Storage), keyed by the upload endpoint and Uppy's file
 * id, which Uppy derives from the instance id, name, type, size and last-modified time: the same
 * file selected again gets the same id. A handle is removed when its upload completes, is
 * aborted, or turns out gone from S3.
 */

/** The multipart upload a file resumes into. */
export interface ResumeHandle {
  uploadId: string;
  key: string;
  partSize: number;
}

/** The part of the Web Storage API the store uses (`localStorage` by default). */
export type ResumeStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

export interface ResumeStore {
  get(fileId: string): ResumeHandle | undefined;
  set(fileId: string, handle: ResumeHandle): void;
  delete(fileId: string): void;
}

/**
 * How long a handle is kept: longer than a bucket's lifecycle rule usually lets an unfinished
 * upload live. An older one is dropped unread; a handle whose upload S3 aborted meanwhile costs one
 * ListParts call, answered `upload_not_found`, and the file starts over.
 */
export const RESUME_HANDLE_MAX_AGE_MS = 14 * 24 * 3600 * 1000;
const PREFIX = 'uppy-s3-resumable:';

interface StoredHandle extends ResumeHandle {
  savedAt: number;
}

function isStoredHandle(value: unknown): value is StoredHandle {
  const handle = value as Partial<StoredHandle> | null;
  return (
    typeof handle === 'object' &&
    handle !== null &&
    typeof handle.uploadId === 'string' &&
    typeof handle.key === 'string' &&
    Number.isInteger(handle.partSize) &&
    (handle.partSize as number) > 0 &&
    typeof handle.savedAt === 'number'
  );
}

/** The browser's `localStorage`, or `undefined` where it is missing or refused (some privacy modes throw on access). */
export function defaultResumeStorage(): ResumeStorage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

/**
 * A store of resume handles for one upload endpoint. Storage that fails (full, or refused) only
 * makes a reload start over, as without the store: it never fails an upload.
 *
 * @example
 * ```ts
 * const store = createResumeStore({ scope: 'https://app.example/upload', storage: localStorage });
 * store.set(file.id, { uploadId, key, partSize });
 * ```
 */
export function createResumeStore({
  scope,
  storage,
  now = Date.now,
}: {
  /** What the handles belong to (the endpoint's URL): another endpoint's uploads are not resumed. */
  scope: string;
  /** Where handles are kept; `undefined` keeps none. */
  storage: ResumeStorage | undefined;
  /** @default Date.now */
  now?: () => number;
}): ResumeStore {
  const keyOf = (fileId: string) => `${PREFIX}${scope}:${fileId}`;
  const attempt = <T>(action: () => T): T | undefined => {
    try {
      return action();
    } catch {
      return undefined;
    }
  };
  if (storage) attempt(() => dropExpired(storage, now()));

  return {
    get(fileId) {
      if (!storage) return undefined;
      const stored = attempt(() => JSON.parse(storage.getItem(keyOf(fileId)) ?? 'null') as unknown);
      if (!isStoredHandle(stored)) return undefined;
      return { uploadId: stored.uploadId, key: stored.key, partSize: stored.partSize };
    },
    set(fileId, { uploadId, key, partSize }) {
      attempt(() => storage?.setItem(keyOf(fileId), JSON.stringify({ uploadId, key, partSize, savedAt: now() } satisfies StoredHandle)));
    },
    delete(fileId) {
      attempt(() => storage?.removeItem(keyOf(fileId)));
    },
  };
}

/** Removes the handles (of any scope) older than {@link RESUME_HANDLE_MAX_AGE_MS}, and unreadable ones. */
function dropExpired(storage: ResumeStorage, at: number): void {
  const expired: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key === null || !key.startsWith(PREFIX)) continue;
    let stored: unknown;
    try {
      stored = JSON.parse(storage.getItem(key) ?? 'null');
    } catch {
      stored = undefined;
    }
    if (!isStoredHandle(stored) || at - stored.savedAt > RESUME_HANDLE_MAX_AGE_MS) expired.push(key);
  }
  for (const key of expired) storage.removeItem(key);
}
