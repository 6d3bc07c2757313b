import { emptyCounters, emptyFileCounters, type FileCounters, type UploadCounters } from './counters.js';

/**
 * The plugin's state (`uppy.getState().plugins[id]`), updated as it changes: the plugin's
 * counters, each file's own (by file id, from its first upload until it is removed), and the
 * files waiting for an unreachable upload server (by file id: since when, ms since epoch).
 */
export type S3ResumableUploadState = {
  counters: UploadCounters;
  files: Record<string, FileCounters>;
  waitingForServer: Record<string, number>;
};

/**
 * The plugin's bookkeeping: what it counted, in all and per file, and which files wait for the
 * upload server. Every change is handed to `publish` whole (the plugin puts it in Uppy's state).
 */
export class PluginState {
  #counters = emptyCounters();
  #files: Record<string, FileCounters> = {};
  #waitingForServer: Record<string, number> = {};
  /** Calls of each file waiting for the upload server: the file waits while any call does. */
  readonly #waitingCalls = new Map<string, number>();
  readonly #publish: (state: S3ResumableUploadState) => void;
  readonly #hashStats: () => { bytes: number; ms: number };

  constructor({ publish, hashStats }: { publish: (state: S3ResumableUploadState) => void; hashStats: () => { bytes: number; ms: number } }) {
    this.#publish = publish;
    this.#hashStats = hashStats;
  }

  /** The whole state, as published. */
  snapshot(): S3ResumableUploadState {
    return { counters: this.counters(), files: this.#files, waitingForServer: this.#waitingForServer };
  }

  /** A copy of the plugin's counters, the hash pool's figures included. */
  counters(): UploadCounters {
    const { bytes, ms } = this.#hashStats();
    return { ...this.#counters, hashedBytes: bytes, hashMs: Math.round(ms) };
  }

  /** A copy of one file's counters, or `undefined` before its first upload. */
  fileCounters(fileID: string): FileCounters | undefined {
    const counters = this.#files[fileID];
    return counters && { ...counters };
  }

  /** Counts in the totals and, when `fileID` names a tracked file, in its own counters. */
  count(name: keyof UploadCounters, fileID?: string, by = 1): void {
    const file = fileID === undefined ? undefined : this.#files[fileID];
    if (file && name in file) this.#files = { ...this.#files, [fileID as string]: { ...file, [name]: file[name as keyof FileCounters] + by } };
    this.#counters = { ...this.#counters, [name]: this.#counters[name] + by };
    this.#publish(this.snapshot());
  }

  /** Gives a file counters of its own (from its first upload). */
  track(fileID: string): void {
    if (fileID in this.#files) return;
    this.#files = { ...this.#files, [fileID]: emptyFileCounters() };
    this.#publish(this.snapshot());
  }

  /** A removed file keeps only its part of the totals. */
  forget(fileID: string): void {
    if (!(fileID in this.#files)) return;
    const { [fileID]: _removed, ...rest } = this.#files;
    this.#files = rest;
    this.#publish(this.snapshot());
  }

  /**
   * A call of the file starts (`true`) or stops waiting for the upload server. Answers `'started'`
   * when the file starts waiting (its first waiting call; counted as a server wait), `'ended'`
   * when its last waiting call got through, else `undefined`.
   */
  serverWait(fileID: string, waiting: boolean): 'started' | 'ended' | undefined {
    const calls = (this.#waitingCalls.get(fileID) ?? 0) + (waiting ? 1 : -1);
    if (calls > 0) this.#waitingCalls.set(fileID, calls);
    else this.#waitingCalls.delete(fileID);
    if (waiting && calls === 1) {
      this.#waitingForServer = { ...this.#waitingForServer, [fileID]: Date.now() };
      this.count('serverWaits', fileID);
      return 'started';
    }
    if (!waiting && calls === 0 && fileID in this.#waitingForServer) {
      const { [fileID]: _done, ...rest } = this.#waitingForServer;
      this.#waitingForServer = rest;
      this.#publish(this.snapshot());
      return 'ended';
    }
    return undefined;
  }
}
