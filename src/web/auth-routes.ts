import { timingSafeEqual } from 'node:crypto';
import { Gitea, generateCodeVerifier, generateState, OAuth2RequestError } from 'arctic';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Logger } from '../log/logger.js';
import { encodeSession, newSession, SESSION_COOKIE } from './session-cookie.js';
import type { WebEnv } from './viewer.js';

/**
 * One Gitea or Forgejo instance people can sign in to the dashboard with: its OAuth2 application
 * and where its endpoints are (`/login/oauth/authorize` and `/login/oauth/access_token` under
 * `url`, the same paths on Forgejo: docs/forgejo-contract.md).
 */
export interface SignInInstance {
  /** The instance's name: `/auth/login?instance=<name>` (the instances file's `name`; `gitea` without a file). */
  name: string;
  /** Its host, shown on the sign-in button, e.g. `codeberg.org`. */
  host: string;
  /** Its root URL without a trailing slash; every request of its sign-in goes to this origin only. */
  url: string;
  clientId: string;
  clientSecret: string;
  /** The signed-in person (`GET /api/v1/user` on this instance with their access token), which is then dropped. */
  userOf: (accessToken: string) => Promise<{ id: number; login: string }>;
  /**
   * The instance name recorded on the session (`undefined`: the first instance, as sessions have
   * always recorded it): the person may see jobs of that instance only.
   */
  sessionInstance?: string | undefined;
}

/** Sign-in with Gitea or Forgejo: one OAuth2 application per instance, one callback URL for all. */
export interface AuthOptions {
  /** The instances that offer sign-in, first one first (at least one); `/auth/login` without `?instance=` uses the first. */
  instances: SignInInstance[];
  /**
   * The configured instances that offer no sign-in (no OAuth2 application of their own): asked for
   * by name, they get their own 400 saying what to configure instead of "no such instance".
   */
  withoutSignIn?: readonly string[];
  /** `<KUGETSU_PUBLIC_URL>/auth/callback`, registered as the redirect URI of every instance's application. */
  redirectUrl: string;
  /** True when the public URL is https: cookies get `Secure`. */
  secure: boolean;
  sessionKey: Buffer;
  /** How long a session lasts, ms. */
  sessionTtlMs: number;
  logger: Logger;
  now?: () => number;
}

const STATE_COOKIE = 'kugetsu_oauth_state';
const VERIFIER_COOKIE = 'kugetsu_oauth_verifier';
const NEXT_COOKIE = 'kugetsu_oauth_next';
/** The sign-in must finish within this many seconds. */
const FLOW_TTL_S = 600;
/** Gitea scope: read the user's profile (`GET /api/v1/user`); kugetsu never acts as the person. */
const SCOPES = ['read:user'];

/**
 * `GET /auth/login[?instance=<name>][&next=/path]` → 302 to that instance's authorize page (no
 * `instance`: the first that offers sign-in; an unknown one: 400), with `state` and a PKCE S256
 * challenge. The state is `<instance name>.<random>`, so the one callback URL knows whose code it
 * gets; the state, verifier and return path go in short-lived (10 min) HttpOnly, SameSite=Lax
 * cookies on `/auth`. `GET /auth/callback?code&state` → checks the state against the cookie (a state
 * of another flow, e.g. another instance's, is refused), exchanges the code at the state's instance
 * only (arctic's Gitea provider, client secret in HTTP Basic), reads `GET /api/v1/user` there with
 * the person's token (then forgets the token; it never goes to another instance), sets the signed
 * session cookie recording the instance and 302s back. A failed sign-in answers 400 (or 502 when the
 * instance fails) with the reason as text. `POST /auth/logout` (CSRF
 * checked by the caller's guard) clears the session: 303 to `/`, or 200 JSON for `Accept: application/json`.
 * Without OAuth settings, `/auth/login` answers 404 with how to configure it.
 */
