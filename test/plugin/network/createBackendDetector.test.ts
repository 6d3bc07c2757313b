/**
 * How the plugin tells our middleware from a server with Companion's routes only, over HTTP against
 * both (the real Companion 6 and the middleware, on the run's S3): `GET /s3/capabilities`, asked
 * once and kept; a network failure of it is retried like every call, never read as "Companion";
 * a detection that gives up is not kept.
 */
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { createApiClient } from '../../../plugin/network/createApiClient.js';
import { createBackendDetector } from '../../../plugin/network/createBackendDetector.js';
import { createServerAvailability } from '../../../plugin/network/createServerAvailability.js';
import { startCompanion, type RunningCompanion } from '../../harness/startCompanion.js';
import { startFaultProxy, type FaultProxy } from '../../harness/startFaultProxy.js';
import { startTestServer, type TestServer } from '../../harness/testServer.js';

let companion: RunningCompanion;
let ours: TestServer;
let proxy: FaultProxy | undefined;
const signal = new AbortController().signal;

beforeAll(async () => {
  companion = await startCompanion({ s3: inject('s3'), corsOrigins: ['http://127.0.0.1:9'] });
  ours = await startTestServer({}, 'node');
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});
afterAll(async () => {
  await companion?.close();
  await ours?.close();
});

/** A client as the plugin makes it; `serverOutageTimeout` bounds how long an unreachable server is waited for. */
function client(endpoint: string, serverOutageTimeout = 60_000) {
  return createApiClient({
    endpoint,
    headers: () => ({ 'x-test-user': 'detector' }),
    credentials: 'same-origin',
    retry: { settings: { retryDelays: [0, 100], expiryMargin: 1000, maxResigns: 1, serverOutageTimeout }, server: createServerAvailability() },
    callTimeoutMs: 30_000,
  });
}

/** The middleware behind a fault proxy, to count and break its calls. */
async function oursBehindProxy() {
  const base = new URL(ours.base);
  proxy = await startFaultProxy({ upstreams: [base.origin] });
  return `${proxy.url}${base.pathname}`;
}

it('our middleware is "extended", Companion (404 HTML) is "companion"', async () => {
  expect(await client(ours.base).capabilities(signal)).toEqual(['md5-signing', 'put-params', 'part-size', 'confirm']);
  expect(await client(companion.url).capabilities(signal)).toBeUndefined();
  expect(await createBackendDetector('auto', (s) => client(ours.base).capabilities(s))(signal)).toBe('extended');
  expect(await createBackendDetector('auto', (s) => client(companion.url).capabilities(s))(signal)).toBe('companion');
});

it('asks once for every upload, and not at all when the mode is forced', async () => {
  const endpoint = await oursBehindProxy();
  const detect = createBackendDetector('auto', (s) => client(endpoint).capabilities(s));
  expect(await Promise.all([detect(signal), detect(signal), detect(signal)])).toEqual(['extended', 'extended', 'extended']);
  expect(await detect(signal)).toBe('extended');
  expect(proxy!.records.map((record) => `${record.method} ${record.path} ${record.status}`)).toEqual([`GET ${new URL(endpoint).pathname}/s3/capabilities 200`]);

  const forced = createBackendDetector('companion', (s) => client(endpoint).capabilities(s));
  expect(await forced(signal)).toBe('companion');
  expect(proxy!.records).toHaveLength(1);
});

it('a connection reset on the way is retried, not taken for Companion', async () => {
  const endpoint = await oursBehindProxy();
  let resets = 0;
  proxy!.setFault(() => (resets++ === 0 ? { kind: 'reset' } : { kind: 'pass' }));
  const detect = createBackendDetector('auto', (s) => client(endpoint).capabilities(s));
  expect(await detect(signal)).toBe('extended');
  expect(proxy!.records.map((record) => record.fault)).toEqual(['reset', 'pass']);
});

it('a detection that gives up is not kept: the next upload asks again', async () => {
  const endpoint = await oursBehindProxy();
  proxy!.setFault(() => ({ kind: 'error', status: 500, code: 'Down' }));
  const detect = createBackendDetector('auto', (s) => client(endpoint, 0).capabilities(s));
  await expect(detect(signal)).rejects.toMatchObject({ code: 'middleware_unavailable' });
  proxy!.setFault(undefined);
  expect(await detect(signal)).toBe('extended');
});

it('a caller that stops waiting does not stop the question for the others', async () => {
  const endpoint = await oursBehindProxy();
  const detect = createBackendDetector('auto', (s) => client(endpoint).capabilities(s));
  const stopped = new AbortController();
  const first = detect(stopped.signal);
  const second = detect(signal);
  stopped.abort(new DOMException('paused', 'AbortError'));
  await expect(first).rejects.toMatchObject({ name: 'AbortError' });
  expect(await second).toBe('extended');
});
