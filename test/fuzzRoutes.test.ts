/**
 * Property-based fuzzing of every route over real HTTP, against the real S3 of the run.
 *
 * Three users share one middleware: alice and bob (each with real uploads, and each knowing the
 * other's uploadIds, keys and part ETags) and mallory, whom `authorize` refuses everything. Random
 * methods, paths, path parameters, query strings, headers and bodies are sent with `node:http`
 * (fetch would normalise `..` and encode what we want raw). Every answer must be a 2xx or a 4xx;
 * every 4xx a JSON `{code, message}` whose status is `ERROR_STATUS[code]`; every 2xx may only sign,
 * name or touch keys inside the caller's prefix. Afterwards the server still answers, alice's
 * protected upload still holds its part, and every upload the fuzz created is aborted.
 *
 * Replay a run with FUZZ_SEED=<seed> (printed at the start and by fast-check on failure);
 * FUZZ_RUNS=<n> sets the runs per property.
 */
import { DeleteObjectsCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths, type CreateMultipartResponse, type ListedPart, type SignPartResponse } from '../contract.js';
import { cleanupStaleUploads } from '../middleware/core/cleanupStaleUploads.js';
import type { UploadError } from '../middleware/core/UploadError.js';
import { callApi, md5Base64, putTo, randomData } from './helpers/callApi.js';
import { checkFuzzAnswer, type Checker, type Seen } from './helpers/checkFuzzAnswer.js';
import { requestGroups, type Upload, type Who } from './helpers/fuzzRequests.js';
import { sendRawRequest, type RawRequest } from './helpers/sendRawRequest.js';
import { createTestS3Client, s3ClientConfig, startTestServer, type TestServer } from './helpers/testServer.js';

function integerFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new TypeError(`Expected ${name} to be a whole number, got ${JSON.stringify(text)}`);
  return value;
}

const RUNS = integerFromEnv('FUZZ_RUNS', 1000);
const SEED = integerFromEnv('FUZZ_SEED', randomBytes(4).readInt32LE());

const run = randomBytes(4).toString('hex');
const alice = `fuzz-alice-${run}`;
const bob = `fuzz-bob-${run}`;
const mallory = `fuzz-mallory-${run}`;
const prefixOf = (user: string) => `test/${user}/`;

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

let server: TestServer;
let base: URL;
let agent: http.Agent;
let s3: S3Client;
let checker: Checker;
let whos: Who[];
/** alice's upload that nobody may abort or complete; she herself never fuzzes it. */
let protectedUpload: Upload;
const seenById = new Map<string, Seen>();
const serverErrors: UploadError[] = [];
const counts: Record<string, { cases: number; unsendable: number; seconds: number; statuses: Map<string, number> }> = {};
let nextId = 0;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort().join();

async function createUpload(user: string, filename: string): Promise<Upload> {
  const created = await callApi<CreateMultipartResponse>(server.base, 'POST', paths.createMultipart(), { user, json: { filename } });
  expect(created.status).toBe(200);
  const data = randomData(32);
  const signed = await callApi<SignPartResponse>(server.base, 'GET', paths.part(created.body.uploadId, 1, { key: created.body.key, md5: md5Base64(data) }), { user });
  const put = await putTo(signed.body.url, data, signed.body.headers);
  expect(put.status).toBe(200);
  return { key: created.body.key, uploadId: created.body.uploadId, etag: put.etag! };
}

beforeAll(async () => {
  server = await startTestServer({
    authorize: (req: Request, operation, input) => {
      seenById.set(req.get('x-fuzz-id') ?? '', { operation, params: { ...input.params }, query: { ...input.query } });
      return req.get('x-test-user') !== mallory;
    },
    onError: (error) => {
      if (error.status >= 500) serverErrors.push(error);
    },
  });
  base = new URL(server.base);
  agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  s3 = createTestS3Client();
  protectedUpload = await createUpload(alice, 'protected.bin');
  const aliceSpares = await Promise.all([1, 2, 3, 4].map((n) => createUpload(alice, `spare-${n}.bin`)));
  const bobs = await Promise.all([1, 2, 3, 4].map((n) => createUpload(bob, `bobs-${n}.bin`)));
  checker = {
    s3: new URL(s3ClientConfig().endpoint as string),
    bucket: server.bucket,
    owned: new Map([
      [alice, new Set([protectedUpload, ...aliceSpares].map((u) => u.key))],
      [bob, new Set(bobs.map((u) => u.key))],
      [mallory, new Set<string>()],
    ]),
    refused: mallory,
    prefixOf,
  };
  whos = [
    { user: alice, prefix: prefixOf(alice), own: aliceSpares, foreign: bobs, otherPrefix: prefixOf(bob) },
    { user: bob, prefix: prefixOf(bob), own: bobs, foreign: [protectedUpload, protectedUpload, ...aliceSpares], otherPrefix: prefixOf(alice) },
    { user: mallory, prefix: prefixOf(mallory), own: [], foreign: [protectedUpload, ...bobs], otherPrefix: prefixOf(alice), refused: true },
  ];
  console.log(`[fuzz] seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${RUNS} runs per property, users ${alice}, ${bob}, ${mallory}`);
});

