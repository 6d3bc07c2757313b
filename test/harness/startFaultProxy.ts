/**
 * An HTTP proxy on 127.0.0.1 in front of S3 (or in front of app servers, taking turns), for
 * browser tests in any engine: every browser can be pointed at it, whatever its automation
 * protocol offers. It forwards requests unchanged (the Host header too, so presigned signatures
 * still match), and for each request a `fault` function may instead reset the connection, answer
 * an error status, hold the request back, or change one byte of its body. It can cap the upload
 * bandwidth shared by all requests, and it records what became of every request: how many body
 * bytes the client sent and how many reached the server, who hung up, what the server answered.
 */
import { Agent, createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy knows of a request when it arrives. */
export interface ProxiedRequest {
  /** 1, 2, 3… in order of arrival. */
  id: number;
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingMessage['headers'];
  /** Declared body length (`content-length`), 0 when none. */
  size: number;
  /** For S3 part uploads (`?partNumber=&uploadId=`). */
  partNumber: number | undefined;
  uploadId: string | undefined;
  /** A presigned URL's `X-Amz-Signature`: which signed URL this is. */
  signature: string | undefined;
  /** When a presigned URL stops working (`X-Amz-Date` + `X-Amz-Expires`), ms since epoch. */
  urlExpiresAt: number | undefined;
  /** ms since epoch. */
  arrivedAt: number;
}

/** What the proxy does with one request. */
export type Fault =
  | { kind: 'pass' }
  /**
   * Reset the connection (TCP RST) as soon as the request arrives. Firefox ESR 140 may crash on it
   * (SIGSEGV, exit code 11): when a connection dies before any answer it sends the PUT again by
   * itself, and that crashed it now and then with this fault, and 4 times in 4 with an RST or a
   * close once the whole body was in (2026-11-30). Firefox tests cut PUTs with `reset-mid-body`.
   */
  | { kind: 'reset' }
  /**
   * Close the connection once this many body bytes have come in (a connection dropped mid-body).
   * Closed, not reset: a TCP RST while Firefox ESR 140 sends an upload body crashed its parent
   * process (SIGSEGV, exit code 11) in 4 of 6 runs here; closed, 0 of 4, and the page sees the
   * same network failure as from a reset in every engine.
   */
  | { kind: 'reset-mid-body'; afterBytes: number }
  /** Read the whole body, then answer S3's error `code` with `status` (with CORS headers, as S3 does). */
  | { kind: 'error'; status: number; code: string }
  /** Hold the request until `until` (ms since epoch, or an event: a promise settling), then forward it. */
  | { kind: 'hold'; until: number | Promise<unknown> }
  /** Forward it with one byte of the body changed (the length stays). */
  | { kind: 'corrupt' }
  /**
   * Forward it, and pass S3's answer back without `Access-Control-Expose-Headers`: what a page
   * sees from a bucket whose CORS rule does not expose `ETag` (the answer's ETag is unreadable).
   */
  | { kind: 'hide-etag' }
  /**
   * Forward it, let the server answer in full, then reset the client's connection instead of
   * passing the answer on: the server did the work, the client never hears of it (a lost answer).
   */
  | { kind: 'drop-answer' };

/** What became of one request. */
export interface ProxyRecord extends ProxiedRequest {
  fault: Fault['kind'];
  /** Which upstream it went to (round robin), when forwarded. */
  upstream: string | undefined;
  /** Body bytes the client sent (read by the proxy). */
  bytesIn: number;
  /** Body bytes passed on to the server. */
  bytesForwarded: number;
  /** The server's status, or the proxy's own for an injected error. */
  status: number | undefined;
  /** S3's `<Code>` from an error body. */
  code: string | undefined;
  /** The client closed the connection before the answer was complete. */
  clientClosed: boolean;
  /** The server could not be reached, or hung up (the proxy then resets the client's connection). */
  upstreamFailed: boolean;
  /** ms since epoch; `undefined` while in flight. */
  endedAt: number | undefined;
}

export interface FaultProxyOptions {
  /** Where requests go: one server, or several taken in turn (round robin), e.g. `http://127.0.0.1:9000`. */
  upstreams: string[];
  /** Decides each request's fault. @default every request passes */
  fault?: (request: ProxiedRequest) => Fault;
  /** Caps request-body bytes per second, shared by every request (an uplink). @default no cap */
  uploadBytesPerSecond?: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Every request so far, in order of arrival. */
  records: ProxyRecord[];
  /** Replaces the fault function (e.g. between phases of a test). */
  setFault(fault: FaultProxyOptions['fault']): void;
  /** Changes the uplink cap from now on (`undefined`: none), for requests under way too. */
  setUploadBytesPerSecond(rate: number | undefined): void;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/** `20261130T040652Z` → ms since epoch. */
function amzDate(value: string | null): number | undefined {
  const match = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

function describe(id: number, req: IncomingMessage): ProxiedRequest {
  const url = new URL(req.url ?? '/', 'http://proxy');
  const query = url.searchParams;
  const signedAt = amzDate(query.get('X-Amz-Date'));
  const expires = Number(query.get('X-Amz-Expires'));
  const partNumber = query.get('partNumber');
  return {
    id,
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: req.headers,
    size: Number(req.headers['content-length'] ?? 0),
    partNumber: partNumber === null ? undefined : Number(partNumber),
    uploadId: query.get('uploadId') ?? undefined,
    signature: query.get('X-Amz-Signature') ?? undefined,
    urlExpiresAt: signedAt !== undefined && Number.isFinite(expires) && expires > 0 ? signedAt + expires * 1000 : undefined,
    arrivedAt: Date.now(),
  };
}

/** A shared uplink of `rate` bytes per second: `take` waits its turn to move `bytes` through it. */
function createUplink(initial: number | undefined): { take(bytes: number): Promise<void>; rate: number | undefined } {
  let freeAt = 0;
  const uplink = { rate: initial, take };
  return uplink;
  async function take(bytes: number): Promise<void> {
    const { rate } = uplink;
    if (!rate) return;
    const now = performance.now();
    const start = Math.max(now, freeAt);
    freeAt = start + (bytes / rate) * 1000;
    const wait = freeAt - now;
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Resolves when `out` can take more, or has closed; leaves no listener behind (one body may wait thousands of times). */
function drained(out: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

/** Raw headers (`[name, value, …]`) without those named `name`. */
function withoutHeader(raw: string[], name: string): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() !== name) kept.push(raw[i]!, raw[i + 1]!);
  return kept;
}

function s3ErrorBody(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>Injected by the test proxy.</Message></Error>`;
}

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  if (options.upstreams.length === 0) throw new TypeError('Expected `upstreams` to name at least one server');
  let fault = options.fault ?? (() => ({ kind: 'pass' }) as Fault);
  const records: ProxyRecord[] = [];
  const agent = new Agent({ keepAlive: true });
  const uplink = createUplink(options.uploadBytesPerSecond);
  const sockets = new Set<Socket>();
  let turn = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const described = describe(records.length + 1, req);
    const chosen = fault(described);
    const record: ProxyRecord = {
      ...described,
      fault: chosen.kind,
      upstream: undefined,
      bytesIn: 0,
      bytesForwarded: 0,
      status: undefined,
      code: undefined,
      clientClosed: false,
      upstreamFailed: false,
      endedAt: undefined,
    };
    records.push(record);
    const end = () => (record.endedAt ??= Date.now());
    res.on('close', () => {
      if (!res.writableFinished) record.clientClosed = true;
      end();
    });

    if (chosen.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (chosen.kind === 'error') {
      req.on('data', (chunk: Buffer) => (record.bytesIn += chunk.length));
      await new Promise((resolve) => req.once('end', resolve).once('close', resolve));
      record.status = chosen.status;
      record.code = chosen.code;
      const origin = req.headers.origin;
      res.writeHead(chosen.status, {
        'content-type': 'application/xml',
        ...(origin ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'ETag', vary: 'Origin' } : {}),
      });
      res.end(s3ErrorBody(chosen.code));
      return;
    }
    if (chosen.kind === 'hold') {
      // Nothing reads the body meanwhile: the client's sending stalls once the socket's buffers are
      // full. A client that hangs up ends the hold (no timer left behind).
      const socket = req.socket;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          socket.off('close', done);
          resolve();
        };
        const { until } = chosen;
        const timer = typeof until === 'number' ? setTimeout(done, Math.max(0, until - Date.now())) : undefined;
        if (typeof until !== 'number') void until.then(done, done);
        socket.on('close', done);
      });
      if (socket.destroyed) return;
    }

    const upstream = new URL(options.upstreams[turn++ % options.upstreams.length]!);
    record.upstream = upstream.origin;
    const headers: OutgoingHttpHeaders = { ...req.headers };
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent });
    /** The proxy cut this request itself (`reset-mid-body`): the upstream's end that follows is no failure of its own. */
    let cut = false;
    const failUpstream = () => {
      if (cut) return;
      record.upstreamFailed = true;
      // The client's socket may be gone already (it hung up first).
      if (!res.headersSent) req.socket?.resetAndDestroy();
      else res.destroy();
    };
    out.on('error', failUpstream);
    out.on('response', (answer) => {
      record.status = answer.statusCode;
      if (chosen.kind === 'drop-answer') {
        answer.resume();
        answer.on('end', () => req.socket.resetAndDestroy());
        return;
      }
      const errorBody: Buffer[] = [];
      if ((answer.statusCode ?? 0) >= 300) answer.on('data', (chunk: Buffer) => errorBody.length < 8 && errorBody.push(chunk));
      answer.on('end', () => {
        if (errorBody.length > 0) record.code = /<Code>([^<]*)<\/Code>/.exec(Buffer.concat(errorBody).toString())?.[1];
      });
      answer.on('error', failUpstream);
      const headers = chosen.kind === 'hide-etag' ? withoutHeader(answer.rawHeaders, 'access-control-expose-headers') : answer.rawHeaders;
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });

    let corrupted = chosen.kind !== 'corrupt';
    const middle = Math.floor(described.size / 2);
    let seen = 0;
    try {
      for await (const data of req) {
        let chunk = data as Buffer;
        record.bytesIn += chunk.length;
        await uplink.take(chunk.length);
        if (!corrupted && seen + chunk.length > middle) {
          chunk = Buffer.from(chunk);
          chunk[middle - seen]! ^= 0xff;
          corrupted = true;
        }
        seen += chunk.length;
        if (chosen.kind === 'reset-mid-body' && seen >= chosen.afterBytes) {
          cut = true;
          req.socket.destroy();
          out.destroy();
          return;
        }
        if (out.destroyed) break;
        record.bytesForwarded += chunk.length;
        if (!out.write(chunk)) await drained(out);
      }
      out.end();
    } catch {
      out.destroy(); // the client hung up mid-body
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    records,
    setFault(next) {
      fault = next ?? (() => ({ kind: 'pass' }));
    },
    setUploadBytesPerSecond(rate) {
      uplink.rate = rate;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
