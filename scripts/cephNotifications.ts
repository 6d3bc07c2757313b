/**
 * Bucket notifications on a Ceph radosgw: a topic with an HTTP push endpoint (radosgw's
 * SNS-compatible API, a form POSTed to the S3 endpoint and signed with SigV4 for service `sns`),
 * and the bucket's notification configuration pointing at it (the S3 API).
 */
import { PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';

const bytes = (data: SourceData): string | Uint8Array => (typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));

/** SHA-256 (keyed: HMAC) as the signer wants it. */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest());
  }
}

export interface CephTopicOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  name: string;
  /** Where radosgw POSTs each event. */
  pushEndpoint: string;
  /** Queue events and retry them until the endpoint answers 2xx (radosgw's "persistent" topics). */
  persistent?: boolean;
}

type Connection = Omit<CephTopicOptions, 'name' | 'pushEndpoint' | 'persistent'>;

/** A request to radosgw signed with SigV4 for `service`; answers the body's text, or throws with it. */
async function sendSigned(options: Connection, service: 's3' | 'sns', method: string, path: string, query: Record<string, string> = {}, body?: string): Promise<string> {
  const url = new URL(path, options.endpoint);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const headers: Record<string, string> = { host: url.host };
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const signer = new SignatureV4({ service, region: options.region, credentials: options.credentials, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: url.protocol, hostname: url.hostname, port: url.port === '' ? undefined : Number(url.port), path: url.pathname, query, headers, body });
  const response = await fetch(url, { method, headers: signed.headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`radosgw ${method} ${url.pathname}${url.search} answered ${response.status}: ${text}`);
  return text;
}

/** Calls radosgw's SNS-compatible API: `Action` with `params`, answered as XML text. */
export function callCephSns(options: Connection, params: Record<string, string>): Promise<string> {
  return sendSigned(options, 'sns', 'POST', '/', {}, new URLSearchParams(params).toString());
}

/** Creates (or updates) a topic pushing to `pushEndpoint`; answers its ARN. */
export async function createCephTopic(options: CephTopicOptions): Promise<string> {
  const attributes: Array<[string, string]> = [['push-endpoint', options.pushEndpoint], ['persistent', String(options.persistent ?? false)]];
  const params: Record<string, string> = { Action: 'CreateTopic', Name: options.name };
  attributes.forEach(([key, value], index) => {
    params[`Attributes.entry.${index + 1}.key`] = key;
    params[`Attributes.entry.${index + 1}.value`] = value;
  });
  const xml = await callCephSns(options, params);
  const arn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(xml)?.[1];
  if (arn === undefined) throw new Error(`CreateTopic answered no TopicArn: ${xml}`);
  return arn;
}

/** Deletes a topic (radosgw does not delete the notifications that use it). */
export async function deleteCephTopic(options: Connection, arn: string): Promise<void> {
  await callCephSns(options, { Action: 'DeleteTopic', TopicArn: arn });
}

/** Sends ObjectCreated events for keys under `prefix` in `bucket` to the topic, as notification `id` (radosgw 16.2 keeps the bucket's other notifications beside it; AWS replaces them). */
export async function notifyObjectCreated(s3: S3Client, bucket: string, id: string, topicArn: string, prefix: string): Promise<void> {
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        TopicConfigurations: [{ Id: id, TopicArn: topicArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } } }],
      },
    }),
  );
}

/** Removes the notification `id` of `bucket` (radosgw's `DELETE /<bucket>?notification=<id>`), leaving the others. */
export async function removeCephNotification(options: Connection, bucket: string, id: string): Promise<void> {
  await sendSigned(options, 's3', 'DELETE', `/${bucket}`, { notification: id });
}

/** Removes every notification of `bucket` (radosgw's `DELETE /<bucket>?notification`; it refuses an empty configuration). */
export async function removeCephNotifications(options: Connection, bucket: string): Promise<void> {
  await sendSigned(options, 's3', 'DELETE', `/${bucket}`, { notification: '' });
}
