/**
 * What happens to a file's upload, part by part, as it happens: the plugin emits each one as
 * `uppy.on('s3-resumable:timeline', (file, event) => …)`. Enough to draw a timeline (hashing,
 * waiting for a URL, each PUT with its bytes moving and its outcome, re-signs, retries, waits for
 * the server or the network) or to account for every request sent. Emitted on changes, and a
 * PUT's progress at most every {@link PUT_PROGRESS_INTERVAL_MS}; `partNumber` 0 is a small
 * file's one PUT.
 */
export type TimelineEvent = { at: number } & (
  /**
   * A run starts (the first, or after a pause, a retry or a reload): `parts` in all; a multipart
   * upload names its `uploadId` and `key`, `resumed` when it was known before this run.
   */
  | { type: 'run-start'; uploadId?: string; key?: string; parts: number; partSize: number; resumed: boolean }
  /** The run ended: completed, paused, removed, or failed (`code`). */
  | { type: 'run-end'; outcome: 'complete' | 'paused' | 'removed' | 'failed'; code?: string }
  | { type: 'hash-start'; partNumber: number }
  | { type: 'hash-end'; partNumber: number }
  /** A batch of part URLs is asked for; `resigned` are parts that had a URL already. */
  | { type: 'sign-start'; partNumbers: number[]; resigned: number[] }
  | { type: 'sign-end'; partNumbers: number[]; ok: boolean }
  /**
   * A PUT to S3 goes out, with its URL and the time it expires (ms since epoch). `put` numbers the
   * file's PUTs on this page (its `put-end` has the same); `attempt` counts from 1 per part and run.
   */
  | { type: 'put-start'; put: number; partNumber: number; attempt: number; url: string; expiresAt: number }
  /** Bytes of that PUT sent so far, as the browser reports them (at most every {@link PUT_PROGRESS_INTERVAL_MS}). */
  | { type: 'put-progress'; put: number; partNumber: number; bytesSent: number }
  /** How that PUT ended; `bytesSent` as the browser reported them. */
  | ({ type: 'put-end'; put: number; partNumber: number; attempt: number; bytesSent: number } & PutOutcome)
  /** S3 holds this part already (resume): not sent again. */
  | { type: 'skipped'; partNumber: number }
  /** A failed request is tried again after `delayMs` (`partNumber` for PUTs; absent for calls to the middleware). */
  | { type: 'retry'; partNumber?: number; reason: string; delayMs: number }
  /** The upload server could not be reached: waiting for it (`waiting: false` once it answers again). */
  | { type: 'server-wait'; waiting: boolean }
  /** The browser went offline: waiting for the network (`waiting: false` once it is back). */
  | { type: 'offline'; waiting: boolean }
  /**
   * The upload server checked the finished object (after its multipart `complete`, or its
   * `confirm` of a single PUT) and ran the app's completion hook: `serverData` is what it answered.
   */
  | { type: 'server-confirmed'; via: 'complete' | 'confirm'; etag?: string; serverData?: unknown }
);

/** A PUT's `put-progress` events come at most this often, ms. */
export const PUT_PROGRESS_INTERVAL_MS = 250;

/** A timeline event before the plugin stamps it with `at`. */
export type UnstampedTimelineEvent = TimelineEvent extends infer Event ? (Event extends unknown ? Omit<Event, 'at'> : never) : never;

/** How one PUT ended. */
export type PutOutcome =
  /** S3 stored the bytes (2xx) and the plugin accepted the answer. */
  | { outcome: 'stored'; status: number }
  /** S3 (or something in between) answered a failure, or the answer failed the plugin's ETag check. */
  | { outcome: 'refused'; status: number; code: string }
  /** No answer the page could read: reset, unreachable, or a refusal without CORS headers (an expired URL on radosgw). */
  | { outcome: 'network' }
  /** The plugin gave up on it: no byte moved for `stallTimeout`. */
  | { outcome: 'stalled' }
  /** The plugin cut it short: the file was paused or removed, or another part failed for good. */
  | { outcome: 'cancelled'; reason: 'paused' | 'removed' | 'file-failed' };