export function createAuthRoutes(options: AuthOptions | undefined, cookieSecure: boolean): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const cookie = (maxAge: number, secure: boolean) => ({ httpOnly: true, sameSite: 'Lax' as const, secure, path: '/', maxAge });

  app.post('/auth/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: cookieSecure });
    return (c.req.header('accept') ?? '').includes('application/json') ? c.json({ status: 'signed-out' }) : c.redirect('/', 303);
  });

  if (!options) {
    const notConfigured =
      'Sign-in with Gitea is not configured: set KUGETSU_OAUTH_CLIENT_ID, KUGETSU_OAUTH_CLIENT_SECRET and KUGETSU_PUBLIC_URL (README "Dashboard API"). The admin token works meanwhile: Authorization: Bearer <state>/admin-token.';
    app.get('/auth/login', (c) => c.text(notConfigured, 404));
    app.get('/auth/callback', (c) => c.text(notConfigured, 404));
    return app;
  }
  const now = options.now ?? Date.now;
  const providers = new Map(options.instances.map((i) => [i.name, { instance: i, gitea: new Gitea(i.url, i.clientId, i.clientSecret, options.redirectUrl) }]));
  const names = options.instances.map((i) => i.name).join(', ');
  // How messages name an instance: just "Gitea" when there is only one.
  const forgeName = (i: SignInInstance) => (options.instances.length > 1 ? `${i.name} (${i.host})` : 'Gitea');
  const flow = { httpOnly: true, sameSite: 'Lax' as const, secure: options.secure, path: '/auth', maxAge: FLOW_TTL_S };

  app.get('/auth/login', (c) => {
    const wanted = c.req.query('instance');
    const chosen = wanted === undefined ? providers.get(options.instances[0]!.name) : providers.get(wanted);
    if (!chosen && wanted !== undefined && options.withoutSignIn?.includes(wanted)) {
      return c.text(
        `The instance "${wanted}" offers no sign-in: it has no OAuth2 application for the dashboard (name one with oauth_client_id_env and oauth_client_secret_env in its entry of KUGETSU_INSTANCES_FILE; the first instance may use KUGETSU_OAUTH_CLIENT_ID and KUGETSU_OAUTH_CLIENT_SECRET instead). Sign in with one of: ${names} (/auth/login?instance=<name>).`,
        400,
      );
    }
    if (!chosen) return c.text(`There is no instance "${clip(wanted ?? '')}" to sign in with. Sign in with one of: ${names} (/auth/login?instance=<name>).`, 400);
    const state = `${chosen.instance.name}.${generateState()}`;
    const verifier = generateCodeVerifier();
    setCookie(c, STATE_COOKIE, state, flow);
    setCookie(c, VERIFIER_COOKIE, verifier, flow);
    setCookie(c, NEXT_COOKIE, safeNext(c.req.query('next')), flow);
    return c.redirect(chosen.gitea.createAuthorizationURL(state, verifier, SCOPES).toString(), 302);
  });

  app.get('/auth/callback', async (c) => {
    const expected = getCookie(c, STATE_COOKIE);
    const verifier = getCookie(c, VERIFIER_COOKIE);
    const next = safeNext(getCookie(c, NEXT_COOKIE));
    for (const name of [STATE_COOKIE, VERIFIER_COOKIE, NEXT_COOKIE]) deleteCookie(c, name, { path: '/auth', secure: options.secure });
    const error = c.req.query('error');
    const code = c.req.query('code');
    const state = c.req.query('state');
    // Only an answer to this browser's own flow counts; its state names the instance it went to.
    const ours = state !== undefined && expected !== undefined && sameText(state, expected);
    const chosen = ours ? providers.get(state.slice(0, Math.max(0, state.lastIndexOf('.')))) : undefined;
    if (error) {
      const who = chosen ? forgeName(chosen.instance) : 'Gitea';
      const description = c.req.query('error_description');
      return c.text(`${who} did not sign you in: ${error}${description ? ` (${description})` : ''}. Try again: /auth/login`, 400);
    }
    if (!code || !state) return c.text('The sign-in answer from Gitea lacks code or state. Start again: /auth/login', 400);
    if (!ours || !verifier) return c.text('The sign-in expired or was started elsewhere (state does not match). Start again: /auth/login', 400);
    if (!chosen) return c.text(`The sign-in was started with an instance kugetsu no longer offers. Sign in with one of: ${names}.`, 400);
    const { gitea, instance } = chosen;
    const forge = forgeName(instance);
    let accessToken: string;
    try {
      accessToken = (await gitea.validateAuthorizationCode(code, verifier)).accessToken();
    } catch (err) {
      if (err instanceof OAuth2RequestError)
        return c.text(`${forge} refused the sign-in code (${err.code}${err.description ? `: ${err.description}` : ''}). Start again: /auth/login`, 400);
      options.logger.warn({ err, instance: instance.name }, 'sign-in with Gitea failed: the token request did not succeed');
      return c.text(`${forge} could not be reached to finish the sign-in. Try again in a moment.`, 502);
    }
    let user: { id: number; login: string };
    try {
      user = await instance.userOf(accessToken);
    } catch (err) {
      options.logger.warn({ err, instance: instance.name }, 'sign-in with Gitea failed: GET /api/v1/user did not succeed');
      return c.text(`${forge} did not tell who you are (GET /api/v1/user failed). Try again in a moment.`, 502);
    }
    const session = newSession(user, options.sessionTtlMs, now(), instance.sessionInstance);
    setCookie(c, SESSION_COOKIE, encodeSession(session, options.sessionKey), cookie(Math.floor(options.sessionTtlMs / 1000), options.secure));
    options.logger.info({ login: user.login, ...(options.instances.length > 1 ? { instance: instance.name } : {}) }, 'signed in to the dashboard');
    return c.redirect(next, 302);
  });
  return app;
}

/** A return path that stays on this site: starts with one `/`, no `//` or `/\`; else `/`. */
function safeNext(next: string | undefined): string {
  if (!next || !/^\/(?![/\\])/.test(next) || /[\r\n]/.test(next) || next.length > 1000) return '/';
  return next;
}

/** At most 60 characters of a name someone sent, for a message. */
function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
