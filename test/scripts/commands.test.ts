/**
 * The project's commands as processes, run as `npm run` runs them and stopped as a terminal does.
 * `npm run demo`: with S3_ENDPOINT it uses that S3 and starts no Ceph daemon; without it, it starts
 * a local radosgw in a folder it keeps and stops every daemon on Ctrl-C; a bucket whose CORS rule hides ETag gets the
 * rule printed, at startup and when a browser's upload trips over it; bad settings stop it with a
 * message naming the variable. `npm run s3`: prints the S3_* lines of a working S3, and Ctrl-C
 * stops it. Each test tells its own Ceph daemons from others on the machine by the folder its
 * local S3 names (`daemonsIn`); restarting on a kept folder is in demoRestart.test.ts.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { s3ClientConfig } from '../../scripts/s3ClientConfig.js';
import { s3ConfigToEnv } from '../../scripts/s3ConfigFromEnv.js';
import { launchPlaywrightChromium } from '../harness/engines/launchChromium.js';
import { cephDaemons, daemonsIn, localS3Folder } from '../helpers/cephDaemons.js';
import { pressCtrlCTwice, startCommand, type Command } from '../harness/startCommand.js';
import { createTestS3Client } from '../harness/testServer.js';

let s3: S3Client;
const running: Command[] = [];
/** The demos' upload records go here, not to the project's demo/.data (a demo someone runs may hold it). */
let dataDirs: string;

beforeAll(() => {
  s3 = createTestS3Client();
  dataDirs = mkdtempSync(join(tmpdir(), 'commands-test-'));
});
afterAll(async () => {
  await Promise.all(running.map((demo) => demo.stop('SIGKILL')));
  s3?.destroy();
  if (dataDirs) rmSync(dataDirs, { recursive: true, force: true });
});

/** `npm run demo`, ready at its "Demo ready in N s: URL" line; its records in a folder of its own. */
function demoCommand(env: Record<string, string>): Command & { started: Promise<{ url: string; seconds: number }> } {
  const demo = startCommand(['demo/server.ts'], { DEMO_DATA_DIR: join(dataDirs, String(running.length)), ...env }, /Demo ready in [\d.]+ s: (\S+)/);
  running.push(demo);
  const started = demo.ready.then(({ match, seconds }) => ({ url: match[1] as string, seconds }));
  started.catch(() => {}); // awaited only by tests that expect it to start
  return { ...demo, started };
}

/** The environment that points the demo at the test run's S3. */
function envFor(bucket = inject('s3').bucket): Record<string, string> {
  return { ...s3ConfigToEnv({ ...inject('s3'), bucket }), PORT: '0' };
}

describe('npm run demo', () => {
  it('with S3_ENDPOINT uses that bucket and starts no local S3', async () => {
    const demo = demoCommand({ ...envFor(), URL_LIFETIME: '120' });
    const { url, seconds } = await demo.started;
    console.log(`[numbers] demo on an existing S3: ready ${seconds.toFixed(1)} s after spawning it`);
    expect(demo.output()).not.toMatch(/local S3/);
    expect(demo.output()).toContain(`bucket ${inject('s3').bucket};`);
    expect(demo.output()).not.toMatch(/CORS/); // the test bucket's rule is right
    expect(localS3Folder(demo.output()), 'started a local S3').toBeUndefined();

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

  it('without S3_ENDPOINT starts a local S3 (Ceph radosgw) and stops it, every daemon, on Ctrl-C pressed twice, keeping its folder', async () => {
    const kept = await mkdtemp(join(tmpdir(), 'demo-s3-'));
    const demo = demoCommand({ PORT: '0', DEMO_S3_DIR: kept });
    const { url, seconds } = await demo.started;
    console.log(`[numbers] demo with its own local S3: ready ${seconds.toFixed(1)} s after spawning it`);
    expect(demo.output()).toContain('starting a local S3');
    // Its own daemons: those running from the folder it announced (other test runs may have theirs).
    const folder = localS3Folder(demo.output()) as string;
    expect(daemonsIn(folder, await cephDaemons()).names).toEqual(['ceph-mon', 'ceph-osd', 'radosgw']);
    expect(existsSync(folder)).toBe(true);
    expect((await fetch(url)).status).toBe(200);

    expect(folder).toBe(kept);

    expect(await pressCtrlCTwice(demo)).toBe(0);
    expect(daemonsIn(folder, await cephDaemons()).pids, 'daemons still running').toEqual([]);
    expect(existsSync(join(folder, 'local-s3.json'))).toBe(true); // for the next start (demoRestart.test.ts)
    await rm(kept, { recursive: true, force: true });
  });

  it('stops with a message naming a bad setting or a taken port, starting nothing', async () => {
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
    for (const command of [badPort, noBucket, busyPort]) expect(localS3Folder(command.output()), 'started a local S3').toBeUndefined();
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
    const { url } = await demo.started;
    expect(demo.output()).toContain('the rule does not expose ETag');
    expect(demo.output()).toContain(`aws s3api put-bucket-cors --bucket ${bucket}`);
    expect(demo.output()).toContain('"ExposeHeaders": [\n        "ETag"\n      ]');
    const printedAtStart = demo.output().length;

    const browser = await launchPlaywrightChromium();
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

describe('npm run s3', () => {
  it('prints the S3_* lines of a working S3 and stops every daemon on Ctrl-C', async () => {
    const command = startCommand(['scripts/local-s3.ts', 'start'], {}, /^AWS_SECRET_ACCESS_KEY=.+$/m);
    running.push(command);
    await command.ready;
    const line = (name: string) => new RegExp(`^${name}=(.+)$`, 'm').exec(command.output())?.[1] as string;
    const client = new S3Client(
      s3ClientConfig({ endpoint: line('S3_ENDPOINT'), region: line('S3_REGION'), bucket: line('S3_BUCKET'), accessKeyId: line('AWS_ACCESS_KEY_ID'), secretAccessKey: line('AWS_SECRET_ACCESS_KEY') }),
    );
    try {
      const { Buckets = [] } = await client.send(new ListBucketsCommand({}));
      expect(Buckets.map((bucket) => bucket.Name)).toContain(line('S3_BUCKET'));
    } finally {
      client.destroy();
    }
    const folder = localS3Folder(command.output()) as string;
    expect(daemonsIn(folder, await cephDaemons()).names).toEqual(['ceph-mon', 'ceph-osd', 'radosgw']);

    expect(await pressCtrlCTwice(command)).toBe(0);
    expect(daemonsIn(folder, await cephDaemons()).pids, 'daemons still running').toEqual([]);
    expect(existsSync(folder)).toBe(false);
  });
});
