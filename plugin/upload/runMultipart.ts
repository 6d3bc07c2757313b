import type { ListedPart } from '../../contract.js';
import { unquoteETag, type Digest } from '../md5/digest.js';
import { checkContentMd5 } from '../network/checkContentMd5.js';
import type { BackendMode } from '../network/createBackendDetector.js';
import { withRetry } from '../network/withRetry.js';
import { S3UploadError } from '../S3UploadError.js';
import { createPartHashing } from './createPartHashing.js';
import type { MultipartState, UploadResult } from './FileUploadTypes.js';
import { multipartETag, multipartETagForm, preloadMultipartETag } from './multipartETagOfDigests.js';
import { PartSigner, type SignedPart } from './PartSigner.js';
import { planParts, type PlannedPart } from './planParts.js';
import type { RunContext } from './RunContext.js';
import { signPartsCompanion } from './signPartsCompanion.js';

/** The multipart upload a run works on, kept by its {@link FileUpload} across runs. */
export interface MultipartSession {
  /** The upload to run: the one resumed (with the parts S3 holds) or a new one. */
  open(signal: AbortSignal): Promise<{ state: MultipartState; listed: Map<number, ListedPart>; resumed: boolean }>;
  /** The upload is complete: nothing is left to resume. */
  completed(): void;
}

/**
 * A file in parts: `limit` runners take parts in order, each hashed (with a look-ahead window),
 * skipped when S3 holds it already with the same size and MD5, else signed in batches and sent
 * under the shared connection limit, retried by the policy. Then the upload is completed and the
 * object's ETag checked against the parts' MD5s. Against a `companion` backend the parts are
 * signed without MD5s ({@link signPartsCompanion}), and its complete answers no ETag to check.
 */
