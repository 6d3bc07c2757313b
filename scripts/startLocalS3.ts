/**
 * A real S3 on this machine: a single-node Ceph (one monitor, one OSD, no manager) with its
 * radosgw S3 gateway on 127.0.0.1, all in one throw-away folder, stopped by PID; or, with `keepIn`,
 * in a folder that keeps it (data, ports, keys) from one start to the next.
 * How it is set up, and the startup races handled below, are in docs/local-s3.md.
 */
import { CreateBucketCommand, GetBucketCorsCommand, ListBucketsCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from './s3ClientConfig.js';
import { uploadCorsRule } from './uploadCorsRule.js';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { freePort } from './freePort.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureCephInstalled } from './ensureCephInstalled.js';

/** A running local S3. */
export interface LocalS3 {
  /** e.g. `http://127.0.0.1:40123` (127.0.0.1, not localhost: presigned URLs sign the host). */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The folder holding ceph.conf, data, logs and pid files. */
  dir: string;
  /**
   * Makes radosgw reclaim the data of deleted objects and aborted uploads now (`radosgw-admin gc
   * process --include-all`), not on its own schedule (every 30 s): benchmarks call it between runs.
   * Never throws: a gc still running after 60 s is killed.
   */
  collectGarbage(): Promise<void>;
  /** The PIDs of the monitor, the OSD and radosgw (for benchmarks that count their CPU time). */
  pids(): number[];
  /**
   * Stops radosgw, the OSD and the monitor, in that order, by PID, and removes `dir` (kept with
   * `keepIn`). Idempotent.
   */
  stop(): Promise<void>;
}

export interface StartLocalS3Options {
  /**
   * The bucket to create.
   * @default 'uploads'
   */
  bucket?: string;
  /**
   * Where the OSD keeps data: in RAM (`memstore`, starts fastest) or in a sparse file (`bluestore`,
   * uses less memory under big uploads).
   * @default 'memstore'
   */
  objectStore?: 'memstore' | 'bluestore';
  /**
   * Origins the bucket's CORS rule allows.
   * @default ['*']
   */
  corsOrigins?: string[];
  /**
   * A folder that keeps the cluster from one start to the next: made (with `bluestore`, whatever
   * `objectStore` says: `memstore` loses everything when the OSD stops) with ports and keys chosen
   * at the first start and saved there; started again as it is by later starts; not removed by
   * `stop()`. A folder left half-made by a failed first start is emptied and made again.
   * @default undefined: a throw-away folder under the system's temporary directory
   */
  keepIn?: string;
  /**
   * Receives progress lines.
   * @default no-op
   */
  log?: (line: string) => void;
}

const REGION = 'us-east-1';
const GiB = 1024 ** 3;
/** Start order; stopped in reverse. */
const DAEMONS = ['mon.a', 'osd.0', 'client.rgw.a'] as const;

function exec(file: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    // SIGKILL on timeout: a radosgw-admin stuck on a lock ignored SIGTERM and held a benchmark for good.
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `attempt` until it resolves or `timeoutMs` passes; then throws the last error. */
async function retry<T>(what: string, timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: gave up after ${timeoutMs / 1000} s`, { cause: error });
      await sleep(200);
    }
  }
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number, objectStore: string): string {
  return `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms bind msgr2 = false
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
# Commit monitor changes at once: radosgw creates seven pools one after another on first start.
paxos propose interval = 0.01
paxos min wait = 0.001
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.log
# The OSD is placed in CRUSH by hand below; letting it do so races a fresh monitor.
osd crush update on start = false
osd class update on start = false
osd objectstore = ${objectStore}
memstore device bytes = ${8 * GiB}
bluestore block size = ${16 * GiB}
bluestore block create = true
osd memory target = ${1 * GiB}

[mon.a]
mon data = ${dir}/mon

[osd.0]
osd data = ${dir}/osd

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
# Reclaim deleted and aborted data quickly.
rgw gc obj min wait = 30
rgw gc processor period = 30
rgw thread pool size = 128
`;
}

/** The PID in a daemon's pid file, if it has written one. */
async function readPid(dir: string, name: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(dir, 'run', `${name}.pid`), 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie: daemons reparent to PID 1 here and may linger as zombies for seconds. */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function stopDaemon(dir: string, name: string): Promise<void> {
  const pid = await readPid(dir, name);
  if (pid === undefined || !(await isRunning(pid))) return;
  for (const [signal, waitMs] of [['SIGTERM', 10_000], ['SIGKILL', 5_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!(await isRunning(pid))) return;
      await sleep(100);
    }
  }
  throw new Error(`${name} (pid ${pid}) did not stop`);
}

/**
 * Synchronous last resort when the process exits without stop(): SIGKILL every daemon whose PID we
 * saw and remove the folder (unless it is kept), so a crashed run leaves nothing behind.
 */
function killSync(pids: Map<string, number>, dir: string, keep: boolean): void {
  for (const pid of pids.values()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

async function logTail(dir: string, name: string): Promise<string> {
  try {
    const text = await readFile(join(dir, 'log', `${name}.log`), 'utf8');
    return text.split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** What a kept folder saves at the end of its first start; its presence means the cluster is whole. */
interface KeptCluster {
  monPort: number;
  rgwPort: number;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The file in a kept folder that holds {@link KeptCluster}. */
const KEPT_FILE = 'local-s3.json';
/** The file in a kept folder that holds the PID of the Node process using it. */
const OWNER_FILE = 'owner.pid';

function readKept(dir: string): KeptCluster | undefined {
  try {
    const kept = JSON.parse(readFileSync(join(dir, KEPT_FILE), 'utf8')) as Partial<KeptCluster>;
    const whole = [kept.monPort, kept.rgwPort].every(Number.isSafeInteger) && [kept.bucket, kept.accessKeyId, kept.secretAccessKey].every((v) => typeof v === 'string');
    return whole ? (kept as KeptCluster) : undefined;
  } catch {
    return undefined;
  }
}

/** A daemon of the folder's cluster still running from an earlier start: its PID file names a live process started with this folder's ceph.conf. */
async function leftOver(dir: string, name: string): Promise<number | undefined> {
  const pid = await readPid(dir, name);
  if (pid === undefined || !(await isRunning(pid))) return undefined;
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return commandLine.split('\0').includes(join(dir, 'ceph.conf')) ? pid : undefined;
}

/**
 * Makes a kept folder ready to start in: refuses when another live process uses it; stops the
 * daemons a killed earlier user left running (by PID); answers what it saved, or empties it when it
 * holds a half-made cluster (the uploads in it are lost, and said so).
 */
async function prepareKeptFolder(dir: string, log: (line: string) => void): Promise<KeptCluster | undefined> {
  await mkdir(dir, { recursive: true });
  const owner = Number((await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => '')).trim());
  const ownerLives = Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && (await isRunning(owner));
  for (const name of [...DAEMONS].reverse()) {
    const pid = await leftOver(dir, name);
    if (pid === undefined) continue;
    if (ownerLives) throw new Error(`the local S3 in ${dir} is in use by process ${owner} (its ${name} runs, pid ${pid}): stop that one first`);
    log(`stopping ${name} (pid ${pid}), left running in ${dir} by an earlier start`);
    await stopDaemon(dir, name);
  }
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
  const kept = readKept(dir);
  if (kept !== undefined) return kept;
  const entries = (await readdir(dir)).filter((entry) => entry !== OWNER_FILE);
  if (entries.length > 0) {
    log(`${dir} holds a half-made local S3 (no ${KEPT_FILE}: its first start failed): starting over in it; the uploads it held, if any, are lost`);
    for (const entry of entries) await rm(join(dir, entry), { recursive: true, force: true });
  }
  return undefined;
}

/**
 * Starts a local S3: installs Ceph from Debian when missing (as root), bootstraps a monitor and an
 * OSD, starts radosgw on a free port of 127.0.0.1, creates a user, the bucket and its CORS rule
 * (`content-type`, `content-md5` allowed; `ETag` exposed), and resolves once S3 answers. With
 * `keepIn` holding a cluster from an earlier start, starts that one again as it is (same ports, keys
 * and bucket) instead.
 *
 * @example
 * const s3 = await startLocalS3();
 * // ... new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3 })
 * await s3.stop();
 */
export async function startLocalS3(options: StartLocalS3Options = {}): Promise<LocalS3> {
  const { corsOrigins = ['*'], log = () => {}, keepIn } = options;
  const keep = keepIn !== undefined;
  const objectStore = keep ? 'bluestore' : (options.objectStore ?? 'memstore');
  await ensureCephInstalled(log);

  const dir = keep ? resolve(keepIn) : await mkdtemp(join(tmpdir(), 'local-s3-'));
  // A Unix socket's path holds at most 107 bytes: the daemons' admin sockets live in <dir>/run.
  if (Buffer.byteLength(join(dir, 'run', 'client.rgw.a.asok')) > 107) throw new Error(`Could not start the local S3: the path ${dir} is too long for its admin sockets (at most ${107 - '/run/client.rgw.a.asok'.length} bytes)`);
  const kept = keep ? await prepareKeptFolder(dir, log) : undefined;
  const bucket = kept?.bucket ?? options.bucket ?? 'uploads';
  const conf = join(dir, 'ceph.conf');
  const pids = new Map<string, number>();
  const onExit = () => killSync(pids, dir, keep);
  process.on('exit', onExit);
  const ceph = (args: string[]) => exec('ceph', ['-c', conf, ...args]);
  const remember = async (name: string) => {
    const pid = await retry(`${name} pid file`, 10_000, async () => (await readPid(dir, name)) ?? Promise.reject(new Error('no pid file yet')));
    pids.set(name, pid);
  };

  let stopped = false;
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    const errors: unknown[] = [];
    for (const name of [...DAEMONS].reverse()) await stopDaemon(dir, name).catch((error: unknown) => errors.push(error));
    process.off('exit', onExit);
    if (keep) await rm(join(dir, OWNER_FILE), { force: true });
    else await rm(dir, { recursive: true, force: true });
    if (errors.length > 0) throw new AggregateError(errors, 'Some Ceph daemons did not stop');
  }

  /** Starts the monitor. A client that talks to it before it has won its election is refused with "wrong fsid": wait for "leader" on its admin socket first. */
  async function startMonitor(): Promise<void> {
    await exec('ceph-mon', ['-c', conf, '-i', 'a']);
    await remember('mon.a');
    await retry('monitor election', 20_000, async () => {
      const status = JSON.parse(await exec('ceph', ['-c', conf, '--admin-daemon', join(dir, 'run', 'mon.a.asok'), 'mon_status'], 5_000)) as { state?: string };
      if (status.state !== 'leader') throw new Error(`monitor state ${status.state}`);
    });
  }

  /** Starts the OSD, retried (it sometimes exits at once on a fresh monitor), until it says it is active and the OSD map has it up. */
  async function startOsd(): Promise<void> {
    await retry('OSD up', 60_000, async () => {
      const pid = await readPid(dir, 'osd.0');
      if (pid === undefined || !(await isRunning(pid))) await exec('ceph-osd', ['-c', conf, '-i', '0'], 60_000);
      const status = JSON.parse(await exec('ceph', ['-c', conf, '--admin-daemon', join(dir, 'run', 'osd.0.asok'), 'status'], 5_000)) as { state?: string };
      if (status.state !== 'active') throw new Error(`OSD state ${status.state}`);
      const dump = JSON.parse(await ceph(['osd', 'dump', '--format', 'json'])) as { osds?: Array<{ up?: number }> };
      if (dump.osds?.[0]?.up !== 1) throw new Error('OSD not up yet');
    });
    await remember('osd.0');
  }

  /** Starts radosgw (it creates its pools on its first start, which takes a few seconds) and waits until it answers HTTP. */
  async function startGateway(endpoint: string): Promise<void> {
    await exec('radosgw', ['-c', conf, '-n', 'client.rgw.a']);
    await remember('client.rgw.a');
    await retry('radosgw answering HTTP', 60_000, async () => {
      await fetch(endpoint);
    });
  }

  let step = 'mon.a';
  try {
    let endpoint: string;
    let accessKeyId: string;
    let secretAccessKey: string;
    let monPort: number;
    if (kept !== undefined) {
      log(`starting the monitor, in ${dir} (the local S3 kept there, with its uploads)`);
      await startMonitor();
      step = 'osd.0';
      log(`starting the OSD (${objectStore})`);
      await startOsd();
      step = 'client.rgw.a';
      log('starting radosgw');
      endpoint = `http://127.0.0.1:${kept.rgwPort}`;
      ({ accessKeyId, secretAccessKey, monPort } = kept);
      await startGateway(endpoint);
    } else {
      monPort = await freePort();
      const rgwPort = await freePort();
      const fsid = randomUUID();
      for (const sub of ['run', 'log', 'mon', 'osd', 'rgw']) await mkdir(join(dir, sub));
      await writeFile(conf, cephConf(dir, fsid, monPort, rgwPort, objectStore));

      log(`starting the monitor, in ${dir}`);
      await exec('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, join(dir, 'monmap')]);
      await exec('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap')]);
      await startMonitor();

      // OSD, placed in CRUSH by hand.
      step = 'osd.0';
      log(`starting the OSD (${objectStore})`);
      const osdUuid = randomUUID();
      const id = (await retry('ceph osd new', 20_000, () => ceph(['osd', 'new', osdUuid]))).trim();
      if (id !== '0') throw new Error(`expected OSD id 0, got ${id}`);
      await exec('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid], 60_000);
      await retry('ceph osd crush add', 20_000, () => ceph(['osd', 'crush', 'add', 'osd.0', '1.0', 'root=default', 'host=localhost']));
      await startOsd();

      step = 'client.rgw.a';
      log('starting radosgw');
      endpoint = `http://127.0.0.1:${rgwPort}`;
      await startGateway(endpoint);
      accessKeyId = randomBytes(10).toString('hex').toUpperCase();
      secretAccessKey = randomBytes(20).toString('base64url');
      await retry('radosgw-admin user create', 20_000, () =>
        exec('radosgw-admin', ['-c', conf, 'user', 'create', '--uid', 'local', '--display-name', 'local S3', '--access-key', accessKeyId, '--secret-key', secretAccessKey]),
      );
    }

    const client = new S3Client(s3ClientConfig({ endpoint, region: REGION, bucket, accessKeyId, secretAccessKey }));
    try {
      const { Buckets = [] } = await retry('S3 ListBuckets', 20_000, () => client.send(new ListBucketsCommand({})));
      if (!Buckets.some((b) => b.Name === bucket)) {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        await client.send(
          new PutBucketCorsCommand({
            Bucket: bucket,
            CORSConfiguration: {
              CORSRules: [uploadCorsRule(corsOrigins)],
            },
          }),
        );
      }
      const cors = await retry('S3 GetBucketCors', 20_000, () => client.send(new GetBucketCorsCommand({ Bucket: bucket })));
      if (!cors.CORSRules?.[0]?.ExposeHeaders?.some((h) => h.toLowerCase() === 'etag')) throw new Error('the CORS rule was not stored');
    } finally {
      client.destroy();
    }
    if (keep && kept === undefined) {
      const saved: KeptCluster = { monPort, rgwPort: Number(new URL(endpoint).port), bucket, accessKeyId, secretAccessKey };
      await writeFile(join(dir, KEPT_FILE), `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    }
    log(`S3 ready at ${endpoint}, bucket ${bucket}`);
    // Best effort: a gc that hangs (seen once after radosgw lost its watches on the OSD) is killed
    // and the garbage left to radosgw's own schedule, rather than holding the run.
    const collectGarbage = () => exec('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all'], 60_000).then(() => {}, () => {});
    return { endpoint, region: REGION, bucket, accessKeyId, secretAccessKey, dir, collectGarbage, pids: () => [...pids.values()], stop };
  } catch (error) {
    const tail = await logTail(dir, step);
    await stop().catch(() => {});
    const advice = kept !== undefined ? `\nThe local S3 kept in ${dir} did not start again (are its ports ${kept.monPort} and ${kept.rgwPort} taken?). To start afresh, delete that folder: the uploads in it are lost.` : '';
    throw new Error(`Could not start the local S3 (at ${step}): ${error instanceof Error ? error.message : String(error)}\n--- last lines of ${step}.log ---\n${tail}${advice}`, { cause: error });
  }
}
