/**
 * Does the benchmark's harness tilt the small-file race? Playwright enables DevTools' Network
 * domain on every page it drives, so Chromium reports every request to it (and copies request
 * bodies for it), a cost per request no user's browser pays. This races our plugin and the stock
 * `@uppy/aws-s3` on the benchmark's upload page (bench/pages/uploadPage, the same server and
 * bucket as `npm run bench`) in the same window, in two Chromiums of the same build: one driven
 * by Playwright as the benchmark drives it, one over a bare DevTools pipe with no domain enabled
 * (bench/harness/launchRawChromium.ts). Latency is Chromium's emulation, which needs the Network domain, so at
 * a distance the bare pipe enables it too. Rounds alternate; medians and ours / stock per harness.
 *
 * Run: `node --import tsx bench/studies/harnessOverhead.ts [--latency=0] [--rounds=4] [--files=500] [--hosts]`
 * (`--hosts`: also our plugin with the middleware spreading URLs over two names of the S3).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../../test/harness/engines/launchBrowser.js';
import { asChromiumPage } from '../../test/harness/engines/launchChromium.js';
import { startLocalS3 } from '../../scripts/startLocalS3.js';
import { openChromiumPage, startUploadServer } from '../harness/startUploadBench.js';
import { writeRandomFile } from '../harness/writeRandomFile.js';
import type { Contender, PluginOverrides, RunResult } from '../pages/uploadPage/main.js';
import { launchRawChromium } from '../harness/launchRawChromium.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const option = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const latencyMs = option('latency', 0);
const rounds = option('rounds', 4);
const count = option('files', 500);
const contenders: Contender[] = ['ours', 'stock', ...(process.argv.includes('--hosts') ? (['ours-hosts'] as const) : [])];
const harnesses = ['playwright', 'bare pipe'] as const;
type Harness = (typeof harnesses)[number];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const s3 = await startLocalS3({ objectStore: 'bluestore' });
const folder = await mkdtemp(join(tmpdir(), 'harness-overhead-'));
const paths = Array.from({ length: count }, (_, i) => join(folder, `small-${i}.bin`));
for (const path of paths) await writeRandomFile(path, 100 * 1024);
const served = await startUploadServer(s3);
const playwright = await launchBrowser('chromium');
const bare = await launchRawChromium();

/** One upload of every file with `contender` in a fresh page of `harness`'s Chromium. */
async function race(harness: Harness, contender: Contender): Promise<RunResult> {
  const overrides: PluginOverrides = contender === 'ours-hosts' ? { endpoint: served.hostsUrl } : {};
  if (harness === 'bare pipe') {
    // As `npm run bench` drives it (startUploadBench.ts).
    const page = await openChromiumPage(bare, served.url);
    try {
      await page.setInputFiles(paths);
      if (latencyMs > 0) await page.emulate(latencyMs, -1);
      const result = await page.run(contender, overrides);
      if ('error' in result) throw new Error(`${harness}, ${contender}: ${result.error}`);
      return result;
    } finally {
      await page.close();
    }
  }
  const page = await playwright.newPage();
  try {
    await page.goto(served.url);
    await page.waitFor(() => document.body.dataset.ready === 'true', undefined, { what: 'the upload page ready' });
    await page.setInputFiles('#files', paths);
    if (latencyMs > 0) await asChromiumPage(page)!.throttle(-1, latencyMs);
    return await page.evaluate(
      ([name, given]) => (window as unknown as { bench: { run(c: string, o: PluginOverrides): Promise<RunResult> } }).bench.run(name, given),
      [contender, overrides] as const,
    );
  } finally {
    await page.close();
  }
}

const rates = new Map<string, number[]>();
try {
  console.log(`${count} files of 100 KiB, ${latencyMs} ms latency, ${rounds} rounds; files/s:`);
  const order = harnesses.flatMap((harness) => contenders.map((contender) => [harness, contender] as const));
  for (let round = 0; round < rounds; round += 1) {
    for (const [harness, contender] of round % 2 === 0 ? order : [...order].reverse()) {
      const result = await race(harness, contender);
      if (result.errors.length > 0) throw new Error(`${harness}, ${contender}: ${result.errors.length} files failed: ${result.errors[0]}`);
      await served.checkStored(`${harness}, ${contender}`, result.files, result.bytes, { confirmed: contender !== 'stock' });
      const rate = (result.files / result.ms) * 1000;
      const name = `${harness}: ${contender}`;
      rates.set(name, [...(rates.get(name) ?? []), rate]);
      console.log(`  round ${round + 1}, ${name}: ${rate.toFixed(1)}`);
      await served.empty();
      await s3.collectGarbage();
    }
  }
  for (const harness of harnesses) {
    const stock = median(rates.get(`${harness}: stock`) ?? []);
    for (const contender of contenders) {
      const values = rates.get(`${harness}: ${contender}`) ?? [];
      const ratio = contender === 'stock' ? '' : `, ${(median(values) / stock).toFixed(2)} times stock`;
      console.log(`${harness}, ${contender}: median ${median(values).toFixed(1)} (${values.map((v) => v.toFixed(1)).join(', ')})${ratio}`);
    }
  }
} finally {
  await playwright.close();
  await bare.close();
  await served.close();
  await s3.stop();
  await rm(folder, { recursive: true, force: true });
}
