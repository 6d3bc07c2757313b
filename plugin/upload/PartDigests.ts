import type { HashPool } from '../hashing/createHashPool.js';
import type { Digest } from '../md5/digest.js';
import { S3UploadError } from '../S3UploadError.js';

/**
 * The MD5s of one file's parts, by part number (0: the whole file, for a single PUT), kept across
 * runs (a pause, a retry) for as long as the part size stays the same. Without a hash pool (`md5:
 * false`) nothing is hashed and every digest is `undefined`.
 */
export class PartDigests {
  readonly #byPart = new Map<number, Digest>();
  #partSize: number | undefined;
  readonly #fileName: string;
  readonly #hashPool: HashPool | undefined;

  constructor(fileName: string, hashPool: HashPool | undefined) {
    this.#fileName = fileName;
    this.#hashPool = hashPool;
  }

  /** Whether parts are hashed at all (`md5: true`). */
  get hashing(): boolean {
    return this.#hashPool !== undefined;
  }

  /** The lanes of the hash pool (for planning hash runs); 1 without one. */
  get lanes(): number {
    return this.#hashPool?.lanes ?? 1;
  }

  /** Starts a run that cuts the file in parts of `size` (0: whole): digests of another size are dropped. */
  usePartSize(size: number): void {
    if (this.#partSize !== size) this.#byPart.clear();
    this.#partSize = size;
  }

  get(partNumber: number): Digest | undefined {
    return this.#byPart.get(partNumber);
  }

  set(partNumber: number, digest: Digest): void {
    this.#byPart.set(partNumber, digest);
  }

  delete(partNumber: number): void {
    this.#byPart.delete(partNumber);
  }

  clear(): void {
    this.#byPart.clear();
  }

  /** The MD5s of consecutive parts of `blob`, read through one stream (`undefined` each with `md5: false`). */
  md5Parts(blob: Blob, sizes: readonly number[], signal: AbortSignal): Array<Promise<Digest | undefined>> {
    if (!this.#hashPool) return sizes.map(() => Promise.resolve(undefined));
    return this.#hashPool.md5Parts(blob, sizes, signal).map((digest) =>
      digest.catch((error: unknown) => {
        signal.throwIfAborted();
        throw new S3UploadError('file_unreadable', `Could not read ${this.#fileName}: was it changed, moved or deleted since it was selected?`, { cause: error });
      }),
    );
  }

  /** The MD5 of `blob`; `undefined` without hashing when the plugin runs with `md5: false`. */
  md5(blob: Blob, signal: AbortSignal): Promise<Digest | undefined> {
    return this.md5Parts(blob, [blob.size], signal)[0] as Promise<Digest | undefined>;
  }
}
