/**
 * The demo's upload records in a real PGlite database on disk: one row per key and ETag however
 * often the hook runs, the caller's prefix taken literally, the rows still there after the
 * database is closed and opened again, and one process at a time on a folder.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletedUpload } from '../../middleware/index.js';
import { hasUploadRecords, openUploadRecords, type UploadRecords } from '../../demo/uploadRecords.js';

let dir: string;
let records: UploadRecords | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upload-records-'));
  records = await openUploadRecords(dir); // the first open creates the database: seconds
});
afterAll(async () => {
  await records?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const upload = (over: Partial<CompletedUpload<unknown>> = {}): CompletedUpload<unknown> => ({
  key: 'demo/a_b/1/movie.mp4',
  bucket: 'uploads',
  size: 6 * 1024 ** 3,
  etag: '"0123456789abcdef0123456789abcdef-3"',
  contentType: 'video/mp4',
  metadata: {},
  uploadId: 'upload-1',
  md5Verified: true,
  source: 'complete',
  repeated: false,
  req: undefined,
  ...over,
});

describe('openUploadRecords', () => {
  it('upserts by key and ETag: the hook run again and the event land on the row, counted; another ETag is another row', async () => {
    const db = records as UploadRecords;
    const first = await db.record(upload());
    expect(first).toMatchObject({ key: 'demo/a_b/1/movie.mp4', size: 6 * 1024 ** 3, source: 'complete', sources: ['complete'], md5Verified: true, uploadId: 'upload-1', hookRuns: 1 });
    expect(first.firstSeen).toBe(first.lastSeen);

    const again = await db.record(upload({ repeated: true }));
    const event = await db.record(upload({ source: 'event', md5Verified: false, uploadId: undefined, repeated: true }));
    expect(event).toMatchObject({ id: first.id, source: 'complete', sources: ['complete', 'event'], md5Verified: true, uploadId: 'upload-1', hookRuns: 3, firstSeen: first.firstSeen });
    expect(Date.parse(event.lastSeen)).toBeGreaterThanOrEqual(Date.parse(again.lastSeen));

    const rewritten = await db.record(upload({ etag: '"fedcba9876543210fedcba9876543210"', uploadId: undefined, source: 'confirm', size: 5 }));
    expect(rewritten.id).not.toBe(first.id);
    expect(await db.find(first.key, first.etag)).toEqual(event);
    expect(await db.find(first.key, '"00000000000000000000000000000000"')).toBeUndefined();
  });

  it("lists a prefix's records newest first, the prefix taken literally (no LIKE wildcards)", async () => {
    const db = records as UploadRecords;
    await db.record(upload({ key: 'demo/aXb/1/other.bin', etag: '"11111111111111111111111111111111"' }));
    const listed = await db.list('demo/a_b/');
    expect(listed.map((record) => record.key)).toEqual(['demo/a_b/1/movie.mp4', 'demo/a_b/1/movie.mp4']);
    expect(listed[0]?.source).toBe('confirm'); // the rewritten object, recorded last
    expect(await db.list('demo/nobody/')).toEqual([]);
  });

  it('keeps the rows when closed and opened again; a second open of a folder in use is refused', async () => {
    expect([hasUploadRecords(dir), hasUploadRecords(join(dir, 'nothing-here'))]).toEqual([true, false]);
    const before = await (records as UploadRecords).list('demo/');
    await expect(openUploadRecords(dir)).rejects.toThrow(/already keeps upload records in .*DEMO_DATA_DIR/);
    await (records as UploadRecords).close();
    records = undefined;
    // A demo killed without its shutdown leaves its PID file: a process that has ended holds nothing.
    await writeFile(join(dir, 'demo.pid'), '999999999');
    records = await openUploadRecords(dir);
    expect(await records.list('demo/')).toEqual(before);
    expect(await readFile(join(dir, 'demo.pid'), 'utf8')).toBe(String(process.pid));
  });
});
