/**
 * `npm run demo` as a process: with S3_ENDPOINT it uses that S3 and starts no Ceph daemon; without
 * it, it starts a local radosgw and stops it on exit; a bucket whose CORS rule hides ETag gets the
 * rule printed, at startup and when a browser's upload trips over it; bad settings stop it with a
 * message naming the variable.
 */
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from './helpers/launchChromium.js';
import { cephDaemons, startDemoCommand, type DemoCommand } from './helpers/startDemoCommand.js';
import { createTestS3Client } from './helpers/testServer.js';

let s3: S3Client;
const running: DemoCommand[] = [];

beforeAll(() => {
  s3 = createTestS3Client();
});
afterAll(async () => {
  await Promise.all(running.map((demo) => demo.stop('SIGKILL')));
  s3?.destroy();
});

function demoCommand(env: Record<string, string>): DemoCommand {
  const demo = startDemoCommand(env);
  running.push(demo);
  return demo;
}

/** The environment that points the demo at the test run's S3. */
function envFor(bucket = inject('s3').bucket): Record<string, string> {
  const config = inject('s3');
  return {
    S3_ENDPOINT: config.endpoint,
    S3_REGION: config.region,
    S3_BUCKET: bucket,
    AWS_ACCESS_KEY_ID: config.accessKeyId,
    AWS_SECRET_ACCESS_KEY: config.secretAccessKey,
    PORT: '0',
  };
}

describe('npm run demo', () => {
  it('with S3_ENDPOINT uses that bucket and starts no local S3', async () => {
    const before = await cephDaemons();
    const demo = demoCommand({ ...envFor(), URL_LIFETIME: '120' });
    const { url, seconds } = await demo.ready;
    console.log(`[numbers] demo on an existing S3: ready ${seconds.toFixed(1)} s after spawning it`);
    expect(demo.output()).not.toMatch(/local S3/);
    expect(demo.output()).toContain(`bucket ${inject('s3').bucket};`);
    expect(demo.output()).not.toMatch(/CORS/); // the test bucket's rule is right
    expect([...(await cephDaemons()).keys()].sort()).toEqual([...before.keys()].sort());

    // The page, a cookie, and the middleware on that bucket under the cookie's prefix.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="dashboard">');
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^demo_user=[\w-]{22}; .*HttpOnly/);
    const userId = /^demo_user=([\w-]+)/.exec(cookie)?.[1] as string;
    const headers = { cookie: `demo_user=${userId}`, 'content-type': 'application/json' };
    const created = (await (await fetch(`${url}api/s3/multipart`, { method: 'POST', headers, body: JSON.stringify({ filename: 'x.bin', type: 'application/octet-stream' }) })).json()) as { key: string; uploadId: string };
    expect(created.key.startsWith(`demo/${userId}/`)).toBe(true);
    const key = `key=${encodeURIComponent(created.key)}`;
    const signed = (await (await fetch(`${url}api/s3/multipart/${created.uploadId}/1?${key}`, { headers })).json()) as { expires: number };
    expect(signed.expires).toBe(120); // URL_LIFETIME
    expect((await fetch(`${url}api/s3/multipart/${created.uploadId}?${key}`, { method: 'DELETE', headers })).status).toBe(200);

    expect(await demo.stop('SIGTERM')).toBe(0);
  });

  it('without S3_ENDPOINT starts a local S3 (Ceph radosgw) and stops it, every daemon, on Ctrl-C pressed twice', async () => {
    const before = await cephDaemons();
    const demo = demoCommand({ PORT: '0' });
    const { url, seconds } = await demo.ready;
    console.log(`[numbers] demo with its own local S3: ready ${seconds.toFixed(1)} s after spawning it`);
    expect(demo.output()).toContain('starting a local S3');
    const started = [...(await cephDaemons())].filter(([pid]) => !before.has(pid));
    expect(started.map(([, line]) => /ceph-mon|ceph-osd|radosgw/.exec(line)?.[0]).sort()).toEqual(['ceph-mon', 'ceph-osd', 'radosgw']);
    const folder = /-c (\S+)\/ceph\.conf/.exec(started[0]?.[1] ?? '')?.[1] as string;
    expect(existsSync(folder)).toBe(true);
    expect((await fetch(url)).status).toBe(200);

    // Ctrl-C, then an impatient second one while the daemons are being stopped.
    const exited = demo.stop('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 150));
    void demo.stop('SIGINT');
    expect(await exited).toBe(0);
    const after = await cephDaemons();
    for (const [pid] of started) expect(after.has(pid), `pid ${pid} still runs`).toBe(false);
    expect(existsSync(folder)).toBe(false);
  });

  it('stops with a message naming a bad setting or a taken port, starting nothing', async () => {
    const before = await cephDaemons();
    const badPort = demoCommand({ PORT: 'eighty' });
    expect(await badPort.exited).toBe(1);
    expect(badPort.output()).toContain('PORT must be a whole number from 0 to 65535, got "eighty"');
    const noBucket = demoCommand({ S3_ENDPOINT: 'http://127.0.0.1:9' });
    expect(await noBucket.exited).toBe(1);
    expect(noBucket.output()).toContain('S3_BUCKET');
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const busyPort = demoCommand({ ...envFor(), PORT: String((taken.address() as AddressInfo).port) });
    expect(await busyPort.exited).toBe(1);
    expect(busyPort.output()).toMatch(/Port \d+ on 127\.0\.0\.1 is taken: set PORT to another one/);
    taken.close();
    expect([...(await cephDaemons()).keys()].sort()).toEqual([...before.keys()].sort());
  });
});

describe('a bucket whose CORS rule does not expose ETag', () => {
  const bucket = `demo-cors-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PUT', 'POST'], AllowedHeaders: ['*'] }] },
      }),
    );
  });
  afterAll(async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const object of listed.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  });

  it('gets the rule printed at startup, and again when an upload in the browser cannot read the ETag', async () => {
    const demo = demoCommand(envFor(bucket));
    const { url } = await demo.ready;
    expect(demo.output()).toContain('the rule does not expose ETag');
    expect(demo.output()).toContain(`aws s3api put-bucket-cors --bucket ${bucket}`);
    expect(demo.output()).toContain('"ExposeHeaders": [\n        "ETag"\n      ]');
    const printedAtStart = demo.output().length;

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.locator('.uppy-Dashboard-input').first().setInputFiles({ name: 'small.bin', mimeType: 'application/octet-stream', buffer: randomBytes(100_000) });
      await page.getByRole('button', { name: /^Upload 1 file/ }).click();
      await page.locator('[data-testid=file][data-state=failed]').waitFor();
      expect(await page.locator('[data-testid=file] dd[data-row=cors]').innerText()).toContain('must expose ETag');
      await expect.poll(() => demo.output().slice(printedAtStart)).toContain('A browser could not read the ETag');
    } finally {
      await browser.close();
    }
    expect(await demo.stop()).toBe(0);
  });
});
