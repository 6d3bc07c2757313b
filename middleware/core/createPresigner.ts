import { UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';

/** What a presigned request needs besides its URL: the headers the client must send as signed. */
export interface PresignedRequest {
  url: string;
  headers: Record<string, string>;
}

export interface PresignUploadPartInput {
  key: string;
  uploadId: string;
  partNumber: number;
  /** Base64 MD5, signed as Content-MD5 so S3 rejects other bytes. */
  md5?: string;
  /** Signed as Content-Length so S3 rejects a body of another size. */
  size?: number;
  expiresIn: number;
}

export interface PresignPutObjectInput {
  key: string;
  contentType: string;
  /** Stored as `x-amz-meta-*`; hoisted into the signed query string. */
  metadata: Record<string, string>;
  md5?: string;
  size?: number;
  expiresIn: number;
}

export interface Presigner {
  presignUploadPart(input: PresignUploadPartInput): Promise<PresignedRequest>;
  presignPutObject(input: PresignPutObjectInput): Promise<PresignedRequest>;
  /**
   * A HeadObject request for `key`, signed in its headers, for the client's own request handler
   * (the SDK's `send` would run its whole middleware stack for it, as `getSignedUrl` does).
   */
  signHeadObject(key: string): Promise<HttpRequest>;
  /** The bucket's base URL, e.g. `http://127.0.0.1:7480/uploads` (path style). */
  bucketUrl(): Promise<URL>;
}

// RFC 3986 escaping as SigV4 canonicalises it (encodeURIComponent leaves !'()* alone).
const escape = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SHA-256 of no bytes, hex. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

interface Target {
  url: URL;
  signer: SignatureV4;
}

/**
 * One reused SigV4 signer for the bucket. `getSignedUrl` builds and runs the SDK's whole middleware
 * stack on every call, nearly all of its cost (docs/s3-behaviour.md#signing-cost); here the bucket's endpoint is resolved once
 * through the same SDK rules and each URL costs one signature (the daily signing key is cached by
 * the signer). Unlike the SDK's S3 presigner, Content-Type is signed on PUTs, so a client cannot
 * store an object under another media type than the one that was allowed.
 *
 * @example
 * const presigner = createPresigner(client, 'uploads');
 * const { url, headers } = await presigner.presignUploadPart({ key, uploadId, partNumber: 1, md5, size, expiresIn: 900 });
 */
export function createPresigner(client: S3Client, bucket: string, { uploadHosts = [] }: { uploadHosts?: readonly string[] } = {}): Presigner {
  let target: Promise<Target> | undefined;
  let nextHost = 0;

  async function resolveTarget(): Promise<Target> {
    // Same endpoint rules the SDK applies to UploadPart (path or virtual-host style, FIPS, custom endpoint).
    const endpoint = await getEndpointFromInstructions({ Bucket: bucket, Key: 'k' }, UploadPartCommand, client.config);
    const scheme = endpoint.properties?.authSchemes?.[0];
    const region = (scheme && 'signingRegion' in scheme && typeof scheme.signingRegion === 'string' && scheme.signingRegion) || (await client.config.region());
    const signer = new SignatureV4({
      service: (scheme && 'signingName' in scheme && typeof scheme.signingName === 'string' && scheme.signingName) || 's3',
      region,
      credentials: client.config.credentials,
      sha256: client.config.sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    return { url: new URL(endpoint.url.href.replace(/\/?$/, '')), signer };
  }

  /** The endpoint's host and `uploadHosts` in turn; the endpoint itself (not a copy) on its own host's turn. */
  function onNextHost(endpoint: URL): URL {
    const turn = uploadHosts.length === 0 ? 0 : nextHost++ % (uploadHosts.length + 1);
    if (turn === 0) return endpoint;
    const url = new URL(endpoint);
    url.host = uploadHosts[turn - 1] as string;
    return url;
  }

  function getTarget(): Promise<Target> {
    target ??= resolveTarget().catch((error: unknown) => {
      target = undefined; // resolve again next time (e.g. credentials were not ready yet)
      throw error;
    });
    return target;
  }

  /** The request for `key` on `url`'s host, before signing. */
  function requestFor(url: URL, method: string, key: string, query: Record<string, string>, headers: Record<string, string>): HttpRequest {
    const path = `${url.pathname.replace(/\/$/, '')}/${key.split('/').map(escape).join('/')}`;
    const port = url.port === '' ? undefined : Number(url.port);
    return { method, protocol: url.protocol, hostname: url.hostname, port, path, query, headers: { ...headers, host: url.host } };
  }

  async function presign(input: {
    method: 'PUT';
    key: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    expiresIn: number;
    /** Spread over the endpoint's host and `uploadHosts` (the host is signed, so the URL works only there). */
    spread?: boolean;
  }): Promise<PresignedRequest> {
    const { url: endpoint, signer } = await getTarget();
    const url = input.spread ? onNextHost(endpoint) : endpoint;
    // Hoisted into the query, as the SDK's presigner does: the body is not hashed into the signature.
    const request = requestFor(url, input.method, input.key, input.query, { ...input.headers, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' });
    const signed = await signer.presign(request, { expiresIn: input.expiresIn });
    const query = Object.entries(signed.query ?? {})
      .map(([name, value]) => `${escape(name)}=${escape(String(value))}`)
      .join('&');
    // The headers left on the signed request (host aside) are the ones the client must send.
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name !== 'host') headers[name] = value;
    }
    return { url: `${url.protocol}//${url.host}${request.path}?${query}`, headers };
  }

  return {
    async presignUploadPart({ key, uploadId, partNumber, md5, size, expiresIn }) {
      const headers: Record<string, string> = {};
      if (md5 !== undefined) headers['content-md5'] = md5;
      if (size !== undefined) headers['content-length'] = String(size);
      const signed = await presign({ method: 'PUT', key, query: { 'x-id': 'UploadPart', partNumber: String(partNumber), uploadId }, headers, expiresIn });
      return { url: signed.url, headers: pickClientHeaders(signed.headers) };
    },
    async presignPutObject({ key, contentType, metadata, md5, size, expiresIn }) {
      const headers: Record<string, string> = { 'content-type': contentType };
      if (md5 !== undefined) headers['content-md5'] = md5;
      if (size !== undefined) headers['content-length'] = String(size);
      for (const [name, value] of Object.entries(metadata)) headers[`x-amz-meta-${name}`] = value;
      const signed = await presign({ method: 'PUT', key, query: { 'x-id': 'PutObject' }, headers, expiresIn, spread: true });
      return { url: signed.url, headers: pickClientHeaders(signed.headers) };
    },
    async signHeadObject(key) {
      const { url, signer } = await getTarget();
      // A HEAD has no body: the hash of the empty payload is what S3 expects signed.
      return signer.sign(requestFor(url, 'HEAD', key, {}, { 'x-amz-content-sha256': EMPTY_SHA256 }));
    },
    async bucketUrl() {
      return (await getTarget()).url;
    },
  };
}

// Browsers set Content-Length themselves (and refuse to let scripts set it); x-amz-* headers were
// hoisted into the query string. What remains for the client to send is Content-Type and Content-MD5.
const CLIENT_HEADERS: Record<string, string> = { 'content-type': 'Content-Type', 'content-md5': 'Content-MD5' };

function pickClientHeaders(headers: Record<string, string>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const canonical = CLIENT_HEADERS[name.toLowerCase()];
    if (canonical !== undefined) picked[canonical] = value;
  }
  return picked;
}
