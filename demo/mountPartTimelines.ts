/**
 * The demo's part timelines: one per file, live while it uploads and kept after, shown in its
 * card. Our plugin tells everything through its `s3-resumable:timeline` events; for the stock
 * `@uppy/aws-s3` only what its events allow is drawn (when each part was accepted, pauses and
 * offline times: no hashing, no URL signing, no per-part failure, retry or re-sign). The events
 * are stored in sessionStorage when the page goes away, so after a reload the timeline carries on
 * with the reload drawn as a span.
 */
import type Uppy from '@uppy/core';
import type { Body, Meta } from '@uppy/core/utils';
import type { TimelineEvent } from '../plugin/index.js';
import { drawFileTimeline, TIMELINE_COLORS } from './drawFileTimeline.js';
import { FileTimeline, type PartRow, type RecordedEvent } from './FileTimeline.js';

export interface PartTimelinesOptions {
  /** Which uploader the page runs. */
  uploader: 'plugin' | 'stock';
  /** Parts of a file of this size, for the stock plugin (which does not say). */
  expectedParts: (size: number) => number;
  /** Where the events wait out a reload. @default sessionStorage */
  storage?: Storage;
}

export interface PartTimelines {
  /** The file's timeline element (canvas, legend, table of parts), to put in its card. */
  elementFor(fileId: string, size: number): HTMLElement;
  /** The file's timeline model, for tests and curious people. */
  timelineOf(fileId: string): FileTimeline | undefined;
}

const STORAGE_KEY = 'uppy-s3-resumable-demo:timelines';
/** Redraws of a running file's timeline, at most this often (ms). */
const REDRAW_MS = 200;
/** The User Timing measure of each redraw. */
export const DRAW_MEASURE = 'part timeline: draw';

interface Shown {
  timeline: FileTimeline;
  element: HTMLElement;
  canvas: HTMLCanvasElement;
  table: HTMLTableSectionElement;
  caption: HTMLTableCaptionElement;
  rows: Map<number, { tr: HTMLTableRowElement; text: string }>;
  drawScheduled: boolean;
}

const LEGEND: Array<[string, string]> = [
  ['hashing', 'hashing'],
  ['signing', 'signing URLs'],
  ['resign', 're-signing'],
  ['bytes', 'PUT, bytes sent'],
  ['stored', 'stored'],
  ['refused', 'refused'],
  ['network', 'network failure or stall'],
  ['skipped', 'already stored (resume)'],
  ['retry', 'retry'],
  ['paused', 'paused'],
  ['offline', 'offline'],
  ['server-wait', 'waiting for the server'],
  ['reload', 'page reload'],
];

function describeRow(timeline: FileTimeline, row: PartRow): { state: string; cells: string[] } {
  const state = timeline.stateOf(row);
  const notes = row.puts.filter((bar) => bar.outcome !== undefined && bar.outcome !== 'stored').map((bar) => bar.detail ?? bar.outcome);
  if (row.skippedAt !== undefined) notes.push('already stored on resume');
  return {
    state,
    cells: [String(row.partNumber || 'file'), state, String(row.puts.length), String(row.resigns), String(row.retries.length), notes.join(', ')],
  };
}

/** The file-wide spans in words: "paused 1×, offline 0×…". */
function describeSpans(timeline: FileTimeline): string {
  const count = (kind: string) => timeline.spans.filter((span) => span.kind === kind).length;
  return `Paused ${count('paused')}×, offline ${count('offline')}×, waiting for the server ${count('server-wait')}×, reloaded ${count('reload')}×`;
}

