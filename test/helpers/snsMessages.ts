/**
 * AWS SNS messages as SNS POSTs them to an HTTP(S) subscription (the shapes of AWS's "HTTP/HTTPS
 * notification JSON format" pages, with our own values), signed here with a certificate made for
 * the test: the middleware is given a `fetchText` that answers it for the certificate's URL.
 */
import { execFile } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { snsStringToSign } from '../../middleware/core/verifySnsMessage.js';

export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:uploads-created';
export const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';

/** A self-signed RSA certificate and its key, made with openssl for this run. */
export async function makeCertificate(): Promise<{ certificate: string; privateKey: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sns-cert-'));
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=sns.amazonaws.com', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    return { certificate: await readFile(join(dir, 'cert.pem'), 'utf8'), privateKey: await readFile(join(dir, 'key.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `message` with SignatureVersion, SigningCertURL and its Signature (version 1: SHA1withRSA, 2: SHA256withRSA). */
export function signSnsMessage(message: Record<string, string>, privateKey: string, version: '1' | '2' = '1', certUrl = CERT_URL): Record<string, string> {
  const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(snsStringToSign(message), 'utf8');
  return { ...message, SignatureVersion: version, SigningCertURL: certUrl, Signature: signer.sign(privateKey, 'base64') };
}

export function subscriptionConfirmation(): Record<string, string> {
  const token = '2336412f37fb687f5d51e6e2425dacbba9fe8a5c8e3f5ba2e1a3d4bcbe7b8e2b';
  return {
    Type: 'SubscriptionConfirmation',
    MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
    Token: token,
    TopicArn: TOPIC_ARN,
    Message: `You have chosen to subscribe to the topic ${TOPIC_ARN}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC_ARN)}&Token=${token}`,
    Timestamp: '2026-12-07T12:00:00.000Z',
  };
}

/** An SNS Notification carrying an S3 event for `key` (URL-encoded as S3 encodes keys in events). */
export function objectCreatedNotification(bucket: string, key: string, etag: string, size: number): Record<string, string> {
  const record = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: '2026-12-07T12:00:01.000Z',
    eventName: 'ObjectCreated:CompleteMultipartUpload',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '203.0.113.9' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'uploads-created',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size, eTag: etag.replace(/"/g, ''), sequencer: '0055AED6DCD90281E5' },
    },
  };
  return {
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: TOPIC_ARN,
    Subject: 'Amazon S3 Notification',
    Message: JSON.stringify({ Records: [record] }),
    Timestamp: '2026-12-07T12:00:02.000Z',
    UnsubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(`${TOPIC_ARN}:c9135db0-26c4-47ec-8998-413945fb5a96`)}`,
  };
}
