import { unquoteETag, type Digest } from '../md5/digest.js';
import { putToS3, type PutToS3 } from '../network/putToS3.js';
import { RequestFailure } from '../network/RequestFailure.js';
import { PUT_PROGRESS_INTERVAL_MS, type PutOutcome, type UnstampedTimelineEvent } from '../TimelineEvent.js';

const MD5_HEX = /^[0-9a-f]{32}$/i;

export interface TimedPut {
  request: Omit<PutToS3, 'stallTimeout'>;
  /** 0 for a single PUT. */
  partNumber: number;
  /** This part's attempts so far, this one included. */
  attempt: number;
  /** The MD5 the URL was signed with, to check the answered ETag against. */
  digest: Digest | undefined;
  /** This PUT's number in the file's upload, which pairs its `put-start` with its `put-end`. */
  put: number;
  stallTimeout: number;
  timeline: (event: UnstampedTimelineEvent) => void;
  /** Why a PUT cut short by its signal was: the file paused, removed, or failed on another part. */
  cancelReason: (signal: AbortSignal) => PutOutcome & { outcome: 'cancelled' };
}

/**
 * One PUT to S3 with its timeline events: `put-start`, progress, then `put-end` with how it ended
 * (the ETag check included). Resolves with the checked ETag; throws as {@link putToS3} does.
 */
export async function putWithTimeline({ request, partNumber, attempt, digest, put, stallTimeout, timeline, cancelReason }: TimedPut): Promise<string> {
  let bytesSent = 0;
  let reportedAt = 0;
  timeline({ type: 'put-start', put, partNumber, attempt, url: request.url, expiresAt: request.expiresAt });
  const end = (outcome: PutOutcome) => timeline({ type: 'put-end', put, partNumber, attempt, bytesSent, ...outcome });
  try {
    const { etag, status } = await putToS3({
      ...request,
      stallTimeout,
      onProgress: (loaded) => {
        bytesSent = loaded;
        request.onProgress(loaded);
        const now = Date.now();
        if (now - reportedAt >= PUT_PROGRESS_INTERVAL_MS) {
          reportedAt = now;
          timeline({ type: 'put-progress', put, partNumber, bytesSent });
        }
      },
    });
    bytesSent = request.body.size;
    try {
      const checked = checkETag(etag, digest, request.what);
      end({ outcome: 'stored', status });
      return checked;
    } catch (error) {
      end({ outcome: 'refused', status, code: error instanceof RequestFailure && error.failure.kind === 'no-etag' ? 'NoETag' : 'ETagDiffers' });
      throw error;
    }
  } catch (error) {
    if (error instanceof RequestFailure) {
      const { failure } = error;
      if (failure.kind === 'http') end({ outcome: 'refused', status: failure.status, code: failure.code });
      else if (failure.kind === 'network') end(failure.stalled ? { outcome: 'stalled' } : { outcome: 'network' });
    } else if (request.signal.aborted) {
      end(cancelReason(request.signal));
    }
    throw error;
  }
}

/**
 * The ETag must be readable (CORS); one that is an MD5 must be ours; other forms (SSE-KMS) are
 * S3's word after its Content-MD5 check. Without a digest (`md5: false`) there is nothing to compare.
 */
export function checkETag(etag: string | undefined, digest: Digest | undefined, what: string): string {
  if (etag === undefined) throw new RequestFailure({ kind: 'no-etag' }, what);
  const plain = unquoteETag(etag);
  if (digest && MD5_HEX.test(plain) && plain.toLowerCase() !== digest.hex) throw new RequestFailure({ kind: 'etag-differs', etag }, what);
  return etag;
}
