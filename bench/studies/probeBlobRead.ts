/**
 * How each engine's Blob streams hand a part's bytes to a worker, reading only (no hashing): the
 * default reader's chunk sizes and MB/s, a BYOB reader's where there is one, `Blob.arrayBuffer()`
 * per part and FileReaderSync per part. `node --import tsx bench/studies/probeBlobRead.ts [--engine=webkit]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_NAMES, type EngineName } from '../../test/harness/engines/EngineBrowser.js';
import { launchBrowser } from '../../test/harness/engines/launchBrowser.js';
import { startMd5PageServer } from '../harness/startMd5PageServer.js';

const MiB = 1024 * 1024;

/** The worker's source: reads `file` in `partSize` slices `rounds` times each way, answers MB/s and chunk sizes. */
const WORKER = `
self.onmessage = async ({ data: { file, partSize, rounds } }) => {
  const parts = [];
  for (let at = 0; at < file.size; at += partSize) parts.push(file.slice(at, at + partSize));
  const out = {};
  const time = async (name, readPart) => {
    const ms = [];
    let chunks = [];
    for (let round = 0; round < rounds; round++) {
      const sizes = [];
      const started = performance.now();
      for (const part of parts) await readPart(part, sizes);
      ms.push(performance.now() - started);
      chunks = sizes;
    }
    ms.sort((a, b) => a - b);
    const sorted = [...chunks].sort((a, b) => a - b);
    out[name] = { mbps: Math.round(file.size / 1e3 / ms[Math.floor(ms.length / 2)]), chunks: sorted.length, minChunk: sorted[0], medianChunk: sorted[Math.floor(sorted.length / 2)], maxChunk: sorted[sorted.length - 1] };
  };
  try {
    await time('default reader', async (part, sizes) => {
      const reader = part.stream().getReader();
      for (;;) { const { value, done } = await reader.read(); if (done) break; sizes.push(value.length); }
    });
    await time('default reader, 4 parts at once', async (part, sizes) => {
      if (part !== parts[0]) return;
      for (let at = 0; at < parts.length; at += 4) await Promise.all(parts.slice(at, at + 4).map(async (p) => {
        const reader = p.stream().getReader();
        for (;;) { const { value, done } = await reader.read(); if (done) break; sizes.push(value.length); }
      }));
    });
    let byob = true;
    try { parts[0].stream().getReader({ mode: 'byob' }).releaseLock(); } catch { byob = false; out['byob'] = 'no BYOB reader'; }
    if (byob) {
      const buffer0 = new ArrayBuffer(262144);
      let buffer = buffer0;
      await time('byob 256 KiB, min', async (part, sizes) => {
        const reader = part.stream().getReader({ mode: 'byob' });
        let left = part.size;
        while (left > 0) { const n = Math.min(262144, left); const { value, done } = await reader.read(new Uint8Array(buffer, 0, n), { min: n }); if (!value || value.length === 0) break; sizes.push(value.length); left -= value.length; buffer = value.buffer; if (done) break; }
      });
    }
    await time('Blob.arrayBuffer() per part', async (part, sizes) => { sizes.push((await part.arrayBuffer()).byteLength); });
    await time('Blob.arrayBuffer() per 1 MiB slice', async (part, sizes) => { for (let at = 0; at < part.size; at += 1048576) sizes.push((await part.slice(at, at + 1048576).arrayBuffer()).byteLength); });
    if (typeof FileReaderSync === 'function') {
      const reader = new FileReaderSync();
      await time('FileReaderSync per part', async (part, sizes) => { sizes.push(reader.readAsArrayBuffer(part).byteLength); });
      await time('FileReaderSync per 1 MiB slice', async (part, sizes) => { for (let at = 0; at < part.size; at += 1048576) sizes.push(reader.readAsArrayBuffer(part.slice(at, at + 1048576)).byteLength); });
    }
    self.postMessage(out);
  } catch (error) { self.postMessage({ error: String(error) }); }
};`;

const engineArg = process.argv.find((arg) => arg.startsWith('--engine='))?.slice('--engine='.length);
const engines: EngineName[] = engineArg ? [engineArg as EngineName] : [...ENGINE_NAMES];
const totalMiB = 128;
const folder = await mkdtemp(join(tmpdir(), 'probe-read-'));
const path = join(folder, 'random.bin');
await writeFile(path, randomBytes(totalMiB * MiB));
const vite = await startMd5PageServer();
try {
  for (const engine of engines) {
    const browser = await launchBrowser(engine);
    try {
      const page = await browser.newPage();
      await page.goto(vite.resolvedUrls!.local[0]!);
      await page.waitFor(() => document.body.dataset.ready === 'true');
      await page.setInputFiles('#file', [path]);
      const result = await page.evaluate(
        ({ source, partSize }) =>
          new Promise((resolve) => {
            const file = document.querySelector<HTMLInputElement>('#file')!.files![0]!;
            const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
            worker.onmessage = (event) => resolve(event.data);
            worker.onerror = (event) => resolve({ error: event.message });
            worker.postMessage({ file, partSize, rounds: 3 });
          }),
        { source: WORKER, partSize: 8 * MiB },
      );
      console.log(`${browser.version}, ${totalMiB} MiB in 8 MiB parts, read in a worker (load: ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}):`);
      console.log(JSON.stringify(result, null, 1));
      await page.close();
    } finally {
      await browser.close();
    }
  }
} finally {
  await vite.close();
  await rm(folder, { recursive: true, force: true });
}
