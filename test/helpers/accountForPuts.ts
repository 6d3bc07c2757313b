/**
 * Accounts for every part PUT that reached S3 in a browser test: the fault proxy's records (what
 * S3 received and answered, how many bytes the browser sent) joined with the plugin's timeline
 * (why the plugin started and ended each PUT). Each PUT that reached S3 and is not the one S3
 * finally stored for its part gets a cause; bytes with no legitimate cause are a bug to find.
 */
import type { TimelineEvent } from '../../plugin/index.js';
import type { ProxyRecord } from '../harness/startFaultProxy.js';

/** Why a PUT that reached S3 was not the one finally stored. */
export type WasteCause =
  /** The proxy held it (an injected stall) until its URL had expired; S3 refused it. */
  | 'held-until-expired'
  /** The page was reloaded while it was on its way. */
  | 'cut-by-reload'
  /** The plugin gave up on it: no byte moved for `stallTimeout`. */
  | 'cut-by-plugin:stall-timeout'
  /** The plugin cut it short because the file was paused, removed, or failed on another part. */
  | 'cut-by-plugin:paused'
  | 'cut-by-plugin:removed'
  | 'cut-by-plugin:file-failed'
  /** S3 refused it as expired though nothing held it: the URL was handed out too close to its end. */
  | 'expired-on-the-way'
  /** S3 stored it, and a later PUT of the same part replaced it. */
  | 'stored-then-replaced'
  | 'other';

export interface PutAccount {
  record: ProxyRecord;
  /** The plugin's `put-start` for it, when found. */
  start: (TimelineEvent & { type: 'put-start' }) | undefined;
  /** The plugin's `put-end` for it, when the page saw one. */
  end: (TimelineEvent & { type: 'put-end' }) | undefined;
  /** ms from the plugin's `put-start` to the request reaching the proxy. */
  transitMs: number | undefined;
  /** `undefined` for the PUT finally stored. */
  cause: WasteCause | undefined;
}

export interface PutAccounts {
  puts: PutAccount[];
  /** PUTs that reached S3, and bytes the browser sent in them. */
  reachedS3: { count: number; bytes: number };
  /** By cause: PUTs and bytes that reached S3 but are not what S3 finally holds. */
  wasted: Record<WasteCause, { count: number; bytes: number }>;
  wastedBytes: number;
  /** PUTs that failed on an injected fault before reaching S3, and the bytes sent into them. */
  injected: Record<string, { count: number; bytes: number }>;
  /** Timeline PUTs with no proxy record (neither reached the proxy nor matched). */
  unmatchedStarts: number;
}

const CAUSES: WasteCause[] = [
  'held-until-expired',
  'cut-by-reload',
  'cut-by-plugin:stall-timeout',
  'cut-by-plugin:paused',
  'cut-by-plugin:removed',
  'cut-by-plugin:file-failed',
  'expired-on-the-way',
  'stored-then-replaced',
  'other',
];

const signatureOf = (url: string) => new URL(url).searchParams.get('X-Amz-Signature') ?? url;

/** A page reload: from when it was asked for until the new page was loaded (ms since epoch). */
export interface Reload {
  from: number;
  to: number;
}

/**
 * Whether the browser hung up on `record` because of a reload: sent (`sentAt`, by default its
 * arrival) before a reload was over, closed by the browser after the reload began (the proxy may
 * notice late: it first drains what the browser had sent).
 */
export function hungUpByReload(record: ProxyRecord, reloads: Reload[], sentAt = record.arrivedAt): boolean {
  const hungUpAt = record.endedAt ?? Infinity;
  return record.clientClosed && reloads.some(({ from, to }) => sentAt <= to && hungUpAt >= from);
}

