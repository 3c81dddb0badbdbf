import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { decodeSession, SESSION_COOKIE } from './session-cookie.js';
import type { Viewer, WebEnv } from './viewer.js';

/** Options of {@link viewerMiddleware}. */
export interface ViewerMiddlewareOptions {
  /** The admin bearer token (`ensureAdminToken(stateDir)`). */
  adminToken: string;
  /** The key session cookies are signed with. */
  sessionKey: Buffer;
  /** ms since the epoch (tests fix it). */
  now?: () => number;
}

/**
 * Sets `c.var.viewer` for every request: `admin` for `Authorization: Bearer <admin token>`
 * (compared in constant time), `person` for a valid, unexpired session cookie, else `anonymous`.
 * A wrong bearer token makes the request anonymous (never falls back to the cookie). Never answers
 * by itself: see {@link requireViewer}.
 */
export function viewerMiddleware(options: ViewerMiddlewareOptions): MiddlewareHandler<WebEnv> {
  const now = options.now ?? Date.now;
  return async (c, next) => {
    c.set('viewer', identify(c.req.header('authorization'), getCookie(c, SESSION_COOKIE), options, now()));
    await next();
  };
}

function identify(authorization: string | undefined, cookie: string | undefined, options: ViewerMiddlewareOptions, now: number): Viewer {
  if (authorization !== undefined) {
    const given = /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1];
    return given && sameToken(given, options.adminToken) ? { kind: 'admin' } : { kind: 'anonymous' };
  }
  const session = decodeSession(cookie, options.sessionKey, now);
  return session
    ? {
        kind: 'person',
        login: session.login,
        id: session.id,
        csrfToken: session.csrf,
        expiresAt: session.exp,
        ...(session.instance !== undefined ? { instance: session.instance } : {}),
      }
    : { kind: 'anonymous' };
}

/** `/api/*` guard: 401 JSON `{status:"unauthorized", reason}` unless the viewer is admin or signed in. */
export function requireViewer(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (c.get('viewer').kind === 'anonymous') {
      return c.json({ status: 'unauthorized', reason: 'sign in with Gitea (GET /auth/login) or send "Authorization: Bearer <admin token>"' }, 401);
    }
    await next();
  };
}

function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}
