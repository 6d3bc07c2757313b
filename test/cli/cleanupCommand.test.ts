/**
 * `uppy-s3-resumable cleanup` as a user runs it: a separate process, its S3 named by S3_* variables,
 * against a real S3 (radosgw). One old and one fresh upload under a prefix of this file's own.
 */
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { s3ConfigToEnv } from '../../scripts/s3ConfigFromEnv.js';
import { createTestS3Client } from '../harness/testServer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const s3Config = inject('s3');
const { bucket } = s3Config;
const prefix = `cleanup-test/${randomBytes(4).toString('hex')}-command/`;
const env = s3ConfigToEnv(s3Config);

let s3: S3Client;
let old: { key: string; uploadId: string };
let fresh: { key: string; uploadId: string };
let cut: number;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command line from source; only `vars` (and PATH, HOME) in its environment. */
function command(args: string[], vars: Record<string, string> = env): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/uppy-s3-resumable.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `--started-before` at the cut, between the two uploads. (An `--older-than` cut between them
 * would move with the command's own clock: under load the command took over 4 s to start, and
 * the fresh upload counted as old.)
 */
const atCut = () => new Date(cut).toISOString();

async function uploadIdsUnder(): Promise<string[]> {
  const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (page.Uploads ?? []).map((upload) => upload.UploadId!).sort();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  s3 = createTestS3Client();
  const create = async (key: string) => ({ key, uploadId: (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId! });
  old = await create(`${prefix}old/abandoned.bin`);
  // 1.5 s on either side of the cut, for stores that keep Initiated to the second.
  await sleep(1500);
  cut = Date.now();
  await sleep(1500);
  fresh = await create(`${prefix}fresh/in-progress.bin`);
});
afterAll(async () => {
  for (const { key, uploadId } of [old, fresh]) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {});
  }
  s3.destroy();
});

it('--dry-run lists the old upload with its age, and leaves both', async () => {
  const result = await command(['cleanup', '--dry-run', '--started-before', atCut(), '--prefix', prefix]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(new RegExp(`^would abort: ${escape(old.key)} \\(upload ${escape(old.uploadId)}\\), started \\d+s ago$`));
  expect(lines[1]).toBe(
    `Dry run: 1 of 2 incomplete uploads under "${prefix}" in bucket "${bucket}" were started before ${atCut()} and would be aborted; 1 younger kept.`,
  );
  expect(await uploadIdsUnder()).toEqual([old.uploadId, fresh.uploadId].sort());
});

it('--older-than counts ages by the command\'s clock: an hour keeps both uploads', async () => {
  const result = await command(['cleanup', '--dry-run', '--older-than', '1h', '--prefix', prefix]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(result.stdout).toBe(`Dry run: 0 of 2 incomplete uploads under "${prefix}" in bucket "${bucket}" are older than 1h and would be aborted; 2 younger kept.\n`);
});

it('--json prints the report as JSON', async () => {
  const result = await command(['cleanup', '--started-before', atCut(), '--prefix', prefix, '--bucket', bucket, '--dry-run', '--json']);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  const report = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(report).toMatchObject({ bucket, prefix, startedBefore: atCut(), dryRun: true, scanned: 2, kept: 1, aborted: [], gone: [], failed: [] });
  expect(report.stale).toEqual([{ key: old.key, uploadId: old.uploadId, initiated: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) }]);
});

it('without --dry-run, aborts the old upload and keeps the fresh one', async () => {
  const result = await command(['cleanup', '--started-before', atCut(), '--prefix', prefix]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(result.stdout).toContain(`aborted: ${old.key} (upload ${old.uploadId}), started `);
  expect(result.stdout).toMatch(/1 of 2 incomplete uploads under .* were started before .*: 1 aborted; 1 younger kept\.\n$/);
  expect(await uploadIdsUnder()).toEqual([fresh.uploadId]);
});

it('bad arguments exit 2 with a message naming the flag, and the usage', async () => {
  const bad = await command(['cleanup', '--older-than', 'yesterday', '--prefix', prefix]);
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toContain('--older-than: expected a duration such as 90s, 30m, 24h or 7d, got "yesterday"');
  expect(bad.stderr).toContain('Usage: uppy-s3-resumable cleanup');

  const { S3_BUCKET: _bucket, ...withoutBucket } = env;
  const noBucket = await command(['cleanup', '--older-than', '1h', '--prefix', prefix], withoutBucket);
  expect(noBucket.code).toBe(2);
  expect(noBucket.stderr).toContain('No bucket: pass --bucket or set S3_BUCKET');
  expect(await uploadIdsUnder()).toEqual([fresh.uploadId]);
});

it('an unreachable S3 exits 1 with what failed', async () => {
  const result = await command(['cleanup', '--older-than', '1h', '--prefix', prefix], { ...env, S3_ENDPOINT: 'http://127.0.0.1:1' });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^uppy-s3-resumable cleanup: Could not list the multipart uploads in bucket ".+": .*ECONNREFUSED/);
});

it('--help answers the commands (exit 0); no command or an unknown one exits 2', async () => {
  const help = await command(['--help']);
  expect(help).toMatchObject({ code: 0, stderr: '' });
  expect(help.stdout).toContain('cleanup   abort incomplete multipart uploads');
  expect(await command(['cleanup', '--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('--older-than <duration>') });
  expect(await command([])).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('No command given.') });
  expect(await command(['clean'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Unknown command "clean".') });
});
