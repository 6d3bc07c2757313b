import { createLimiter, type Limiter } from './createLimiter.js';
import { pageBase } from './pageBase.js';

/**
 * One {@link Limiter} of `limit` slots per host a URL points at. Browsers keep at most 6
 * HTTP/1.1 connections per host, and S3 speaks nothing newer, so a request beyond that waits
 * inside the browser anyway; an upload server that spreads URLs over several host names of the
 * same S3 (the middleware's `uploadHosts`) gets `limit` requests under way on each.
 */
export function createHostLimiters(limit: number): (url: string) => Limiter {
  const limiters = new Map<string, Limiter>();
  return (url) => {
    const host = new URL(url, pageBase()).host;
    let limiter = limiters.get(host);
    if (limiter === undefined) limiters.set(host, (limiter = createLimiter(limit)));
    return limiter;
  };
}
