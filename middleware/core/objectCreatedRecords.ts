import { isKeyInPrefix } from './objectKey.js';
import { isValidKey } from './parseInput.js';
import { UploadError } from './UploadError.js';

/** Most records one event body may carry (S3 and radosgw send one). */
export const MAX_EVENT_RECORDS = 100;

/** An ObjectCreated record for an object the hook may hear of: its key and, when the event said, its ETag (quoted). */
export interface CreatedObject {
  key: string;
  etag?: string;
}

const invalidEvent = (message: string) => new UploadError('invalid_event', message);

/** A record's key: raw from radosgw, URL-encoded (spaces as `+`) by AWS S3; undefined when it does not decode. */
function recordKey(key: string, source: unknown): string | undefined {
  if (source !== 'aws:s3') return key;
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The ObjectCreated records of an S3 event body (`{Records: [...]}`, as AWS S3 sends it in an SNS
 * message and radosgw pushes it) for objects in `bucket` under `prefix`; any other record is
 * counted as skipped. S3's test event (`s3:TestEvent`) has no records. A body of another shape is
 * 400 `invalid_event`.
 */
export function objectCreatedRecords(body: unknown, bucket: string, prefix: string): { created: CreatedObject[]; skipped: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidEvent('The event must be a JSON object with Records.');
  const { Records: records, Event: event } = body as { Records?: unknown; Event?: unknown };
  if (records === undefined && event === 's3:TestEvent') return { created: [], skipped: 0 };
  if (!Array.isArray(records) || records.length > MAX_EVENT_RECORDS) throw invalidEvent(`Records must be an array of at most ${MAX_EVENT_RECORDS} S3 event records.`);
  const created: CreatedObject[] = [];
  let skipped = 0;
  for (const record of records as unknown[]) {
    const { eventName, eventSource, s3 } = (typeof record === 'object' && record !== null ? record : {}) as { eventName?: unknown; eventSource?: unknown; s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; eTag?: unknown } } };
    const rawKey = s3?.object?.key;
    const key = typeof rawKey === 'string' ? recordKey(rawKey, eventSource) : undefined;
    const isCreated = typeof eventName === 'string' && /^(s3:)?ObjectCreated:/.test(eventName);
    if (!isCreated || s3?.bucket?.name !== bucket || key === undefined || !isValidKey(key) || !isKeyInPrefix(key, prefix)) {
      skipped += 1;
      continue;
    }
    const etag = s3.object?.eTag;
    created.push(typeof etag === 'string' && /^"?[0-9a-f]{32}(-\d{1,5})?"?$/i.test(etag) ? { key, etag: `"${etag.replace(/^"|"$/g, '')}"` } : { key });
  }
  return { created, skipped };
}
