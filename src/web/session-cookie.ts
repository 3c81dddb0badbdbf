import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The session cookie's name. */
export const SESSION_COOKIE = 'kugetsu_session';

/** What a signed-in session holds (no Gitea token: kugetsu checks access with its own token). */
export interface SessionData {
  /** Gitea login. */
  login: string;
  /** Gitea user id. */
  id: number;
  /** The session's CSRF token, 32 hex characters. */
  csrf: string;
  /** Expiry, ms since the epoch. */
  exp: number;
  /**
   * The name of the Gitea/Forgejo instance the person signed in on (whose OAuth application was
   * used); absent for the first instance, and in sessions made before several instances existed.
   * The same login on another instance is another person.
   */
  instance?: string;
}

/**
 * A new session for a Gitea user, valid for `ttlMs` from `now` (ms); `instance` is the name of the
 * instance they signed in on (`undefined`: the first).
 */
export function newSession(user: { login: string; id: number }, ttlMs: number, now: number, instance?: string): SessionData {
  return { login: user.login, id: user.id, csrf: randomBytes(16).toString('hex'), exp: now + ttlMs, ...(instance !== undefined ? { instance } : {}) };
}

/**
 * The cookie value of a session: `base64url(JSON)` `.` `base64url(HMAC-SHA256(key, that))`. The
 * session's contents are readable by its holder (nothing secret in it) but cannot be changed.
 */
export function encodeSession(session: SessionData, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(session)).toString('base64url');
  return `${body}.${mac(body, key)}`;
}

/**
 * The session in a cookie value, or `undefined` when it is malformed, its signature does not match
 * `key`, or it expired before `now` (ms). Never throws.
 */
export function decodeSession(value: string | undefined, key: Buffer, now: number): SessionData | undefined {
  if (!value || value.length > 4096) return undefined;
  const [body, sig, extra] = value.split('.');
  if (!body || !sig || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(body, key));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const data = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<SessionData>;
    if (typeof data.login !== 'string' || typeof data.id !== 'number' || typeof data.csrf !== 'string' || typeof data.exp !== 'number') return undefined;
    if (data.exp <= now) return undefined;
    if (data.instance !== undefined && typeof data.instance !== 'string') return undefined;
    return { login: data.login, id: data.id, csrf: data.csrf, exp: data.exp, ...(data.instance !== undefined ? { instance: data.instance } : {}) };
  } catch {
    return undefined;
  }
}

function mac(body: string, key: Buffer): string {
  return createHmac('sha256', key).update(`kugetsu-session\n${body}`).digest('base64url');
}
