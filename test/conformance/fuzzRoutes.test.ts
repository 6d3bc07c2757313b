/**
 * Property-based fuzzing of every route over real HTTP (the Web handler: called directly), against
 * the real S3 of the run, through every adapter: Express with the full number of cases, the
 * others with a fifth of them.
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths, type CreateMultipartResponse, type ListedPart, type ParamsResponse, type SignPartResponse } from '../../contract.js';
import { cleanupStaleUploads } from '../../middleware/core/cleanupStaleUploads.js';
import type { UploadError } from '../../middleware/core/UploadError.js';
import { callApi, md5Base64, putTo, randomData } from '../helpers/callApi.js';
import { checkFuzzAnswer, checkHookCalls, type Checker, type HookCall, type Seen } from '../helpers/checkFuzzAnswer.js';
import { requestGroups, type StoredObject, type Upload, type Who } from '../helpers/fuzzRequests.js';
import type { RawRequest } from '../helpers/sendRawRequest.js';
import { ADAPTERS, createTestS3Client, s3ClientConfig, startTestServer, type AdapterName, type TestServer } from '../harness/testServer.js';

function integerFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new TypeError(`Expected ${name} to be a whole number, got ${JSON.stringify(text)}`);
  return value;
}

const RUNS = integerFromEnv('FUZZ_RUNS', 1000);
const SEED = integerFromEnv('FUZZ_SEED', randomBytes(4).readInt32LE());

const prefixOf = (user: string) => `test/${user}/`;

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

// Set by each adapter's beforeAll: its server, its three users, what they own.
let alice: string;
let bob: string;
let mallory: string;
let server: TestServer;
let s3: S3Client;
let checker: Checker;
let whos: Who[];
/** alice's upload that nobody may abort or complete; she herself never fuzzes it. */
let protectedUpload: Upload;
const seenById = new Map<string, Seen>();
const serverErrors: UploadError[] = [];
/** Every call of the completion hook, in order. */
const hookCalls: HookCall[] = [];
const eventToken = randomBytes(24).toString('hex');
const counts = new Map<string, { cases: number; unsendable: number; seconds: number; statuses: Map<string, number> }>();
let nextId = 0;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort().join();

async function createUpload(user: string, filename: string): Promise<Upload> {
  const created = await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename } });
  expect(created.status).toBe(200);
  const data = randomData(32);
  const signed = await callApi<SignPartResponse>(server, 'GET', paths.part(created.body.uploadId, 1, { key: created.body.key, md5: md5Base64(data) }), { user });
  const put = await putTo(signed.body.url, data, signed.body.headers);
  expect(put.status).toBe(200);
  return { key: created.body.key, uploadId: created.body.uploadId, etag: put.etag! };
}

/** A finished single PUT of `user`'s, for confirms and events to name. */
async function storeObject(user: string, filename: string): Promise<StoredObject> {
  const data = randomData(48);
  const md5 = md5Base64(data);
  const signed = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename, method: 'PUT', md5, size: data.length }), { user });
  expect((await putTo(signed.body.url, data, signed.body.headers)).status).toBe(200);
  return { key: signed.body.key, md5 };
}

async function startFuzzing(adapter: AdapterName): Promise<void> {
  const run = randomBytes(4).toString('hex');
  [alice, bob, mallory] = ['alice', 'bob', 'mallory'].map((name) => `fuzz-${name}-${run}`) as [string, string, string];
  server = await startTestServer(
    {
      authorize: (req, operation, input) => {
        seenById.set(req.header('x-fuzz-id') ?? '', { operation, params: { ...input.params }, query: { ...input.query } });
        return req.header('x-test-user') !== mallory;
      },
      onError: (error) => {
        if (error.status >= 500) serverErrors.push(error);
      },
      onUploadComplete: ({ key, source, req }) => {
        hookCalls.push({ key, source, user: req.header('x-test-user') ?? '', fuzzId: req.header('x-fuzz-id') ?? '' });
        return { seen: key };
      },
      events: { secret: eventToken, prefix: 'test/' },
    },
    adapter,
  );
  s3 = createTestS3Client();
  protectedUpload = await createUpload(alice, 'protected.bin');
  const aliceSpares = await Promise.all([1, 2, 3, 4].map((n) => createUpload(alice, `spare-${n}.bin`)));
  const bobs = await Promise.all([1, 2, 3, 4].map((n) => createUpload(bob, `bobs-${n}.bin`)));
  const aliceObjects = await Promise.all([1, 2].map((n) => storeObject(alice, `stored-${n}.txt`)));
  const bobObjects = await Promise.all([1, 2].map((n) => storeObject(bob, `stored-${n}.txt`)));
  hookCalls.length = 0;
  checker = {
    s3: new URL(s3ClientConfig().endpoint as string),
    bucket: server.bucket,
    owned: new Map([
      [alice, new Set([...[protectedUpload, ...aliceSpares].map((u) => u.key), ...aliceObjects.map((o) => o.key)])],
      [bob, new Set([...bobs.map((u) => u.key), ...bobObjects.map((o) => o.key)])],
      [mallory, new Set<string>()],
    ]),
    refused: mallory,
    prefixOf,
    eventToken,
  };
  whos = [
    { user: alice, prefix: prefixOf(alice), own: aliceSpares, foreign: bobs, otherPrefix: prefixOf(bob), objects: { own: aliceObjects, foreign: bobObjects } },
    { user: bob, prefix: prefixOf(bob), own: bobs, foreign: [protectedUpload, protectedUpload, ...aliceSpares], otherPrefix: prefixOf(alice), objects: { own: bobObjects, foreign: aliceObjects } },
    { user: mallory, prefix: prefixOf(mallory), own: [], foreign: [protectedUpload, ...bobs], otherPrefix: prefixOf(alice), refused: true, objects: { own: [], foreign: [...aliceObjects, ...bobObjects] } },
  ];
  counts.clear();
  console.log(`[fuzz] ${adapter}: seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${runsFor(adapter)} runs per property, users ${alice}, ${bob}, ${mallory}`);
}

