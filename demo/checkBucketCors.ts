import { GetBucketCorsCommand, type CORSRule, type S3Client } from '@aws-sdk/client-s3';
import { uploadCorsRule } from '../scripts/uploadCorsRule.js';

const lower = (values: string[] | undefined) => (values ?? []).map((value) => value.toLowerCase());

function allowsOrigin(rule: CORSRule, origin: string): boolean {
  return (rule.AllowedOrigins ?? []).some((allowed) => {
    if (allowed === '*' || allowed === origin) return true;
    const star = allowed.indexOf('*'); // S3 allows one wildcard, e.g. http://*.example.com
    return star >= 0 && origin.startsWith(allowed.slice(0, star)) && origin.endsWith(allowed.slice(star + 1));
  });
}

/**
 * What keeps browser uploads from `origin` working under these CORS rules, in plain sentences;
 * empty when a rule allows PUT and POST with Content-MD5 and Content-Type and exposes ETag.
 */
export function corsProblems(rules: CORSRule[], origin: string): string[] {
  const rule = rules.find((candidate) => allowsOrigin(candidate, origin));
  if (rule === undefined) return [`no CORS rule allows the origin ${origin}`];
  const problems: string[] = [];
  const methods = lower(rule.AllowedMethods);
  for (const method of ['put', 'post']) if (!methods.includes(method)) problems.push(`the rule does not allow ${method.toUpperCase()}`);
  const headers = lower(rule.AllowedHeaders);
  for (const header of ['content-md5', 'content-type']) {
    if (!headers.includes('*') && !headers.includes(header)) problems.push(`the rule does not allow the ${header} request header`);
  }
  if (!lower(rule.ExposeHeaders).includes('etag')) problems.push('the rule does not expose ETag, so the browser cannot read part ETags to complete uploads');
  return problems;
}

/** Reads the bucket's CORS rules and says what is wrong for `origin` (see {@link corsProblems}). */
export async function checkBucketCors(client: S3Client, bucket: string, origin: string): Promise<string[]> {
  try {
    const { CORSRules = [] } = await client.send(new GetBucketCorsCommand({ Bucket: bucket }));
    return corsProblems(CORSRules, origin);
  } catch (error) {
    const name = error instanceof Error ? error.name : String(error);
    if (name === 'NoSuchCORSConfiguration') return ['the bucket has no CORS configuration'];
    return [`its CORS rules could not be read (${name})`];
  }
}

/** The origins a person may open the demo under: the printed 127.0.0.1 address and its `localhost` twin. */
export function demoOrigins(origin: string): string[] {
  return [origin, origin.replace('127.0.0.1', 'localhost')];
}

/** The rule to set, as a command anyone with the AWS CLI can paste. */
export function corsAdvice(bucket: string, origins: string[]): string {
  const configuration = JSON.stringify({ CORSRules: [uploadCorsRule(origins)] }, null, 2);
  return [
    `Bucket "${bucket}" needs this CORS rule for uploads from the browser:`,
    '',
    configuration,
    '',
    `Set it with: aws s3api put-bucket-cors --bucket ${bucket} --cors-configuration file://cors.json`,
    '(with the JSON above in cors.json; add --endpoint-url for R2, MinIO or other S3-compatible stores)',
  ].join('\n');
}
