/**
 * Signing throughput, in presigned UploadPart URLs per second, over loopback HTTP: the middleware's
 * batch route (100 parts with MD5 and size per request) and its single-part route, through each
 * way of serving it (the Express middleware, the node:http handler, the Web handler on
 * @hono/node-server), against a Companion-style route that calls `getSignedUrl` with a fresh
 * `UploadPartCommand` per part (bench/harness/companionStyleRoute.ts). With `--baseline=<git revision>`,
 * that revision's Express middleware races too, in the same server process, to show what a change
 * costs. All live in one server process (bench/harness/signingServer.ts); the closed-loop load generator
 * (bench/harness/runLoad.ts) runs here, with the same connections for all, the contenders alternated over
 * several rounds. Every answer is checked; one that fails the check is an error, and errors fail
 * the run.
 * Uses the S3 named by S3_ENDPOINT & co., or starts a local radosgw.
 * `npm run bench:signing [-- --baseline=main] [--rounds=3] [--seconds=3]`.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { paths, type BatchSignRequest, type BatchSignResponse, type CreateMultipartResponse, type SignPartResponse } from '../../contract.js';
import { s3ConfigFromEnv, type S3Config } from '../../scripts/s3ConfigFromEnv.js';
import { startLocalS3 } from '../../scripts/startLocalS3.js';
import { alternate, measurement, ratio, ratioOf, type BenchSection, type Measurement, type Ratio } from '../report/benchReport.js';
import { formatNumber, formatSection } from '../report/formatSection.js';
import { runLoad, type LoadOptions, type LoadResult } from '../harness/runLoad.js';
import { startSigningServer } from '../harness/startSigningServer.js';

// The AWS SDK's notice that its 2027 releases need Node 22 (see the README) would interleave with the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
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
  /**
   * A git revision (`main`, a commit) whose Express middleware also races, served from the same
   * process: its batch and single-part routes, and the ratios of today's to them.
   * @default undefined (none)
   */
  baseline?: string;
  /** Receives a line per run. @default console.log */
  log?: (line: string) => void;
}

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

