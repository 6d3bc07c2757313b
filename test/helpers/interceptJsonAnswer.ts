import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Lets a test handler ahead of the middleware see, and change, the JSON the middleware answers on
 * `res`. The middleware writes its answer once, as bytes (`writeHead(status, headers)` then
 * `end(body)`), not through Express's `res.json`: this holds the head back until the body comes,
 * hands `onAnswer` the parsed JSON (which it may change in place) and sends the result with its
 * own Content-Length. Answers that are not JSON go out untouched.
 */
export function interceptJsonAnswer(res: ServerResponse, onAnswer: (body: Record<string, unknown>, status: number) => void): void {
  const writeHead = res.writeHead.bind(res) as (status: number, headers?: OutgoingHttpHeaders) => ServerResponse;
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  let head: { status: number; headers: OutgoingHttpHeaders } | undefined;
  res.writeHead = ((status: number, headers?: OutgoingHttpHeaders) => {
    head = { status, headers: { ...headers } };
    return res;
  }) as ServerResponse['writeHead'];
  res.end = ((chunk?: unknown) => {
    const headers = head?.headers ?? {};
    const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? res.getHeader('content-type');
    if (chunk instanceof Uint8Array && String(type).includes('json')) {
      const body = JSON.parse(Buffer.from(chunk).toString('utf8')) as Record<string, unknown>;
      onAnswer(body, head?.status ?? res.statusCode);
      chunk = Buffer.from(JSON.stringify(body));
      if (head) head.headers = { ...Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length')), 'Content-Length': String((chunk as Buffer).length) };
      else res.setHeader('Content-Length', (chunk as Buffer).length);
    }
    if (head) writeHead(head.status, head.headers);
    return end(chunk);
  }) as ServerResponse['end'];
}
