/** The cleanup command's arguments and environment, without S3. */
import { describe, expect, it } from 'vitest';
import { parseCleanupArgs, parseDuration, UsageError, type CleanupArgs } from '../../cli/parseCleanupArgs.js';

/** The arguments of a run (not a call for help). */
function parseRun(argv: string[], env: NodeJS.ProcessEnv): CleanupArgs {
  const args = parseCleanupArgs(argv, env);
  if (args.help) throw new Error('asked for help');
  return args;
}

const local = { S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'uploads', AWS_ACCESS_KEY_ID: 'key', AWS_SECRET_ACCESS_KEY: 'secret' };

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['1d12h', 129_600_000],
    ['1h30m', 5_400_000],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['yesterday', '', '1.5h', '-1h', '24 h', '1H', 'h', '1h-', '1y', '9999999999999999d'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
  });

  it('refuses a bare number, which could mean any unit, and says to add one', () => {
    expect(() => parseDuration('24')).toThrow('add a unit');
  });
});

describe('parseCleanupArgs', () => {
  it('reads the flags, and the S3 from S3_ENDPOINT and friends', () => {
    expect(parseCleanupArgs(['--older-than', '24h', '--prefix', 'uploads/', '--dry-run', '--json'], local)).toEqual({
      help: false,
      s3: { endpoint: local.S3_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'key', secretAccessKey: 'secret' } },
      bucket: 'uploads',
      prefix: 'uploads/',
      olderThan: 86_400_000,
      startedBefore: undefined,
      dryRun: true,
      json: true,
    });
  });

  it('defaults to the whole bucket, a real run and a human summary; --bucket wins over S3_BUCKET', () => {
    expect(parseCleanupArgs(['--older-than=1h', '--bucket', 'other'], { ...local, S3_REGION: 'eu-west-1' })).toMatchObject({
      s3: { region: 'eu-west-1' },
      bucket: 'other',
      prefix: '',
      dryRun: false,
      json: false,
    });
  });

  it('without S3_ENDPOINT, leaves endpoint, region and credentials to the AWS SDK unless the environment names them', () => {
    expect(parseRun(['--older-than', '1h'], { S3_BUCKET: 'b' }).s3).toEqual({});
    const withKeys = parseRun(['--older-than', '1h'], { S3_BUCKET: 'b', AWS_REGION: 'us-west-2', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' });
    expect(withKeys.s3).toEqual({ region: 'us-west-2', credentials: { accessKeyId: 'k', secretAccessKey: 's', sessionToken: 't' } });
  });

  it('takes --started-before, an ISO 8601 time with its zone, instead of --older-than', () => {
    expect(parseRun(['--started-before', '2026-11-30T05:00:00Z'], local)).toMatchObject({ olderThan: 0, startedBefore: new Date('2026-11-30T05:00:00Z') });
    expect(parseRun(['--started-before', '2026-11-30T06:00:00.5+01:00'], local).startedBefore).toEqual(new Date('2026-11-30T05:00:00.500Z'));
  });

  it('answers help for -h and --help, whatever else is missing', () => {
    expect(parseCleanupArgs(['-h'], {})).toEqual({ help: true });
    expect(parseCleanupArgs(['--help', '--older-than', 'nonsense'], {})).toEqual({ help: true });
  });

  it.each([
    [['--older-than', 'yesterday'], local, '--older-than: expected a duration such as 90s, 30m, 24h or 7d, got "yesterday"'],
    [['--older-than', '24'], local, '--older-than: expected a duration such as 90s, 30m, 24h or 7d, got "24" (add a unit'],
    [['--prefix', 'uploads/'], local, '--older-than is required'],
    [['--older-than'], local, "Option '--older-than <value>' argument missing"],
    [['--older-than', '1h', '--olderthan', '2h'], local, "Unknown option '--olderthan'"],
    [['--older-than', '1h', 'uploads/'], local, "Unexpected argument 'uploads/'"],
    [['--older-than', '1h'], { ...local, S3_BUCKET: '' }, 'No bucket: pass --bucket or set S3_BUCKET'],
    [['--older-than', '1h'], { ...local, AWS_SECRET_ACCESS_KEY: undefined }, 'S3_ENDPOINT is set, so AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be too'],
    [['--older-than', '1h'], { ...local, S3_ENDPOINT: 'localhost' }, 'S3_ENDPOINT must be a URL'],
    [['--older-than', '1h', '--prefix', 'x'.repeat(1025)], local, '--prefix must be at most 1024 bytes'],
    [['--older-than', '1h', '--started-before', '2026-11-30T05:00:00Z'], local, 'Give --older-than or --started-before, not both'],
    [['--started-before', '2026-11-30T05:00:00'], local, '--started-before: expected an ISO 8601 time with its zone'],
    [['--started-before', 'yesterday'], local, '--started-before: expected an ISO 8601 time with its zone'],
    [['--started-before', '2026-13-40T05:00:00Z'], local, '--started-before: expected an ISO 8601 time with its zone'],
  ])('%j is a usage error', (argv, env, message) => {
    expect(() => parseCleanupArgs(argv, env)).toThrow(UsageError);
    expect(() => parseCleanupArgs(argv, env)).toThrow(message);
  });
});
