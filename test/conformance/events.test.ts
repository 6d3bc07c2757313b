/**
 * `POST /s3/events` through every adapter: the token, forged events (no object: no hook), S3
 * events in AWS SNS messages (signatures verified with a certificate made for the test), and, over
 * HTTP, real Ceph radosgw bucket notifications pushed to the route after uploads through the API.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { paths, type CompleteResponse, type CreateMultipartResponse, type ParamsResponse, type SignPartResponse } from '../../contract.js';
import type { UploadOptions } from '../../middleware/index.js';
import { callApi, md5Base64, md5Hex, putTo, randomData } from '../helpers/callApi.js';
import { createCephTopic, deleteCephTopic, notifyObjectCreated, removeCephNotification } from '../../scripts/cephNotifications.js';
import { CERT_URL, makeCertificate, objectCreatedNotification, signSnsMessage, subscriptionConfirmation, TOPIC_ARN } from '../helpers/snsMessages.js';
import { ADAPTERS, createTestS3Client, startTestServer, type TestOptions, type TestRequest, type TestServer } from '../harness/testServer.js';

type Call = Parameters<NonNullable<UploadOptions<TestRequest>['onUploadComplete']>>[0];

const secret = randomBytes(32).toString('hex');
const run = randomBytes(4).toString('hex');
let server: TestServer | undefined;
let s3: S3Client;
let certificate: string;
let privateKey: string;
beforeAll(async () => {
  s3 = createTestS3Client();
  ({ certificate, privateKey } = await makeCertificate());
});
afterAll(() => s3.destroy());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The hook's calls, and a wait for the first call about a key (no timer: the test's timeout bounds it). */
function watchHook() {
  const calls: Call[] = [];
  const waiting = new Map<string, (call: Call) => void>();
  return {
    calls,
    onUploadComplete: (call: Call) => {
      calls.push(call);
      waiting.get(call.key)?.(call);
      return { stored: call.key };
    },
    callFor: (key: string, source: Call['source']) =>
      new Promise<Call>((resolve) => {
        const seen = calls.find((c) => c.key === key && c.source === source);
        if (seen) return resolve(seen);
        waiting.set(key, (call) => call.source === source && resolve(call));
      }),
  };
}

/** Options with events on: the token, the prefix all test users share, SNS for our test topic with its certificate fetched by `fetched`. */
function eventOptions(hook: ReturnType<typeof watchHook>, fetched: string[] = []): TestOptions {
  return {
    onUploadComplete: hook.onUploadComplete,
    events: {
      secret,
      prefix: 'test/',
      sns: {
        topicArns: [TOPIC_ARN],
        fetchText: async (url) => {
          fetched.push(url);
          if (url === CERT_URL) return certificate;
          if (url.startsWith('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription')) return '<ConfirmSubscriptionResponse/>';
          throw new Error(`unexpected fetch of ${url}`);
        },
      },
    },
  };
}

const cephRecord = (bucket: string, key: string, eTag = '0123456789abcdef0123456789abcdef') => ({
  Records: [{ eventVersion: '2.2', eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key, size: 5, eTag } } }],
});

/** An object written straight to S3 under `key`: its ETag and size. */
async function putObject(bucket: string, key: string) {
  const data = randomData(321);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: 'image/png' }));
  return { etag: `"${md5Hex(data)}"`, size: data.length };
}

const post = (target: TestServer, body: unknown, token = secret, contentType = 'application/json') =>
  callApi(target, 'POST', paths.events(token), { rawBody: JSON.stringify(body), contentType });

