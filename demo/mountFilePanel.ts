/**
 * The demo's live panel: one card per file with the parts S3 verified (or, for the stock plugin,
 * accepted) out of the total, re-signs, retries, throughput, and once complete the object's ETag
 * as S3 reports it and a download link (both from the demo server, which checks ownership).
 */
import type Uppy from '@uppy/core';
import type { Body, Meta, UppyFile } from '@uppy/core/utils';
import type { FileCounters, S3ResumableUploadState } from '../plugin/index.js';
import type { DemoObject } from './createDemoServer.js';

export interface FilePanelOptions {
  /** Which uploader the page runs: ours reports verified parts, re-signs and retries; the stock one only accepted parts. */
  uploader: 'plugin' | 'stock';
  /** How many parts a file of this size is sent in (1 for a single upload) before the upload says. */
  expectedParts: (size: number) => number;
}

/** Bytes and time since a file's upload (re)started, for its throughput. */
interface Speed {
  since: number;
  sinceBytes: number;
  at: number;
  bytes: number;
}

interface Outcome {
  object?: DemoObject;
  error?: string;
  corsProblem?: boolean;
}

const MiB = 1024 * 1024;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const { dataset, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

function mebibytes(bytes: number): string {
  return bytes >= 100 * MiB ? `${(bytes / MiB).toFixed(0)} MiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

function describeSpeed({ since, sinceBytes, at, bytes }: Speed): string {
  const seconds = (at - since) / 1000;
  return `${((bytes - sinceBytes) / MiB / seconds).toFixed(1)} MiB/s over ${seconds.toFixed(1)} s`;
}

export function mountFilePanel<M extends Meta, B extends Body>(uppy: Uppy<M, B>, target: HTMLElement, options: FilePanelOptions): void {
  const speeds = new Map<string, Speed>();
  const outcomes = new Map<string, Outcome>();
  const stockParts = new Map<string, Set<number>>();
  let scheduled = false;

  const fileCounters = (id: string): FileCounters | undefined =>
    (uppy.getState().plugins.S3ResumableUpload as S3ResumableUploadState | undefined)?.files?.[id];

  function partsOf(file: UppyFile<M, B>): { done: number; total: number; label: string } {
    const size = file.size ?? 0;
    if (options.uploader === 'stock') {
      const done = stockParts.get(file.id)?.size ?? (file.progress.uploadComplete ? 1 : 0);
      return { done, total: Math.max(done, options.expectedParts(size)), label: 'accepted by S3 (no MD5: not verified)' };
    }
    const counters = fileCounters(file.id);
    const partSize = 's3Resumable' in file ? file.s3Resumable?.partSize : undefined;
    const total = partSize ? Math.ceil(size / partSize) : options.expectedParts(size);
    const done = partSize || total > 1 ? (counters?.partsVerified ?? 0) + (counters?.partsSkipped ?? 0) : (counters?.singleUploads ?? 0);
    return { done, total, label: 'verified by S3 (Content-MD5)' };
  }

  function status(file: UppyFile<M, B>): string {
    const outcome = outcomes.get(file.id);
    if (file.error) return `failed: ${file.error}`;
    if (file.progress.uploadComplete) return outcome?.error ? `complete (${outcome.error})` : 'complete';
    if ('isGhost' in file && file.isGhost) return 'restored after the reload: Re-select the file, then Upload, to resume';
    if (file.isPaused) return 'paused';
    if (file.progress.uploadStarted) return `uploading ${file.progress.percentage ?? 0}%`;
    return 'waiting';
  }

  function card(file: UppyFile<M, B>): HTMLElement {
    const parts = partsOf(file);
    const counters = fileCounters(file.id);
    const speed = speeds.get(file.id);
    const throughput = speed && speed.at > speed.since ? describeSpeed(speed) : '…';
    const outcome = outcomes.get(file.id);
    const state = file.error ? 'failed' : file.progress.uploadComplete && outcome?.object ? 'complete' : 'running';
    const stock = options.uploader === 'stock';

    const rows: Array<[string, Node | string, string]> = [
      ['Parts', element('span', { dataset: { testid: 'parts', done: String(parts.done), total: String(parts.total) } }, `${parts.done} / ${parts.total} ${parts.label}`), 'parts'],
      ['Re-signs', stock ? '(not reported)' : String(counters?.resigns ?? 0), 'resigns'],
      ['Retries', stock ? '(not reported)' : String(counters?.retries ?? 0), 'retries'],
      ['Throughput', throughput, 'throughput'],
    ];
    if (outcome?.object) {
      rows.push(['Key', element('code', {}, outcome.object.key), 'key']);
      rows.push(['ETag', element('code', { dataset: { testid: 'etag' } }, outcome.object.etag), 'etag']);
      rows.push(['Download', element('a', { href: outcome.object.downloadUrl, dataset: { testid: 'download' } }, `${file.name ?? 'file'} (${mebibytes(outcome.object.size)})`), 'download']);
    }
    if (outcome?.corsProblem) {
      rows.push(['Fix', "The browser could not read S3's ETag header: the bucket's CORS rule must expose ETag. The server printed the rule to set.", 'cors']);
    }

    return element(
      'article',
      { className: 'file', dataset: { testid: 'file', fileId: file.id, state } },
      element('h3', {}, element('span', { className: 'name' }, file.name ?? 'file'), element('span', { className: 'size' }, mebibytes(file.size ?? 0))),
      element('p', { className: `status ${state}`, dataset: { testid: 'status' } }, status(file)),
      element('dl', {}, ...rows.flatMap(([term, value, row]) => [element('dt', {}, term), element('dd', { dataset: { row } }, value)])),
    );
  }

  function render(): void {
    scheduled = false;
    const files = uppy.getFiles();
    target.replaceChildren(...(files.length === 0 ? [element('p', { className: 'empty' }, 'Add files to the Dashboard: each one gets a card here.')] : files.map(card)));
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
    const key = (response.body as { key?: string } | undefined)?.key;
    if (!key) return;
    fetch(`/demo/object?key=${encodeURIComponent(key)}`)
      .then(async (answer) => {
        const body = (await answer.json()) as DemoObject & { message?: string };
        outcomes.set(file.id, answer.ok ? { object: body } : { error: body.message ?? `the server answered ${answer.status}` });
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
