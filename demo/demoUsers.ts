import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

/** The demo's stand-in for a login: a random id per browser, kept in this HttpOnly cookie. */
export const USER_COOKIE = 'demo_user';

/** 128 random bits, base64url: what the cookie holds (anything else is replaced). */
const USER_ID = /^[A-Za-z0-9_-]{22}$/;

const users = new WeakMap<Request, string>();

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * Gives every browser a user id: read from the `demo_user` cookie, or made up and set as an
 * HttpOnly, SameSite=Strict cookie when missing or malformed. {@link userIdOf} reads it after.
 */
export function demoUsers(): RequestHandler {
  return (req, res, next) => {
    let id = cookieValue(req.headers.cookie, USER_COOKIE);
    if (id === undefined || !USER_ID.test(id)) {
      id = randomBytes(16).toString('base64url');
      res.cookie(USER_COOKIE, id, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 30 * 24 * 3600 * 1000 });
    }
    users.set(req, id);
    next();
  };
}

/** The user id {@link demoUsers} gave this request. */
export function userIdOf(req: Request): string {
  const id = users.get(req);
  if (id === undefined) throw new Error('demoUsers() must run before userIdOf()');
  return id;
}

/** Where a user's objects go: every key the middleware signs for them starts with it. */
export function userPrefix(req: Request): string {
  return `demo/${userIdOf(req)}/`;
}
