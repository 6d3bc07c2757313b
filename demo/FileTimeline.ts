/**
 * What happened to one file's parts, over time: the model behind the demo's part timeline. It
 * takes the plugin's `s3-resumable:timeline` events (or, for the stock `@uppy/aws-s3`, the part
 * completions its events allow), one at a time, each in constant time: nothing grows with the
 * number of parts per event. Every event is also kept as given, so the timeline can be stored
 * before a page reload and replayed after it.
 */
import type { TimelineEvent } from '../plugin/index.js';

/** An interval; `to` is `undefined` while it lasts. */
export interface Span {
  from: number;
  to: number | undefined;
}

/** One PUT of a part: its bytes moving, and how it ended. */
export interface PutBar extends Span {
  put: number;
  attempt: number;
  bytesSent: number;
  /** `undefined` while it runs. */
  outcome: 'stored' | 'refused' | 'network' | 'stalled' | 'cancelled' | undefined;
  /** The refusal's status and code (`400 BadDigest`), or why it was cancelled. */
  detail: string | undefined;
  /** Drawn from the stock plugin's part completions: it sends a file's parts one at a time, so a part's PUT ran from the previous part's completion (or the upload's start) to its own. */
  inferred: boolean;
}

/** What the row of a part shows. */
export interface PartRow {
  partNumber: number;
  /** Reading and hashing the part (in a worker). */
  hashing: Span[];
  /** Waiting for a batch of URLs that includes this part. */
  signing: Array<Span & { resign: boolean }>;
  puts: PutBar[];
  retries: Array<{ at: number; reason: string }>;
  /** S3 held the part already on resume: not sent. */
  skippedAt: number | undefined;
  /** Its URL was signed again (stale, or refused as expired). */
  resigns: number;
}

/** File-wide intervals: paused, offline, waiting for the upload server, the page reloading. */
export type FileSpanKind = 'paused' | 'offline' | 'server-wait' | 'reload';

/** An event the timeline takes: the plugin's, a stock part completion, or a file-wide span starting or ending. */
export type RecordedEvent =
  | TimelineEvent
  | { type: 'stock-start'; at: number }
  | { type: 'stock-part'; partNumber: number; at: number }
  | { type: 'span'; kind: FileSpanKind; waiting: boolean; at: number };

/** How a part ended up, for its row's label: the last outcome, or where it is now. */
export type PartState = 'stored' | 'skipped' | 'refused' | 'network' | 'stalled' | 'cancelled' | 'sending' | 'signing' | 'hashing' | 'waiting';

export class FileTimeline {
  readonly events: RecordedEvent[] = [];
  readonly #rows = new Map<number, PartRow>();
  readonly spans: Array<Span & { kind: FileSpanKind }> = [];
  /** Parts in the plan (from the last run start), 0 until one started. */
  partCount = 0;
  /** Bytes of every part but the last (from the last run start). */
  partSize = 0;
  startedAt: number | undefined;
  endedAt: number | undefined;
  /** The last run's end: complete, paused, removed or failed. */
  runOutcome: string | undefined;
  /** Parts S3 holds: stored by a PUT the page saw succeed, or found there on resume. */
  readonly done = new Set<number>();
  readonly #open = new Map<number, PutBar>();
  #stockLast: number | undefined;

  constructor(readonly fileSize: number) {}

  /** Bytes of a part. */
  sizeOf(partNumber: number): number {
    if (partNumber === 0 || this.partSize === 0) return this.fileSize;
    return Math.max(0, Math.min(this.partSize, this.fileSize - (partNumber - 1) * this.partSize));
  }

  /** Rows by part number (0: a small file's one PUT), in the order parts first appeared. */
  get rows(): ReadonlyMap<number, PartRow> {
    return this.#rows;
  }

