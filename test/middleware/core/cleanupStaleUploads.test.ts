/**
 * cleanupStaleUploads against a real S3 (radosgw): what it judges stale, what it aborts, every
 * ListMultipartUploads page, the prefix as a hard boundary; and, with the client's send wrapped,
 * uploads that vanish or refuse to be aborted mid-sweep. Every test works under a prefix of its own.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanupStaleUploads, CleanupError, type CleanupEvent } from '../../../middleware/index.js';
import { createTestS3Client, s3ClientConfig } from '../../harness/testServer.js';

const { bucket, ...config } = s3ClientConfig();
const run = randomBytes(4).toString('hex');
let s3: S3Client;
/** Everything created here, aborted (or deleted) at the end whatever happened. */
const created: Array<{ key: string; uploadId: string }> = [];
const objects: string[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(() => {
  s3 = createTestS3Client();
});
afterAll(async () => {
  await Promise.all(created.map(({ key, uploadId }) => s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {})));
  await Promise.all(objects.map((key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))));
  s3.destroy();
});

async function createUpload(key: string, { withPart = false } = {}): Promise<{ key: string; uploadId: string }> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const upload = { key, uploadId: UploadId! };
  created.push(upload);
  if (withPart) await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: UploadId, PartNumber: 1, Body: 'a part' }));
  return upload;
}

/** The upload ids S3 lists under `prefix`, sorted. */
async function uploadIdsUnder(prefix: string): Promise<string[]> {
  const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  expect(page.IsTruncated).not.toBe(true);
  return (page.Uploads ?? []).map((upload) => upload.UploadId!).sort();
}

const ids = (uploads: ReadonlyArray<{ uploadId: string }>) => uploads.map((upload) => upload.uploadId).sort();

describe('old and fresh uploads under one prefix, old ones in a sibling prefix', () => {
  const prefix = `cleanup-test/${run}/`;
  // Shares the prefix's first characters: "cleanup-test/<run>" covers it, "cleanup-test/<run>/" does not.
  const sibling = `cleanup-test/${run}-other/`;
  let old: Array<{ key: string; uploadId: string }>;
  let fresh: Array<{ key: string; uploadId: string }>;
  let outside: Array<{ key: string; uploadId: string }>;
  let cut: number;

  beforeAll(async () => {
    old = [
      await createUpload(`${prefix}a/movie.mp4`, { withPart: true }),
      await createUpload(`${prefix}a/movie.mp4`), // a second upload of the same key
      await createUpload(`${prefix}b/photo.jpg`),
    ];
    outside = [await createUpload(`${sibling}c/old.bin`, { withPart: true })];
    // Stores may keep Initiated to the second (radosgw keeps milliseconds): 1.5 s either side of the cut.
    await sleep(1500);
    cut = Date.now();
    await sleep(1500);
    fresh = [await createUpload(`${prefix}d/new.bin`, { withPart: true }), await createUpload(`${prefix}e/new.bin`)];
  });

  it('a dry run reports exactly the old ones as stale and changes nothing', async () => {
    const now = new Date();
    const events: CleanupEvent[] = [];
    const report = await cleanupStaleUploads({ s3: config, bucket, prefix, olderThan: now.getTime() - cut, now, dryRun: true, onUpload: (event) => events.push(event) });

    expect(report).toMatchObject({ dryRun: true, scanned: 5, kept: 2, aborted: [], gone: [], failed: [] });
    expect(ids(report.stale)).toEqual(ids(old));
    for (const upload of report.stale) {
      expect(upload.key.startsWith(prefix)).toBe(true);
      expect(upload.initiated.getTime()).toBeLessThan(cut);
    }
    expect(events.filter((event) => event.outcome === 'would-abort').map((event) => event.uploadId).sort()).toEqual(ids(old));
    expect(events.filter((event) => event.outcome === 'kept').map((event) => event.uploadId).sort()).toEqual(ids(fresh));
    expect(await uploadIdsUnder(prefix)).toEqual(ids([...old, ...fresh]));
  });

  it('"a/b" covers "a/bc": without its slash, the prefix takes in the sibling too (dry run)', async () => {
    const report = await cleanupStaleUploads({ s3: config, bucket, prefix: `cleanup-test/${run}`, olderThan: Date.now() - cut, dryRun: true });
    expect(ids(report.stale)).toEqual(ids([...old, ...outside]));
  });

  it('a real run aborts exactly the old ones, keeps the fresh ones, and never touches the sibling prefix', async () => {
    const now = new Date();
    const report = await cleanupStaleUploads({ s3: config, bucket, prefix, olderThan: now.getTime() - cut, now });

    expect(report).toMatchObject({ dryRun: false, scanned: 5, kept: 2, gone: [], failed: [] });
    expect(ids(report.stale)).toEqual(ids(old));
    expect(ids(report.aborted)).toEqual(ids(old));
    expect(await uploadIdsUnder(prefix)).toEqual(ids(fresh));
    expect(await uploadIdsUnder(sibling)).toEqual(ids(outside));
  });
});

it('follows every page: 7 uploads at 2 a page are all seen, and all aborted while paging', async () => {
  const prefix = `cleanup-test/${run}-pages/`;
  // Three uploads of one key, so a page ends between uploads of the same key (UploadIdMarker matters).
  const keys = ['a', 'a', 'a', 'b', 'c', 'd', 'e'];
  const uploads = [];
  for (const key of keys) uploads.push(await createUpload(`${prefix}${key}`));
  await sleep(50);

  const client = createTestS3Client();
  try {
    const send = vi.spyOn(client, 'send');
    const listCalls = () => send.mock.calls.filter(([command]) => command instanceof ListMultipartUploadsCommand).length;

    const dry = await cleanupStaleUploads({ s3: client, bucket, prefix, olderThan: 0, dryRun: true, pageSize: 2 });
    expect(dry.scanned).toBe(7);
    expect(ids(dry.stale)).toEqual(ids(uploads));
    expect(listCalls()).toBe(4);

    const real = await cleanupStaleUploads({ s3: client, bucket, prefix, olderThan: 0, pageSize: 2 });
    expect(real).toMatchObject({ scanned: 7, kept: 0, gone: [], failed: [] });
    expect(ids(real.aborted)).toEqual(ids(uploads));
    expect(await uploadIdsUnder(prefix)).toEqual([]);
  } finally {
    client.destroy();
  }
});

