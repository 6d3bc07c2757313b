/**
 * Signing throughput, in presigned UploadPart URLs per second, over loopback HTTP: the middleware's
 * batch route (100 parts with MD5 and size per request) and its single-part route, against a
 * Companion-style route that calls `getSignedUrl` with a fresh `UploadPartCommand` per part
 * (bench/companionStyleRoute.ts). All three live in one server process (bench/signingServer.ts);
 * the closed-loop load generator (bench/runLoad.ts) runs here, with the same connections for all,
 * the contenders alternated over several rounds. Every answer is checked; one that fails the check
 * is an error, and errors fail the run.
 * Uses the S3 named by S3_ENDPOINT & co., or starts a local radosgw. `npm run bench:signing`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { paths, type BatchSignRequest, type BatchSignResponse, type CreateMultipartResponse, type SignPartResponse } from '../contract.js';
import { s3ConfigFromEnv, type S3Config } from '../scripts/s3ConfigFromEnv.js';
import { startLocalS3 } from '../scripts/startLocalS3.js';
import { alternate, measurement, ratio, ratioOf, type BenchSection } from './benchReport.js';
import { formatNumber, formatSection } from './formatSection.js';
import { runLoad, type LoadOptions, type LoadResult } from './runLoad.js';
import { startSigningServer } from './startSigningServer.js';

// The AWS SDK's notice that its 2027 releases need Node 22 (see the README) would interleave with the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BATCH = 100;
const PART_SIZE = 8 * 1024 * 1024;
const EXPIRES_IN = 900; // the middleware's default, and the Companion-style route's

/** Options of {@link benchSigningThroughput}; the defaults are the benchmark's, a test shortens them. */
export interface SigningThroughputOptions {
  /** The S3 to use. @default S3_ENDPOINT & co., else a local radosgw started for the run */
  s3?: S3Config;
  /** Rounds; each runs every contender once, in alternating order. @default 3 */
  rounds?: number;
  /** How long each contender is loaded per round. @default 3 */
  secondsPerRun?: number;
  /** Load on each contender before the first round (JIT, sockets), not counted. @default 1 */
  warmUpSeconds?: number;
  /**
   * Requests in flight at once, the same for every contender. 8 reaches the batch route's peak on
   * 2 cores (`npm run bench`'s load steps: 4 and more give the same URLs/s, only later).
   * @default 8
   */
  connections?: number;
  /** Receives a line per run. @default console.log */
  log?: (line: string) => void;
}

type Contender = 'batch' | 'single' | 'companion';

interface Route {
  name: string;
  /** URLs signed by one request. */
  urls: number;
  load: Omit<LoadOptions, 'connections' | 'durationMs'>;
}

/** `check` for JSON answers: status 200 and a body `valid` accepts. */
const checkJson =
  <T>(valid: (body: T) => boolean) =>
  (status: number, body: string): boolean => {
    if (status !== 200) return false;
    try {
      return valid(JSON.parse(body) as T);
    } catch {
      return false;
    }
  };

const isUrl = (url: unknown) => typeof url === 'string' && url.startsWith('http');

