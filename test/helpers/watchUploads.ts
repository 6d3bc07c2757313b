/**
 * What a page's Uppy (`window.uppy`) reports while it uploads, kept in the page for a test to
 * read: the plugin's timeline, the log lines of warnings and errors, and upload errors. Installed
 * again after every page load.
 */
import type { EnginePage } from '../harness/engines/EngineBrowser.js';
import type { TimelineEvent, UploadCounters } from '../../plugin/index.js';

export interface UploadWatch {
  timeline: TimelineEvent[];
  /** Uppy's log lines of type warning or error, with the time (ms since epoch). */
  log: string[];
  /** `upload-error`s: file name, code and message. */
  errors: string[];
  /** The plugin's counters (all zero with the stock plugin). */
  counters: UploadCounters | undefined;
}

interface WatchedWindow {
  uppy: {
    on(event: string, listener: (...args: never[]) => void): void;
    log(message: unknown, type?: string): void;
    getPlugin(id: string): { getCounters?(): UploadCounters } | undefined;
  };
  uploadWatch?: Omit<UploadWatch, 'counters'>;
}

/** Starts recording on the page's current document. */
export async function watchUploads(page: EnginePage): Promise<void> {
  await page.waitFor(() => 'uppy' in window, undefined, { what: 'the page to have its Uppy' });
  await page.evaluate(() => {
    const w = window as unknown as WatchedWindow;
    if (w.uploadWatch) return;
    const watch: Omit<UploadWatch, 'counters'> = { timeline: [], log: [], errors: [] };
    w.uploadWatch = watch;
    w.uppy.on('s3-resumable:timeline', ((_file: unknown, event: TimelineEvent) => watch.timeline.push(event)) as never);
    w.uppy.on('upload-error', ((file: { name?: string } | undefined, error: Error & { code?: string }) =>
      watch.errors.push(`${file?.name}: ${error.code ?? error.name}: ${error.message}`)) as never);
    const log = w.uppy.log.bind(w.uppy);
    w.uppy.log = (message, type) => {
      if (type === 'warning' || type === 'error') watch.log.push(`${new Date().toISOString()} ${type} ${String(message)}`);
      log(message, type);
    };
  });
}

/** What was recorded on the page's current document (empty if `watchUploads` was not called on it). */
export function readUploadWatch(page: EnginePage): Promise<UploadWatch> {
  return page.evaluate(() => {
    const w = window as unknown as WatchedWindow;
    const watch = w.uploadWatch ?? { timeline: [], log: [], errors: [] };
    return { ...watch, counters: w.uppy?.getPlugin('S3ResumableUpload')?.getCounters?.() ?? null } as UploadWatch;
  });
}
