import { unquoteETag, type Digest } from '../md5/digest.js';
import { isStale } from '../network/decideRetry.js';
import { pageBase } from '../network/pageBase.js';
import { RequestFailure } from '../network/RequestFailure.js';
import { withRetry, type Attempt } from '../network/withRetry.js';
import type { UploadResult } from './FileUploadTypes.js';
import { hashWholeFile } from './hashWholeFile.js';
import type { RunContext } from './RunContext.js';

/**
 * A file in one presigned PUT: hashed whole, signed (with its MD5) shortly before its turn at the
 * connection limit, sent, its ETag checked. Every attempt signs anew.
 */
export async function runSingle(context: RunContext, signal: AbortSignal): Promise<UploadResult> {
  const { file, services, events, digests, put, retryOptions } = context;
  const { limiterFor, signAhead, settings, count } = services;
  digests.usePartSize(0);
  const hashFile = () => hashWholeFile(context, signal);
  events.timeline({ type: 'run-start', parts: 1, partSize: file.data.size, resumed: false });
  let digest = digests.get(0) ?? (digests.hashing ? await hashFile() : undefined);
  let attempts = 0;
  let signedBefore = false;
  let lifetimeMs: number | undefined;
  const sign = async () => {
    if (signedBefore) count('resigns');
    const params = await services.signSingle({ filename: file.name, type: file.type, metadata: file.metadata, md5: digest?.base64, size: file.data.size }, signal);
    signedBefore = true;
    if (params.method !== 'PUT') throw new RequestFailure({ kind: 'invalid-response', detail: `a ${params.method} upload instead of a PUT` }, 'sign the upload');
    lifetimeMs = params.expires * 1000;
    return { ...params, expiresAt: Date.now() + lifetimeMs };
  };

  const result = await withRetry(
    // Every attempt signs anew (a re-sign after the first), whatever failed.
    async ({ rehash }: Attempt) => {
      if (rehash && digest) digest = await hashFile();
      // Signed before its turn to send, so S3's connections never wait on the middleware (with
      // many small files that is a round trip per file); at most `limit` files wait signed.
      let params: Awaited<ReturnType<typeof sign>>;
      let release: () => void;
      const ahead = await signAhead.acquire(signal);
      try {
        params = await sign();
        release = await limiterFor(params.url).acquire(signal);
      } finally {
        ahead();
      }
      const uploading = services.singleUploading();
      try {
        if (isStale(params.expiresAt, params.expires * 1000, settings)) params = await sign(); // waited too long for a slot
        attempts += 1;
        const checked = await put(
          {
            url: params.url,
            headers: params.headers ?? {},
            body: file.data,
            signal,
            onProgress: (loaded) => events.progress(Math.min(loaded, file.data.size), file.data.size),
            what: 'the file',
            expiresAt: params.expiresAt,
          },
          0,
          attempts,
          digest,
        );
        const location = new URL(params.url, pageBase()).href.split('?')[0] as string;
        return { location, key: params.key, etag: checked };
      } catch (error) {
        events.progress(0, file.data.size);
        throw error;
      } finally {
        release();
        uploading();
      }
    },
    retryOptions(signal, { lifetimeMs: () => lifetimeMs }),
  );
  count('singleUploads');
  const confirmed = await confirm(context, result, digest);
  events.progress(file.data.size, file.data.size);
  return confirmed;
}

/**
 * S3 told only the page that the file is there: the upload server is told too, with the key and
 * the MD5 the URL was signed with, so that it checks the object itself and runs the app's
 * completion hook (whose answer comes back as `serverData`). Without an MD5 (`md5: false`) the
 * ETag S3 answered stands for it when it is one; otherwise there is nothing to confirm by.
 */
async function confirm({ services, events, removal }: RunContext, result: UploadResult, digest: Digest | undefined): Promise<UploadResult> {
  const etagMd5 = result.etag === undefined ? undefined : unquoteETag(result.etag);
  const md5 = digest?.base64 ?? (etagMd5 !== undefined && /^[0-9a-f]{32}$/i.test(etagMd5) ? etagMd5 : undefined);
  if (md5 === undefined) {
    services.log(`${result.key} was not confirmed to the upload server: its ETag is no MD5 and none was computed (md5: false).`, 'warning');
    return result;
  }
  const answer = await services.confirmSingle({ key: result.key, md5 }, removal);
  events.timeline({ type: 'server-confirmed', via: 'confirm', etag: answer.etag, serverData: answer.serverData });
  return { ...result, serverData: answer.serverData };
}
