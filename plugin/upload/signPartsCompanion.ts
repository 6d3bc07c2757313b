import type { BatchPartRequest, BatchSignResponse } from '../../contract.js';
import type { ApiClient } from '../network/createApiClient.js';

/** Lifetime of a URL whose query names none (`X-Amz-Expires`): Companion's default, in seconds. */
const COMPANION_URL_LIFETIME_S = 800;

/** Seconds a presigned URL lives, from its `X-Amz-Expires` (Companion's batch answer carries no `expires`). */
export function urlLifetimeSeconds(url: string): number {
  let value: number;
  try {
    value = Number(new URL(url).searchParams.get('X-Amz-Expires') ?? NaN);
  } catch {
    return COMPANION_URL_LIFETIME_S;
  }
  return Number.isFinite(value) && value > 0 ? value : COMPANION_URL_LIFETIME_S;
}

/**
 * Signs a batch of parts through Companion's `GET .../batch?partNumbers=` (nothing signed but the
 * host) in the shape of our batch answer: each part's MD5 goes along as a plain `Content-MD5`
 * header, which S3 checks though the URL does not sign it, when `checksContentMd5` (asked with the
 * batch's first URL, the part about to be sent) says this S3 checks it and the bucket's CORS lets
 * it through. Either way each part's answered ETag is compared with its MD5 (putWithTimeline).
 */
export function signPartsCompanion(
  api: ApiClient,
  upload: { uploadId: string; key: string },
  signal: AbortSignal,
  checksContentMd5: (url: string) => Promise<boolean>,
): (batch: BatchPartRequest[]) => Promise<BatchSignResponse> {
  return async (batch) => {
    const { presignedUrls } = await api.signPartsCompanion(
      upload.uploadId,
      upload.key,
      batch.map((part) => part.partNumber),
      signal,
    );
    const first = batch[0] === undefined ? undefined : presignedUrls[batch[0].partNumber];
    const withMd5 = first !== undefined && batch.some((part) => part.md5 !== undefined) && (await checksContentMd5(first));
    return {
      parts: batch.flatMap(({ partNumber, md5 }) => {
        const url = presignedUrls[partNumber];
        if (url === undefined) return [];
        const headers: Record<string, string> = withMd5 && md5 !== undefined ? { 'Content-MD5': md5 } : {};
        return [{ partNumber, url, headers, expires: urlLifetimeSeconds(url) }];
      }),
    };
  };
}
