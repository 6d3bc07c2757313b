/**
 * The demo's live panel: one card per file with the parts S3 verified (or, for the stock plugin,
 * accepted) out of the total, re-signs, retries, throughput, and once complete the object's ETag
 * as S3 reports it and a download link (both from the demo server, which checks ownership), and
 * the record the server's completion hook made (from `serverData`, or looked up by key and ETag).
 */
import type Uppy from '@uppy/core';
import type { Body, Meta, UppyFile } from '@uppy/core/utils';
import type { FileCounters, S3ResumableUploadState } from '../plugin/index.js';
import type { DemoObject } from './createDemoServer.js';
import { element, humanSize } from './dom.js';
import type { PartTimelines } from './mountPartTimelines.js';
import { describeRecord } from './mountRecordList.js';
import type { UploadRecord } from './uploadRecords.js';

export interface FilePanelOptions {
  /** Which uploader the page runs: ours reports verified parts, re-signs and retries; the stock one only accepted parts. */
  uploader: 'plugin' | 'stock';
  /** How many parts a file of this size is sent in (1 for a single upload) before the upload says. */
  expectedParts: (size: number) => number;
  /** Each file's part timeline, shown in its card. @default none */
  timelines?: PartTimelines;
}

/** Bytes and time since a file's upload (re)started, for its throughput. */
interface Speed {
  since: number;
  sinceBytes: number;
  at: number;
  bytes: number;
}

/** Where a card's record came from: the upload's answer (`serverData`), or the server asked by key and ETag. */
type RecordFrom = 'serverData' | 'lookup';

interface Outcome {
  object?: DemoObject;
  record?: UploadRecord;
  recordFrom?: RecordFrom;
  error?: string;
  corsProblem?: boolean;
}

const MiB = 1024 * 1024;
function describeSpeed({ since, sinceBytes, at, bytes }: Speed): string {
  const seconds = (at - since) / 1000;
  return `${((bytes - sinceBytes) / MiB / seconds).toFixed(1)} MiB/s over ${seconds.toFixed(1)} s`;
}

/** What one card shows; a card is redrawn only when this changes (so text in it can be selected). */
interface CardView {
  id: string;
  name: string;
  size: number;
  /** `waiting-for-server`: the upload server is unreachable and the plugin waits for it. */
  state: 'running' | 'waiting-for-server' | 'complete' | 'failed';
  status: string;
  parts: { done: number; total: number; label: string };
  resigns: string;
  retries: string;
  throughput: string;
  object: DemoObject | undefined;
  record: { value: UploadRecord; from: RecordFrom } | undefined;
  /** Said instead of a record when a complete upload has none. */
  noRecord: string | undefined;
  corsProblem: boolean;
}

function renderCard(view: CardView, timeline: HTMLElement | undefined): HTMLElement {
  const { parts, object } = view;
  const rows: Array<[string, Node | string, string]> = [
    ['Parts', element('span', { dataset: { testid: 'parts', done: String(parts.done), total: String(parts.total) } }, `${parts.done} / ${parts.total} ${parts.label}`), 'parts'],
    ['Re-signs', view.resigns, 'resigns'],
    ['Retries', view.retries, 'retries'],
    ['Throughput', view.throughput, 'throughput'],
  ];
  if (object) {
    rows.push(['Key', element('code', {}, object.key), 'key']);
    rows.push(['ETag', element('code', { dataset: { testid: 'etag' } }, object.etag), 'etag']);
    rows.push(['Download', element('a', { href: object.downloadUrl, dataset: { testid: 'download' } }, `${view.name} (${humanSize(object.size)})`), 'download']);
  }
  if (view.record) {
    const { value, from } = view.record;
    const dataset = { testid: 'record', from, recordId: String(value.id), source: value.source, hookRuns: String(value.hookRuns), md5Verified: String(value.md5Verified), etag: value.etag };
    const how = from === 'serverData' ? 'from the upload’s answer (serverData)' : 'looked up by the server: the uploader passed no serverData';
    rows.push(['Record', element('span', { dataset }, `${describeRecord(value)} (${how})`), 'record']);
  } else if (view.noRecord) {
    rows.push(['Record', element('span', { dataset: { testid: 'record', from: 'none' } }, view.noRecord), 'record']);
  }
  if (view.corsProblem) {
    rows.push(['Fix', "The browser could not read S3's ETag header: the bucket's CORS rule must expose ETag. The server printed the rule to set.", 'cors']);
  }
  return element(
    'article',
    { className: 'file', dataset: { testid: 'file', fileId: view.id, state: view.state } },
    element('h3', {}, element('span', { className: 'name' }, view.name), element('span', { className: 'size' }, humanSize(view.size))),
    element('p', { className: `status ${view.state}`, dataset: { testid: 'status' } }, view.status),
    element('dl', {}, ...rows.flatMap(([term, value, row]) => [element('dt', {}, term), element('dd', { dataset: { row } }, value)])),
    ...(timeline ? [timeline] : []),
  );
}

