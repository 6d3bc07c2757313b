/**
 * `npm run demo` without S3_ENDPOINT keeps its local S3 in DEMO_S3_DIR (demo/.s3 by default): an
 * upload in flight when the demo stops (SIGTERM, as Ctrl-C) is still there when it starts again on
 * the same folder, its parts listed by the middleware, and it completes. No daemon of the folder
 * is left running at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paths, type CompleteResponse, type CreateMultipartResponse, type ListedPart, type SignPartResponse } from '../../contract.js';
import type { DemoObject } from '../../demo/createDemoServer.js';
import { startCommand, type Command } from '../harness/startCommand.js';
import { callApi, md5Hex, putTo, randomData } from '../helpers/callApi.js';
import { cephDaemons, daemonsIn, localS3Folder } from '../helpers/cephDaemons.js';

const running: Command[] = [];
let parent: string | undefined;
let folder: string | undefined;

afterAll(async () => {
  // SIGTERM, not SIGKILL: the demo stops the daemons of a kept folder on its way out.
  await Promise.all(running.map((demo) => demo.stop('SIGTERM')));
  if (folder !== undefined) {
    for (const pid of daemonsIn(folder, await cephDaemons()).pids) process.kill(pid, 'SIGKILL'); // last resort, by PID
    expect(daemonsIn(folder, await cephDaemons()).pids, 'daemons still running').toEqual([]);
  }
  if (parent !== undefined) await rm(parent, { recursive: true, force: true });
});

/** `npm run demo` on a local S3 kept in `keepIn`; resolves with its URL and start time at its "Demo ready" line. */
async function startDemo(keepIn: string): Promise<{ demo: Command; url: string; seconds: number }> {
  const demo = startCommand(['demo/server.ts'], { PORT: '0', DEMO_S3_DIR: keepIn }, /Demo ready in [\d.]+ s: (\S+)/);
  running.push(demo);
  const { match, seconds } = await demo.ready;
  return { demo, url: `${match[1] as string}api`, seconds };
}

describe('npm run demo on a kept local S3 (DEMO_S3_DIR)', () => {
  it('keeps an upload in flight across a restart: its part is listed after it, and it completes', async () => {
    parent = await mkdtemp(join(tmpdir(), 'demo-restart-'));
    folder = join(parent, 's3');

    const first = await startDemo(folder);
    expect(localS3Folder(first.demo.output())).toBe(folder);
    expect(daemonsIn(folder, await cephDaemons()).names).toEqual(['ceph-mon', 'ceph-osd', 'radosgw']);

    // A user cookie from the demo, then a multipart upload with one part stored under its prefix.
    const created = await fetch(`${first.url}${paths.createMultipart()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'kept.bin', type: 'application/octet-stream' }),
    });
    expect(created.status).toBe(200);
    const userId = /^demo_user=([\w-]{22});/.exec(created.headers.get('set-cookie') ?? '')?.[1] as string;
    const headers = { cookie: `demo_user=${userId}` };
    const { key, uploadId } = (await created.json()) as CreateMultipartResponse;
    expect(key.startsWith(`demo/${userId}/`)).toBe(true);
    const data = randomData(100_000);
    const signed = await callApi<SignPartResponse>(first.url, 'GET', paths.part(uploadId, 1, { key }), { headers });
    expect(signed.status).toBe(200);
    const put = await putTo(signed.body.url, data, signed.body.headers);
    expect(put.status).toBe(200);

    expect(await first.demo.stop('SIGTERM')).toBe(0);
    expect(daemonsIn(folder, await cephDaemons()).pids, 'daemons still running after the demo stopped').toEqual([]);
    expect(existsSync(join(folder, 'ceph.conf'))).toBe(true);

    const second = await startDemo(folder);
    expect(second.demo.output()).toContain('the local S3 kept there');
    console.log(`[numbers] demo with a kept local S3 (bluestore): first start ${first.seconds.toFixed(1)} s, restart ${second.seconds.toFixed(1)} s after spawning it`);

    const listed = await callApi<ListedPart[]>(second.url, 'GET', paths.upload(uploadId, key), { headers });
    expect(listed.status).toBe(200);
    expect(listed.body.map(({ PartNumber, ETag, Size }) => ({ PartNumber, ETag, Size }))).toEqual([{ PartNumber: 1, ETag: put.etag, Size: data.length }]);
    const completed = await callApi<CompleteResponse>(second.url, 'POST', paths.complete(uploadId, key), { headers, json: { parts: [{ PartNumber: 1, ETag: put.etag }] } });
    expect(completed.status).toBe(200);
    expect(completed.body.key).toBe(key);
    const object = (await (await fetch(`${second.url.replace(/api$/, '')}demo/object?key=${encodeURIComponent(key)}`, { headers })).json()) as DemoObject;
    expect(object.size).toBe(data.length);
    const downloaded = new Uint8Array(await (await fetch(object.downloadUrl)).arrayBuffer());
    expect(md5Hex(downloaded)).toBe(md5Hex(data));

    expect(await second.demo.stop('SIGTERM')).toBe(0);
    expect(daemonsIn(folder, await cephDaemons()).pids, 'daemons still running after the demo stopped').toEqual([]);
  });
});