async function stopFuzzing(): Promise<void> {
  try {
    if (s3 !== undefined) for (const user of [alice, bob, mallory]) await removeEverythingUnder(prefixOf(user));
  } finally {
    s3?.destroy();
    await server?.close();
  }
}

/** Express gets every case; the other adapters, serving the same core, a fifth (at least 50). */
const runsFor = (adapter: AdapterName) => (adapter === 'express' ? RUNS : Math.max(50, Math.ceil(RUNS / 5)));

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

async function fuzz(name: string, arbitrary: fc.Arbitrary<RawRequest>, runs: number): Promise<void> {
  const count = { cases: 0, unsendable: 0, seconds: 0, statuses: new Map<string, number>() };
  counts.set(name, count);
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (request) => {
      count.cases += 1;
      const id = String((nextId += 1));
      const errorsBefore = serverErrors.length;
      const hookCallsBefore = hookCalls.length;
      const answer = await server.send(request, { 'x-fuzz-id': id });
      const seen = seenById.get(id);
      seenById.delete(id);
      if (answer === 'unsendable') {
        count.unsendable += 1;
        return;
      }
      if (server.answeredByFramework(request.path)) {
        // Never the handler's to answer: the framework refuses it, before any hook.
        if (seen !== undefined || answer.status < 400 || answer.status >= 500) throw new Error(`${request.method} ${request.path}: the framework should have answered 4xx before the handler, got ${answer.status}`);
        count.statuses.set(`${answer.status} by ${server.adapter}`, (count.statuses.get(`${answer.status} by ${server.adapter}`) ?? 0) + 1);
        return;
      }
      const label = answer.status >= 400 && request.method !== 'HEAD' ? `${answer.status} ${/"code":"([a-z0-9_]+)"/.exec(answer.text)?.[1] ?? '?'}` : String(answer.status);
      count.statuses.set(label, (count.statuses.get(label) ?? 0) + 1);
      if (serverErrors.length > errorsBefore) {
        const error = serverErrors[serverErrors.length - 1]!;
        throw new Error(`${request.method} ${request.path} as ${request.user}: server error ${error.code}, cause: ${String((error.cause as Error | undefined)?.stack ?? error.cause)}`);
      }
      checkFuzzAnswer(checker, request, answer, seen);
      checkHookCalls(checker, request, answer, hookCalls.slice(hookCallsBefore));
    }),
    { numRuns: runs, seed: SEED },
  );
  count.seconds = (performance.now() - started) / 1000;
  const statuses = [...count.statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}: ${n}`).join(', ');
  console.log(`[fuzz] ${server.adapter} ${name}: ${count.cases.toLocaleString('en')} cases in ${count.seconds.toFixed(1)} s (${count.unsendable} not sendable); ${statuses}`);
}

describe.each(ADAPTERS)('%s: fuzzing every route', (adapter) => {
  beforeAll(() => startFuzzing(adapter));
  afterAll(() => stopFuzzing());
  const timeout = 180_000;
  const runs = runsFor(adapter);
  it('GET /s3/params', () => fuzz('params', requestGroups(whos).params, runs), timeout);
  it('POST /s3/multipart', () => fuzz('create', requestGroups(whos).create, runs), timeout);
  it('signing one part, a batch, a Companion batch', () => fuzz('sign', requestGroups(whos).sign, runs), timeout);
  it('listing, completing, aborting', () => fuzz('upload', requestGroups(whos).upload, runs), timeout);
  it('confirming single-request uploads', () => fuzz('confirm', requestGroups(whos, server.bucket, eventToken).confirm, runs), timeout);
  it('S3 events, with the token and without', () => fuzz('events', requestGroups(whos, server.bucket, eventToken).events, runs), timeout);
  it('any method, any path under /s3, any body', () => fuzz('chaos', requestGroups(whos).chaos, runs), timeout);

  it("afterwards: the server answers, alice's protected upload holds its part, nothing leaked into Object.prototype", async () => {
    const total = [...counts.values()].reduce((sum, c) => sum + c.cases, 0);
    const seconds = [...counts.values()].reduce((sum, c) => sum + c.seconds, 0);
    console.log(`[fuzz] ${adapter}: ${total.toLocaleString('en')} cases in ${seconds.toFixed(1)} s (seed ${SEED}): ${[...counts].map(([n, c]) => `${n} ${c.cases.toLocaleString('en')}`).join(', ')}`);
    const bySource = ['complete', 'confirm', 'event'].map((source) => `${source} ${hookCalls.filter((c) => c.source === source).length}`).join(', ');
    console.log(`[fuzz] ${adapter}: the completion hook ran for ${bySource}`);
    const answer = await callApi(server, 'GET', paths.params({ filename: 'after.txt' }), { user: alice });
    expect(answer.status).toBe(200);
    const listed = await callApi<ListedPart[]>(server, 'GET', paths.upload(protectedUpload.uploadId, protectedUpload.key), { user: alice });
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
