import { pipeline, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { UploadError } from '../core/UploadError.js';

/** A request body as an adapter offers it. */
export interface BodySource {
  /** A request header, or undefined. */
  header(name: 'content-type' | 'content-encoding' | 'content-length'): string | undefined;
  /**
   * The body's bytes, or null when there is none. Leaving the loop early must not destroy the
   * connection: the answer (413, 400) still has to go out on it.
   */
  stream(): AsyncIterable<Uint8Array> | null;
  /** A body a framework already read and parsed (an app-wide `express.json()`): used as it is, if it was JSON. */
  parsed?: unknown;
}

/** The Content-Encodings a body may come in, as Express's JSON parser accepts them. */
const DECODERS: Record<string, () => Transform> = { gzip: createGunzip, deflate: createInflate, br: createBrotliDecompress };

const invalidBody = (message: string, cause?: unknown) => new UploadError('invalid_body', message, { cause });
const tooLarge = (limit: number) => new UploadError('body_too_large', `The request body is larger than ${limit} bytes.`);

/**
 * Reads a JSON request body of at most `limit` bytes (counted decoded, so a small compressed body
 * cannot unfold into a large one). A body that is not `application/json` is not read: the
 * handlers then refuse it as no body (400 `invalid_body`). Anything unreadable (a charset other
 * than UTF-8, an unknown or broken Content-Encoding, a connection lost mid-body, text that is not
 * JSON) is 400 `invalid_body`; too large is 413 `body_too_large`. An empty body is no body.
 */
export async function readJsonBody(source: BodySource, limit: number, textToo = false): Promise<unknown> {
  const [essence = '', ...parameters] = (source.header('content-type') ?? '').split(';');
  const type = essence.trim().toLowerCase();
  // JSON only, even when the app parsed a form already: a form is what another site can post unasked.
  // `textToo`: text/plain read as JSON (for a route that checks a secret, not the caller's cookies).
  if (type !== 'application/json' && !(textToo && type === 'text/plain')) return undefined;
  if (source.parsed !== undefined) {
    if (type === 'application/json') return source.parsed;
    // Text an app-wide text parser already read.
    if (typeof source.parsed === 'string') return parseJson(source.parsed);
  }
  const charset = parameters.map((p) => /^\s*charset\s*=\s*"?([^";]*)"?\s*$/i.exec(p)?.[1]).find((c) => c !== undefined);
  // RFC 8259: JSON between systems is UTF-8.
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) throw invalidBody(`The request body must be JSON in UTF-8, not ${JSON.stringify(charset.slice(0, 40))}.`);
  const encoding = (source.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' && Number(source.header('content-length')) > limit) throw tooLarge(limit);
  const decoder = DECODERS[encoding];
  if (encoding !== 'identity' && decoder === undefined) throw invalidBody(`The request body's Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported.`);
  const bytes = source.stream();
  if (bytes === null) return undefined;
  const chunks: AsyncIterable<Uint8Array> = decoder === undefined ? bytes : pipeline(bytes, decoder(), () => {});

  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of chunks) {
      size += chunk.byteLength;
      if (size > limit) throw tooLarge(limit);
      parts.push(chunk);
    }
  } catch (error) {
    if (error instanceof UploadError) throw error;
    throw invalidBody('The request body could not be read.', error);
  }
  return parseJson(Buffer.concat(parts).toString('utf8'));
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidBody('The request body is not valid JSON.', error);
  }
}
