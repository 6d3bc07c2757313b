/**
 * How many small uploads a second can a Chromium page make at all, to one host and to two, with
 * latency? A server that answers every request at once (no S3: its cost is not what is asked)
 * takes 100 KiB bodies from the page, `limit` at a time per host, as:
 * - `post-one-url`: XHR POST forms with upload progress, all to one URL (the stock plugin's
 *   shape: one CORS preflight, then cached);
 * - `put-own-urls`: fetch PUTs, each to a URL of its own (a presigned PUT's shape: a preflight each);
 * - `xhr-put-own-urls`: the same as XHR PUTs with upload progress and `Content-Type` and
 *   `Content-MD5` headers (our plugin's shape);
 * each to one host (127.0.0.1) and spread over two names of the same server (127.0.0.1 and
 * localhost). Browsers keep at most 6 HTTP/1.1 connections per host; this measures what that
 * leaves at a distance. Latency is Chromium's network emulation.
 *
 * Run: `node --import tsx bench/studies/connectionCeiling.ts [--latency=50] [--requests=300] [--limit=6]`
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBrowser } from '../../test/harness/engines/launchBrowser.js';
import { asChromiumPage } from '../../test/harness/engines/launchChromium.js';

const option = (name: string, fallback: number) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const latency = option('latency', 50);
const requests = option('requests', 300);
const limit = option('limit', 6);

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

// Answers at once, preflights included (cached 10 minutes, as a bucket's CORS rule may say).
const sink = createServer((req, res) => {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-allow-methods', 'PUT, POST');
  res.setHeader('access-control-allow-headers', '*');
  res.setHeader('access-control-max-age', '600');
  req.resume();
  req.on('end', () => {
    res.statusCode = req.method === 'POST' ? 201 : 200;
    res.end();
  });
});
const page = createServer((_req, res) => res.end('<!doctype html><title>ceiling</title>'));
const sinkPort = await listen(sink);
const pagePort = await listen(page);
const browser = await launchBrowser('chromium');
try {
  const tab = asChromiumPage(await browser.newPage());
  await tab.goto(`http://127.0.0.1:${pagePort}/`);
  if (latency > 0) await (await tab.cdp()).send('Network.emulateNetworkConditions', { offline: false, latency, downloadThroughput: -1, uploadThroughput: -1 });
  console.log(`${requests} uploads of 100 KiB, ${limit} at a time per host, ${latency} ms latency (Chromium's emulation):`);
  for (const shape of ['post-one-url', 'put-own-urls', 'xhr-put-own-urls'] as const) {
    for (const hosts of [['127.0.0.1'], ['127.0.0.1', 'localhost']]) {
      // A string, not a function: the page runs it as written (tsx would add helpers the page lacks).
      const perSecond = await tab.evaluate(([code]) => (0, eval)(code) as Promise<number>, [
        `(async () => {
          const shape = ${JSON.stringify(shape)}, hosts = ${JSON.stringify(hosts)}, port = ${sinkPort}, total = ${requests};
          const body = new Blob([new Uint8Array(100 * 1024)]);
          const send = (i) => new Promise((resolve, reject) => {
            const base = 'http://' + hosts[i % hosts.length] + ':' + port + '/bucket';
            if (shape === 'put-own-urls') return fetch(base + '/file-' + i + '?signature=' + i, { method: 'PUT', body }).then(resolve, reject);
            const xhr = new XMLHttpRequest();
            xhr.upload.onprogress = () => {};
            xhr.onload = resolve;
            xhr.onerror = () => reject(new Error(shape + ' failed'));
            if (shape === 'xhr-put-own-urls') {
              xhr.open('PUT', base + '/file-' + i + '?signature=' + i);
              xhr.setRequestHeader('Content-Type', 'application/octet-stream');
              xhr.setRequestHeader('Content-MD5', 'CY9rzUYh03PK3k6DJie09g==');
              return xhr.send(body);
            }
            xhr.open('POST', base);
            const form = new FormData();
            form.append('key', 'file-' + i);
            form.append('file', body);
            xhr.send(form);
          });
          let next = 0;
          const started = performance.now();
          await Promise.all(hosts.map(() => Array.from({ length: ${limit} }, async () => {
            for (let i = next; i < total; i = next) { next += 1; await send(i); }
          })).flat());
          return total / ((performance.now() - started) / 1000);
        })()`,
      ] as const);
      console.log(`  ${shape.padEnd(16)} ${hosts.length} host${hosts.length > 1 ? 's' : ' '}: ${perSecond.toFixed(1).padStart(6)} uploads/s`);
    }
  }
} finally {
  await browser.close();
  sink.close();
  page.close();
}
