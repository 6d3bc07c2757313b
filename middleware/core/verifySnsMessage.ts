import { createVerify, X509Certificate } from 'node:crypto';
import { UploadError } from './UploadError.js';

/** An AWS SNS message as SNS POSTs it to an HTTP(S) subscription, its signature verified. */
export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

/** The fields signed for each message type, in the order SNS puts them into the string to sign. */
const SIGNED_FIELDS = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
} as const;

const forbidden = (message: string, cause?: unknown) => new UploadError('event_forbidden', message, { cause });

/** Whether `text` is an `https://sns.<region>.amazonaws.com[.cn]/…` URL (no port, no user), as SNS's certificate and SubscribeURL are. */
export function isSnsUrl(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.port === '' && url.username === '' && url.password === '' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(url.hostname);
}

/** The string SNS signs: each signed field present in the message, as `name\nvalue\n`. */
export function snsStringToSign(message: Record<string, unknown>): string {
  const fields = SIGNED_FIELDS[message.Type as SnsMessage['Type']];
  let text = '';
  for (const name of fields) {
    const value = message[name];
    if (value === undefined && name === 'Subject') continue;
    text += `${name}\n${String(value)}\n`;
  }
  return text;
}

/** Whether `body` looks like an SNS message (it has the SNS `Type` and `TopicArn`): the events route then wants it verified. */
export function isSnsEnvelope(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && typeof (body as { Type?: unknown }).Type === 'string' && 'TopicArn' in body;
}

/**
 * Verifies an SNS message's signature (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) with
 * the certificate at its SigningCertURL, which must be an https URL on `sns.<region>.amazonaws.com`
 * ending in `.pem`; `fetchText` fetches it (once per URL: `certificates` caches them). Answers the
 * message, or throws 400 `invalid_event` (not an SNS message) or 403 `event_forbidden`.
 */
export async function verifySnsMessage(
  body: Record<string, unknown>,
  fetchText: (url: string) => Promise<string>,
  certificates: Map<string, Promise<X509Certificate>>,
): Promise<SnsMessage> {
  const type = body.Type;
  if (typeof type !== 'string' || !Object.hasOwn(SIGNED_FIELDS, type)) throw new UploadError('invalid_event', 'The SNS message has an unknown Type.');
  for (const name of SIGNED_FIELDS[type as SnsMessage['Type']]) {
    if (name === 'Subject' ? body[name] !== undefined && typeof body[name] !== 'string' : typeof body[name] !== 'string') {
      throw new UploadError('invalid_event', `The SNS message's ${name} is missing or not a string.`);
    }
  }
  const { SignatureVersion: version, Signature: signature, SigningCertURL: certUrl } = body;
  if (version !== '1' && version !== '2') throw forbidden('The SNS message has an unknown SignatureVersion.');
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) throw forbidden('The SNS message has no signature.');
  if (!isSnsUrl(certUrl) || !new URL(certUrl).pathname.endsWith('.pem')) throw forbidden('The SNS message names a signing certificate outside sns.<region>.amazonaws.com.');

  let certificate = certificates.get(certUrl);
  if (certificate === undefined) {
    certificate = fetchText(certUrl).then((pem) => new X509Certificate(pem));
    // A few topics' certificates at most; a bound keeps forged URLs from filling memory.
    if (certificates.size >= 32) certificates.clear();
    certificates.set(certUrl, certificate);
    certificate.catch(() => certificates.delete(certUrl));
  }
  let key;
  try {
    key = (await certificate).publicKey;
  } catch (error) {
    throw forbidden('The SNS signing certificate could not be fetched or read.', error);
  }
  const verifier = createVerify(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  verifier.update(snsStringToSign(body), 'utf8');
  let valid: boolean;
  try {
    valid = verifier.verify(key, signature, 'base64');
  } catch (error) {
    throw forbidden('The SNS message signature does not verify.', error);
  }
  if (!valid) throw forbidden('The SNS message signature does not verify.');
  return body as unknown as SnsMessage;
}