  #row(partNumber: number): PartRow {
    let row = this.#rows.get(partNumber);
    if (!row) {
      row = { partNumber, hashing: [], signing: [], puts: [], retries: [], skippedAt: undefined, resigns: 0 };
      this.#rows.set(partNumber, row);
    }
    return row;
  }

  #openSpan(kind: FileSpanKind, at: number): void {
    if (!this.spans.some((span) => span.kind === kind && span.to === undefined)) this.spans.push({ kind, from: at, to: undefined });
  }

  #closeSpan(kind: FileSpanKind, at: number): void {
    for (const span of this.spans) if (span.kind === kind && span.to === undefined) span.to = at;
  }

  /** Takes one event; answers the part numbers whose row changed. */
  record(event: RecordedEvent): number[] {
    this.events.push(event);
    const { at } = event;
    this.startedAt ??= at;
    this.endedAt = undefined;
    switch (event.type) {
      case 'run-start':
        this.partCount = event.parts;
        this.partSize = event.partSize;
        this.runOutcome = undefined;
        this.#closeSpan('paused', at);
        return [];
      case 'run-end':
        this.runOutcome = event.outcome;
        if (event.outcome === 'paused') this.#openSpan('paused', at);
        if (event.outcome !== 'paused') this.endedAt = at;
        for (const kind of ['offline', 'server-wait'] as const) this.#closeSpan(kind, at);
        return [];
      case 'hash-start':
        this.#row(event.partNumber).hashing.push({ from: at, to: undefined });
        return [event.partNumber];
      case 'hash-end': {
        const span = this.#row(event.partNumber).hashing.at(-1);
        if (span && span.to === undefined) span.to = at;
        return [event.partNumber];
      }
      case 'sign-start':
        for (const partNumber of event.partNumbers) {
          const row = this.#row(partNumber);
          const resign = event.resigned.includes(partNumber);
          if (resign) row.resigns += 1;
          row.signing.push({ from: at, to: undefined, resign });
        }
        return event.partNumbers;
      case 'sign-end':
        for (const partNumber of event.partNumbers) {
          const span = this.#row(partNumber).signing.at(-1);
          if (span && span.to === undefined) span.to = at;
        }
        return event.partNumbers;
      case 'put-start': {
        const bar: PutBar = { put: event.put, attempt: event.attempt, from: at, to: undefined, bytesSent: 0, outcome: undefined, detail: undefined, inferred: false };
        this.#row(event.partNumber).puts.push(bar);
        this.#open.set(event.put, bar);
        return [event.partNumber];
      }
      case 'put-progress': {
        const bar = this.#open.get(event.put);
        if (bar) bar.bytesSent = event.bytesSent;
        return [event.partNumber];
      }
      case 'put-end': {
        const bar = this.#open.get(event.put);
        this.#open.delete(event.put);
        if (bar) {
          bar.to = at;
          bar.bytesSent = event.bytesSent;
          bar.outcome = event.outcome;
          bar.detail = event.outcome === 'refused' ? `${event.status} ${event.code}` : event.outcome === 'cancelled' ? event.reason : undefined;
        }
        if (event.outcome === 'stored') this.done.add(event.partNumber);
        return [event.partNumber];
      }
      case 'skipped':
        this.#row(event.partNumber).skippedAt = at;
        this.done.add(event.partNumber);
        return [event.partNumber];
      case 'retry':
        if (event.partNumber === undefined) return [];
        this.#row(event.partNumber).retries.push({ at, reason: event.reason });
        return [event.partNumber];
      case 'server-confirmed':
        return []; // the card shows what the server answered; nothing to draw
      case 'server-wait':
      case 'offline':
        if (event.waiting) this.#openSpan(event.type, at);
        else this.#closeSpan(event.type, at);
        return [];
      case 'span':
        if (event.waiting) this.#openSpan(event.kind, at);
        else this.#closeSpan(event.kind, at);
        return [];
      case 'stock-start':
        this.#stockLast = at;
        return [];
      case 'stock-part': {
        const from = this.#stockLast ?? at;
        this.#stockLast = at;
        this.#row(event.partNumber).puts.push({ put: 0, attempt: 1, from, to: at, bytesSent: 0, outcome: 'stored', detail: undefined, inferred: true });
        this.done.add(event.partNumber);
        return [event.partNumber];
      }
    }
  }

  /** Where a part is now, or how it ended up. */
  stateOf(row: PartRow): PartState {
    const last = row.puts.at(-1);
    if (last?.outcome === 'stored') return 'stored';
    if (row.skippedAt !== undefined) return 'skipped';
    if (last && last.outcome === undefined) return 'sending';
    if (row.signing.at(-1)?.to === undefined && row.signing.length > 0) return 'signing';
    if (row.hashing.at(-1)?.to === undefined && row.hashing.length > 0) return 'hashing';
    return last?.outcome ?? 'waiting';
  }
}
