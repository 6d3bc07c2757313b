/** The demo's settings from the environment, and its judgement of a bucket's CORS rules. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { corsAdvice, corsProblems } from '../../demo/checkBucketCors.js';
import { DEFAULT_DATA_DIR, readDemoConfig } from '../../demo/readDemoConfig.js';
import { uploadCorsRule } from '../../scripts/uploadCorsRule.js';

const bucketEnv = { S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com', S3_REGION: 'eu-west-1', S3_BUCKET: 'b', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' };

describe('readDemoConfig', () => {
  const keptS3 = fileURLToPath(new URL('../../demo/.s3', import.meta.url));

  it('defaults to a local S3 kept in demo/.s3, on port 3000 with 15-minute URLs, the page from Vite without hot reload, records in demo/.data fed by radosgw events too', () => {
    expect(readDemoConfig({})).toEqual({ s3: undefined, localS3Dir: keptS3, port: 3000, expiresIn: 900, production: false, dist: undefined, hotReload: false, dataDir: DEFAULT_DATA_DIR, events: 'radosgw' });
    expect(DEFAULT_DATA_DIR).toBe(fileURLToPath(new URL('../../demo/.data', import.meta.url)));
  });

  it('keeps the local S3 in DEMO_S3_DIR when set', () => {
    expect(readDemoConfig({ DEMO_S3_DIR: '/tmp/demo-s3' }).localS3Dir).toBe('/tmp/demo-s3');
  });

  it('keeps the records where DEMO_DATA_DIR says (relative to the working folder), or nowhere with off', () => {
    expect(readDemoConfig({ DEMO_DATA_DIR: '/srv/demo-records' }).dataDir).toBe('/srv/demo-records');
    expect(readDemoConfig({ DEMO_DATA_DIR: 'records' }).dataDir).toBe(resolve('records'));
    expect(readDemoConfig({ DEMO_DATA_DIR: 'off' })).toMatchObject({ dataDir: false, events: 'off' });
  });

  it('asks radosgw for events with the local S3 only, unless DEMO_EVENTS says', () => {
    expect(readDemoConfig(bucketEnv).events).toBe('off');
    expect(readDemoConfig({ ...bucketEnv, DEMO_EVENTS: 'radosgw' }).events).toBe('radosgw');
    expect(readDemoConfig({ DEMO_EVENTS: 'off' }).events).toBe('off');
  });

  it('reloads the page on edits only when asked (`npm run demo:dev`)', () => {
    expect(readDemoConfig({ DEMO_HOT_RELOAD: '1' }).hotReload).toBe(true);
    expect(readDemoConfig({ DEMO_HOT_RELOAD: '0' }).hotReload).toBe(false);
  });

  it('reads the bucket, port, URL lifetime, mode and built page', () => {
    expect(readDemoConfig({ ...bucketEnv, PORT: '8080', URL_LIFETIME: '3600', NODE_ENV: 'production', DEMO_DIST: '/tmp/page' })).toEqual({
      s3: { endpoint: bucketEnv.S3_ENDPOINT, region: 'eu-west-1', bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' },
      localS3Dir: keptS3,
      port: 8080,
      expiresIn: 3600,
      production: true,
      dist: '/tmp/page',
      hotReload: false,
      dataDir: DEFAULT_DATA_DIR,
      events: 'off',
    });
  });

  it.each([
    [{ PORT: '-1' }, 'PORT must be a whole number from 0 to 65535, got "-1".'],
    [{ PORT: '3000.5' }, 'PORT must be a whole number'],
    [{ URL_LIFETIME: '0' }, 'URL_LIFETIME must be a whole number from 1 to 604800, got "0".'],
    [{ URL_LIFETIME: '604801' }, 'URL_LIFETIME must be a whole number from 1 to 604800'],
    [{ S3_ENDPOINT: 'https://s3.example.com' }, 'S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY'],
    [{ ...bucketEnv, S3_ENDPOINT: 's3.example.com' }, 'S3_ENDPOINT must be an http(s) URL'],
    [{ DEMO_EVENTS: 'sns' }, 'DEMO_EVENTS must be radosgw or off, got "sns".'],
    [{ DEMO_EVENTS: 'radosgw', DEMO_DATA_DIR: 'off' }, 'DEMO_EVENTS=radosgw needs the upload records'],
  ])('names the bad setting in %o', (env, message) => {
    expect(() => readDemoConfig(env)).toThrow(message);
  });
});

describe('corsProblems', () => {
  const origin = 'http://127.0.0.1:3000';

  it('finds nothing wrong with the rule the project recommends, for a listed origin or *', () => {
    expect(corsProblems([uploadCorsRule([origin])], origin)).toEqual([]);
    expect(corsProblems([uploadCorsRule(['*'])], origin)).toEqual([]);
    expect(corsProblems([uploadCorsRule(['http://127.0.0.1:*'])], origin)).toEqual([]);
  });

  it('says what is missing', () => {
    expect(corsProblems([], origin)).toEqual([`no CORS rule allows the origin ${origin}`]);
    expect(corsProblems([uploadCorsRule(['https://example.com'])], origin)).toEqual([`no CORS rule allows the origin ${origin}`]);
    expect(corsProblems([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: ['content-type'] }], origin)).toEqual([
      'the rule does not allow PUT',
      'the rule does not allow POST',
      'the rule does not allow the content-md5 request header',
      'the rule does not expose ETag, so the browser cannot read part ETags to complete uploads',
    ]);
  });

  it('prints the rule as JSON with the command that sets it', () => {
    const advice = corsAdvice('my-bucket', [origin]);
    expect(advice).toContain('aws s3api put-bucket-cors --bucket my-bucket --cors-configuration file://cors.json');
    const json = advice.slice(advice.indexOf('{'), advice.lastIndexOf('}') + 1);
    expect(JSON.parse(json)).toEqual({ CORSRules: [uploadCorsRule([origin])] });
  });
});
