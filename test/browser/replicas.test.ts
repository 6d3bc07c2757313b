/**
 * Two replicas, one upload: two demo processes (`npm run demo:prod`'s server, the same bucket and
 * the same `prefix` logic) behind a proxy that sends each request to the other one in turn. The
 * middleware keeps no state, so an upload whose calls alternate between them must complete: a
 * 64 MiB file with our plugin and one with the stock `@uppy/aws-s3` 6, each compared with S3.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/freePort.js';
import type { FaultProxy } from '../harness/startFaultProxy.js';
import { objectSha256 } from '../helpers/pluginPage.js';
import type { Command } from '../harness/startCommand.js';
import { useDemoProcessEnv } from '../harness/useDemoProcessEnv.js';

const MiB = 1024 * 1024;

const env = useDemoProcessEnv('replicas-test');
let balancer: FaultProxy;
let replicas: Array<Command & { url: string }> = [];
let path: string;
let sha256: string;

beforeAll(async () => {
  const ports = [await freePort(), await freePort()];
  replicas = await Promise.all(ports.map(async (port) => ({ ...(await env.startDemo({ s3: inject('s3'), port })), url: `http://127.0.0.1:${port}` })));
  balancer = await env.startProxy({ upstreams: replicas.map((replica) => replica.url) });
  const bytes = randomBytes(64 * MiB);
  path = join(env.workDir, 'replicated.bin');
  await writeFile(path, bytes);
  sha256 = createHash('sha256').update(bytes).digest('hex');
});

it.each([
  ['our plugin', ''],
  ['the stock @uppy/aws-s3 6', '?uploader=stock'],
])('uploads 64 MiB with %s while its calls alternate between two replicas', { timeout: 180_000 }, async (uploader, query) => {
  const page = (await env.browser.newPage()).playwright;
  await page.goto(`${balancer.url}/${query}`);
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(path);
  const firstCall = balancer.records.length;
  await page.getByRole('button', { name: /^Upload 1 file/ }).click();
  const card = page.locator('[data-testid=file]');
  await card.and(page.locator('[data-state=complete], [data-state=failed]')).waitFor({ timeout: 150_000 });
  expect(await card.getAttribute('data-state'), await card.innerText()).toBe('complete');
  const key = await card.locator('dd[data-row=key]').innerText();

  expect(await objectSha256(env.s3, inject('s3').bucket, key)).toBe(sha256);
  // The upload's calls (create, sign, complete…) went to both replicas.
  const calls = balancer.records.slice(firstCall).filter((record) => record.path.startsWith('/api/s3/'));
  const byReplica = new Map<string, number>();
  for (const record of calls) byReplica.set(record.upstream ?? 'none', (byReplica.get(record.upstream ?? 'none') ?? 0) + 1);
  expect([...byReplica.keys()].sort()).toEqual(replicas.map((replica) => replica.url).sort());
  expect(calls.filter((record) => record.status !== 200)).toEqual([]);
  console.log(`[numbers] replicas, ${uploader}: ${calls.length} calls to the middleware, ${[...byReplica.values()].join(' + ')} by replica`);
});
