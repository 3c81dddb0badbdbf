import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import type { WebEnv } from './viewer.js';

/** The header a signed-in page sends its session's CSRF token in (or the form field `_csrf`). */
export const CSRF_HEADER = 'x-csrf-token';
/** The form field carrying the CSRF token in a plain HTML form post. */
export const CSRF_FIELD = '_csrf';

const SAFE = /^(GET|HEAD|OPTIONS)$/;

/**
 * CSRF protection for state-changing requests (every method but GET, HEAD, OPTIONS) of a signed-in
 * person: hono's `csrf()` (a form post must come from `origins`, by `Origin` or
 * `Sec-Fetch-Site: same-origin`), an `Origin` header, when sent with any content type, must be one
 * of `origins`, and the session's token must come back in the `X-CSRF-Token` header or the
 * `_csrf` form field. Refusals are 403 JSON `{status:"forbidden", reason}`. Requests with the admin
 * bearer token are exempt (no cookie is involved); anonymous ones are left to the 401 guard.
 *
 * @param origins the dashboard's own origins (the public URL's); empty: the request URL's origin.
 */
export function csrfGuard(origins: readonly string[]): MiddlewareHandler<WebEnv> {
  const allowed = (origin: string, requestUrl: string) => (origins.length > 0 ? origins.includes(origin) : origin === new URL(requestUrl).origin);
  const honoCsrf = csrf({ origin: (origin, c) => allowed(origin, c.req.url) });
  return async (c, next) => {
    const viewer = c.get('viewer');
    if (SAFE.test(c.req.method) || viewer.kind !== 'person') return next();
    const refuse = (reason: string) => c.json({ status: 'forbidden', reason }, 403);
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowed(origin, c.req.url)) return refuse(`cross-site request refused (Origin ${origin})`);
    let passed = false;
    try {
      await honoCsrf(c, async () => {
        passed = true;
      });
    } catch {
      return refuse('cross-site form post refused (Origin / Sec-Fetch-Site)');
    }
    if (!passed) return refuse('cross-site request refused');
    let token = c.req.header(CSRF_HEADER);
    if (token === undefined && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header('content-type') ?? '')) {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const field = form[CSRF_FIELD];
      if (typeof field === 'string') token = field;
    }
    if (!token || !sameText(token, viewer.csrfToken))
      return refuse(`missing or wrong CSRF token: send the session's token in the ${CSRF_HEADER} header or the ${CSRF_FIELD} form field`);
    await next();
  };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
