#!/usr/bin/env node
/**
 * The package's command line. One command for now:
 *   uppy-s3-resumable cleanup --older-than 24h [--prefix uploads/] [--bucket B] [--dry-run] [--json]
 * Exit codes: 0 done, 1 a failure (some aborts, or S3), 2 bad arguments.
 */
import { cleanupStaleUploads, type CleanupEvent, type CleanupReport } from '../middleware/core/cleanupStaleUploads.js';
import { cleanupUsage, parseCleanupArgs, UsageError, type CleanupArgs } from './parseCleanupArgs.js';

// The AWS SDK's notice that its 2027 releases need Node 22 (see the README) would bury the report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const NAME = 'uppy-s3-resumable';

const usage = `Usage: ${NAME} <command> [options]

Commands:
  cleanup   abort incomplete multipart uploads older than a given age

Run "${NAME} cleanup --help" for its options.`;

/** An age in its two largest units: `3d 4h`, `5h 12m`, `42s`. */
function formatAge(ms: number): string {
  let rest = Math.max(0, Math.floor(ms / 1000));
  const parts: string[] = [];
  for (const [unit, seconds] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const amount = Math.floor(rest / seconds);
    rest -= amount * seconds;
    if (amount > 0 || (unit === 's' && parts.length === 0)) parts.push(`${amount}${unit}`);
  }
  return parts.slice(0, 2).join(' ');
}

const LABEL: Partial<Record<CleanupEvent['outcome'], string>> = {
  'would-abort': 'would abort',
  aborted: 'aborted',
  gone: 'gone (completed or aborted meanwhile)',
  failed: 'FAILED',
};

function printEvent(event: CleanupEvent, now: Date): void {
  const label = LABEL[event.outcome];
  if (label === undefined) return;
  const line = `${label}: ${event.key} (upload ${event.uploadId}), started ${formatAge(now.getTime() - event.initiated.getTime())} ago`;
  if (event.outcome === 'failed') console.error(`${line}: ${event.error}`);
  else console.log(line);
}

function summary({ bucket, prefix, olderThan, startedBefore }: CleanupArgs, report: CleanupReport): string {
  const where = `${prefix === '' ? '' : `under "${prefix}" `}in bucket "${bucket}"`;
  const found = `${report.stale.length} of ${report.scanned} incomplete uploads ${where}`;
  const cut = startedBefore ? `were started before ${startedBefore.toISOString()}` : `were older than ${formatAge(olderThan)}`;
  if (report.dryRun) return `Dry run: ${found} ${startedBefore ? cut : `are older than ${formatAge(olderThan)}`} and would be aborted; ${report.kept} younger kept.`;
  const extra = [report.gone.length > 0 ? `${report.gone.length} already gone` : '', report.failed.length > 0 ? `${report.failed.length} failed` : ''].filter(Boolean);
  return `${found} ${cut}: ${report.aborted.length} aborted${extra.map((text) => `, ${text}`).join('')}; ${report.kept} younger kept.`;
}

async function cleanup(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCleanupArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${NAME} cleanup: ${error.message}\n\n${cleanupUsage}`);
    return 2;
  }
  if (args.help) {
    console.log(cleanupUsage);
    return 0;
  }
  const { s3, bucket, prefix, olderThan, startedBefore, dryRun, json } = args;
  const now = new Date();
  let report;
  try {
    // --started-before: stale is created before that instant (olderThan 0 as of then).
    report = await cleanupStaleUploads({ s3, bucket, prefix, olderThan, dryRun, now: startedBefore ?? now, onUpload: json ? undefined : (event) => printEvent(event, now) });
  } catch (error) {
    console.error(`${NAME} cleanup: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  console.log(json ? JSON.stringify({ bucket, prefix, olderThan, startedBefore, ...report }, null, 2) : summary(args, report));
  return report.failed.length > 0 ? 1 : 0;
}

async function main([command, ...rest]: string[]): Promise<number> {
  switch (command) {
    case 'cleanup':
      return cleanup(rest);
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
    default:
      console.error(`${command === undefined ? 'No command given.' : `Unknown command ${JSON.stringify(command)}.`}\n\n${usage}`);
      return 2;
  }
}

// exitCode, not exit(): output piped to another program is written out in full first.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
