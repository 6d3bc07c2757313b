/**
 * `npm run bench:md5`: MD5 throughput of the plugin's hashing in Debian's headless Chromium:
 * the worker pool with 1 and 2 workers (what uploads use) against hash-wasm on the main thread
 * reading the File the same way, and hashing bytes already in memory (the ceiling), on the same parts, rounds interleaved, medians and ratios printed.
 */
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { launchChromium } from '../test/helpers/launchChromium.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TOTAL_MIB = 64; // with its copies, well under Chromium's ~500 MiB in-memory blob quota
const PART_SIZE = 8 * 1024 * 1024;
const modes = ['pool-1', 'pool-2', 'main-thread', 'in-memory'] as const;

const vite = await createServer({
  root: fileURLToPath(new URL('./md5Page/', import.meta.url)),
  configFile: false,
  logLevel: 'warn',
  server: { host: '127.0.0.1', port: 0, hmr: false },
  optimizeDeps: { include: ['hash-wasm'] },
});
await vite.listen();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(vite.resolvedUrls!.local[0]!);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  const results: Record<(typeof modes)[number], number[]> = { 'pool-1': [], 'pool-2': [], 'main-thread': [], 'in-memory': [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) {
      const mbs = await page.evaluate(
        ([mode, total, part]) => (window as unknown as { measure: (m: string, t: number, p: number) => Promise<number> }).measure(mode, total, part),
        [mode, TOTAL_MIB, PART_SIZE] as const,
      );
      results[mode].push(mbs);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const base = median(results['main-thread']);
  console.log(`MD5 of ${TOTAL_MIB} MiB in 8 MiB parts read from a File, Chromium ${browser.version()}, ${ROUNDS} rounds, median MB/s:`);
  for (const mode of modes) {
    const m = median(results[mode]);
    console.log(`  ${mode.padEnd(12)} ${m.toFixed(0).padStart(5)} MB/s  (${(m / base).toFixed(2)}x main thread; all: ${results[mode].map((v) => v.toFixed(0)).join(', ')})`);
  }
} finally {
  await browser.close();
  await vite.close();
}
