import { withTimeout } from '../harness/withTimeout.js';
import { encodeRequest, type Answer, type RawRequest } from './sendRawRequest.js';

/** How much of a chunked body the handler has read, and when it has read all of it. */
export interface BodyReading {
  /** Bytes not yet pulled from the body stream. */
  left(): number;
  /** Settles once the handler has pulled the body's last chunk. */
  done: Promise<void>;
}

/** `bytes` as a stream the handler pulls 64 KiB at a time, as a server hands over a body arriving in pieces. */
function pulledBody(bytes: Buffer): { stream: ReadableStream<Uint8Array>; reading: BodyReading } {
  let at = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return finished();
      }
      controller.enqueue(new Uint8Array(bytes.subarray(at, (at += 64 * 1024))));
    },
  }, { highWaterMark: 0 });
  return { stream, reading: { left: () => Math.max(0, bytes.length - at), done } };
}

/**
 * The fuzz test's request handed straight to a Web handler, as a Web server would build it: the
 * path parsed as a URL (what Node's HTTP client would refuse to send is refused here too), a
 * chunked body as a stream pulled in pieces, no body on GET or HEAD (a `Request` cannot have one).
 * `onBody` is told how the handler reads a chunked body.
 */
export async function sendDirectRequest(
  handler: (request: Request) => Promise<Response>,
  base: URL,
  request: RawRequest,
  extraHeaders: Record<string, string> = {},
  onBody?: (reading: BodyReading) => void,
): Promise<Answer | 'unsendable'> {
  const encoded = encodeRequest(base, request, extraHeaders);
  // Node's client refuses raw characters outside printable ASCII in a path.
  if (encoded === undefined || /[^\x21-\x7e]/.test(encoded.path)) return 'unsendable';
  const { path, headers, body } = encoded;
  const bodyless = request.method === 'GET' || request.method === 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers };
  if (bodyless) {
    delete headers['content-length'];
    delete headers['transfer-encoding'];
  } else if (body !== undefined) {
    if (request.chunked === true) {
      delete headers['transfer-encoding'];
      const { stream, reading } = pulledBody(body);
      onBody?.(reading);
      init.body = stream;
      init.duplex = 'half';
    } else {
      init.body = new Uint8Array(body);
    }
  }
  const response = await handler(new Request(`${base.origin}${path}`, init));
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
}

/**
 * What {@link sendOnOneConnection} checks over HTTP, for a handler called directly: requests in
 * turn, and each chunked body read to its end once answered (a server that saw it left half-read
 * could not keep the connection). Rejects naming the request whose body was left.
 */
export async function sendInTurnDirect(handler: (request: Request) => Promise<Response>, base: URL, requests: RawRequest[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const request of requests) {
    let reading: BodyReading | undefined;
    const answer = await sendDirectRequest(handler, base, request, {}, (r) => (reading = r));
    if (answer === 'unsendable') throw new Error(`${request.method} ${request.path} cannot be sent`);
    const body = reading;
    if (body !== undefined) {
      await withTimeout(body.done, 5000, () => `The handler answered ${answer.status} to ${request.method} ${request.path} but had not read its body to the end 5 s later (${body.left()} bytes never pulled)`);
    }
    answers.push(answer);
  }
  return answers;
}
