/**
 * Safari's known failure with big files (aws-sdk-js-v3 #2365, #3986: reading a file past 2–4 GB
 * failed), in every engine: a sparse 5 GiB file on disk, picked in a file input, whose parts
 * just before, across and past the 4 GiB offset, and the last one, are hashed by the plugin's
 * own hash pool (workers reading `File.slice`s, as for an upload) and compared with node:crypto.
 * Nothing is uploaded.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachEngine } from '../harness/forEachEngine.js';
import type { PageGlobals } from '../helpers/pluginPage.js';
import { openPluginPage, usePluginPage } from '../harness/usePluginPage.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SIZE = 5 * GiB;
/** Parts of 8 MiB (the middleware's part size) around and past 4 GiB, and the file's last one. */
const RANGES: Array<[number, number]> = [
  [4 * GiB - 8 * MiB, 4 * GiB],
  [4 * GiB - 4 * MiB, 4 * GiB + 4 * MiB],
  [4 * GiB, 4 * GiB + 8 * MiB],
  [4 * GiB + 1000 * MiB, 4 * GiB + 1008 * MiB],
  [SIZE - 8 * MiB, SIZE],
];

const env = usePluginPage();
let workDir: string;
let path: string;
const expected: string[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'big-file-test-'));
  path = join(workDir, 'five-gib.bin');
  // Sparse: random bytes only where the parts are read, zeros (holes) elsewhere.
  const file = await open(path, 'w+');
  try {
    await file.truncate(SIZE);
    for (const [start, end] of RANGES) await file.write(randomBytes(end - start), 0, end - start, start);
    for (const [start, end] of RANGES) {
      const bytes = Buffer.alloc(end - start);
      await file.read(bytes, 0, bytes.length, start);
      expected.push(createHash('md5').update(bytes).digest('hex'));
    }
  } finally {
    await file.close();
  }
});
afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

forEachEngine((engine) => {
  it('hashes parts of a 5 GiB file before, across and past the 4 GiB offset as node:crypto does', async () => {
    const page = await openPluginPage(engine, env);
    await page.setInputFiles('#pick', [path]);
    const size = await page.evaluate(() => (document.querySelector('#pick') as HTMLInputElement).files?.[0]?.size ?? 0);
    expect(size).toBe(SIZE);

    const digests = await page.evaluate((ranges) => (window as unknown as PageGlobals).page.md5OfPicked(ranges), RANGES);

    expect(digests).toEqual(expected);
  });
});
