/** What only the Express middleware does: share an app (paths outside /s3 go on), and live with the app's own parsers. */
import express, { type Express } from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { paths, type CreateMultipartResponse } from '../../../contract.js';
import { createS3Middleware } from '../../../middleware/index.js';
import { callApi } from '../../helpers/callApi.js';
import { sendRawRequest } from '../../helpers/sendRawRequest.js';
import { s3ClientConfig } from '../../harness/testServer.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

/** `app` listening on 127.0.0.1; answers where the middleware is mounted (`/api`). */
async function listen(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  close = () => {
    server.closeAllConnections();
    server.close();
  };
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

const middleware = () => {
  const { bucket, ...s3 } = s3ClientConfig();
  return createS3Middleware({ s3, bucket, prefix: 'test/express/', onError: () => {} });
};

it('works under an app that parses query strings the "extended" way', async () => {
  const app = express();
  app.set('query parser', 'extended');
  app.use('/api', middleware());
  const base = await listen(app);
  const ok = await callApi<{ fields: Record<string, string> }>(base, 'GET', paths.params({ filename: 'a.txt', metadata: { name: 'a.txt' } }));
  expect(ok.status).toBe(200);
  expect(ok.body.fields['x-amz-meta-name']).toBe('a.txt');
  const nested = await callApi(base, 'GET', '/s3/params?filename[x]=1');
  expect(nested).toMatchObject({ status: 400, body: { code: 'invalid_filename' } });
});

it('takes the body an app-wide express.json() already parsed', async () => {
  const app = express();
  app.use(express.json());
  app.use('/api', middleware());
  const base = await listen(app);
  const created = await callApi<CreateMultipartResponse>(base, 'POST', paths.createMultipart(), { json: { filename: 'parsed.bin' } });
  expect(created.status).toBe(200);
  expect(created.body.key).toMatch(/^test\/express\/[0-9a-f]{32}\/parsed\.bin$/);
  expect((await callApi(base, 'DELETE', paths.upload(created.body.uploadId, created.body.key))).status).toBe(200);
});

it('refuses a form an app-wide express.urlencoded() already parsed: only JSON is read, as another site cannot post it unasked', async () => {
  const app = express();
  app.use(express.urlencoded({ extended: true }));
  app.use('/api', middleware());
  const base = await listen(app);
  const form = await callApi(base, 'POST', paths.createMultipart(), { rawBody: 'filename=csrf.bin', contentType: 'application/x-www-form-urlencoded' });
  expect(form).toMatchObject({ status: 400, body: { code: 'invalid_body' } });
});

it('passes requests outside /s3 on to the rest of the app, and answers everything under /s3', async () => {
  const app = express();
  app.use('/api', middleware());
  app.use((_req, res) => void res.status(418).send('the app'));
  const base = new URL(await listen(app));
  const agent = new http.Agent();
  // Sent as written: fetch would resolve `..` before sending.
  const get = (path: string) => sendRawRequest(base, agent, { user: 'x', method: 'GET', path });
  for (const path of ['/other', '/s3x/params', '/s3%2Fparams', '/']) expect(await get(path), path).toMatchObject({ status: 418, text: 'the app' });
  for (const path of ['/s3', '/s3/', '/S3/nothing', '/s3/../x']) {
    expect(await get(path), path).toMatchObject({ status: 404, headers: { 'cache-control': 'no-store' }, text: expect.stringContaining('"code":"not_found"') });
  }
  agent.destroy();
});
