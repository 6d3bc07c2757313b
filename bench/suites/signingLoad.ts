/**
 * Load on the batch signing route: the middleware in its own Node process, a closed-loop load
 * generator here, over loopback. Finds the peak by stepping up the connections (the fewest that
 * reach the best throughput), then holds it
 * for 20 s and reports requests/s, URLs/s, p50/p99 latency and errors; then floods it with bodies
 * over the size limit and malformed JSON, which must all be refused (413/400), and signs once more.
 * The server's resident memory is reported along the way.
 * Uses the S3 named by S3_ENDPOINT & co., or starts a local radosgw.
 */
import { createHash, randomBytes } from 'node:crypto';
import { paths, type BatchSignRequest, type CreateMultipartResponse } from '../../contract.js';
import { s3ConfigFromEnv, type S3Config } from '../../scripts/s3ConfigFromEnv.js';
import { startLocalS3 } from '../../scripts/startLocalS3.js';
import { runLoad, type LoadResult } from '../harness/runLoad.js';
import { startSigningServer } from '../harness/startSigningServer.js';

// The AWS SDK's notice that its 2027 releases need Node 22 (see the README) would interleave with the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BATCH = 100;
const MiB = 1024 * 1024;

const format = (r: LoadResult) =>
  `${String(r.connections).padStart(2)} connections: ${r.requestsPerSecond.toFixed(0).padStart(5)} req/s = ${(r.requestsPerSecond * BATCH).toFixed(0).padStart(6)} URLs/s, ` +
  `p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms, max ${r.latencyMs.max.toFixed(1)} ms, ${r.errors} errors of ${r.requests}`;

/** Options of {@link benchSigningLoad}; the defaults are the benchmark's, a test shortens them. */
export interface SigningLoadOptions {
  /** The S3 to use. @default S3_ENDPOINT & co., else a local radosgw started for the run */
  s3?: S3Config;
  /** Connections tried, in order, to find the peak. @default [1, 2, 4, 8, 16, 32] */
  steps?: number[];
  /** @default 2000 */
  stepMs?: number;
  /** How long the peak is held. @default HOLD_SECONDS × 1000, else 20000 */
  holdMs?: number;
  /** How long each flood lasts. @default 5000 */
  floodMs?: number;
  /** @default console.log */
  log?: (line: string) => void;
}

/** What {@link benchSigningLoad} measured. */
export interface SigningLoadResult {
  steps: LoadResult[];
  held: LoadResult;
  /** Bodies over the 1 MiB limit, and JSON cut short: `errors` counts answers other than 413 / 400. */
  floods: { tooLarge: LoadResult; broken: LoadResult };
  /** Signing right after the floods. */
  after: LoadResult;
  /** The signing server's resident memory after warm-up, after the hold, after the floods. */
  rssMiB: number[];
}

/** Runs the benchmark (see the top of this file). */
export async function benchSigningLoad(options: SigningLoadOptions = {}): Promise<SigningLoadResult> {
  const { steps: connectionSteps = [1, 2, 4, 8, 16, 32], stepMs = 2000, floodMs = 5000, log = console.log } = options;
  const holdMs = options.holdMs ?? Number(process.env.HOLD_SECONDS ?? 20) * 1000;
  const given = options.s3 ?? s3ConfigFromEnv(process.env);
  const local = given ? undefined : await startLocalS3();
  const s3 = given ?? local!;
  const server = await startSigningServer(s3);
  const base = `${server.origin}/api`;
  try {
    const created = await fetch(`${base}${paths.createMultipart()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'load.bin', size: BATCH * 8 * MiB }),
    });
    const { key, uploadId } = (await created.json()) as CreateMultipartResponse;
    const batch: BatchSignRequest = {
      parts: Array.from({ length: BATCH }, (_, i) => ({ partNumber: i + 1, size: 8 * MiB, md5: createHash('md5').update(randomBytes(16)).digest('base64') })),
    };
    const load = {
      url: `${base}${paths.batch(uploadId, key)}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
      check: (status: number, body: string) => status === 200 && (JSON.parse(body) as { parts: unknown[] }).parts.length === BATCH,
    };
    const rssMiB: number[] = [];
    log(`Batch signing (${BATCH} parts with MD5 and size per request), middleware in its own process, loopback:`);
    await runLoad({ ...load, connections: 4, durationMs: 1000 }); // warm-up: JIT, keep-alive sockets
    rssMiB.push(server.rssMiB());
    log(`  server RSS after warm-up ${rssMiB.at(-1)!.toFixed(0)} MiB`);
    const steps: LoadResult[] = [];
    for (const connections of connectionSteps) {
      const step = await runLoad({ ...load, connections, durationMs: stepMs });
      log(`  step  ${format(step)}`);
      steps.push(step);
    }
    // The peak: the fewest connections that reach (within 5%) the best throughput. Past it, more
    // connections only queue: the same requests/s at a higher latency.
    const best = Math.max(...steps.map((step) => step.requestsPerSecond));
    const peak = steps.find((step) => step.requestsPerSecond >= 0.95 * best)!;
    const held = await runLoad({ ...load, connections: peak.connections, durationMs: holdMs });
    rssMiB.push(server.rssMiB());
    log(`  held ${holdMs / 1000} s at the peak: ${format(held)}; server RSS ${rssMiB.at(-1)!.toFixed(0)} MiB`);

    // Junk at the same pace: 2 MiB bodies (the limit is 1 MiB) and JSON cut short.
    const tooLarge = await runLoad({ ...load, body: `{"parts":[${'1,'.repeat(MiB)}1]}`, connections: 16, durationMs: floodMs, check: (status) => status === 413 });
    const broken = await runLoad({ ...load, body: load.body.slice(0, -10), connections: 16, durationMs: floodMs, check: (status) => status === 400 });
    const after = await runLoad({ ...load, connections: 1, durationMs: 1000 });
    rssMiB.push(server.rssMiB());
    log(
      `  flood of 2 MiB bodies: ${tooLarge.requestsPerSecond.toFixed(0)} req/s, ${tooLarge.requests - tooLarge.errors} of ${tooLarge.requests} refused 413; ` +
        `of broken JSON: ${broken.requestsPerSecond.toFixed(0)} req/s, ${broken.requests - broken.errors} of ${broken.requests} refused 400; ` +
        `signing after it: ${after.errors} errors of ${after.requests}; server RSS ${rssMiB.at(-1)!.toFixed(0)} MiB`,
    );
    await fetch(`${base}${paths.upload(uploadId, key)}`, { method: 'DELETE' });
    return { steps, held, floods: { tooLarge, broken }, after, rssMiB };
  } finally {
    await server.stop();
    await local?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { held, floods, after } = await benchSigningLoad();
  if (held.errors + floods.tooLarge.errors + floods.broken.errors + after.errors > 0) process.exitCode = 1;
}
