import { NextResponse, type NextRequest } from 'next/server';
import { isUserId } from './userId';

/** Gives a browser without one a user id in a cookie, when it opens the page. */
export function proxy(request: NextRequest) {
  const response = NextResponse.next();
  if (!isUserId(request.cookies.get('user')?.value)) {
    response.cookies.set('user', crypto.randomUUID(), { path: '/', httpOnly: true, sameSite: 'lax' });
  }
  return response;
}

export const config = { matcher: '/' };
