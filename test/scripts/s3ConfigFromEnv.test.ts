/** With S3_ENDPOINT set, the tests use that S3 and start nothing; without it, they start radosgw. */
import { describe, expect, it } from 'vitest';
import { s3ConfigFromEnv, s3ConfigToEnv } from '../../scripts/s3ConfigFromEnv.js';

describe('s3ConfigFromEnv', () => {
  it('is undefined without S3_ENDPOINT (a local radosgw is started)', () => {
    expect(s3ConfigFromEnv({})).toBeUndefined();
    expect(s3ConfigFromEnv({ S3_ENDPOINT: '' })).toBeUndefined();
  });

  it('reads the S3 from the environment, region defaulting to us-east-1', () => {
    expect(s3ConfigFromEnv({ S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'b', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' })).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      bucket: 'b',
      accessKeyId: 'a',
      secretAccessKey: 's',
    });
  });

  it('names what is missing', () => {
    expect(() => s3ConfigFromEnv({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow('S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY');
  });
});

describe('s3ConfigToEnv', () => {
  it('writes the variables s3ConfigFromEnv reads back as the same S3', () => {
    const config = { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' };
    expect(s3ConfigToEnv(config)).toEqual({
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_REGION: 'eu-west-1',
      S3_BUCKET: 'b',
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 's',
    });
    expect(s3ConfigFromEnv(s3ConfigToEnv(config))).toEqual(config);
  });
});
