/** One request as the fuzz test sends it: any method, a raw path, odd bodies and encodings, over `node:http`. */
import http from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/** Node refuses request heads over 16 KiB with its own bare 431; paths that long are not sent. */
const MAX_PATH_BYTES = 14_000;
/** The middleware's default body limit. */
const MAX_BODY = 1024 * 1024;

export type Body =
  | { json: unknown }
  | { text: string }
  /** A JSON body of exactly `MAX_BODY + over` bytes, built at send time so counterexamples stay short. */
  | { oversize: number };

/** A request to the middleware as `user` (sent as `x-test-user`). */
export interface RawRequest {
  user: string;
  method: string;
  /** Raw path under the mount point (starts with `/s3`), sent byte for byte. */
  path: string;
  contentType?: string;
  /** `gzip` sends the body gzipped; `gzip-garbage` claims gzip and sends it plain. */
  encoding?: 'gzip' | 'gzip-garbage' | 'deflate' | 'br' | 'identity' | 'x-bogus';
  /** Sent without Content-Length. */
  chunked?: boolean;
  body?: Body;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function bodyBytes(body: Body | undefined): Buffer | undefined {
  if (body === undefined) return undefined;
  if ('text' in body) return Buffer.from(body.text, 'utf8');
  if ('json' in body) return Buffer.from(JSON.stringify(body.json) ?? 'null', 'utf8');
  const head = '{"filename":"big.bin","pad":"';
  return Buffer.from(`${head}${'x'.repeat(MAX_BODY + body.oversize - head.length - 2)}"}`, 'utf8');
}

/** What goes on the wire for `request` under the mount `base`: its raw path, its headers, its body bytes; undefined when Node could not send the path (over 14 KB). */
export function encodeRequest(base: URL, request: RawRequest, extraHeaders: Record<string, string>): { path: string; headers: Record<string, string>; body?: Buffer } | undefined {
  const path = `${base.pathname}${request.path}`;
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return undefined;
  let body = request.method === 'HEAD' ? undefined : bodyBytes(request.body);
  const headers: Record<string, string> = { ...extraHeaders, 'x-test-user': request.user };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.encoding !== undefined && body !== undefined) {
    headers['content-encoding'] = request.encoding === 'gzip-garbage' ? 'gzip' : request.encoding;
    if (request.encoding === 'gzip') body = gzipSync(body);
  }
  // Node chunks only POST-like bodies by default; a GET's body would otherwise go unframed.
  if (body !== undefined) headers[request.chunked === true ? 'transfer-encoding' : 'content-length'] = request.chunked === true ? 'chunked' : String(body.length);
  return { path, headers, body };
}

/** The request last sent on each kept-alive socket, and its answer: a server that drops a connection usually does so over the request before. */
const lastOnSocket = new WeakMap<Socket, string>();

function describe(request: RawRequest, body: Buffer | undefined): string {
  const framing = [request.contentType, request.encoding && `Content-Encoding ${request.encoding}`, request.chunked === true && 'chunked', body && `${body.length} body bytes`].filter(Boolean);
  return `${request.user} ${request.method} ${request.path.slice(0, 300)}${framing.length > 0 ? ` (${framing.join(', ')})` : ''}`;
}

/**
 * Sends `request` byte for byte (its path is not normalised, unlike with fetch) to the middleware
 * mounted at `base`, with `x-test-user` and any extra headers; answers `'unsendable'` for a path
 * Node would refuse to send (over 14 KB, or raw characters it rejects). A connection error names
 * the request before it on the same socket.
 */
export function sendRawRequest(base: URL, agent: http.Agent, request: RawRequest, extraHeaders: Record<string, string> = {}): Promise<Answer | 'unsendable'> {
  const encoded = encodeRequest(base, request, extraHeaders);
  if (encoded === undefined) return Promise.resolve('unsendable');
  const { path, headers, body } = encoded;
  const sent = describe(request, body);
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    let before = 'none: a new connection';
    let socket: Socket | undefined;
    try {
      req = http.request({ host: base.hostname, port: base.port, method: request.method, path, headers, agent, timeout: 20_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (socket !== undefined) lastOnSocket.set(socket, `${sent}, answered ${res.statusCode}`);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
    } catch (error) {
      // http.request refuses some paths client-side (ERR_UNESCAPED_CHARACTERS): nothing was sent.
      if ((error as { code?: unknown }).code === 'ERR_UNESCAPED_CHARACTERS') return resolve('unsendable');
      return reject(error as Error);
    }
    req.on('socket', (given) => {
      socket = given;
      before = lastOnSocket.get(given) ?? before;
      lastOnSocket.set(given, `${sent}, not answered`);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', (error) => reject(new Error(`${error.message}; the request before it on this connection: ${before}`, { cause: error })));
    req.end(body);
  });
}
