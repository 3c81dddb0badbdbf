/**
 * The fake Gitea's OAuth2 provider follows Gitea v1.25 `routers/web/auth/oauth2_provider.go`
 * (docs/gitea-oauth-contract.md): authorize redirects (303) with code and state, or shows an error
 * page (400) for an unknown client or redirect URI; the token endpoint takes form or JSON bodies,
 * client credentials in the body or HTTP Basic, checks PKCE, answers errors as 400
 * `{error, error_description}`; the access token then works on the API.
 */
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFakeGitea, DROP, type FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { callFake } from '../support/fake-gitea.js';

const REDIRECT = 'http://kugetsu.test/auth/callback';
const VERIFIER = 'v'.repeat(50);
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

let fake: FakeGitea;
beforeEach(() => {
  fake = createFakeGitea();
  fake.oauth.addApp({ clientId: 'cid', clientSecret: 'csecret', redirectUris: [REDIRECT] });
  fake.addUser({ login: 'alice', id: 77 });
});

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fake.handle(new Request(`${fake.baseUrl}${path}`, init));
  if (res === DROP) throw new Error('dropped');
  return res;
}

async function authorize(extra: Record<string, string> = {}): Promise<Response> {
  const q = new URLSearchParams({
    client_id: 'cid',
    redirect_uri: REDIRECT,
    response_type: 'code',
    state: 'st',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    scope: 'read:user',
    ...extra,
  });
  return send(`/login/oauth/authorize?${q}`);
}

async function codeFor(login: string): Promise<string> {
  const res = await authorize({ login });
  expect(res.status).toBe(303);
  const back = new URL(res.headers.get('location')!);
  expect(back.searchParams.get('state')).toBe('st');
  return back.searchParams.get('code')!;
}

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

describe('the fake Gitea as OAuth2 provider', () => {
  it('authorize: a chooser page without a signed-in user; 303 back with code and state for one', async () => {
    const page = await authorize();
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Sign in as alice');
    fake.oauth.signInAs('alice');
    const res = await authorize();
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^http:\/\/kugetsu\.test\/auth\/callback\?code=[0-9a-f]+&state=st$/);
  });

  it('authorize: unknown client or redirect URI → 400 page; bad response type → 303 with error', async () => {
    expect((await authorize({ client_id: 'nope' })).status).toBe(400);
    expect((await authorize({ redirect_uri: 'http://evil.test/cb' })).status).toBe(400);
    const bad = await authorize({ response_type: 'token', login: 'alice' });
    expect(bad.status).toBe(303);
    expect(new URL(bad.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type');
  });

  it('token: form with HTTP Basic or JSON with body credentials → bearer token that reads GET /api/v1/user', async () => {
    const viaBasic = await send(
      '/login/oauth/access_token',
      form({ grant_type: 'authorization_code', code: await codeFor('alice'), redirect_uri: REDIRECT, code_verifier: VERIFIER }, basic('cid', 'csecret')),
    );
    expect(viaBasic.status).toBe(200);
    const token = (await viaBasic.json()) as { access_token: string; token_type: string; expires_in: number; refresh_token: string };
    expect(token).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    const me = await callFake(fake, 'GET', '/user', undefined, token.access_token);
    expect(me.json).toMatchObject({ id: 77, login: 'alice' });

    const viaJson = await send('/login/oauth/access_token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        code: await codeFor('alice'),
        client_id: 'cid',
        client_secret: 'csecret',
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      }),
    });
    expect(viaJson.status).toBe(200);
  });

  it.each([
    ['wrong secret', { client_secret: 'x' }, {}, 'unauthorized_client', 'invalid client secret'],
    ['unknown client', { client_id: 'nope', client_secret: 'x' }, {}, 'invalid_client', "cannot load client with client id: 'nope'"],
    ['wrong verifier', { code_verifier: 'w'.repeat(50) }, {}, 'unauthorized_client', 'failed PKCE code challenge'],
    ['other redirect URI', { redirect_uri: 'http://evil.test/cb' }, {}, 'unauthorized_client', 'unexpected redirect URI'],
    [
      'body id differs from Basic',
      { client_id: 'other', client_secret: '' },
      basic('cid', 'csecret'),
      'invalid_request',
      'client_id in request body inconsistent with Authorization header',
    ],
  ] as const)('token: %s → 400 %s', async (_name, override, headers, error, description) => {
    const fields: Record<string, string> = {
      grant_type: 'authorization_code',
      code: await codeFor('alice'),
      client_id: 'cid',
      client_secret: 'csecret',
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...override,
    };
    if (fields.client_secret === '') delete fields.client_secret;
    const res = await send('/login/oauth/access_token', form(fields, headers));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error, error_description: description });
  });

  it('token: a code works once', async () => {
    const code = await codeFor('alice');
    const fields = { grant_type: 'authorization_code', code, client_id: 'cid', client_secret: 'csecret', redirect_uri: REDIRECT, code_verifier: VERIFIER };
    expect((await send('/login/oauth/access_token', form(fields))).status).toBe(200);
    const again = await send('/login/oauth/access_token', form(fields));
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'unauthorized_client', error_description: 'client is not authorized' });
  });
});
