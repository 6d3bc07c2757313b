import { encodeRequest, type Answer, type RawRequest } from './sendRawRequest.js';

/**
 * The fuzz test's request handed straight to a Web handler, as a Web server would build it: the
 * path parsed as a URL (what Node's HTTP client would refuse to send is refused here too), a
 * chunked body as a stream, no body on GET or HEAD (a `Request` cannot have one).
 */
export async function sendDirectRequest(
  handler: (request: Request) => Promise<Response>,
  base: URL,
  request: RawRequest,
  extraHeaders: Record<string, string> = {},
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
      init.body = new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(body));
          controller.close();
        },
      });
      init.duplex = 'half';
    } else {
      init.body = new Uint8Array(body);
    }
  }
  const response = await handler(new Request(`${base.origin}${path}`, init));
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
}
