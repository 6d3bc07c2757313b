import { RequestFailure } from './RequestFailure.js';

export interface PutToS3 {
  url: string;
  headers: Record<string, string>;
  /** The part's `File.slice`: Blob bodies stay fast; Chromium copies an in-memory body on the page's main thread (docs/performance.md). */
  body: Blob;
  signal: AbortSignal;
  /** Bytes of the body sent so far. */
  onProgress: (loaded: number) => void;
  /** For messages: "part 3". */
  what: string;
  /** When the URL expires, ms since epoch (handed to the policy on failure). */
  expiresAt: number;
  /** Abort and count as a network failure when no byte moves for this long, ms. */
  stallTimeout: number;
  /** A presigned POST form's fields: the body is POSTed as its `file`, after them, instead of PUT. */
  form?: Record<string, string>;
}

/** Reads `<Code>` and `<Message>` from an S3 error body. */
function s3Error(xml: string): { code: string; message: string } {
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
  return { code: field('Code') || 'UnknownError', message: field('Message') };
}

/** The ETag of a POST form's XML answer (`success_action_status` 201), which radosgw gives in no header. */
function etagInXml(xml: string): string | undefined {
  const etag = /<ETag>([^<]*)<\/ETag>/.exec(xml)?.[1];
  return etag?.replace(/&quot;/g, '"');
}

/**
 * PUTs a body to a presigned S3 URL, or POSTs it in a presigned form (XHR, for upload progress).
 * Resolves with the ETag header, or the form answer's `<ETag>` (undefined when CORS hides both); throws {@link RequestFailure} for the policy to judge, or the
 * signal's reason when aborted.
 */
export function putToS3(request: PutToS3): Promise<{ etag: string | undefined; status: number }> {
  const { signal } = request;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const xhr = new XMLHttpRequest();
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    let stalled = false;
    const armStallTimer = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        xhr.abort();
      }, request.stallTimeout);
    };
    const onAbort = () => xhr.abort();
    const settle = () => {
      clearTimeout(stallTimer);
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (failure: ConstructorParameters<typeof RequestFailure>[0]) => reject(new RequestFailure(failure, request.what, request.expiresAt));

    xhr.open(request.form ? 'POST' : 'PUT', request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      armStallTimer();
      request.onProgress(event.loaded);
    });
    xhr.addEventListener('load', () => {
      settle();
      if (xhr.status >= 200 && xhr.status < 300) return resolve({ etag: xhr.getResponseHeader('ETag') ?? etagInXml(xhr.responseText), status: xhr.status });
      const { code, message } = s3Error(xhr.responseText);
      fail({ kind: 'http', target: 's3', status: xhr.status, code, message });
    });
    xhr.addEventListener('error', () => {
      settle();
      fail({ kind: 'network', target: 's3' });
    });
    xhr.addEventListener('abort', () => {
      settle();
      if (stalled && !signal.aborted) fail({ kind: 'network', target: 's3', stalled: true });
      else reject(signal.reason);
    });
    signal.addEventListener('abort', onAbort, { once: true });
    armStallTimer();
    if (request.form) {
      const form = new FormData();
      for (const [name, value] of Object.entries(request.form)) form.append(name, value);
      form.append('file', request.body); // S3 ignores every field after the file
      xhr.send(form);
    } else {
      xhr.send(request.body);
    }
  });
}
