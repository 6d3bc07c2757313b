/**
 * The middleware alone in its own Node process, for load benchmarks (the load generator gets the
 * other core). Reads the S3 from S3_* variables, listens on 127.0.0.1 on three ports and prints
 * `listening <express> node <node> web <web>`:
 * - Express: the middleware at `/api`, at `/companion` the Companion-style signing route that
 *   bench/suites/signingThroughput.ts races it against, and with BASELINE_DIR (a folder holding another
 *   revision's `middleware/` and `contract.ts`) that revision's Express middleware at `/baseline`;
 * - node: `createS3NodeHandler` as a plain `node:http` server;
 * - web: `createS3Handler` served by @hono/node-server (Node's request turned into a Web Request).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { serve } from '@hono/node-server';
import express, { type RequestHandler } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createS3Handler, createS3Middleware, createS3NodeHandler } from '../../middleware/index.js';
import { s3ClientConfig } from '../../scripts/s3ClientConfig.js';
import { s3ConfigFromEnv } from '../../scripts/s3ConfigFromEnv.js';
import { companionStyleRoute } from './companionStyleRoute.js';

const s3 = s3ConfigFromEnv(process.env);
if (s3 === undefined) throw new Error('Set S3_ENDPOINT, S3_BUCKET, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
const options = { s3: s3ClientConfig(s3), bucket: s3.bucket, prefix: 'bench/' };

const app = express();
app.use('/api', createS3Middleware(options));
app.use('/companion', companionStyleRoute({ client: new S3Client(s3ClientConfig(s3)), bucket: s3.bucket }));
const baselineDir = process.env.BASELINE_DIR;
if (baselineDir) {
  const baseline = (await import(join(baselineDir, 'middleware/index.ts'))) as { createS3Middleware(o: typeof options): RequestHandler };
  app.use('/baseline', baseline.createS3Middleware(options));
}

const listening = async (server: Server) => {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return (server.address() as AddressInfo).port;
};
const servers = [
  app.listen(0, '127.0.0.1'),
  createServer(createS3NodeHandler(options)).listen(0, '127.0.0.1'),
  serve({ fetch: createS3Handler(options), port: 0, hostname: '127.0.0.1' }) as Server,
];
const [expressPort, nodePort, webPort] = await Promise.all(servers.map(listening));
console.log(`listening ${expressPort} node ${nodePort} web ${webPort}`);
process.on('SIGTERM', () => {
  for (const server of servers) server.close();
  process.exit(0);
});
