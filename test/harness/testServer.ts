/**
 * The middleware served every way it can be: the conformance tests run the same requests against
 * each adapter. Hooks in the tests take a {@link TestRequest}, whatever the framework hands them.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { serve } from '@hono/node-server';
import express, { type Request as ExpressRequest } from 'express';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Hono } from 'hono';
import Koa, { type Context as KoaContext } from 'koa';
import http, { type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { createS3Handler, createS3Middleware, createS3NodeHandler, type S3HandlerOptions } from '../../middleware/index.js';
import { s3ClientConfig as clientConfigFor } from '../../scripts/s3ClientConfig.js';
import { sendDirectRequest, sendInTurnDirect } from '../helpers/sendDirectRequest.js';
import { sendOnOneConnection } from '../helpers/sendOnOneConnection.js';
import { sendRawRequest, type Answer, type RawRequest } from '../helpers/sendRawRequest.js';

/** S3 client settings for the run's S3 (radosgw unless S3_ENDPOINT says otherwise). */
export function s3ClientConfig(): S3ClientConfig & { bucket: string } {
  const s3 = inject('s3');
  return { ...clientConfigFor(s3), bucket: s3.bucket };
}

/** An S3 client for checking what the bucket really holds. */
export function createTestS3Client(): S3Client {
  const { bucket: _bucket, ...config } = s3ClientConfig();
  return new S3Client(config);
}

/** Each test user sends `x-test-user`; their prefix is `test/<user>/`. For Express apps built by hand. */
export const userPrefix = (req: ExpressRequest) => `test/${req.get('x-test-user') ?? 'anonymous'}/`;

