/**
 * Uppy Companion's way of signing one part, for the signing benchmark to race our routes against:
 * `GET /s3/multipart/:uploadId/:partNumber?key=` answers `{ url, expires }` from `getSignedUrl` with
 * a fresh `UploadPartCommand` per request on one long-lived client, as Companion's `signPartUpload`
 * does (transloadit/uppy, packages/@uppy/companion/src/server/controllers/s3.js). Like Companion it
 * checks only that a key was sent and the part number is a number; it signs no MD5 and no size.
 */
import { UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Router } from 'express';

export interface CompanionStyleRouteOptions {
  /** One client for the route's whole life (Companion creates its S3 client once). */
  client: S3Client;
  bucket: string;
  /**
   * Lifetime of the URLs, in seconds (the middleware's default, so both sign the same).
   * @default 900
   */
  expiresIn?: number;
}

/**
 * An Express router with Companion's single-part signing route, relative to where it is mounted.
 *
 * @example
 * app.use('/companion', companionStyleRoute({ client: new S3Client(config), bucket: 'uploads' }));
 * // GET /companion/s3/multipart/<uploadId>/3?key=<key> → { url, expires }
 */
export function companionStyleRoute({ client, bucket, expiresIn = 900 }: CompanionStyleRouteOptions): Router {
  return Router().get('/s3/multipart/:uploadId/:partNumber', (req, res, next) => {
    const { uploadId, partNumber } = req.params;
    const { key } = req.query;
    if (typeof key !== 'string') {
      res.status(400).json({ error: 'the object key must be passed as a query parameter' });
      return;
    }
    const number = Number.parseInt(partNumber, 10);
    if (!(number >= 1 && number <= 10_000)) {
      res.status(400).json({ error: 'the part number must be a number between 1 and 10000' });
      return;
    }
    // A fresh command per part, signed through the SDK's whole middleware stack: what Companion does
    // (it also passes `Body: ''`, which signs nothing more: the presigner leaves the payload unsigned).
    getSignedUrl(client, new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: '' }), { expiresIn }).then(
      (url) => res.json({ url, expires: expiresIn }),
      next,
    );
  });
}
