/** ListParts answers at most 1,000 parts a page; the route must follow the pages (the stock client does not). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BatchSignResponse, CreateMultipartResponse, ListedPart } from '../../../contract.js';
import { paths } from '../../../contract.js';
import { callApi, md5Base64, md5Hex, putTo } from '../../helpers/callApi.js';
import { startTestServer, type TestServer } from '../../harness/testServer.js';

const user = 'pages';
const PARTS = 1_234;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

it(`lists all ${PARTS} parts of an upload, across ListParts pages`, async () => {
  const { key, uploadId } = (
    await callApi<CreateMultipartResponse>(server, 'POST', paths.createMultipart(), { user, json: { filename: 'many-parts.bin' } })
  ).body;
  // Tiny parts are fine until complete; each part holds its own number so every ETag differs.
  const body = (n: number) => new TextEncoder().encode(`part ${n}`);

  const numbers = Array.from({ length: PARTS }, (_, i) => i + 1);
  for (let start = 0; start < PARTS; start += 100) {
    const batch = numbers.slice(start, start + 100);
    const signed = await callApi<BatchSignResponse>(server, 'POST', paths.batch(uploadId, key), {
      user,
      json: { parts: batch.map((partNumber) => ({ partNumber, md5: md5Base64(body(partNumber)) })) },
    });
    expect(signed.status).toBe(200);
    // 20 PUTs in flight at a time.
    const queue = [...signed.body.parts];
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let part = queue.shift(); part; part = queue.shift()) {
          const put = await putTo(part.url, body(part.partNumber), part.headers);
          expect(put.status).toBe(200);
        }
      }),
    );
  }

  const listed = await callApi<ListedPart[]>(server, 'GET', paths.upload(uploadId, key), { user });
  expect(listed.status).toBe(200);
  expect(listed.body).toHaveLength(PARTS);
  expect(listed.body.map((p) => p.PartNumber)).toEqual(numbers);
  expect(listed.body.every((p) => p.ETag === `"${md5Hex(body(p.PartNumber))}"` && p.Size === body(p.PartNumber).length)).toBe(true);

  expect((await callApi(server, 'DELETE', paths.upload(uploadId, key), { user })).status).toBe(200);
});
