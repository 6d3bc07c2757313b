import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { parseArgs } from 'node:util';

/** The command line is wrong: the command exits 2 with this message and its usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const cleanupUsage = `Usage: uppy-s3-resumable cleanup --older-than <duration> [options]
       uppy-s3-resumable cleanup --started-before <time> [options]

Aborts the incomplete multipart uploads created more than <duration> ago, or before <time>.

Options:
  --older-than <duration>  90s, 30m, 24h, 7d, 2w, or a sum such as 1d12h
  --started-before <time>  an ISO 8601 time with its zone, e.g. 2026-11-30T05:00:00Z
                           (say, the moment of a deploy); one of the two is required
  --prefix <prefix>        only keys starting with it, matched as S3 does ("uploads/1"
                           also covers "uploads/10/"); default: the whole bucket
  --bucket <name>          default: $S3_BUCKET
  --dry-run                list what would be aborted, abort nothing
  --json                   print the report as JSON
  -h, --help               print this

Environment:
  S3_ENDPOINT              the S3 to use (MinIO, R2, radosgw...); unset: AWS
  S3_REGION, AWS_REGION    default with S3_ENDPOINT: us-east-1
  S3_BUCKET                the bucket, unless --bucket is given
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
                           required with S3_ENDPOINT; without it, the AWS SDK's
                           usual credential chain (profiles, SSO, instance roles)

Exit codes: 0 done, 1 some aborts failed or S3 failed, 2 bad arguments.`;

/** A validated `cleanup` command line. */
export interface CleanupArgs {
  help: false;
  s3: S3ClientConfig;
  bucket: string;
  prefix: string;
  /** Milliseconds (0 with `startedBefore`). */
  olderThan: number;
  /** Uploads created before this instant are stale, instead of `olderThan`. */
  startedBefore: Date | undefined;
  dryRun: boolean;
  json: boolean;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Milliseconds in a duration written as whole numbers with units `ms`, `s`, `m`, `h`, `d`, `w`, alone
 * (`90s`, `24h`, `7d`) or summed (`1d12h`). A bare number is refused: `24` could mean hours as well
 * as milliseconds.
 *
 * @example
 * parseDuration('1h30m'); // 5400000
 */
export function parseDuration(text: string): number {
  const expected = `a duration such as 90s, 30m, 24h or 7d`;
  if (/^\d+$/.test(text)) throw new RangeError(`expected ${expected}, got "${text}" (add a unit: ms, s, m, h, d or w)`);
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(text)) throw new RangeError(`expected ${expected}, got ${JSON.stringify(text)}`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(amount) * (UNIT_MS[unit as string] as number);
  if (!Number.isSafeInteger(total)) throw new RangeError(`expected ${expected}, got "${text}", which is too long`);
  return total;
}

/** An ISO 8601 date and time with its zone (`Z` or `+01:00`): a time without one would mean another instant on each machine. */
function parseInstant(text: string): Date {
  const time = Date.parse(text);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text) || Number.isNaN(time)) {
    throw new UsageError(`--started-before: expected an ISO 8601 time with its zone such as 2026-11-30T05:00:00Z, got ${JSON.stringify(text)}`);
  }
  return new Date(time);
}

/** How to reach S3, from S3_ENDPOINT and friends; without S3_ENDPOINT, AWS as the SDK finds it. */
function s3FromEnv(env: NodeJS.ProcessEnv): S3ClientConfig {
  const endpoint = env.S3_ENDPOINT || undefined;
  const region = env.S3_REGION || env.AWS_REGION || (endpoint ? 'us-east-1' : undefined);
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (endpoint !== undefined) {
    if (!URL.canParse(endpoint)) throw new UsageError(`S3_ENDPOINT must be a URL such as http://127.0.0.1:9000, got ${JSON.stringify(endpoint)}`);
    if (!accessKeyId || !secretAccessKey) throw new UsageError('S3_ENDPOINT is set, so AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be too');
  }
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
}

/**
 * The `cleanup` command's arguments (after the word `cleanup`) and environment, validated. Throws
 * a {@link UsageError} naming what is wrong.
 *
 * @example
 * parseCleanupArgs(['--older-than', '24h', '--prefix', 'uploads/'], process.env);
 */
export function parseCleanupArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CleanupArgs | { help: true } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'older-than': { type: 'string' },
        'started-before': { type: 'string' },
        prefix: { type: 'string', default: '' },
        bucket: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // node:util's messages name the option ("Unknown option '--olderthan'").
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { help: true };

  const olderThanText = values['older-than'];
  const startedBeforeText = values['started-before'];
  if (olderThanText !== undefined && startedBeforeText !== undefined) throw new UsageError('Give --older-than or --started-before, not both');
  if (olderThanText === undefined && startedBeforeText === undefined) {
    throw new UsageError('--older-than is required: how old an upload must be to be aborted, e.g. --older-than 24h (or --started-before <time>)');
  }
  let olderThan = 0;
  let startedBefore: Date | undefined;
  if (startedBeforeText !== undefined) {
    startedBefore = parseInstant(startedBeforeText);
  } else {
    try {
      olderThan = parseDuration(olderThanText as string);
    } catch (error) {
      throw new UsageError(`--older-than: ${(error as Error).message}`);
    }
  }

  const bucket = values.bucket ?? env.S3_BUCKET;
  if (!bucket) throw new UsageError('No bucket: pass --bucket or set S3_BUCKET');
  const { prefix } = values;
  if (Buffer.byteLength(prefix) > 1024) throw new UsageError('--prefix must be at most 1024 bytes, as S3 keys are');

  return { help: false, s3: s3FromEnv(env), bucket, prefix, olderThan, startedBefore, dryRun: values['dry-run'], json: values.json };
}