function causeOf(account: Omit<PutAccount, 'cause'>, reloads: Reload[]): WasteCause {
  const { record, start, end } = account;
  if (record.fault === 'hold') return 'held-until-expired';
  if (end?.outcome === 'stalled') return 'cut-by-plugin:stall-timeout';
  if (end?.outcome === 'cancelled') return `cut-by-plugin:${end.reason}`;
  if (record.status === 200) return 'stored-then-replaced';
  const expired = record.urlExpiresAt !== undefined && record.arrivedAt >= record.urlExpiresAt;
  if (record.status === 403 && expired) return 'expired-on-the-way';
  // Cut by a reload, and the page never saw it end.
  if (end === undefined && hungUpByReload(record, reloads, start?.at)) return 'cut-by-reload';
  return 'other';
}

type PutStart = TimelineEvent & { type: 'put-start' };
type PutEnd = TimelineEvent & { type: 'put-end' };

/**
 * `records`: the proxy's requests; `pageLoads`: the plugin's timeline from each page load, in
 * order (one file uploading); `reloads`: when the page was reloaded.
 *
 * A record belongs to the latest `put-start` before it with the same URL: the plugin may retry
 * with the same URL, and a browser may itself send a request again (Chromium does when a reused
 * keep-alive connection fails before any answer), so one `put-start` can have several records.
 */
export function accountForPuts(records: ProxyRecord[], pageLoads: TimelineEvent[][], reloads: Reload[] = []): PutAccounts {
  // A PUT's start and end share `put` within one page load.
  const starts: PutStart[] = [];
  const endOf = new Map<PutStart, PutEnd>();
  for (const timeline of pageLoads) {
    const ends = new Map<number, PutEnd>();
    for (const event of timeline) if (event.type === 'put-end') ends.set(event.put, event);
    for (const event of timeline) {
      if (event.type !== 'put-start') continue;
      starts.push(event);
      const end = ends.get(event.put);
      if (end) endOf.set(event, end);
    }
  }
  const used = new Set<PutStart>();
  const puts = records.filter((record) => record.method === 'PUT' && record.partNumber !== undefined);
  const accounts: Array<Omit<PutAccount, 'cause'>> = puts.map((record) => {
    let start = starts.findLast((s) => s.at <= record.arrivedAt && s.partNumber === record.partNumber && signatureOf(s.url) === record.signature);
    // A PUT the page had given up on before this request arrived is not its PUT: the plugin
    // retried with the same URL, and that retry's put-start was never read (the page was being
    // reloaded). The request then has no known start.
    const startEnd = start && endOf.get(start);
    if (startEnd && startEnd.at < record.arrivedAt) start = undefined;
    if (start) used.add(start);
    const end = start && endOf.get(start);
    return { record, start, end, transitMs: start ? record.arrivedAt - start.at : undefined };
  });

  // The PUT S3 finally holds for each part: its last stored one.
  const final = new Map<number, ProxyRecord>();
  for (const { record } of accounts) if (record.upstream !== undefined && record.status === 200) final.set(record.partNumber!, record);

  const wasted = Object.fromEntries(CAUSES.map((cause) => [cause, { count: 0, bytes: 0 }])) as PutAccounts['wasted'];
  const injected: PutAccounts['injected'] = {};
  const reachedS3 = { count: 0, bytes: 0 };
  const result = accounts.map((account): PutAccount => {
    const { record } = account;
    if (record.upstream === undefined) {
      const kind = record.fault === 'error' ? `${record.status} ${record.code}` : record.fault;
      injected[kind] ??= { count: 0, bytes: 0 };
      injected[kind].count += 1;
      injected[kind].bytes += record.bytesIn;
      return { ...account, cause: undefined };
    }
    reachedS3.count += 1;
    reachedS3.bytes += record.bytesIn;
    if (final.get(record.partNumber!) === record) return { ...account, cause: undefined };
    const cause = causeOf(account, reloads);
    wasted[cause].count += 1;
    wasted[cause].bytes += record.bytesIn;
    return { ...account, cause };
  });
  return {
    puts: result,
    reachedS3,
    wasted,
    wastedBytes: Object.values(wasted).reduce((sum, { bytes }) => sum + bytes, 0),
    injected,
    unmatchedStarts: starts.filter((start) => !used.has(start)).length,
  };
}
