/**
 * `GET /s3/capabilities` through every adapter: the extensions this middleware has, as JSON, for a
 * client to tell it from a server with Companion's routes only (which answers 404). It asks no
 * hook and touches no S3; every other method on it is a 404 `not_found`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EXTENSIONS, paths, type CapabilitiesResponse } from '../../contract.js';
import { callApi } from '../helpers/callApi.js';
import { ADAPTERS, startTestServer, type TestServer } from '../harness/testServer.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(ADAPTERS)('%s', (adapter) => {
  it('answers the extensions as JSON, not cached, without asking authorize', async () => {
    const asked: string[] = [];
    server = await startTestServer({ authorize: (_req, operation) => asked.push(operation) < 0 }, adapter);
    const answer = await callApi<CapabilitiesResponse>(server, 'GET', paths.capabilities(), { user: 'caps' });
    expect(answer).toMatchObject({ status: 200, contentType: 'application/json; charset=utf-8', cacheControl: 'no-store' });
    expect(answer.body).toEqual({ extensions: ['md5-signing', 'put-params', 'part-size', 'confirm'] });
    expect(asked).toEqual([]);
    // Matched as every route is: case-insensitive, a trailing slash ignored, HEAD as GET.
    expect((await callApi(server, 'GET', '/S3/Capabilities/', { user: 'caps' })).status).toBe(200);
    expect((await callApi(server, 'HEAD', paths.capabilities(), { user: 'caps' })).status).toBe(200);
  });

  it('names the events route only when the server takes events', async () => {
    server = await startTestServer({ events: { secret: 'a-secret-of-at-least-32-characters-long', prefix: 'test/' } }, adapter);
    const answer = await callApi<CapabilitiesResponse>(server, 'GET', paths.capabilities(), { user: 'caps' });
    expect(answer.body.extensions).toEqual([...EXTENSIONS]);
  });

  it('every other method on it is a JSON 404 not_found', async () => {
    server = await startTestServer({}, adapter);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await callApi(server, method, paths.capabilities(), { user: 'caps', json: {} });
      expect([method, answer.status, answer.body]).toEqual([method, 404, { code: 'not_found', message: 'No such upload route.' }]);
    }
  });
});
