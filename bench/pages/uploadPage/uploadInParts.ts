/**
 * The upload page's multipart loop without Uppy (the plain contenders): create the upload through
 * the middleware at `/api`, PUT the parts `limit` at a time with fetch (no progress events, no
 * retries), complete. What each part's PUT sends, and to which URL, the contender says.
 */
import { paths, type CompleteResponse, type CreateMultipartResponse } from '../../../contract.js';
import { planParts, type PlannedPart } from '../../../plugin/upload/planParts.js';
import type { ProgressRecorder } from './recordProgress.js';

export const API = '/api';

export async function callApi<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${API}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** One part's PUT: where, with which headers, which body; `sent` once fetch has taken the body. */
export interface PartRequest {
  url: string;
  headers: Record<string, string>;
  body: Blob | Uint8Array<ArrayBuffer>;
  sent?: () => void;
}

/** A contender's way of sending the parts of one upload; `close` when the upload is over. */
export interface PartSender {
  request(part: PlannedPart): Promise<PartRequest>;
  close?(): void;
}

/**
 * Uploads `file` in the middleware's part size, `limit` PUTs at a time, each as `sender` makes it;
 * `progress` hears the bytes of each finished part and the completed file.
 */
export async function uploadInParts(file: File, limit: number, progress: ProgressRecorder, sender: (upload: { uploadId: string; key: string; parts: PlannedPart[] }) => Promise<PartSender>): Promise<void> {
  const created = await callApi<CreateMultipartResponse>(paths.createMultipart(), {
    method: 'POST',
    body: JSON.stringify({ filename: file.name, type: 'application/octet-stream', size: file.size }),
  });
  const { key, uploadId } = created;
  const parts = planParts(file.size, created.partSize ?? 8 * 1024 * 1024);
  const send = await sender({ uploadId, key, parts });
  try {
    const queue = parts.slice();
    const etags = new Map<number, string>();
    let sentBytes = 0;
    const worker = async () => {
      for (let part = queue.shift(); part; part = queue.shift()) {
        const { url, headers, body, sent } = await send.request(part);
        const sending = fetch(url, { method: 'PUT', headers, body });
        sent?.();
        const response = await sending;
        if (!response.ok) throw new Error(`part ${part.partNumber}: ${response.status}`);
        etags.set(part.partNumber, response.headers.get('etag') ?? '');
        sentBytes += part.size;
        progress.sent(file.name, sentBytes);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, parts.length) }, worker));
    await callApi<CompleteResponse>(paths.complete(uploadId, key), {
      method: 'POST',
      body: JSON.stringify({ parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: etags.get(part.partNumber) })) }),
    });
    progress.stored();
  } finally {
    send.close?.();
  }
}