/** The ways of serving the middleware that the conformance suite covers. */
export const ADAPTERS = ['express', 'fastify', 'hono', 'koa', 'node', 'web'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** What the tests' hooks receive, whatever the framework gave the middleware's hooks. */
export interface TestRequest {
  header(name: string): string | undefined;
  /** The request object the adapter handed to the hooks. */
  native: unknown;
}

export type TestOptions = Partial<S3HandlerOptions<TestRequest>>;

/** A server (or, for `web`, the handler called directly) with the middleware mounted at `/api`. */
export interface TestServer {
  adapter: AdapterName;
  /** Where the middleware is mounted, e.g. `http://127.0.0.1:PORT/api` (`http://web.test/api` for the direct handler). */
  base: string;
  bucket: string;
  /** `fetch` to this server: over HTTP, or straight into the handler. */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /** A request sent byte for byte (see {@link sendRawRequest}), extra headers added. */
  send(request: RawRequest, extraHeaders?: Record<string, string>): Promise<Answer | 'unsendable'>;
  /**
   * Requests in turn on one kept-alive connection (see {@link sendOnOneConnection}); for the
   * direct handler, each chunked body must also be read to its end (see {@link sendInTurnDirect}).
   */
  sendOnOneConnection(requests: RawRequest[]): Promise<Answer[]>;
  /**
   * Whether the framework answers a request for this path (relative to `/api`, as sent) itself,
   * before the handler could: see {@link ANSWERED_BY_FRAMEWORK}.
   */
  answeredByFramework(path: string): boolean;
  close(): Promise<void>;
}

const pathPart = (path: string) => path.split(/[?#]/, 1)[0] ?? '';

/**
 * Requests that never reach the handler, whatever it would answer, because its framework answers
 * them first, with its own 4xx: what the README tells users for each framework. Everything else
 * must be answered alike by every adapter.
 */
export const ANSWERED_BY_FRAMEWORK: Record<AdapterName, (path: string) => boolean> = {
  // The middleware's share of an Express app is /s3 and below, as written: the rest goes on (next()).
  express: (path) => !/^\/s3([/?#]|$)/i.test(path),
  // Fastify's router refuses a path it cannot percent-decode (400 FST_ERR_BAD_URL) before any route or hook.
  fastify: (path) => {
    try {
      decodeURI(pathPart(path));
      return false;
    } catch {
      return true;
    }
  },
  // @hono/node-server refuses a backslash anywhere before the `?` (400), after a `#` too; once `.`/`..` are resolved, a path outside /api is not the route's (Hono's 404).
  hono: (path) => (path.split('?', 1)[0] ?? '').includes('\\') || !new URL(`http://x/api${path}`).pathname.startsWith('/api/'),
  // Mounted on /api/ as the README shows it: everything under it is the handler's.
  koa: () => false,
  node: () => false,
  web: () => false,
};

const firstValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);
const fromWeb = (request: Request): TestRequest => ({ header: (name) => request.headers.get(name) ?? undefined, native: request });
const fromNode = (req: IncomingMessage | FastifyRequest): TestRequest => ({ header: (name) => firstValue(req.headers[name]), native: req });
const fromKoa = (ctx: KoaContext): TestRequest => ({ header: (name) => ctx.get(name) || undefined, native: ctx });

/** The tests' options, with each hook given a {@link TestRequest} made from the adapter's own request. */
function nativeOptions<Native>(options: TestOptions, toTest: (native: Native) => TestRequest): S3HandlerOptions<Native> {
  const { bucket, ...s3 } = s3ClientConfig();
  const { prefix = (req: TestRequest) => `test/${req.header('x-test-user') ?? 'anonymous'}/`, getKey, authorize, singleUploadMethod, onUploadComplete, onError = () => {}, ...rest } = options;
  return {
    s3,
    bucket,
    ...rest,
    prefix: typeof prefix === 'function' ? (req) => prefix(toTest(req)) : prefix,
    getKey: getKey && ((context) => getKey({ ...context, req: toTest(context.req) })),
    authorize: authorize && ((req, operation, input) => authorize(toTest(req), operation, input)),
    singleUploadMethod: typeof singleUploadMethod === 'function' ? (req) => singleUploadMethod(toTest(req)) : singleUploadMethod,
    onUploadComplete: onUploadComplete && ((upload) => onUploadComplete({ ...upload, req: toTest(upload.req) })),
    onError: (error, req) => onError(error, toTest(req)),
  };
}

async function listen(server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return (server.address() as AddressInfo).port;
}

/** A Node server listening on 127.0.0.1, as a {@link TestServer} mounted at `/api`. */
async function overHttp(adapter: AdapterName, server: Server, close: () => Promise<void>): Promise<TestServer> {
  const base = `http://127.0.0.1:${await listen(server)}/api`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  return {
    adapter,
    base,
    bucket: s3ClientConfig().bucket,
    fetch: (url, init) => fetch(url, init),
    send: (request, extraHeaders) => sendRawRequest(new URL(base), agent, request, extraHeaders),
    sendOnOneConnection: (requests) => sendOnOneConnection(new URL(base), requests),
    answeredByFramework: ANSWERED_BY_FRAMEWORK[adapter],
    close: async () => {
      agent.destroy();
      await close();
    },
  };
}

const closeServer = (server: Server) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** Starts the middleware mounted at `/api`, served by `adapter` (Express unless named). */
export async function startTestServer(options: TestOptions = {}, adapter: AdapterName = 'express'): Promise<TestServer> {
  switch (adapter) {
    case 'express': {
      const app = express();
      app.use('/api', createS3Middleware(nativeOptions<ExpressRequest>(options, fromNode)));
      const server = app.listen(0, '127.0.0.1');
      return overHttp(adapter, server, closeServer(server));
    }
    case 'fastify': {
      // As the README shows it: answered in the route's onRequest hook, before Fastify reads or checks the body.
      const app = Fastify();
      const handle = createS3NodeHandler<FastifyRequest>(nativeOptions<FastifyRequest>(options, fromNode));
      const onRequest = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        reply.hijack();
        handle(request.raw, reply.raw, request);
        done();
      };
      app.all('/api/*', { onRequest }, () => {});
      await app.listen({ port: 0, host: '127.0.0.1' });
      return overHttp(adapter, app.server, async () => {
        app.server.closeAllConnections();
        await app.close();
      });
    }
    case 'hono': {
      const app = new Hono();
      const handler = createS3Handler(nativeOptions<Request>(options, fromWeb));
      app.all('/api/*', (c) => handler(c.req.raw));
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
      return overHttp(adapter, server, closeServer(server));
    }
    case 'koa': {
      // As the README shows it: Koa steps aside (ctx.respond = false) and the node handler answers on ctx.res, the hooks given ctx.
      const app = new Koa();
      const handle = createS3NodeHandler<KoaContext>(nativeOptions<KoaContext>(options, fromKoa));
      app.use(async (ctx, next) => {
        if (!ctx.path.startsWith('/api/')) return next();
        ctx.respond = false;
        handle(ctx.req, ctx.res, ctx);
      });
      const server = app.listen(0, '127.0.0.1');
      return overHttp(adapter, server, closeServer(server));
    }
    case 'node': {
      const server = http.createServer(createS3NodeHandler(nativeOptions<IncomingMessage>(options, fromNode))).listen(0, '127.0.0.1');
      return overHttp(adapter, server, closeServer(server));
    }
    case 'web': {
      const handler = createS3Handler(nativeOptions<Request>(options, fromWeb));
      const base = 'http://web.test/api';
      return {
        adapter,
        base,
        bucket: s3ClientConfig().bucket,
        fetch: (url, init) => handler(new Request(url, init)),
        send: (request, extraHeaders) => sendDirectRequest(handler, new URL(base), request, extraHeaders),
        sendOnOneConnection: (requests) => sendInTurnDirect(handler, new URL(base), requests),
        answeredByFramework: ANSWERED_BY_FRAMEWORK[adapter],
        close: async () => {},
      };
    }
  }
}
