/**
 * A real S3 on this machine: a single-node Ceph (one monitor, one OSD, no manager) with its
 * radosgw S3 gateway on 127.0.0.1, all in one throw-away folder, stopped by PID.
 * How it is set up, and the startup races handled below, are in docs/local-s3.md.
 */
import { CreateBucketCommand, GetBucketCorsCommand, ListBucketsCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from './s3ClientConfig.js';
import { uploadCorsRule } from './uploadCorsRule.js';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { freePort } from './freePort.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
   */
  collectGarbage(): Promise<void>;
  /** The PIDs of the monitor, the OSD and radosgw (for benchmarks that count their CPU time). */
  pids(): number[];
  /** Stops radosgw, the OSD and the monitor, in that order, by PID, and removes `dir`. Idempotent. */
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
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
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
 * saw and remove the folder, so a crashed run leaves nothing behind.
 */
function killSync(pids: Map<string, number>, dir: string): void {
  for (const pid of pids.values()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

async function logTail(dir: string, name: string): Promise<string> {
  try {
    const text = await readFile(join(dir, 'log', `${name}.log`), 'utf8');
    return text.split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a local S3: installs Ceph from Debian when missing (as root), bootstraps a monitor and an
 * OSD, starts radosgw on a free port of 127.0.0.1, creates a user, the bucket and its CORS rule
 * (`content-type`, `content-md5` allowed; `ETag` exposed), and resolves once S3 answers.
 *
 * @example
 * const s3 = await startLocalS3();
 * // ... new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3 })
 * await s3.stop();
 */
export async function startLocalS3(options: StartLocalS3Options = {}): Promise<LocalS3> {
  const { bucket = 'uploads', objectStore = 'memstore', corsOrigins = ['*'], log = () => {} } = options;
  await ensureCephInstalled(log);

  const dir = await mkdtemp(join(tmpdir(), 'local-s3-'));
  const conf = join(dir, 'ceph.conf');
  const pids = new Map<string, number>();
  const onExit = () => killSync(pids, dir);
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
    await rm(dir, { recursive: true, force: true });
    if (errors.length > 0) throw new AggregateError(errors, 'Some Ceph daemons did not stop');
  }

  let step = 'mon.a';
  try {
    const [monPort, rgwPort] = [await freePort(), await freePort()];
    const fsid = randomUUID();
    for (const sub of ['run', 'log', 'mon', 'osd', 'rgw']) await mkdir(join(dir, sub));
    await writeFile(conf, cephConf(dir, fsid, monPort, rgwPort, objectStore));

    // Monitor. A client that talks to it before it has won its election is refused with
    // "wrong fsid": wait for "leader" on its admin socket first.
    log(`starting the monitor, in ${dir}`);
    await exec('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, join(dir, 'monmap')]);
    await exec('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap')]);
    await exec('ceph-mon', ['-c', conf, '-i', 'a']);
    await remember('mon.a');
    await retry('monitor election', 20_000, async () => {
      const status = JSON.parse(await exec('ceph', ['-c', conf, '--admin-daemon', join(dir, 'run', 'mon.a.asok'), 'mon_status'], 5_000)) as { state?: string };
      if (status.state !== 'leader') throw new Error(`monitor state ${status.state}`);
    });

    // OSD, placed in CRUSH by hand; starting it is retried (it sometimes exits at once on a fresh monitor).
    step = 'osd.0';
    log(`starting the OSD (${objectStore})`);
    const osdUuid = randomUUID();
    const id = (await retry('ceph osd new', 20_000, () => ceph(['osd', 'new', osdUuid]))).trim();
    if (id !== '0') throw new Error(`expected OSD id 0, got ${id}`);
    await exec('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid], 60_000);
    await retry('ceph osd crush add', 20_000, () => ceph(['osd', 'crush', 'add', 'osd.0', '1.0', 'root=default', 'host=localhost']));
    await retry('OSD up', 40_000, async () => {
      const pid = await readPid(dir, 'osd.0');
      if (pid === undefined || !(await isRunning(pid))) await exec('ceph-osd', ['-c', conf, '-i', '0']);
      const dump = JSON.parse(await ceph(['osd', 'dump', '--format', 'json'])) as { osds?: Array<{ up?: number }> };
      if (dump.osds?.[0]?.up !== 1) throw new Error('OSD not up yet');
    });
    await remember('osd.0');

    // radosgw creates its pools on first start, which takes a few seconds.
    step = 'client.rgw.a';
    log('starting radosgw');
    await exec('radosgw', ['-c', conf, '-n', 'client.rgw.a']);
    await remember('client.rgw.a');
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await retry('radosgw answering HTTP', 60_000, async () => {
      await fetch(endpoint);
    });

    const accessKeyId = randomBytes(10).toString('hex').toUpperCase();
    const secretAccessKey = randomBytes(20).toString('base64url');
    await retry('radosgw-admin user create', 20_000, () =>
      exec('radosgw-admin', ['-c', conf, 'user', 'create', '--uid', 'local', '--display-name', 'local S3', '--access-key', accessKeyId, '--secret-key', secretAccessKey]),
    );

    const client = new S3Client(s3ClientConfig({ endpoint, region: REGION, bucket, accessKeyId, secretAccessKey }));
    try {
      await retry('S3 ListBuckets', 20_000, () => client.send(new ListBucketsCommand({})));
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      await client.send(
        new PutBucketCorsCommand({
          Bucket: bucket,
          CORSConfiguration: {
            CORSRules: [uploadCorsRule(corsOrigins)],
          },
        }),
      );
      const cors = await client.send(new GetBucketCorsCommand({ Bucket: bucket }));
      if (!cors.CORSRules?.[0]?.ExposeHeaders?.some((h) => h.toLowerCase() === 'etag')) throw new Error('the CORS rule was not stored');
    } finally {
      client.destroy();
    }
    log(`S3 ready at ${endpoint}, bucket ${bucket}`);
    const collectGarbage = async () => void (await exec('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all'], 120_000));
    return { endpoint, region: REGION, bucket, accessKeyId, secretAccessKey, dir, collectGarbage, pids: () => [...pids.values()], stop };
  } catch (error) {
    const tail = await logTail(dir, step);
    await stop().catch(() => {});
    throw new Error(`Could not start the local S3 (at ${step}): ${error instanceof Error ? error.message : String(error)}\n--- last lines of ${step}.log ---\n${tail}`, { cause: error });
  }
}
