import type { RequestHandler } from 'express';
import { interceptJsonAnswer } from './interceptJsonAnswer.js';

/** One call to the middleware, as the page server saw it. */
export interface MiddlewareCall {
  method: string;
  /** Path and query under the mount, e.g. `/s3/multipart/ID?key=…`. */
  path: string;
  /** ms since epoch, when it came in. */
  at: number;
  status?: number;
  /** The JSON answered, once answered. */
  body?: unknown;
}

/**
 * An Express handler to put ahead of the middleware (`usePluginPage(options, [recorder.handler])`)
 * that records every call and its JSON answer: what the page asked of the upload server, in any
 * engine. `delay` may hold calls back (ms) before they go on.
 */
export function recordCalls(): { handler: RequestHandler; calls: MiddlewareCall[]; delay: (call: MiddlewareCall) => number } {
  const recorder = {
    calls: [] as MiddlewareCall[],
    delay: (_call: MiddlewareCall) => 0,
    handler: ((req, res, next) => {
      const call: MiddlewareCall = { method: req.method, path: req.url, at: Date.now() };
      recorder.calls.push(call);
      interceptJsonAnswer(res, (body) => (call.body = body));
      res.on('finish', () => (call.status = res.statusCode));
      const wait = recorder.delay(call);
      if (wait > 0) setTimeout(next, wait);
      else next();
    }) as RequestHandler,
  };
  return recorder;
}
