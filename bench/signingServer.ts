/**
 * The middleware alone in its own Node process, for load benchmarks (the load generator gets the
 * other core). Reads the S3 from S3_* variables, listens on 127.0.0.1, prints `listening <port>`.
 * Mounts the middleware at `/api`, and at `/companion` the Companion-style signing route that
 * bench/signingThroughput.ts races it against.
 */
import { S3Client } from '@aws-sdk/client-s3';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createS3Middleware } from '../middleware/index.js';
import { s3ClientConfig } from '../scripts/s3ClientConfig.js';
import { s3ConfigFromEnv } from '../scripts/s3ConfigFromEnv.js';
import { companionStyleRoute } from './companionStyleRoute.js';

const s3 = s3ConfigFromEnv(process.env);
if (s3 === undefined) throw new Error('Set S3_ENDPOINT, S3_BUCKET, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
const app = express();
app.use('/api', createS3Middleware({ s3: s3ClientConfig(s3), bucket: s3.bucket, prefix: 'bench/' }));
app.use('/companion', companionStyleRoute({ client: new S3Client(s3ClientConfig(s3)), bucket: s3.bucket }));
const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
