import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { FakeGiteaEnv } from './fake-gitea-http.js';
import type { FakeOAuth } from './fake-gitea-oauth-state.js';
import type { FakeGiteaState } from './fake-gitea-state.js';

type Ctx = Context<FakeGiteaEnv>;

/**
 * Registers `GET /login/oauth/authorize` and `POST /login/oauth/access_token` (Gitea v1.25
 * `routers/web/auth/oauth2_provider.go`). Register before the API's token middleware: these
 * routes authenticate the client, not a user token.
 */
export function registerFakeOAuthRoutes(app: Hono<FakeGiteaEnv>, state: FakeGiteaState, oauth: FakeOAuth): void {
  app.get('/login/oauth/authorize', (c) => {
    const q = (name: string) => c.req.query(name) ?? '';
    const client = oauth.apps.get(q('client_id'));
    // Without a valid client and redirect URI Gitea shows an error page (400) instead of redirecting.
    if (!client) return errorPage(c, 'unauthorized_client', 'Client ID not registered');
    const redirectUri = q('redirect_uri');
    if (!client.redirectUris.includes(redirectUri)) return errorPage(c, 'invalid_request', 'Unregistered Redirect URI');
    const back = (params: Record<string, string>) => {
      const url = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return c.redirect(url.toString(), 303);
    };
    const state_ = q('state');
    if (q('response_type') !== 'code') return back({ error: 'unsupported_response_type', error_description: 'Only code response type is supported.', state: state_ });
    const method = q('code_challenge_method');
    const challenge = q('code_challenge');
    if (challenge && method !== 'S256' && method !== 'plain') return back({ error: 'invalid_request', error_description: 'unsupported code challenge method', state: state_ });
    if (!client.confidential && !challenge) return back({ error: 'invalid_request', error_description: 'PKCE is required for public clients', state: state_ });
    const chosen = c.req.query('login') ?? oauth.signedIn;
    if (chosen === undefined) return chooser(c, state);
    const user = [...state.users.values()].find((u) => u.login.toLowerCase() === chosen.toLowerCase());
    if (!user) return errorPage(c, 'access_denied', `no user ${chosen}`);
    if (c.req.query('deny') === '1') return back({ error: 'access_denied', error_description: 'the user denied the request', state: state_ });
    const code = oauth.issueCode({
      clientId: client.clientId,
      userId: user.id,
      redirectUri,
      ...(challenge ? { challenge: { method: method as 'S256' | 'plain', value: challenge } } : {}),
    });
    return back({ code, state: state_ });
  });

  app.post('/login/oauth/access_token', async (c) => {
    const fail = (error: string, description: string) => c.json({ error, error_description: description }, 400);
    const form = await readForm(c);
    if (!form) return fail('invalid_request', 'cannot parse the request body');
    let clientId = form.client_id ?? '';
    let clientSecret = form.client_secret ?? '';
    if (!clientId || !clientSecret) {
      const [type, data] = (c.req.header('authorization') ?? '').split(' ', 2);
      if (type?.toLowerCase() === 'basic' && data) {
        const decoded = Buffer.from(data, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0) return fail('invalid_request', 'cannot parse basic auth header');
        const [id, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
        if (clientId && clientId !== id) return fail('invalid_request', 'client_id in request body inconsistent with Authorization header');
        if (clientSecret && clientSecret !== secret) return fail('invalid_request', 'client_secret in request body inconsistent with Authorization header');
        clientId = id;
        clientSecret = secret;
      }
    }
    if (form.grant_type !== 'authorization_code') return fail('unsupported_grant_type', 'Only refresh_token or authorization_code grant type is supported');
    const client = oauth.apps.get(clientId);
    if (!client) return fail('invalid_client', `cannot load client with client id: '${clientId}'`);
    if (client.confidential && !same(clientSecret, client.clientSecret)) return fail('unauthorized_client', clientSecret ? 'invalid client secret' : 'invalid empty client secret');
    if (form.redirect_uri && !client.redirectUris.includes(form.redirect_uri)) return fail('unauthorized_client', 'unexpected redirect URI');
    const pending = oauth.takeCode(form.code ?? '');
    if (!pending) return fail('unauthorized_client', 'client is not authorized');
    if (pending.challenge && !verifies(pending.challenge, form.code_verifier ?? '')) return fail('unauthorized_client', 'failed PKCE code challenge');
    if (pending.clientId !== client.clientId) return fail('invalid_grant', 'invalid grant');
    return c.json({ access_token: oauth.issueToken(pending.userId), token_type: 'bearer', expires_in: 3600, refresh_token: randomBytes(24).toString('hex') });
  });
}

/** The body as a flat string record: `application/x-www-form-urlencoded` or JSON (Gitea binds both). */
async function readForm(c: Ctx): Promise<Record<string, string> | undefined> {
  const type = c.req.header('content-type') ?? '';
  try {
    if (type.includes('application/json')) {
      const body = (await c.req.json()) as unknown;
      if (typeof body !== 'object' || body === null) return undefined;
      return Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    }
    return Object.fromEntries(new URLSearchParams(await c.req.text()));
  } catch {
    return undefined;
  }
}

function verifies(challenge: { method: 'S256' | 'plain'; value: string }, verifier: string): boolean {
  if (!verifier) return false;
  const computed = challenge.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return same(computed, challenge.value);
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function errorPage(c: Ctx, code: string, description: string): Response {
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorization failed</title></head><body><h1>Authorization failed</h1><p id="error">${escape(code)}: ${escape(description)}</p></body></html>`,
    400,
  );
}

/** The fake's "sign in and grant" page: one link per user (the bot left out), each signing that user in. */
function chooser(c: Ctx, state: FakeGiteaState): Response {
  const links = [...state.users.values()]
    .filter((u) => u.id !== state.bot.id)
    .map((u) => {
      const url = new URL(c.req.url);
      url.searchParams.set('login', u.login);
      return `<li><a href="${escape(url.pathname + url.search)}" data-login="${escape(u.login)}">Sign in as ${escape(u.login)} and authorize</a></li>`;
    })
    .join('');
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize application — fake Gitea</title></head><body><h1>Authorize application</h1><p>Fake Gitea: choose who signs in.</p><ul>${links}</ul></body></html>`,
  );
}