/** `rev`'s middleware and contract in a temporary folder that resolves packages from this checkout's node_modules. */
function checkOutBaseline(rev: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'signing-baseline-'));
  const archive = execFileSync('git', ['archive', '--format=tar', rev, 'middleware', 'contract.ts'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Runs the benchmark (see the top of this file) and answers its section of the report. */
export async function benchSigningThroughput(options: SigningThroughputOptions = {}): Promise<BenchSection> {
  const { rounds = 3, secondsPerRun = 3, warmUpSeconds = 1, connections = 8, baseline, log = console.log } = options;
  const given = options.s3 ?? s3ConfigFromEnv(process.env);
  const local = given ? undefined : await startLocalS3();
  const s3 = given ?? local!;
  const baselineDir = baseline === undefined ? undefined : checkOutBaseline(baseline);
  const server = await startSigningServer(s3, { baselineDir });
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

    /** The batch and single-part routes of the middleware mounted at `base`. */
    const middlewareRoutes = (via: string, base: string): [Route, Route] => [
      {
        name: `batch route (${via})`,
        urls: BATCH,
        load: {
          url: `${base}${paths.batch(uploadId, key)}`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(batch),
          check: checkJson<BatchSignResponse>(({ parts }) => parts.length === BATCH && parts.every((part) => isUrl(part.url) && part.headers['Content-MD5'] !== undefined)),
        },
      },
      {
        name: `single-part route (${via})`,
        urls: 1,
        load: {
          url: `${base}${paths.part(uploadId, 7, { key, md5: partMd5, size: PART_SIZE })}`,
          check: checkJson<SignPartResponse>(({ url, headers }) => isUrl(url) && headers?.['Content-MD5'] === partMd5),
        },
      },
    ];
    const express = middlewareRoutes('Express', api);
    const node = middlewareRoutes('node:http', `${server.nodeOrigin}/api`);
    const web = middlewareRoutes('Web handler', `${server.webOrigin}/api`);
    const old = baseline === undefined ? undefined : middlewareRoutes(`Express, ${baseline}`, `${server.origin}/baseline`);
    const companion: Route = {
      name: 'Companion-style route',
      urls: 1,
      load: {
        url: `${server.origin}/companion/s3/multipart/${encodeURIComponent(uploadId)}/7?key=${encodeURIComponent(key)}`,
        check: checkJson<{ url: string; expires: number }>(({ url, expires }) => isUrl(url) && expires === EXPIRES_IN),
      },
    };
    const routes = [...express, ...node, ...web, ...(old ?? []), companion];
    const runs = new Map<string, LoadResult[]>(routes.map((route) => [route.name, []]));
    const failed = (route: Route, what: string, result: LoadResult) => {
      if (result.errors > 0) notes.push(`${route.name}, ${what}: ${result.errors} of ${result.requests} answers failed the check (statuses ${JSON.stringify(result.statuses)})`);
      return result.errors;
    };

    let errors = 0;
    for (const route of routes) {
      const warmUp = await runLoad({ ...route.load, connections, durationMs: warmUpSeconds * 1000 });
      errors += failed(route, 'warm-up', warmUp);
    }
    /** URLs signed per second of the server's CPU, by route and round: its cost, which other load on the machine leaves alone. */
    const perCpuSecond = new Map<string, number[]>(routes.map((route) => [route.name, []]));
    const run = (route: Route) => async () => {
      const cpuBefore = server.cpuSeconds();
      const result = await runLoad({ ...route.load, connections, durationMs: secondsPerRun * 1000 });
      perCpuSecond.get(route.name)!.push((result.requests * route.urls) / Math.max(0.01, server.cpuSeconds() - cpuBefore));
      runs.get(route.name)!.push(result);
      errors += failed(route, `round ${runs.get(route.name)!.length}`, result);
      return result.requestsPerSecond * route.urls;
    };
    const values = await alternate(rounds, Object.fromEntries(routes.map((route) => [route.name, run(route)])), (name, round, value) => {
      const result = runs.get(name)!.at(-1)!;
      log(
        `  round ${round + 1}  ${name.padEnd(42)} ${formatNumber(value).padStart(7)} URLs/s  (${formatNumber(result.requestsPerSecond)} req/s, ` +
          `p50 ${result.latencyMs.p50.toFixed(1)} ms, p99 ${result.latencyMs.p99.toFixed(1)} ms, ${result.errors} errors of ${result.requests})`,
      );
    });

    const measured = new Map<string, Measurement>(routes.map((route) => [route.name, measurement(route.name, 'URLs/s', values[route.name]!)]));
    const m = (route: Route) => measured.get(route.name)!;
    const cpu = new Map<string, Measurement>(routes.map((route) => [route.name, measurement(`${route.name}, per server CPU-second`, 'URLs/CPU-s', perCpuSecond.get(route.name)!)]));
    const c = (route: Route) => cpu.get(route.name)!;
    for (const [name, all] of runs) {
      const middle = (pick: (r: LoadResult) => number) => all.map(pick).sort((a, b) => a - b)[Math.floor(all.length / 2)]!;
      notes.push(
        `${name}: ${formatNumber(middle((r) => r.requestsPerSecond))} req/s, latency p50 ${middle((r) => r.latencyMs.p50).toFixed(1)} ms, ` +
          `p99 ${middle((r) => r.latencyMs.p99).toFixed(1)} ms (medians over the rounds); ${all.reduce((sum, r) => sum + r.requests, 0)} requests`,
      );
    }
    notes.push(`signing server RSS ${server.rssMiB().toFixed(0)} MiB at the end; Node ${process.version}`);
    const ratios: Ratio[] = [
      ratioOf(m(express[0]), m(companion), { min: 10 }),
      ratioOf(m(express[1]), m(companion)),
      ratioOf(m(express[0]), m(express[1])),
      // Side by side: the other ways of serving the same routes, against Express.
      ...[node, web].flatMap((via) => [ratioOf(m(via[0]), m(express[0])), ratioOf(m(via[1]), m(express[1]))]),
      // Today's Express against the baseline revision's, in the same process under the same load: in URLs a second, and in URLs a CPU-second.
      ...(old === undefined
        ? []
        : [0, 1].flatMap((i) => [ratioOf(m(express[i]!), m(old[i]!), { min: 0.95 }), ratioOf(c(express[i]!), c(old[i]!), { min: 0.95 })])),
      ratio('answers failing the check', errors, { max: 0 }),
    ];
    return {
      id: 'signing',
      title: 'Signing throughput',
      setup:
        `Presigned UploadPart URLs per second over loopback HTTP: the middleware in its own Node process (bench/harness/signingServer.ts), a closed-loop load generator ` +
        `with ${connections} connections in this one. Batch route: POST of ${BATCH} parts with MD5 and size; single-part route: GET of one part with MD5 and size; ` +
        `each served by the Express middleware, the node:http handler (createS3NodeHandler on http.createServer) and the Web handler (createS3Handler on @hono/node-server)` +
        `${baseline === undefined ? '' : `, and by the Express middleware of ${baseline}`}; ` +
        `Companion-style route: GET answered by getSignedUrl with a fresh UploadPartCommand. ${rounds} round${rounds === 1 ? '' : 's'} of ${secondsPerRun} s per route, alternated, ` +
        `after a ${warmUpSeconds} s warm-up each. Per server CPU-second: URLs signed per second of the server process's CPU time (/proc), its cost whatever else loads the machine.`,
      measurements: [...routes.map(m), ...routes.map(c)],
      ratios,
      notes,
    };
  } finally {
    if (upload) {
      const aborted = await fetch(`${api}${paths.upload(upload.uploadId, upload.key)}`, { method: 'DELETE' }).catch((error: unknown) => error);
      if (!(aborted instanceof Response && aborted.ok)) notes.push(`aborting the multipart upload failed: ${aborted instanceof Response ? aborted.status : String(aborted)}`);
    }
    await server.stop();
    await local?.stop();
    if (baselineDir !== undefined) rmSync(baselineDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  // `--baseline=main`, `--rounds=7`, `--seconds=3`: see SigningThroughputOptions.
  const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const number = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)));
  const section = await benchSigningThroughput({ baseline: flag('baseline'), rounds: number('rounds'), secondsPerRun: number('seconds') });
  console.log(`\n${formatSection(section)}\n\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (section.ratios.some((r) => !r.met)) process.exitCode = 1;
}
