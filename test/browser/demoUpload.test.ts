/**
 * The demo as a person uses it, in every engine: the built page (what `npm run demo:prod` serves,
 * the MD5 worker bundled), a 30 MiB file chosen in the Dashboard's own file input, Upload pressed.
 * The card must show every part verified by S3, the ETag S3 holds and a working download link;
 * the object must equal the file; the hashing must have run in the worker. A screenshot of each
 * engine's card goes to test/output/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { build } from 'vite';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createDemoServer, type DemoServer } from '../../demo/createDemoServer.js';
import { demoViteConfig } from '../../demo/demoViteConfig.js';
import { multipartETag } from '../../middleware/core/multipartETag.js';
import { forEachEngine } from '../harness/forEachEngine.js';
import { md5Hex, randomData, sha256Hex } from '../helpers/callApi.js';
import { objectSha256 } from '../helpers/pluginPage.js';
import { createTestS3Client } from '../harness/testServer.js';

const MiB = 1024 * 1024;
const PART_SIZE = 8 * MiB; // what the middleware answers for this size
const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url));

let demo: DemoServer;
let s3: S3Client;
let workDir: string;
let path: string;
const file = randomData(30 * MiB);

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'demo-upload-test-'));
  const outDir = join(workDir, 'assets');
  await build({ ...demoViteConfig({ outDir }), logLevel: 'error' });
  demo = await createDemoServer({ s3: inject('s3'), port: 0, log: () => {}, assets: outDir });
  s3 = createTestS3Client();
  path = join(workDir, 'thirty.bin');
  await writeFile(path, file);
  await mkdir(OUTPUT, { recursive: true });
});
afterAll(async () => {
  await demo?.close();
  s3?.destroy();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** The ETag S3 gives an object cut into parts of `partSize` (the middleware's `md5(part md5s)-N`). */
function expectedETag(bytes: Uint8Array, partSize: number): string | undefined {
  const partMd5s: string[] = [];
  for (let at = 0; at < bytes.length; at += partSize) partMd5s.push(md5Hex(bytes.subarray(at, at + partSize)));
  return multipartETag(partMd5s);
}

forEachEngine((engine) => {
  it('uploads a 30 MiB file chosen in the Dashboard; the card shows 4/4 parts verified by S3, the ETag and a download link', async () => {
    const page = await engine.newPage({ viewport: { width: 1280, height: 640 } });
    await page.goto(demo.url);
    const prefix = await page.waitFor(() => {
      const text = document.querySelector('#prefix')?.textContent ?? '';
      return /^demo\/[\w-]{22}\/$/.test(text) ? text : undefined;
    });
    await page.setInputFiles('.uppy-Dashboard-input', [path]);
    await page.click('.uppy-StatusBar-actionBtn--upload');

    const card = await page.waitFor(
      () => {
        const node = document.querySelector('[data-testid=file]');
        const state = node?.getAttribute('data-state');
        if (state !== 'complete' && state !== 'failed') return undefined;
        const row = (name: string) => node!.querySelector(`dd[data-row=${name}]`)?.textContent ?? '';
        const parts = node!.querySelector('[data-testid=parts]');
        return {
          state,
          partsDone: Number(parts?.getAttribute('data-done')),
          partsTotal: Number(parts?.getAttribute('data-total')),
          partsText: parts?.textContent ?? '',
          resigns: row('resigns'),
          retries: row('retries'),
          key: row('key'),
          etag: node!.querySelector('[data-testid=etag]')?.textContent ?? '',
          download: node!.querySelector('[data-testid=download]')?.getAttribute('href') ?? '',
          status: node!.querySelector('[data-testid=status]')?.textContent ?? '',
        };
      },
      undefined,
      { timeout: 180_000, what: 'the file card to show the upload complete (or failed)' },
    );
    await page.screenshot(join(OUTPUT, `demo-plugin-${engine.engine}.png`));

    expect(card, card.status).toMatchObject({ state: 'complete', partsDone: 4, partsTotal: 4, resigns: '0', retries: '0' });
    expect(card.partsText).toContain('verified by S3');
    expect(card.etag).toBe(expectedETag(file, PART_SIZE));
    expect(card.key.startsWith(prefix)).toBe(true);
    expect(await objectSha256(s3, inject('s3').bucket, card.key)).toBe(sha256Hex(file));
    const download = await fetch(card.download);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(sha256Hex(new Uint8Array(await download.arrayBuffer()))).toBe(sha256Hex(file));
    // The bundled MD5 worker did the hashing (none fell back to the main thread).
    const hashing = await page.evaluate(() => {
      const { uppy } = window as unknown as { uppy: import('@uppy/core').default };
      const plugin = uppy.getPlugin('S3ResumableUpload') as unknown as { getCounters(): { mainThreadHashing: number; hashedBytes: number } };
      return plugin.getCounters();
    });
    expect(hashing).toMatchObject({ mainThreadHashing: 0, hashedBytes: file.length });
  });
});
