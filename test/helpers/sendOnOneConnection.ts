/** Requests sent one after another on a single kept-alive connection, as a browser reuses one. */
import net from 'node:net';
import { encodeRequest, type Answer, type RawRequest } from './sendRawRequest.js';

const CHUNK = 64 * 1024;

/** `request` as bytes on the wire: its head, then its body (in 64 KiB chunks when chunked). */
function wireBytes(base: URL, request: RawRequest): Buffer {
  const encoded = encodeRequest(base, request, { connection: 'keep-alive' });
  if (encoded === undefined) throw new Error(`${request.path} is too long to send`);
  const { path, headers, body = Buffer.alloc(0) } = encoded;
  const head = [`${request.method} ${path} HTTP/1.1`, `host: ${base.host}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  const parts: Buffer[] = [Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1')];
  if (request.chunked !== true) return Buffer.concat([...parts, body]);
  for (let at = 0; at < body.length; at += CHUNK) {
    const chunk = body.subarray(at, at + CHUNK);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
}

/** The first whole answer in `received` (one with a Content-Length: the middleware's are) and the bytes after it, or undefined while it is incomplete. */
function takeAnswer(received: Buffer): { answer: Answer; rest: Buffer } | undefined {
  const headEnd = received.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = received.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers: Answer['headers'] = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length']);
  if (!Number.isSafeInteger(length)) throw new Error(`An answer without a Content-Length: ${statusLine}`);
  const bodyEnd = headEnd + 4 + length;
  if (received.length < bodyEnd) return undefined;
  const status = Number(statusLine.split(' ')[1]);
  return { answer: { status, headers, text: received.subarray(headEnd + 4, bodyEnd).toString('utf8') }, rest: received.subarray(bodyEnd) };
}

/**
 * Sends `requests` over one TCP connection to the server of `base`, each once the previous one is
 * answered, and resolves with their answers. Rejects, saying how far it got, if the server closes
 * the connection before answering them all: what a client meets as "socket hang up".
 */
export function sendOnOneConnection(base: URL, requests: RawRequest[]): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(base.port), base.hostname);
    const answers: Answer[] = [];
    let received: Buffer = Buffer.alloc(0);
    const fail = (why: string) => {
      socket.destroy();
      const next = requests[answers.length];
      reject(new Error(`${why} after ${answers.length} of ${requests.length} answers (statuses ${JSON.stringify(answers.map((a) => a.status))}), before answering ${next?.method} ${next?.path}`));
    };
    const sendNext = () => {
      const request = requests[answers.length];
      if (request === undefined) {
        socket.setTimeout(0);
        socket.end();
        return resolve(answers);
      }
      socket.write(wireBytes(base, request));
    };
    socket.on('connect', sendNext);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      for (let taken = takeAnswer(received); taken !== undefined; taken = takeAnswer(received)) {
        answers.push(taken.answer);
        received = taken.rest;
        sendNext();
      }
    });
    socket.on('error', (error) => fail(`The connection failed (${error.message})`));
    socket.on('end', () => {
      if (answers.length < requests.length) fail('The server closed the connection');
    });
    socket.setTimeout(20_000, () => fail('No answer within 20 s'));
  });
}
