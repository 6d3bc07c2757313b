/**
 * The bucket rules the README tells users to set, taken from the README itself, are accepted by a
 * real S3 (radosgw) as written and read back the same; the CORS rule passes the demo's own check.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  type CORSConfiguration,
  type BucketLifecycleConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { corsProblems } from '../../demo/checkBucketCors.js';
import { createTestS3Client } from '../harness/testServer.js';

const bucket = `readme-${randomBytes(4).toString('hex')}`;
let s3: S3Client;

/** The README's JSON block that mentions `marker`. */
async function readmeJson<T>(marker: string): Promise<T> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const block = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] as string).find((json) => json.includes(marker));
  if (block === undefined) throw new Error(`README.md has no JSON block with ${marker}`);
  return JSON.parse(block) as T;
}

beforeAll(async () => {
  s3 = createTestS3Client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  s3.destroy();
});

it("the README's CORS rule is accepted as written and allows uploads from its origin", async () => {
  const cors = await readmeJson<CORSConfiguration>('CORSRules');
  await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: cors }));
  const stored = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
  // radosgw answers the methods in its own order.
  const sorted = (rules: CORSConfiguration['CORSRules'] = []) => rules.map((rule) => ({ ...rule, AllowedMethods: [...(rule.AllowedMethods ?? [])].sort() }));
  expect(sorted(stored.CORSRules)).toEqual(sorted(cors.CORSRules));
  const origin = cors.CORSRules?.[0]?.AllowedOrigins?.[0] as string;
  expect(corsProblems(stored.CORSRules ?? [], origin)).toEqual([]);
});

it("the README's lifecycle rule (abort incomplete multipart uploads after a day) is accepted as written", async () => {
  const lifecycle = await readmeJson<BucketLifecycleConfiguration>('AbortIncompleteMultipartUpload');
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: lifecycle }));
  const stored = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
  expect(stored.Rules).toEqual([expect.objectContaining({ ID: 'abort-incomplete-multipart-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]);
});