describe.each(ADAPTERS)('%s', (adapter) => {
  it('without the events option the route does not exist (404 not_found)', async () => {
    server = await startTestServer({}, adapter);
    expect(await post(server, cephRecord(server.bucket, 'test/a'))).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  it('no token, or a wrong one: 403 event_forbidden, and no hook', async () => {
    const hook = watchHook();
    server = await startTestServer(eventOptions(hook), adapter);
    const key = `test/events-${run}/${adapter}/token.png`;
    await putObject(server.bucket, key);
    // The secret with its last character changed (a fixed '0' would be no change for a secret ending in '0').
    const wrong = `${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}`;
    for (const path of [paths.events(wrong), paths.events(''), '/s3/events', `/s3/events?token=${secret}&token=${secret}`]) {
      const answer = await callApi(server, 'POST', path, { json: cephRecord(server.bucket, key) });
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.status, path).toBeLessThan(500);
    }
    expect(await post(server, cephRecord(server.bucket, key), 'x'.repeat(64))).toMatchObject({ status: 403, body: { code: 'event_forbidden' } });
    expect(hook.calls).toEqual([]);
  });

  it('a forged event for an object that is not there, in another bucket or outside the prefix never reaches the hook', async () => {
    const hook = watchHook();
    server = await startTestServer(eventOptions(hook), adapter);
    const key = `test/events-${run}/${adapter}/real.png`;
    await putObject(server.bucket, key);
    const forged = [cephRecord(server.bucket, `test/events-${run}/${adapter}/none.png`), cephRecord('another-bucket', key), cephRecord(server.bucket, `elsewhere/${key}`), { Records: [{ eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: server.bucket }, object: { key } } }] }];
    for (const body of forged) expect(await post(server, body)).toMatchObject({ status: 200, body: { delivered: 0, skipped: 1 } });
    // The object's own event, with its ETag, is delivered.
    const { etag } = await putObject(server.bucket, key);
    expect(await post(server, cephRecord(server.bucket, key, etag.replace(/"/g, '')))).toMatchObject({ status: 200, body: { delivered: 1, skipped: 0 } });
    expect(hook.calls.map((c) => [c.key, c.etag, c.source, c.repeated, c.md5Verified])).toEqual([[key, etag, 'event', true, false]]);
  });

  it.each(['not json', '[]', '{"Records":"x"}', '{"Type":"Notification","TopicArn":"x"}'])('an event body %s → 4xx, no hook', async (text) => {
    const hook = watchHook();
    server = await startTestServer(eventOptions(hook), adapter);
    const answer = await callApi(server, 'POST', paths.events(secret), { rawBody: text, contentType: 'application/json' });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(hook.calls).toEqual([]);
  });

  describe('AWS SNS', () => {
    it('a signed SubscriptionConfirmation is confirmed by fetching its SubscribeURL', async () => {
      const fetched: string[] = [];
      server = await startTestServer(eventOptions(watchHook(), fetched), adapter);
      const message = subscriptionConfirmation();
      const answer = await post(server, signSnsMessage(message, privateKey), secret, 'text/plain; charset=UTF-8');
      expect(answer).toMatchObject({ status: 200, body: { delivered: 0, skipped: 0 } });
      expect(fetched).toEqual([CERT_URL, message.SubscribeURL]);
    });

    it.each(['1', '2'] as const)('a Notification signed with SignatureVersion %s carrying an S3 event reaches the hook', async (version) => {
      const hook = watchHook();
      server = await startTestServer(eventOptions(hook), adapter);
      const key = `test/events-${run}/${adapter}/sns ${version} é.png`;
      const { etag, size } = await putObject(server.bucket, key);
      const answer = await post(server, signSnsMessage(objectCreatedNotification(server.bucket, key, etag, size), privateKey, version), secret, 'text/plain; charset=UTF-8');
      expect(answer).toMatchObject({ status: 200, body: { delivered: 1, skipped: 0 } });
      expect(hook.calls).toEqual([expect.objectContaining({ key, etag, size, contentType: 'image/png', source: 'event', repeated: true, md5Verified: false })]);
    });

    it('a tampered message, a certificate off sns.<region>.amazonaws.com, another topic: 403 event_forbidden, no hook', async () => {
      const hook = watchHook();
      const fetched: string[] = [];
      server = await startTestServer(eventOptions(hook, fetched), adapter);
      const key = `test/events-${run}/${adapter}/tampered.png`;
      const { etag, size } = await putObject(server.bucket, key);
      const signed = signSnsMessage(objectCreatedNotification(server.bucket, key, etag, size), privateKey, '2');
      const bad = [
        { ...signed, Message: String(signed.Message).replace('tampered', 'tamperee') },
        signSnsMessage(objectCreatedNotification(server.bucket, key, etag, size), privateKey, '1', 'https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem'),
        signSnsMessage(objectCreatedNotification(server.bucket, key, etag, size), privateKey, '1', 'http://sns.eu-west-1.amazonaws.com/cert.pem'),
        { ...signed, SignatureVersion: '3' },
        signSnsMessage({ ...objectCreatedNotification(server.bucket, key, etag, size), TopicArn: 'arn:aws:sns:eu-west-1:123456789012:other' }, privateKey),
      ];
      for (const body of bad) expect(await post(server, body, secret, 'text/plain')).toMatchObject({ status: 403, body: { code: 'event_forbidden' } });
      expect(hook.calls).toEqual([]);
      expect(fetched.every((url) => url === CERT_URL)).toBe(true);
    });
  });

  // radosgw pushes to a URL: the Web handler called directly has none.
  it.skipIf(adapter === 'web' || inject('s3').endpoint.startsWith('https:'))('radosgw: bucket notifications pushed to the route run the hook for a single PUT and a multipart upload', async () => {
    const hook = watchHook();
    server = await startTestServer(eventOptions(hook), adapter);
    const { endpoint, region, accessKeyId, secretAccessKey } = inject('s3');
    const user = `events-${run}-${adapter}`;
    const topic = { endpoint, region, credentials: { accessKeyId, secretAccessKey } };
    const arn = await createCephTopic({ ...topic, name: `uploads-${run}-${adapter}`, pushEndpoint: `${server.base}${paths.events(secret)}` });
    try {
      await notifyObjectCreated(s3, server.bucket, `hook-${run}-${adapter}`, arn, `test/${user}/`);
      const data = randomData(2000);
      const signed = await callApi<ParamsResponse>(server, 'GET', paths.params({ filename: 'photo.png', type: 'image/png', method: 'PUT', md5: md5Base64(data), size: data.length }), { user });
      expect((await putTo(signed.body.url, data, signed.body.headers)).status).toBe(200);
      const single = await hook.callFor(signed.body.key, 'event');
      expect(single).toMatchObject({ key: signed.body.key, etag: `"${md5Hex(data)}"`, size: 2000, contentType: 'image/png', source: 'event', repeated: true });

      const created = await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename: 'movie.mp4', type: 'video/mp4' } });
      const part = randomData(4000);
      const signedPart = await callApi<SignPartResponse>(server, 'GET', paths.part(created.body.uploadId, 1, { key: created.body.key }), { user });
      const put = await putTo(signedPart.body.url, part);
      const completed = await callApi<CompleteResponse>(server, 'POST', paths.complete(created.body.uploadId, created.body.key), { user, json: { parts: [{ PartNumber: 1, ETag: put.etag }] } });
      expect(completed.status).toBe(200);
      const [fromEvent, fromComplete] = await Promise.all([hook.callFor(created.body.key, 'event'), hook.callFor(created.body.key, 'complete')]);
      // The same object both ways: key and ETag identify it.
      expect([fromEvent.key, fromEvent.etag, fromEvent.size]).toEqual([fromComplete.key, fromComplete.etag, 4000]);
      expect(completed.body.serverData).toEqual({ stored: created.body.key });
    } finally {
      await removeCephNotification(topic, server.bucket, `hook-${run}-${adapter}`);
      await deleteCephTopic(topic, arn);
    }
  });
});