it('an upload completed meanwhile counts as gone, a refused abort as failed, and neither stops the sweep', async () => {
  const prefix = `cleanup-test/${run}-races/`;
  const completed = await createUpload(`${prefix}completed.bin`);
  const refused = await createUpload(`${prefix}refused.bin`);
  const others = [await createUpload(`${prefix}x.bin`), await createUpload(`${prefix}y.bin`)];
  objects.push(completed.key);
  await sleep(50);

  const client = createTestS3Client();
  try {
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    vi.spyOn(client, 'send').mockImplementation((async (command: unknown) => {
      if (command instanceof AbortMultipartUploadCommand && command.input.UploadId === completed.uploadId) {
        // Its browser completes it between our list and our abort.
        const part = (await send(new UploadPartCommand({ Bucket: bucket, Key: completed.key, UploadId: completed.uploadId, PartNumber: 1, Body: 'last part' }))) as { ETag: string };
        await send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: completed.key, UploadId: completed.uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      }
      if (command instanceof AbortMultipartUploadCommand && command.input.UploadId === refused.uploadId) {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      }
      return send(command);
    }) as never);

    const report = await cleanupStaleUploads({ s3: client, bucket, prefix, olderThan: 0, concurrency: 1 });
    expect(report.scanned).toBe(4);
    expect(ids(report.gone)).toEqual([completed.uploadId]);
    expect(report.failed).toEqual([{ ...refused, initiated: expect.any(Date), error: 'AccessDenied: Access Denied' }]);
    expect(ids(report.aborted)).toEqual(ids(others));
    expect(await uploadIdsUnder(prefix)).toEqual([refused.uploadId]);
  } finally {
    client.destroy();
  }
});

it('a failure to list throws a CleanupError naming the bucket and S3 code', async () => {
  const missing = `no-such-bucket-${run}`;
  const error = await cleanupStaleUploads({ s3: config, bucket: missing, olderThan: 0 }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(CleanupError);
  expect(error).toMatchObject({ code: 'list_failed', message: `Could not list the multipart uploads in bucket "${missing}": NoSuchBucket` });
});

describe('without S3', () => {
  /** A client whose every ListMultipartUploads answers `page`, and which sends nothing. */
  function clientAnswering(page: object): { client: S3Client; calls: () => number } {
    const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const send = vi.spyOn(client, 'send').mockImplementation((async () => page) as never);
    return { client, calls: () => send.mock.calls.length };
  }
  const upload = { Key: 'k', UploadId: 'u', Initiated: new Date(0) };

  it('stops with an error when the store says the list goes on but repeats its markers', async () => {
    const { client, calls } = clientAnswering({ IsTruncated: true, Uploads: [upload], NextKeyMarker: 'k', NextUploadIdMarker: 'u' });
    const error = await cleanupStaleUploads({ s3: client, bucket: 'b', olderThan: 0, dryRun: true }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'CleanupError', code: 'endless_listing' });
    expect((error as Error).message).toContain('stopped after 2 uploads');
    expect(calls()).toBe(2);
  });

  it('stops with an error when the store says the list goes on but gives no marker', async () => {
    const { client, calls } = clientAnswering({ IsTruncated: true, Uploads: [] });
    await expect(cleanupStaleUploads({ s3: client, bucket: 'b', olderThan: 0 })).rejects.toMatchObject({ code: 'endless_listing' });
    expect(calls()).toBe(1);
  });

  it('an aborted signal stops it before any request, with the signal\'s reason', async () => {
    const { client, calls } = clientAnswering({ Uploads: [upload] });
    const reason = new Error('shutting down');
    await expect(cleanupStaleUploads({ s3: client, bucket: 'b', olderThan: 0, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(calls()).toBe(0);
  });

  it.each([
    [{ olderThan: undefined }, 'Expected `olderThan` to be a whole number from 0 up, got nothing'],
    [{ olderThan: -1 }, 'Expected `olderThan` to be a whole number from 0 up, got -1 (number)'],
    [{ olderThan: '24h' }, 'Expected `olderThan` to be a whole number from 0 up, got "24h" (string)'],
    [{ pageSize: 0 }, 'Expected `pageSize` to be a whole number from 1 to 1000, got 0 (number)'],
    [{ concurrency: 1.5 }, 'Expected `concurrency` to be a whole number from 1 to 1000, got 1.5 (number)'],
    [{ bucket: '' }, 'Expected `bucket` to be a bucket name, got "" (string)'],
    [{ now: new Date(Number.NaN) }, 'Expected `now` to be a valid Date, got an object'],
    [{ dryRun: 'yes' }, 'Expected `dryRun` to be a boolean, got "yes" (string)'],
    [{ s3: 'us-east-1' }, 'Expected `s3` to be an S3Client or an S3ClientConfig object, got "us-east-1" (string)'],
  ])('refuses %j', async (bad, message) => {
    const options = { s3: config, bucket, olderThan: 0, ...bad } as Parameters<typeof cleanupStaleUploads>[0];
    await expect(cleanupStaleUploads(options)).rejects.toThrow(new TypeError(message));
  });
});

