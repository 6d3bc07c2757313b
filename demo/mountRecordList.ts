/**
 * "Recorded uploads": the rows the demo server's completion hook wrote (`GET /demo/uploads`, the
 * caller's only), read when the page loads and again after every finished upload. They live in
 * the server's database, so they are still listed after the demo restarts.
 */
import type Uppy from '@uppy/core';
import type { Body, Meta } from '@uppy/core/utils';
import type { DemoUploads } from './createDemoServer.js';
import { element, humanSize } from './dom.js';
import type { UploadRecord } from './uploadRecords.js';

/** One line about a record: its row number, who reported it, how often the hook ran, and whether the bytes were vouched for. */
export function describeRecord(record: UploadRecord): string {
  const runs = record.hookRuns === 1 ? 'once' : `${record.hookRuns} times`;
  return `#${record.id}, reported by ${record.sources.join(' + ')}, hook ran ${runs}, MD5 ${record.md5Verified ? 'verified' : 'not verified'}, first seen ${new Date(record.firstSeen).toLocaleTimeString()}`;
}

/** Reads the list again; resolves once it is drawn. */
export type RefreshRecords = () => Promise<void>;

export function mountRecordList<M extends Meta, B extends Body>(uppy: Uppy<M, B>, target: HTMLElement): RefreshRecords {
  let latest = 0;
  const refresh: RefreshRecords = async () => {
    const call = ++latest;
    let content: Node;
    try {
      const answer = await fetch('/demo/uploads');
      if (!answer.ok) throw new Error(`the server answered ${answer.status}`);
      const { recording, uploads } = (await answer.json()) as DemoUploads;
      if (!recording) content = element('p', { className: 'empty' }, 'This server records nothing (DEMO_DATA_DIR=off).');
      else if (uploads.length === 0) content = element('p', { className: 'empty' }, 'None yet: finished uploads are recorded here by the server.');
      else {
        content = element(
          'table',
          {},
          element('thead', {}, element('tr', {}, ...['File', 'Size', 'ETag', 'Reported by', 'Hook runs', 'MD5 verified', 'First seen'].map((title) => element('th', {}, title)))),
          element(
            'tbody',
            {},
            ...uploads.map((record) =>
              element(
                'tr',
                { dataset: { testid: 'record', key: record.key, etag: record.etag, source: record.source, hookRuns: String(record.hookRuns) }, title: describeRecord(record) },
                element('td', {}, record.key.slice(record.key.lastIndexOf('/') + 1)),
                element('td', {}, humanSize(record.size)),
                element('td', {}, element('code', {}, record.etag)),
                element('td', {}, record.sources.join(', ')),
                element('td', {}, String(record.hookRuns)),
                element('td', {}, record.md5Verified ? 'yes' : 'no'),
                element('td', {}, new Date(record.firstSeen).toLocaleString()),
              ),
            ),
          ),
        );
      }
    } catch (error) {
      content = element('p', { className: 'status failed' }, `Could not read the records: ${String(error)}`);
    }
    // An older answer arriving after a newer one is dropped.
    if (call === latest) {
      target.replaceChildren(content);
      target.dataset.loaded = String(call);
    }
  };
  uppy.on('upload-success', () => void refresh());
  void refresh();
  return refresh;
}