export function mountPartTimelines<M extends Meta, B extends Body>(uppy: Uppy<M, B>, options: PartTimelinesOptions): PartTimelines {
  const storage = options.storage ?? sessionStorage;
  const shown = new Map<string, Shown>();
  let stored: { hiddenAt: number; files: Record<string, RecordedEvent[]> } | undefined;
  try {
    stored = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null') ?? undefined;
  } catch {
    stored = undefined;
  }
  storage.removeItem(STORAGE_KEY);
  const loadedAt = Date.now();

  function show(fileId: string, size: number): Shown {
    let entry = shown.get(fileId);
    if (entry) return entry;
    const timeline = new FileTimeline(size);
    if (options.uploader === 'stock') timeline.partCount = options.expectedParts(size);
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'Part timeline: time runs left to right, one row per part');
    const legend = document.createElement('p');
    legend.className = 'legend';
    for (const [color, label] of LEGEND) {
      if (options.uploader === 'stock' && ['hashing', 'signing', 'resign', 'refused', 'network', 'skipped', 'retry', 'server-wait'].includes(color)) continue;
      const swatch = Object.assign(document.createElement('span'), { className: 'swatch' });
      swatch.style.background = TIMELINE_COLORS[color as keyof typeof TIMELINE_COLORS];
      const item = Object.assign(document.createElement('span'), { className: 'item' });
      item.append(swatch, label);
      legend.append(item, ' ');
    }
    if (options.uploader === 'stock') legend.append(' (the stock plugin tells only when each part was accepted: one PUT at a time, inferred)');
    const table = document.createElement('table');
    table.dataset.testid = 'timeline-parts';
    const head = table.createTHead().insertRow();
    for (const title of ['Part', 'State', 'PUTs', 'Re-signs', 'Retries', 'Notes']) head.append(Object.assign(document.createElement('th'), { textContent: title }));
    const parts = document.createElement('details');
    parts.append(Object.assign(document.createElement('summary'), { textContent: 'Parts, one row each' }), table);
    const element = document.createElement('details');
    element.className = 'timeline';
    element.open = true;
    element.dataset.testid = 'timeline';
    element.append(Object.assign(document.createElement('summary'), { textContent: 'Part timeline' }), canvas, legend, parts);
    const caption = table.createCaption();
    caption.dataset.testid = 'timeline-spans';
    entry = { timeline, element, canvas, table: table.createTBody(), caption, rows: new Map(), drawScheduled: false };
    shown.set(fileId, entry);
    // Back from a reload: what happened before it, then the reload itself.
    const before = stored?.files[fileId];
    if (before && stored) {
      for (const event of before) record(entry, event);
      record(entry, { type: 'span', kind: 'reload', waiting: true, at: stored.hiddenAt });
      record(entry, { type: 'span', kind: 'reload', waiting: false, at: loadedAt });
    }
    return entry;
  }

  function updateRow(entry: Shown, partNumber: number): void {
    const row = entry.timeline.rows.get(partNumber);
    if (!row) return;
    const { state, cells } = describeRow(entry.timeline, row);
    const text = cells.join('\u0000');
    let shownRow = entry.rows.get(partNumber);
    if (shownRow?.text === text) return; // bytes moving: the row's words stay the same
    if (!shownRow) {
      const tr = entry.table.insertRow();
      tr.dataset.part = String(partNumber);
      shownRow = { tr, text: '' };
      entry.rows.set(partNumber, shownRow);
    }
    shownRow.text = text;
    shownRow.tr.dataset.state = state;
    shownRow.tr.replaceChildren(...cells.map((cell) => Object.assign(document.createElement('td'), { textContent: cell })));
  }

  function draw(entry: Shown): void {
    entry.drawScheduled = false;
    if (!entry.element.isConnected) return;
    const width = entry.element.clientWidth || 420;
    const started = performance.now();
    drawFileTimeline(entry.canvas, entry.timeline, Date.now(), width);
    // Shown in DevTools' performance panel, and read by the tests.
    performance.measure(DRAW_MEASURE, { start: started, end: performance.now() });
    // Keep the clock moving while something runs.
    if (entry.timeline.endedAt === undefined) schedule(entry);
  }

  function schedule(entry: Shown): void {
    if (entry.drawScheduled) return;
    entry.drawScheduled = true;
    setTimeout(() => requestAnimationFrame(() => draw(entry)), REDRAW_MS);
  }

  function record(entry: Shown, event: RecordedEvent): void {
    const spans = entry.timeline.spans.length;
    for (const partNumber of entry.timeline.record(event)) updateRow(entry, partNumber);
    if (entry.timeline.spans.length !== spans || !entry.caption.textContent) entry.caption.textContent = describeSpans(entry.timeline);
    schedule(entry);
  }

  const recordFor = (file: { id: string; size: number | null } | undefined, event: RecordedEvent) => {
    if (file) record(show(file.id, file.size ?? 0), event);
  };

  if (options.uploader === 'plugin') {
    uppy.on('s3-resumable:timeline', (file, event: TimelineEvent) => recordFor(file, event));
  } else {
    uppy.on('upload-start', (files) => {
      for (const file of files) recordFor(file, { type: 'stock-start', at: Date.now() });
    });
    uppy.on('s3-multipart:part-uploaded', (file, part) => recordFor(file, { type: 'stock-part', partNumber: part.PartNumber, at: Date.now() }));
    uppy.on('upload-pause', (file, isPaused) => recordFor(file, { type: 'span', kind: 'paused', waiting: isPaused, at: Date.now() }));
    uppy.on('upload-success', (file) => recordFor(file, { type: 'run-end', outcome: 'complete', at: Date.now() }));
    const everyFile = (kind: 'offline' | 'paused', waiting: boolean) => {
      for (const file of uppy.getFiles()) if (shown.has(file.id)) recordFor(file, { type: 'span', kind, waiting, at: Date.now() });
    };
    uppy.on('is-offline', () => everyFile('offline', true));
    uppy.on('is-online', () => everyFile('offline', false));
    uppy.on('pause-all', () => everyFile('paused', true));
    uppy.on('resume-all', () => everyFile('paused', false));
  }
  uppy.on('file-removed', (file) => shown.delete(file.id));
  addEventListener('pagehide', () => {
    const files: Record<string, RecordedEvent[]> = {};
    for (const [fileId, entry] of shown) files[fileId] = entry.timeline.events;
    try {
      storage.setItem(STORAGE_KEY, JSON.stringify({ hiddenAt: Date.now(), files }));
    } catch {
      // Over the storage quota: the timeline starts afresh after the reload.
    }
  });

  return {
    elementFor: (fileId, size) => {
      const entry = show(fileId, size);
      schedule(entry);
      return entry.element;
    },
    timelineOf: (fileId) => shown.get(fileId)?.timeline,
  };
}