afterAll(async () => {
  try {
    if (s3 !== undefined) for (const user of [alice, bob, mallory]) await removeEverythingUnder(prefixOf(user));
  } finally {
    agent?.destroy();
    s3?.destroy();
    await server?.close();
  }
});

/** Aborts every multipart upload and deletes every object under `prefix` (a page at a time, a bounded number of pages); answers how many. */
async function removeEverythingUnder(prefix: string): Promise<{ uploads: number; objects: number }> {
  const swept = await cleanupStaleUploads({ s3, bucket: server.bucket, prefix, olderThan: 0 });
  if (swept.failed.length > 0) throw new Error(`could not abort ${swept.failed.length} uploads under ${prefix}: ${swept.failed[0]!.error}`);
  const removed = { uploads: swept.aborted.length, objects: 0 };
  for (let page = 0; page < 50; page += 1) {
    const objects = ((await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }))).Contents ?? []).map((o) => ({ Key: o.Key }));
    if (objects.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: server.bucket, Delete: { Objects: objects } }));
    removed.objects += objects.length;
  }
  return removed;
}

async function fuzz(name: string, arbitrary: fc.Arbitrary<RawRequest>): Promise<void> {
  const count = (counts[name] = { cases: 0, unsendable: 0, seconds: 0, statuses: new Map() });
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (request) => {
      count.cases += 1;
      const id = String((nextId += 1));
      const errorsBefore = serverErrors.length;
      const answer = await sendRawRequest(base, agent, request, { 'x-fuzz-id': id });
      const seen = seenById.get(id);
      seenById.delete(id);
      if (answer === 'unsendable') {
        count.unsendable += 1;
        return;
      }
      const label = answer.status >= 400 && request.method !== 'HEAD' ? `${answer.status} ${/"code":"([a-z0-9_]+)"/.exec(answer.text)?.[1] ?? '?'}` : String(answer.status);
      count.statuses.set(label, (count.statuses.get(label) ?? 0) + 1);
      if (serverErrors.length > errorsBefore) {
        const error = serverErrors[serverErrors.length - 1]!;
        throw new Error(`${request.method} ${request.path} as ${request.user}: server error ${error.code}, cause: ${String((error.cause as Error | undefined)?.stack ?? error.cause)}`);
      }
      checkFuzzAnswer(checker, request, answer, seen);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  count.seconds = (performance.now() - started) / 1000;
  const statuses = [...count.statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}: ${n}`).join(', ');
  console.log(`[fuzz] ${name}: ${count.cases.toLocaleString('en')} cases in ${count.seconds.toFixed(1)} s (${count.unsendable} not sendable); ${statuses}`);
}

describe('fuzzing every route over HTTP', () => {
  const timeout = 180_000;
  it('GET /s3/params', () => fuzz('params', requestGroups(whos).params), timeout);
  it('POST /s3/multipart', () => fuzz('create', requestGroups(whos).create), timeout);
  it('signing one part, a batch, a Companion batch', () => fuzz('sign', requestGroups(whos).sign), timeout);
  it('listing, completing, aborting', () => fuzz('upload', requestGroups(whos).upload), timeout);
  it('any method, any path under /s3, any body', () => fuzz('chaos', requestGroups(whos).chaos), timeout);

  it("afterwards: the server answers, alice's protected upload holds its part, nothing leaked into Object.prototype", async () => {
    const total = Object.values(counts).reduce((sum, c) => sum + c.cases, 0);
    const seconds = Object.values(counts).reduce((sum, c) => sum + c.seconds, 0);
    console.log(`[fuzz] ${total.toLocaleString('en')} cases in ${seconds.toFixed(1)} s (seed ${SEED}): ${Object.entries(counts).map(([n, c]) => `${n} ${c.cases.toLocaleString('en')}`).join(', ')}`);
    const answer = await callApi(server.base, 'GET', paths.params({ filename: 'after.txt' }), { user: alice });
    expect(answer.status).toBe(200);
    const listed = await callApi<ListedPart[]>(server.base, 'GET', paths.upload(protectedUpload.uploadId, protectedUpload.key), { user: alice });
    expect(listed.status).toBe(200);
    expect(listed.body.map((p) => [p.PartNumber, p.ETag])).toEqual([[1, protectedUpload.etag]]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(prototypeKeys);
    expect(serverErrors).toEqual([]);
  });

  it('every upload the fuzz created is aborted, and the prefixes are empty', async () => {
    const removed = { uploads: 0, objects: 0 };
    for (const user of [alice, bob, mallory]) {
      const { uploads, objects } = await removeEverythingUnder(prefixOf(user));
      removed.uploads += uploads;
      removed.objects += objects;
    }
    console.log(`[fuzz] cleanup: aborted ${removed.uploads} multipart uploads, deleted ${removed.objects} completed objects`);
    for (const user of [alice, bob, mallory]) {
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: prefixOf(user) }));
      const objects = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefixOf(user) }));
      expect(uploads.Uploads ?? []).toEqual([]);
      expect(objects.Contents ?? []).toEqual([]);
    }
  });
});
