/**
 * How much slower the plain-JavaScript MD5 (plugin/createJsMd5.ts, for pages whose CSP forbids
 * WebAssembly) is than the one-lane WebAssembly MD5 (plugin/createMd5.ts), in headless Chromium:
 * both bundled (esbuild) into one script that runs on a blank page and in a worker started from
 * it, hashing the same random bytes already in memory in 8 MiB parts, fed 256 KiB at a time as
 * readBlob feeds them, after a warm-up; the two alternate over several rounds. Every digest is
 * checked against node:crypto's. `node --import tsx bench/studies/jsMd5Speed.ts [rounds] [MiB]`.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { launchPlaywrightChromium } from '../../test/harness/engines/launchChromium.js';

const MiB = 1024 * 1024;
const [rounds = 5, totalMiB = 64] = process.argv.slice(2).map(Number);

/** Runs in the page and in the worker: `md5Speed(name, bytes)` hashes `bytes` in 8 MiB parts, answers ms and the part digests. */
const entry = `
import { createJsMd5 } from './plugin/createJsMd5.ts';
import { createMd5 } from './plugin/createMd5.ts';
const create = { js: async () => createJsMd5(), wasm: createMd5 };
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
async function md5Speed(name, bytes) {
  const hasher = await create[name]();
  const hashPart = (part) => {
    for (let at = 0; at < part.length; at += 262144) hasher.update(part.subarray(at, at + 262144));
    return hex(hasher.digest());
  };
  for (let i = 0; i < 3; i++) hashPart(bytes.subarray(0, 4 * 1048576)); // warm up: V8's optimizing tier before the clock starts
  const started = performance.now();
  const digests = [];
  for (let at = 0; at < bytes.length; at += 8 * 1048576) digests.push(hashPart(bytes.subarray(at, at + 8 * 1048576)));
  return { ms: performance.now() - started, digests };
}
if (typeof document === 'undefined') self.onmessage = async ({ data }) => self.postMessage(await md5Speed(data.name, new Uint8Array(data.bytes)));
else globalThis.md5Speed = md5Speed;
`;

/** Bytes from a seed (xorshift32), made alike here and in the page: random bytes through the protocol would be slow. */
function seededBytes(size: number): Uint8Array {
  const data = new Uint8Array(size);
  let x = 2463534242;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x;
  }
  return data;
}

const bundle = await build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: 'js' }, bundle: true, format: 'iife', write: false, target: 'es2022' });
const script = bundle.outputFiles[0]!.text;
const bytes = seededBytes(totalMiB * MiB);
const expected = Array.from({ length: Math.ceil(bytes.length / (8 * MiB)) }, (_, i) => createHash('md5').update(bytes.subarray(i * 8 * MiB, (i + 1) * 8 * MiB)).digest('hex'));

const browser = await launchPlaywrightChromium();
try {
  const page = await browser.newPage();
  await page.evaluate(script);
  await page.evaluate(`globalThis.seededBytes = ${seededBytes.toString()}`);
  /** One run of `name` on the page's main thread or in a worker: MB/s, digests checked. */
  const run = async (name: 'js' | 'wasm', where: 'page' | 'worker') => {
    const { ms, digests } = await page.evaluate(
      async ({ name, where, script, size }) => {
        const data = (globalThis as unknown as { seededBytes(size: number): Uint8Array<ArrayBuffer> }).seededBytes(size);
        if (where === 'page') return (globalThis as unknown as { md5Speed(name: string, bytes: Uint8Array): Promise<{ ms: number; digests: string[] }> }).md5Speed(name, data);
        const worker = new Worker(URL.createObjectURL(new Blob([script], { type: 'text/javascript' })));
        try {
          return await new Promise<{ ms: number; digests: string[] }>((resolve, reject) => {
            worker.onmessage = ({ data }) => resolve(data as { ms: number; digests: string[] });
            worker.onerror = (event) => reject(new Error(event.message));
            worker.postMessage({ name, bytes: data.buffer }, [data.buffer]);
          });
        } finally {
          worker.terminate();
        }
      },
      { name, where, script, size: bytes.length },
    );
    return { mbps: bytes.length / 1e3 / ms, digests };
  };
  const results: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const where of ['page', 'worker'] as const) {
      for (const name of round % 2 ? (['wasm', 'js'] as const) : (['js', 'wasm'] as const)) {
        const { mbps, digests } = await run(name, where);
        if (digests.join() !== expected.join()) throw new Error(`${name} in the ${where}: digests differ from node:crypto's`);
        (results[`${name === 'js' ? 'plain-JS MD5 (createJsMd5)' : 'one-lane WebAssembly MD5 (createMd5)'}, ${where}`] ??= []).push(mbps);
        console.log(`  round ${round + 1}  ${name.padEnd(4)} ${where.padEnd(6)} ${mbps.toFixed(0).padStart(5)} MB/s`);
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  console.log(`\n${browser.version()}, ${totalMiB} MiB in 8 MiB parts, ${rounds} rounds, medians (MB/s = 10^6 bytes/s), every digest as node:crypto's:`);
  for (const [name, values] of Object.entries(results)) console.log(`  ${name.padEnd(52)} ${median(values).toFixed(0).padStart(5)}   (${values.map((v) => v.toFixed(0)).join(', ')})`);
  for (const where of ['page', 'worker']) {
    const ratio = median(results[`plain-JS MD5 (createJsMd5), ${where}`]!) / median(results[`one-lane WebAssembly MD5 (createMd5), ${where}`]!);
    console.log(`  plain JS / WebAssembly, ${where}: ${ratio.toFixed(2)}`);
  }
} finally {
  await browser.close();
}
