/** The benchmark's load generator counts what it sees: answers by status, failed checks as errors, latencies in order. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { paths, type CreateMultipartResponse } from '../../contract.js';
import { runLoad } from '../../bench/harness/runLoad.js';
import { callApi } from '../helpers/callApi.js';
import { startTestServer, type TestServer } from '../harness/testServer.js';

let server: TestServer;
let upload: CreateMultipartResponse;
beforeAll(async () => {
  server = await startTestServer({ prefix: 'test/load/' });
  upload = (await callApi<CreateMultipartResponse>(server.base, 'POST', paths.createMultipart(), { json: { filename: 'load.bin' } })).body;
});
afterAll(async () => {
  await callApi(server.base, 'DELETE', paths.upload(upload.uploadId, upload.key));
  await server.close();
});

it('holds a route with several connections and reports every answer', async () => {
  const result = await runLoad({
    url: `${server.base}${paths.batch(upload.uploadId, upload.key)}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parts: [{ partNumber: 1 }, { partNumber: 2 }] }),
    connections: 3,
    durationMs: 500,
    check: (status, body) => status === 200 && (JSON.parse(body) as { parts: unknown[] }).parts.length === 2,
  });
  expect(result.errors).toBe(0);
  expect(result.requests).toBeGreaterThan(3);
  expect(result.statuses).toEqual({ 200: result.requests });
  expect(result.latencyMs.p50).toBeLessThanOrEqual(result.latencyMs.p99);
  expect(result.latencyMs.p99).toBeLessThanOrEqual(result.latencyMs.max);
});

it('counts refused answers and unreachable servers as errors', async () => {
  const refused = await runLoad({ url: `${server.base}${paths.upload(upload.uploadId, 'test/other/x')}`, connections: 2, durationMs: 200 });
  expect(refused.errors).toBe(refused.requests);
  expect(Object.keys(refused.statuses)).toEqual(['403']);

  const unreachable = await runLoad({ url: 'http://127.0.0.1:9/', connections: 1, durationMs: 100 });
  expect(unreachable.errors).toBe(unreachable.requests);
  expect(Object.keys(unreachable.statuses)).toEqual(['0']);
});
