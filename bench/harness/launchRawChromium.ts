/**
 * Debian's headless Chromium driven over a bare DevTools pipe (`--remote-debugging-pipe`), with no
 * domain enabled but those asked for: Playwright enables the Network domain on every page it
 * drives, and with it Chromium copies every request body it uploads for DevTools. A page opened
 * here runs scripts (Runtime.evaluate), gets files in an `<input type=file>` (DOM) and reports its
 * heap (Runtime.getHeapUsage); `Network.enable` only when asked (latency emulation needs it).
 * The upload benchmarks run Chromium this way (bench/harness/startUploadBench.ts), as a user's
 * Chromium runs with no DevTools client attached; bench/studies/readOnce.ts measures with and
 * without the Network domain, bench/studies/harnessOverhead.ts races the upload page here and
 * under Playwright.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CHROMIUM_PATH } from '../../scripts/ensureBrowsersInstalled.js';

export interface RawPage {
  /** Evaluates `expression` in the page, awaiting a promise; answers its value (JSON-serialisable). */
  evaluate<T>(expression: string): Promise<T>;
  /** Puts files (paths on disk) into the `<input type=file>` matching `selector`. */
  setInputFiles(selector: string, paths: string[]): Promise<void>;
  /** V8's used heap (`used`), and with ArrayBuffer backing stores (`total`), bytes. */
  heapUsage(): Promise<{ used: number; total: number }>;
  /** Enables CDP's Network domain for this page. */
  enableNetwork(): Promise<void>;
  /**
   * Adds `latencyMs` to every request of the page and caps its uploads at `uploadBytesPerSecond`
   * (-1: no cap): Chromium's emulation, which needs the Network domain, so it is enabled.
   */
  emulateNetwork(latencyMs: number, uploadBytesPerSecond: number): Promise<void>;
  close(): Promise<void>;
}

export interface RawChromium {
  /** The browser's product and version, e.g. `HeadlessChrome/150.0.7871.100`. */
  readonly version: string;
  /** Opens `url` in a new page and waits until `document.body.dataset.ready` is 'true'. */
  newPage(url: string): Promise<RawPage>;
  close(): Promise<void>;
}

export async function launchRawChromium(): Promise<RawChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'raw-chromium-'));
  const child = spawn(
    CHROMIUM_PATH,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  // Messages end with a NUL byte; an event may be megabytes (a request's body with the Network domain on): scan each chunk once.
  let pending: Buffer[] = [];
  fromBrowser.on('data', (chunk: Buffer) => {
    for (let end = chunk.indexOf(0); end >= 0; end = chunk.indexOf(0)) {
      const text = Buffer.concat([...pending, chunk.subarray(0, end)]).toString('utf8');
      pending = [];
      chunk = chunk.subarray(end + 1);
      const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } };
      const caller = message.id === undefined ? undefined : waiting.get(message.id);
      if (!caller) continue; // an event: none is asked for but Target's own
      waiting.delete(message.id!);
      if (message.error) caller.reject(new Error(message.error.message));
      else caller.resolve(message.result);
    }
    if (chunk.length > 0) pending.push(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const caller of waiting.values()) caller.reject(new Error('Chromium exited'));
  });
  const send = <T>(method: string, params: object = {}, sessionId?: string): Promise<T> => {
    const id = nextId++;
    const answer = new Promise<T>((resolve, reject) => waiting.set(id, { resolve: resolve as (result: unknown) => void, reject }));
    toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return answer;
  };
  const { product } = await send<{ product: string }>('Browser.getVersion');

  return {
    version: product,
    async newPage(url) {
      const { targetId } = await send<{ targetId: string }>('Target.createTarget', { url });
      const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      const page: RawPage = {
        async evaluate<T>(expression: string) {
          const { result, exceptionDetails } = await send<{ result: { value?: unknown }; exceptionDetails?: { exception?: { description?: string }; text: string } }>(
            'Runtime.evaluate',
            { expression, awaitPromise: true, returnByValue: true },
            sessionId,
          );
          if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
          return result.value as T;
        },
        async setInputFiles(selector, paths) {
          const { root } = await send<{ root: { nodeId: number } }>('DOM.getDocument', { depth: 0 }, sessionId);
          const { nodeId } = await send<{ nodeId: number }>('DOM.querySelector', { nodeId: root.nodeId, selector }, sessionId);
          await send('DOM.setFileInputFiles', { files: paths, nodeId }, sessionId);
        },
        async heapUsage() {
          const usage = await send<{ usedSize: number; backingStorageSize?: number }>('Runtime.getHeapUsage', {}, sessionId);
          return { used: usage.usedSize, total: usage.usedSize + (usage.backingStorageSize ?? 0) };
        },
        enableNetwork: () => send('Network.enable', {}, sessionId),
        async emulateNetwork(latency, uploadThroughput) {
          await send('Network.enable', {}, sessionId);
          await send('Network.emulateNetworkConditions', { offline: false, latency, downloadThroughput: -1, uploadThroughput }, sessionId);
        },
        close: () => send('Target.closeTarget', { targetId }),
      };
      for (let tries = 0; (await page.evaluate<string | undefined>('document.body?.dataset.ready')) !== 'true'; tries++) {
        if (tries > 200) throw new Error(`${url} did not get ready`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return page;
    },
    async close() {
      await send('Browser.close').catch(() => {});
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(profile, { recursive: true, force: true });
    },
  };
}
