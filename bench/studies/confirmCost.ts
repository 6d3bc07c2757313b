/**
 * What the completion confirm adds to a small file: N files of 100 KiB are PUT to the local
 * radosgw through presigned URLs (6 at a time, as the plugin sends them), then confirmed to the
 * middleware (whose `onUploadComplete` hook does nothing): one request per file (6 at a time), or
 * all of them in batches of 100 (`POST /s3/confirm` with `files`, as the plugin sends them). Each
 * confirm costs the server one HeadObject per file. Node's `fetch` stands in for the browser on
 * loopback, so the figures are the server's and S3's cost, not a network's; `--latency` is not
 * modelled here (a confirm batch then costs one round trip per 100 files).
 *
 * Run: `node --import tsx bench/studies/confirmCost.ts [--files=200] [--rounds=3]`
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_CONFIRM_FILES, paths, type ConfirmResponse, type ParamsResponse } from '../../contract.js';
import { createS3NodeHandler } from '../../middleware/index.js';
import { s3ClientConfig } from '../../scripts/s3ClientConfig.js';
import { startLocalS3 } from '../../scripts/startLocalS3.js';
import { median } from '../report/benchReport.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const option = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const FILES = option('files', 200);
const ROUNDS = option('rounds', 3);
const SIZE = 100 * 1024;

/** Runs `work` on every item, 6 at a time (the plugin's default limit). */
async function sixAtATime<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = items.slice();
  await Promise.all(Array.from({ length: 6 }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

const s3 = await startLocalS3();
const { bucket, ...client } = { bucket: s3.bucket, ...s3ClientConfig(s3) };
const handler = createS3NodeHandler({ s3: client, bucket, prefix: 'study/', onUploadComplete: () => ({ recorded: true }) });
const server = createServer(handler);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const json = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${base}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
};

const perFile = { put: [] as number[], confirmEach: [] as number[], confirmBatched: [] as number[] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const how of ['confirmEach', 'confirmBatched'] as const) {
      const files = await Promise.all(
        Array.from({ length: FILES }, async (_, i) => {
          const data = randomBytes(SIZE);
          const md5 = createHash('md5').update(data).digest('base64');
          const signed = await json<ParamsResponse>('GET', paths.params({ filename: `f${i}.bin`, method: 'PUT', md5, size: SIZE }));
          return { data, md5, signed };
        }),
      );
      let started = performance.now();
      await sixAtATime(files, async ({ data, signed }) => {
        const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: data });
        if (!response.ok) throw new Error(`PUT: ${response.status}`);
        await response.arrayBuffer();
      });
      perFile.put.push((performance.now() - started) / FILES);
      started = performance.now();
      if (how === 'confirmEach') {
        await sixAtATime(files, async ({ md5, signed }) => void (await json<ConfirmResponse>('POST', paths.confirm(), { key: signed.key, md5 })));
      } else {
        for (let at = 0; at < files.length; at += MAX_CONFIRM_FILES) {
          await json<ConfirmResponse>('POST', paths.confirm(), { files: files.slice(at, at + MAX_CONFIRM_FILES).map(({ md5, signed }) => ({ key: signed.key, md5 })) });
        }
      }
      perFile[how].push((performance.now() - started) / FILES);
      await s3.collectGarbage();
    }
    console.log(`round ${round + 1}: PUT ${perFile.put.at(-1)!.toFixed(2)} ms/file; confirm one by one ${perFile.confirmEach.at(-1)!.toFixed(2)}, in batches of ${MAX_CONFIRM_FILES} ${perFile.confirmBatched.at(-1)!.toFixed(2)} ms/file`);
  }
  const putMs = median(perFile.put);
  const [each, batched] = [median(perFile.confirmEach), median(perFile.confirmBatched)];
  console.log(
    `\n${FILES} files of 100 KiB, ${ROUNDS} rounds, medians on loopback: the PUT ${putMs.toFixed(2)} ms a file (6 at a time); ` +
      `the confirm adds ${each.toFixed(2)} ms a file one request each (${((each / putMs) * 100).toFixed(0)}% of the PUT), ${batched.toFixed(2)} ms in batches of ${MAX_CONFIRM_FILES} (${((batched / putMs) * 100).toFixed(0)}%).`,
  );
} finally {
  server.close();
  await s3.stop();
}
