/**
 * Draws a {@link FileTimeline} on a canvas: time runs left to right, one row per part (or, past
 * {@link MAX_ROWS} parts, several parts per row, as a compact band), and a band on top for the
 * file-wide spans (paused, offline, waiting for the server, reloading). One pass over the spans,
 * so a redraw costs the same whatever produced them; the panel redraws at most a few times a second.
 */
import type { FileSpanKind, FileTimeline, PartRow, PutBar } from './FileTimeline.js';

/** Rows drawn at most; more parts share rows. */
export const MAX_ROWS = 160;

/** The colours, by what they show; the legend under the canvas uses the same. */
export const TIMELINE_COLORS = {
  hashing: '#8250df',
  signing: '#d4a72c',
  resign: '#9a6700',
  put: '#54aeff',
  bytes: '#0969da',
  stored: '#1a7f37',
  refused: '#cf222e',
  network: '#bc4c00',
  stalled: '#bc4c00',
  cancelled: '#6e7781',
  skipped: '#8c959f',
  retry: '#1f2328',
  paused: '#afb8c1',
  offline: '#cf222e',
  'server-wait': '#d4a72c',
  reload: '#8250df',
} as const satisfies Record<string, string>;

const BAND = 10;
const GUTTER = 28;
const AXIS = 14;

function outcomeColor(bar: PutBar): string {
  return bar.outcome === undefined ? TIMELINE_COLORS.bytes : TIMELINE_COLORS[bar.outcome];
}

/** Draws `timeline` as it is at `now` into `canvas`, `width` CSS pixels wide. */
export function drawFileTimeline(canvas: HTMLCanvasElement, timeline: FileTimeline, now: number, width: number): void {
  const parts = Math.max(timeline.partCount, ...timeline.rows.keys(), 1);
  const rows = Math.min(parts, MAX_ROWS);
  const perRow = Math.ceil(parts / rows);
  const rowHeight = rows <= 24 ? 10 : rows <= 60 ? 5 : Math.max(1, Math.floor(240 / rows));
  const height = BAND + 4 + rows * rowHeight + AXIS;
  const scale = globalThis.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * scale) || canvas.height !== Math.round(height * scale)) {
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const found = canvas.getContext('2d');
  if (!found) return;
  const context: CanvasRenderingContext2D = found;
  context.setTransform(scale, 0, 0, scale, 0, 0);
  context.clearRect(0, 0, width, height);

  const start = timeline.startedAt ?? now;
  const end = Math.max(timeline.endedAt ?? now, start + 1000);
  const plot = width - GUTTER - 4;
  const x = (at: number) => GUTTER + ((Math.min(at, end) - start) / (end - start)) * plot;
  const top = (partNumber: number) => BAND + 4 + Math.floor((Math.max(partNumber, 1) - 1) / perRow) * rowHeight;
  const span = (from: number, to: number | undefined, y: number, h: number, color: string) => {
    context.fillStyle = color;
    const left = x(from);
    context.fillRect(left, y, Math.max(1, x(to ?? now) - left), h);
  };

  for (const fileSpan of timeline.spans) span(fileSpan.from, fileSpan.to, 0, BAND, TIMELINE_COLORS[fileSpan.kind satisfies FileSpanKind]);

  const thin = Math.max(1, Math.floor(rowHeight / 3));
  for (const row of timeline.rows.values()) drawRow(row);

  function drawRow(row: PartRow): void {
    const y = top(row.partNumber);
    const h = Math.max(1, rowHeight - (rowHeight > 3 ? 1 : 0));
    for (const hashing of row.hashing) span(hashing.from, hashing.to, y, thin, TIMELINE_COLORS.hashing);
    for (const signing of row.signing) span(signing.from, signing.to, y + h - thin, thin, signing.resign ? TIMELINE_COLORS.resign : TIMELINE_COLORS.signing);
    for (const bar of row.puts) {
      span(bar.from, bar.to, y, h, TIMELINE_COLORS.put);
      // The bytes moving: the sent share of the part, as a darker bar inside the PUT's.
      const sent = bar.outcome === 'stored' || bar.inferred ? 1 : bar.bytesSent / Math.max(1, timeline.sizeOf(row.partNumber));
      const left = x(bar.from);
      context.fillStyle = TIMELINE_COLORS.bytes;
      context.fillRect(left, y + h / 4, Math.max(1, (x(bar.to ?? now) - left) * Math.min(1, sent)), Math.max(1, h / 2));
      if (bar.to !== undefined) {
        context.fillStyle = outcomeColor(bar);
        context.fillRect(x(bar.to) - 2, y, 3, h);
      }
    }
    if (row.skippedAt !== undefined) span(row.skippedAt - (end - start) / 100, row.skippedAt, y, h, TIMELINE_COLORS.skipped);
    context.fillStyle = TIMELINE_COLORS.retry;
    for (const retry of row.retries) context.fillRect(x(retry.at), y, 1, h);
  }

  // Part numbers in the gutter, where rows are tall enough to label; the time axis under the rows.
  context.fillStyle = '#57606a';
  context.font = '9px system-ui, sans-serif';
  context.textBaseline = 'middle';
  if (rowHeight >= 10) for (let row = 0; row < rows; row += 1) context.fillText(String(row + 1), 2, BAND + 4 + row * rowHeight + rowHeight / 2);
  else context.fillText(`1–${parts}`, 2, BAND + 4 + (rows * rowHeight) / 2);
  context.textBaseline = 'alphabetic';
  const seconds = (end - start) / 1000;
  context.fillText('0 s', GUTTER, height - 2);
  const label = `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  context.fillText(label, width - 4 - context.measureText(label).width, height - 2);
}