/** Runs the benchmark (see the top of this file) and answers its section of the report. */
export async function benchSigningThroughput(options: SigningThroughputOptions = {}): Promise<BenchSection> {
  const { rounds = 3, secondsPerRun = 3, warmUpSeconds = 1, connections = 8, log = console.log } = options;
  const given = options.s3 ?? s3ConfigFromEnv(process.env);
  const local = given ? undefined : await startLocalS3();
  const s3 = given ?? local!;
  const server = await startSigningServer(s3);
  const api = `${server.origin}/api`;
  let upload: CreateMultipartResponse | undefined;
  const notes: string[] = [];
  try {
    const created = await fetch(`${api}${paths.createMultipart()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'throughput.bin', size: BATCH * PART_SIZE }),
    });
    if (!created.ok) throw new Error(`Creating the multipart upload answered ${created.status}: ${await created.text()}`);
    upload = (await created.json()) as CreateMultipartResponse;
    const { key, uploadId } = upload;
    const md5 = () => createHash('md5').update(randomBytes(16)).digest('base64');
    const batch: BatchSignRequest = { parts: Array.from({ length: BATCH }, (_, i) => ({ partNumber: i + 1, size: PART_SIZE, md5: md5() })) };
    const partMd5 = md5();

    const routes: Record<Contender, Route> = {
      batch: {
        name: 'batch route',
        urls: BATCH,
        load: {
          url: `${api}${paths.batch(uploadId, key)}`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(batch),
          check: checkJson<BatchSignResponse>(({ parts }) => parts.length === BATCH && parts.every((part) => isUrl(part.url) && part.headers['Content-MD5'] !== undefined)),
        },
      },
      single: {
        name: 'single-part route',
        urls: 1,
        load: {
          url: `${api}${paths.part(uploadId, 7, { key, md5: partMd5, size: PART_SIZE })}`,
          check: checkJson<SignPartResponse>(({ url, headers }) => isUrl(url) && headers?.['Content-MD5'] === partMd5),
        },
      },
      companion: {
        name: 'Companion-style route',
        urls: 1,
        load: {
          url: `${server.origin}/companion/s3/multipart/${encodeURIComponent(uploadId)}/7?key=${encodeURIComponent(key)}`,
          check: checkJson<{ url: string; expires: number }>(({ url, expires }) => isUrl(url) && expires === EXPIRES_IN),
        },
      },
    };
    const runs: Record<Contender, LoadResult[]> = { batch: [], single: [], companion: [] };
    const failed = (contender: Contender, what: string, result: LoadResult) => {
      if (result.errors > 0) notes.push(`${routes[contender].name}, ${what}: ${result.errors} of ${result.requests} answers failed the check (statuses ${JSON.stringify(result.statuses)})`);
      return result.errors;
    };

    let errors = 0;
    for (const contender of Object.keys(routes) as Contender[]) {
      const warmUp = await runLoad({ ...routes[contender].load, connections, durationMs: warmUpSeconds * 1000 });
      errors += failed(contender, 'warm-up', warmUp);
    }
    const run = (contender: Contender) => async () => {
      const result = await runLoad({ ...routes[contender].load, connections, durationMs: secondsPerRun * 1000 });
      runs[contender].push(result);
      errors += failed(contender, `round ${runs[contender].length}`, result);
      return result.requestsPerSecond * routes[contender].urls;
    };
    const values = await alternate(rounds, { batch: run('batch'), single: run('single'), companion: run('companion') }, (contender, round, value) => {
      const result = runs[contender].at(-1)!;
      log(
        `  round ${round + 1}  ${routes[contender].name.padEnd(21)} ${formatNumber(value).padStart(7)} URLs/s  (${formatNumber(result.requestsPerSecond)} req/s, ` +
          `p50 ${result.latencyMs.p50.toFixed(1)} ms, p99 ${result.latencyMs.p99.toFixed(1)} ms, ${result.errors} errors of ${result.requests})`,
      );
    });

    const batchRoute = measurement(routes.batch.name, 'URLs/s', values.batch);
    const singleRoute = measurement(routes.single.name, 'URLs/s', values.single);
    const companionRoute = measurement(routes.companion.name, 'URLs/s', values.companion);
    for (const contender of Object.keys(routes) as Contender[]) {
      const all = runs[contender];
      const middle = (pick: (r: LoadResult) => number) => all.map(pick).sort((a, b) => a - b)[Math.floor(all.length / 2)]!;
      notes.push(
        `${routes[contender].name}: ${formatNumber(middle((r) => r.requestsPerSecond))} req/s, latency p50 ${middle((r) => r.latencyMs.p50).toFixed(1)} ms, ` +
          `p99 ${middle((r) => r.latencyMs.p99).toFixed(1)} ms (medians over the rounds); ${all.reduce((sum, r) => sum + r.requests, 0)} requests`,
      );
    }
    notes.push(`signing server RSS ${server.rssMiB().toFixed(0)} MiB at the end; Node ${process.version}`);
    return {
      id: 'signing',
      title: 'Signing throughput',
      setup:
        `Presigned UploadPart URLs per second over loopback HTTP: the middleware in its own Node process (bench/signingServer.ts), a closed-loop load generator ` +
        `with ${connections} connections in this one. Batch route: POST of ${BATCH} parts with MD5 and size; single-part route: GET of one part with MD5 and size; ` +
        `Companion-style route: GET answered by getSignedUrl with a fresh UploadPartCommand. ${rounds} round${rounds === 1 ? '' : 's'} of ${secondsPerRun} s per route, alternated, ` +
        `after a ${warmUpSeconds} s warm-up each.`,
      measurements: [batchRoute, singleRoute, companionRoute],
      ratios: [
        ratioOf(batchRoute, companionRoute, { min: 10 }),
        ratioOf(singleRoute, companionRoute),
        ratioOf(batchRoute, singleRoute),
        ratio('answers failing the check', errors, { max: 0 }),
      ],
      notes,
    };
  } finally {
    if (upload) {
      const aborted = await fetch(`${api}${paths.upload(upload.uploadId, upload.key)}`, { method: 'DELETE' }).catch((error: unknown) => error);
      if (!(aborted instanceof Response && aborted.ok)) notes.push(`aborting the multipart upload failed: ${aborted instanceof Response ? aborted.status : String(aborted)}`);
    }
    await server.stop();
    await local?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const section = await benchSigningThroughput();
  console.log(`\n${formatSection(section)}\n\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (section.ratios.some((r) => !r.met)) process.exitCode = 1;
}
