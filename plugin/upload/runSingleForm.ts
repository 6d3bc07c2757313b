import { isStale } from '../network/decideRetry.js';
import type { UploadForm } from '../network/createApiClient.js';
import { withRetry, type Attempt } from '../network/withRetry.js';
import type { UploadResult } from './FileUploadTypes.js';
import { hashWholeFile } from './hashWholeFile.js';
import type { RunContext } from './RunContext.js';

/** The object's URL: the form's URL (the bucket's) and the key, each segment escaped. */
function objectUrl(formUrl: string, key: string): string {
  return `${formUrl.replace(/\/+$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * A small file through a backend with Companion's routes only: its `GET /s3/params` answers a
 * presigned POST form, and the file is POSTed in it (the fields, then the file). No MD5 can be
 * signed into that form, and a `Content-MD5` form field is refused by the policy ("Policy missing
 * condition"), so the file is checked afterwards: the ETag in S3's 201 answer (`<ETag>` of its
 * XML) must be the file's MD5, else the file is hashed again and POSTed again in the same form (to
 * the same key, overwriting what was stored) while the form is fresh; a new form, when it is not,
 * names a new key. Unchecked with `md5: false`.
 */
export async function runSingleForm(context: RunContext, signal: AbortSignal): Promise<UploadResult> {
  const { file, services, events, digests, put, retryOptions } = context;
  const { api, limiterFor, signAhead, settings, count } = services;
  const size = file.data.size;
  digests.usePartSize(0);
  const hashed = () => hashWholeFile(context, signal);
  events.timeline({ type: 'run-start', parts: 1, partSize: size, resumed: false });
  let digest = digests.hashing ? (digests.get(0) ?? (await hashed())) : undefined;
  let form: (UploadForm & { expiresAt: number }) | undefined;
  /** The form, signed anew when there is none, S3 refused it as expired, or it is within its expiry margin. */
  const fresh = async (expired: boolean) => {
    if (form && !expired && !isStale(form.expiresAt, form.expires * 1000, settings)) return form;
    if (form) count('resigns');
    const answer = await api.getUploadForm({ filename: file.name, type: file.type, metadata: file.metadata }, signal);
    form = { ...answer, expiresAt: Date.now() + answer.expires * 1000 };
    return form;
  };
  let attempts = 0;

  const result = await withRetry(
    async ({ resign, rehash }: Attempt) => {
      if (rehash && digest) digest = await hashed();
      // Signed before its turn at the connection limit, as a single PUT is (runSingle).
      let release: () => void;
      const ahead = await signAhead.acquire(signal);
      try {
        release = await limiterFor((await fresh(resign)).url).acquire(signal);
      } finally {
        ahead();
      }
      try {
        const signed = await fresh(false);
        attempts += 1;
        const etag = await put(
          {
            url: signed.url,
            headers: {},
            form: signed.fields,
            body: file.data,
            signal,
            onProgress: (loaded) => events.progress(Math.min(loaded, size), size),
            what: 'the file',
            expiresAt: signed.expiresAt,
          },
          0,
          attempts,
          digest,
        );
        return { location: objectUrl(signed.url, signed.fields.key), key: signed.fields.key, etag };
      } catch (error) {
        events.progress(0, size);
        throw error;
      } finally {
        release();
      }
    },
    retryOptions(signal, { lifetimeMs: () => (form ? form.expires * 1000 : undefined) }),
  );
  count('singleUploads');
  events.progress(size, size);
  return result;
}
