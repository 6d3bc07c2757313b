import { createHash, randomBytes } from 'node:crypto';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  contentType: string | null;
  cacheControl: string | null;
}

/** Where the middleware is: its mount URL (fetched over HTTP), or a test server with its own `fetch` (a Web handler called directly). */
export type ApiTarget = string | { base: string; fetch(url: string, init?: RequestInit): Promise<Response> };

/** Calls the middleware as user `user` (sent as `x-test-user`) and parses the JSON answer. */
export async function callApi<T = unknown>(
  target: ApiTarget,
  method: string,
  path: string,
  options: { user?: string; json?: unknown; rawBody?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.user !== undefined) headers['x-test-user'] = options.user;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  if (options.rawBody !== undefined) body = options.rawBody;
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  const [base, send] = typeof target === 'string' ? [target, fetch] : [target.base, target.fetch];
  const response = await send(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T, contentType: response.headers.get('content-type'), cacheControl: response.headers.get('cache-control') };
}

export const md5Base64 = (data: Uint8Array) => createHash('md5').update(data).digest('base64');
export const md5Hex = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
export const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
export const randomData = (size: number): Uint8Array<ArrayBuffer> => new Uint8Array(randomBytes(size));

/** PUTs `body` to a presigned URL with exactly `headers` (what a browser would send). */
export async function putTo(url: string, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'PUT', body, headers });
  return { status: response.status, etag: response.headers.get('etag'), text: await response.text() };
}