/** The demo server's hook answers an {@link UploadRecord}; anything else is not shown as one. */
function isRecord(value: unknown): value is UploadRecord {
  const record = value as Partial<UploadRecord> | null | undefined;
  return typeof record?.key === 'string' && typeof record.etag === 'string' && typeof record.hookRuns === 'number' && Array.isArray(record.sources);
}

export function mountFilePanel<M extends Meta, B extends Body>(uppy: Uppy<M, B>, target: HTMLElement, options: FilePanelOptions): void {
  const speeds = new Map<string, Speed>();
  const outcomes = new Map<string, Outcome>();
  const stockParts = new Map<string, Set<number>>();
  const drawn = new Map<string, { signature: string; node: HTMLElement }>();
  const empty = element('p', { className: 'empty' }, 'Add files to the Dashboard: each one gets a card here.');
  const stock = options.uploader === 'stock';
  let scheduled = false;

  const pluginState = () => uppy.getState().plugins.S3ResumableUpload as S3ResumableUploadState | undefined;
  const fileCounters = (id: string): FileCounters | undefined => pluginState()?.files?.[id];

  function partsOf(file: UppyFile<M, B>): CardView['parts'] {
    const size = file.size ?? 0;
    if (stock) {
      const done = stockParts.get(file.id)?.size ?? (file.progress.uploadComplete ? 1 : 0);
      return { done, total: Math.max(done, options.expectedParts(size)), label: 'accepted by S3 (no MD5: not verified)' };
    }
    const counters = fileCounters(file.id);
    const partSize = 's3Resumable' in file ? file.s3Resumable?.partSize : undefined;
    const total = partSize ? Math.ceil(size / partSize) : options.expectedParts(size);
    // Distinct parts: a part verified before a pause and skipped after it counts once.
    const timelineDone = options.timelines?.timelineOf(file.id)?.done.size;
    const done = partSize || total > 1 ? (timelineDone ?? (counters?.partsVerified ?? 0) + (counters?.partsSkipped ?? 0)) : (counters?.singleUploads ?? 0);
    return { done, total, label: 'verified by S3 (Content-MD5)' };
  }

  function status(file: UppyFile<M, B>): string {
    const outcome = outcomes.get(file.id);
    if (file.error) return `failed: ${file.error}`;
    if (file.progress.uploadComplete) return outcome?.error ? `complete (${outcome.error})` : 'complete';
    if ('isGhost' in file && file.isGhost) return 'restored after the reload: Re-select the file, then Upload, to resume';
    if (file.isPaused) return 'paused';
    const serverDownSince = pluginState()?.waitingForServer?.[file.id];
    if (serverDownSince !== undefined) {
      const clock = new Date(serverDownSince).toLocaleTimeString();
      return `uploading ${file.progress.percentage ?? 0}%, waiting for the upload server (unreachable since ${clock}); parts with signed URLs go on`;
    }
    if (file.progress.uploadStarted) return `uploading ${file.progress.percentage ?? 0}%`;
    return 'waiting';
  }

  function viewOf(file: UppyFile<M, B>): CardView {
    const counters = fileCounters(file.id);
    const speed = speeds.get(file.id);
    const outcome = outcomes.get(file.id);
    return {
      id: file.id,
      name: file.name ?? 'file',
      size: file.size ?? 0,
      state: file.error
        ? 'failed'
        : file.progress.uploadComplete && outcome?.object
          ? 'complete'
          : pluginState()?.waitingForServer?.[file.id] !== undefined
            ? 'waiting-for-server'
            : 'running',
      status: status(file),
      parts: partsOf(file),
      resigns: stock ? '(not reported)' : String(counters?.resigns ?? 0),
      retries: stock ? '(not reported)' : String(counters?.retries ?? 0),
      throughput: speed && speed.at > speed.since ? describeSpeed(speed) : '…',
      object: outcome?.object,
      record: outcome?.record && outcome.recordFrom ? { value: outcome.record, from: outcome.recordFrom } : undefined,
      noRecord: outcome?.object && !outcome.record ? (stock ? 'none: the stock plugin tells the server nothing of a single POST; only S3 events (DEMO_EVENTS=radosgw) record it' : 'none: the server has no record of this object (is DEMO_DATA_DIR off?)') : undefined,
      corsProblem: outcome?.corsProblem ?? false,
    };
  }

  function render(): void {
    scheduled = false;
    const files = uppy.getFiles();
    const cards = files.map((file) => {
      // The timeline first: back from a reload, it brings the parts stored before it, which the card counts.
      const timeline = options.timelines?.elementFor(file.id, file.size ?? 0);
      const view = viewOf(file);
      const signature = JSON.stringify(view);
      const before = drawn.get(file.id);
      if (before?.signature === signature) return before.node;
      const node = renderCard(view, timeline);
      before?.node.replaceWith(node);
      drawn.set(file.id, { signature, node });
      return node;
    });
    for (const id of drawn.keys()) if (!files.some((file) => file.id === id)) drawn.delete(id);
    const wanted = cards.length === 0 ? [empty] : cards;
    const shown = [...target.children];
    if (wanted.length !== shown.length || wanted.some((node, at) => node !== shown[at])) target.replaceChildren(...wanted);
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  }

  const startClock = (id: string, bytes: number) => {
    const now = performance.now();
    speeds.set(id, { since: now, sinceBytes: bytes, at: now, bytes });
  };
  // The clock runs from the press on Upload (hashing and creating the upload count too) to success.
  uppy.on('upload-start', (files) => {
    for (const file of files) startClock(file.id, file.progress.bytesUploaded || 0);
  });
  uppy.on('upload-progress', (file, progress) => {
    if (!file) return;
    const bytes = progress.bytesUploaded;
    const speed = speeds.get(file.id);
    // A resume after a pause, or bytes given back (a refused part), starts the measurement again.
    if (speed === undefined || bytes < speed.bytes || performance.now() - speed.at > 5_000) startClock(file.id, bytes);
    else Object.assign(speed, { at: performance.now(), bytes });
    schedule();
  });
  uppy.on('s3-multipart:part-uploaded', (file, part) => {
    if (!file) return;
    const parts = stockParts.get(file.id) ?? new Set<number>();
    stockParts.set(file.id, parts.add(part.PartNumber));
    schedule();
  });
  uppy.on('upload-success', (file, response) => {
    if (!file) return;
    const speed = speeds.get(file.id);
    if (speed) Object.assign(speed, { at: performance.now(), bytes: file.size ?? speed.bytes });
    const body = response.body as { key?: string; serverData?: unknown } | undefined;
    const key = body?.key;
    if (!key) return;
    // Our plugin hands on the hook's answer; the stock @uppy/aws-s3 6 keeps only location and key.
    const serverData = isRecord(body.serverData) ? body.serverData : undefined;
    fetch(`/demo/object?key=${encodeURIComponent(key)}`)
      .then(async (answer) => {
        const object = (await answer.json()) as DemoObject & { message?: string };
        if (!answer.ok) return outcomes.set(file.id, { error: object.message ?? `the server answered ${answer.status}` });
        const looked = object.record ?? undefined;
        outcomes.set(file.id, serverData ? { object, record: serverData, recordFrom: 'serverData' } : looked ? { object, record: looked, recordFrom: 'lookup' } : { object });
      })
      .catch((error: unknown) => outcomes.set(file.id, { error: String(error) }))
      .finally(schedule);
  });
  uppy.on('upload-error', (file, error) => {
    if (!file) return;
    const code = (error as { code?: unknown }).code;
    if (code === 'missing_etag' || /etag/i.test(error.message)) {
      outcomes.set(file.id, { corsProblem: true });
      void fetch('/demo/cors-problem', { method: 'POST' });
    }
    schedule();
  });
  uppy.on('file-removed', (file) => {
    speeds.delete(file.id);
    outcomes.delete(file.id);
    stockParts.delete(file.id);
  });
  uppy.on('state-update', schedule);
  render();
}