export async function runMultipart(
  { file, services, events, digests, removal, put, retryOptions, onOffline }: RunContext,
  session: MultipartSession,
  signal: AbortSignal,
  backend: BackendMode = 'extended',
): Promise<UploadResult> {
  const { listed, state, resumed } = await session.open(signal);
  signal.throwIfAborted();
  const { timeline } = events;
  const size = file.data.size;
  const parts = planParts(size, state.partSize);
  timeline({ type: 'run-start', uploadId: state.uploadId, key: state.key, parts: parts.length, partSize: state.partSize, resumed });
  digests.usePartSize(state.partSize);
  if (digests.hashing) preloadMultipartETag(signal);

  const inner = new AbortController();
  const abortInner = () => inner.abort(signal.reason);
  signal.addEventListener('abort', abortInner, { once: true });
  const runSignal = inner.signal;

  const loaded = new Map<number, number>();
  const etags = new Map<number, string>();
  const report = () => {
    let sum = 0;
    for (const bytes of loaded.values()) sum += bytes;
    events.progress(sum, size);
  };
  const queue = parts.slice();
  const hashing = createPartHashing({ data: file.data, digests, queue, hashAhead: services.hashAhead, timeline, signal: runSignal });
  // Without a digest (`md5: false`) a part S3 holds can only be matched by its size, as the stock plugin does.
  const isHeld = (part: PlannedPart, digest: Digest | undefined) => {
    const held = listed.get(part.partNumber);
    return held !== undefined && held.Size === part.size && (digest === undefined || unquoteETag(held.ETag).toLowerCase() === digest.hex);
  };

  const signer = new PartSigner({
    sign:
      backend === 'companion'
        ? signPartsCompanion(services.api, state, runSignal, (url) => services.checksContentMd5(() => checkContentMd5(url, AbortSignal.timeout(services.callTimeout))))
        : (batch) => services.api.signParts(state.uploadId, state.key, batch, runSignal),
    // Parts hashed already, or every queued part when nothing is hashed.
    upcoming: () =>
      queue.flatMap((part) => {
        const digest = digests.get(part.partNumber);
        return (digest || !digests.hashing) && !isHeld(part, digest) ? [{ part, digest }] : [];
      }),
    batchSize: services.signBatchSize,
    settings: services.settings,
    onResign: () => services.count('resigns'),
    onSign: (partNumbers, resigned) => timeline({ type: 'sign-start', partNumbers, resigned }),
    onSigned: (partNumbers, ok) => timeline({ type: 'sign-end', partNumbers, ok }),
  });

  const sendPart = async (part: PlannedPart, first: Digest | undefined): Promise<string> => {
    let digest = first;
    let signed: SignedPart | undefined;
    let attempts = 0;
    return withRetry(
      async ({ resign, rehash }) => {
        // BadDigest: read the bytes again; if the file really changed, the new MD5 is signed.
        if (rehash && digest) digest = await hashing.rehash(part);
        // The URL first, then a connection to S3: a part waiting on the upload server (slow, or
        // down for a deploy) must not hold a connection that a part with a URL could use.
        signed = await signer.urlFor(part, digest, resign);
        const release = await services.limiterFor(signed.url).acquire(runSignal);
        try {
          // Waiting for the connection may have taken the URL into its margin: a fresh one then.
          signed = await signer.urlFor(part, digest, false);
          attempts += 1;
          const checked = await put(
            {
              url: signed.url,
              headers: signed.headers,
              body: file.data.slice(part.start, part.end),
              signal: runSignal,
              onProgress: (bytes) => {
                loaded.set(part.partNumber, Math.min(bytes, part.size));
                report();
              },
              what: `part ${part.partNumber}`,
              expiresAt: signed.expiresAt,
            },
            part.partNumber,
            attempts,
            digest,
          );
          services.count('partsUploaded');
          if (digest && unquoteETag(checked).toLowerCase() === digest.hex) services.count('partsVerified');
          return checked;
        } catch (error) {
          // A failed attempt's bytes don't count: the retry sends them again.
          loaded.set(part.partNumber, 0);
          report();
          throw error;
        } finally {
          release();
        }
      },
      retryOptions(runSignal, { partNumber: part.partNumber, lifetimeMs: () => signed?.lifetimeMs }),
    );
  };

  const runner = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const digest = await hashing.digestOf(part);
      if (isHeld(part, digest)) {
        etags.set(part.partNumber, listed.get(part.partNumber)?.ETag as string);
        timeline({ type: 'skipped', partNumber: part.partNumber });
        services.count('partsSkipped');
      } else {
        const etag = await sendPart(part, digest);
        etags.set(part.partNumber, etag);
        events.partUploaded({ PartNumber: part.partNumber, ETag: etag });
      }
      loaded.set(part.partNumber, part.size);
      report();
    }
  };

  try {
    await Promise.all(
      Array.from({ length: Math.min(services.limit, parts.length) }, () =>
        runner().catch((error: unknown) => {
          inner.abort(error); // one part failed for good: stop the others
          throw error;
        }),
      ),
    );
  } finally {
    signal.removeEventListener('abort', abortInner);
  }

  // What the object's ETag must be, worked out before completing: its MD5 is loaded on demand, and
  // a load that fails must fail the file while the upload is still open on S3, where a retry
  // resumes it (every part held), not once the object exists and the upload is gone.
  const expected = digests.hashing ? await multipartETag(parts.map((part) => digests.get(part.partNumber) as Digest), signal, onOffline) : undefined;
  const completed = await services.api.completeMultipartUpload(
    state.uploadId,
    state.key,
    { parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: etags.get(part.partNumber) as string })) },
    removal,
  );
  if (verifyObject(completed.etag, expected, parts.length)) services.count('objectsVerified');
  session.completed();
  // Our middleware checked the object and ran the app's hook; a Companion backend does neither.
  if (backend === 'extended') timeline({ type: 'server-confirmed', via: 'complete', etag: completed.etag, serverData: completed.serverData });
  return { location: completed.location, key: completed.key, etag: completed.etag, uploadId: state.uploadId, serverData: completed.serverData };
}

/**
 * The object's ETag, when it has the multipart form, must be `expected` (`md5(part digests)-N`);
 * answers whether it was checked (not with `md5: false`, nor for other ETag forms).
 */
function verifyObject(etag: string | undefined, expected: string | undefined, parts: number): boolean {
  const form = etag === undefined ? undefined : multipartETagForm(etag);
  if (form === undefined || expected === undefined) return false;
  if (form !== expected) {
    throw new S3UploadError('etag_mismatch', `The assembled object's ETag ${form} is not ${expected}, what its ${parts} parts add up to.`);
  }
  return true;
}
