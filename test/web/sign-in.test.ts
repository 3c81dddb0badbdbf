/**
 * Issue 13: sign-in with Gitea over real HTTP on 127.0.0.1 — kugetsu's server and the fake Gitea's
 * server, a cookie-keeping client following the redirects as a browser does: `/auth/login` →
 * Gitea's authorize page (the fake's user chooser) → `/auth/callback` → code exchanged for a token
 * (client secret, PKCE) → `GET /api/v1/user` → session cookie; then logout.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startHttpServer, type HttpServer } from '../../src/ingress/start-http-server.js';
import { openStore } from '../../src/open-store.js';
import { startFakeGiteaServer, type FakeGiteaServer } from '../../src/sandbox/fake-gitea-server.js';
import { createService, type Service } from '../../src/service.js';
import { makeTempDir, removeDir } from '../support/git-fixtures.js';
import { memoryLogger } from '../support/test-logger.js';
import { freePort } from '../support/free-port.js';
import { Browser } from './browser.js';
import { CLIENT } from './web-world.js';

let tmp = '';
let gitea: FakeGiteaServer;
let service: Service | undefined;
let http: HttpServer | undefined;
let base = '';

beforeEach(async () => {
  tmp = makeTempDir('kugetsu-web-signin-');
  gitea = await startFakeGiteaServer();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  gitea.fake.oauth.addApp({ ...CLIENT, redirectUris: [`${base}/auth/callback`] });
  gitea.fake.addUser({ login: 'alice', id: 4242 });
  gitea.fake.addUser({ login: 'bob' });
  const config = loadConfig(
    {
      GITEA_URL: gitea.url,
      GITEA_TOKEN: gitea.fake.token,
      KUGETSU_WEBHOOK_SECRET: 'sign-in-secret',
      KUGETSU_STATE_DIR: path.join(tmp, 'state'),
      KUGETSU_AGENT: 'command',
      KUGETSU_AGENT_COMMAND: '["true"]',
      KUGETSU_RECONCILE_INTERVAL_S: '0',
      KUGETSU_OAUTH_CLIENT_ID: CLIENT.clientId,
      KUGETSU_OAUTH_CLIENT_SECRET: CLIENT.clientSecret,
      KUGETSU_PUBLIC_URL: `${base}/`,
      PATH: process.env.PATH,
    },
    tmp,
  );
  service = createService(config, { store: await openStore(config), logger: memoryLogger().logger, role: 'ingress' });
  await service.start();
  http = await startHttpServer(service.app, { port, host: '127.0.0.1', headersMs: 5_000, requestMs: 10_000 });
});

afterEach(async () => {
  await http?.close();
  await service?.stop(1_000);
  await gitea.close();
  removeDir(tmp);
});

describe('sign-in with Gitea (real HTTP)', () => {
  it("login → the fake Gitea's authorize page → callback → session; the API knows the person; logout ends it", async () => {
    const browser = new Browser();
    const chooser = await browser.go(`${base}/auth/login?next=/api/session`);
    expect(chooser.status).toBe(200);
    const page = await chooser.text();
    expect(page).toContain('Sign in as alice');
    const href = /href="([^"]*login=alice[^"]*)"/.exec(page)![1]!.replace(/&#38;/g, '&');
    // The authorize URL carried PKCE (S256) and the state.
    const authorize = new URL(href, gitea.url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}/auth/callback`);
    expect(authorize.searchParams.get('state')).toBeTruthy();

    const landed = await browser.go(authorize.toString());
    expect(browser.visited.slice(-3)).toEqual(['303 /login/oauth/authorize', '302 /auth/callback', '200 /api/session']);
    expect(await landed.json()).toMatchObject({ viewer: { kind: 'person', login: 'alice' } });
    const jar = browser.jar.get(base)!;
    expect([...jar.keys()]).toEqual(['kugetsu_session']);
    // The cookie holds who and until when — never Gitea's access token.
    const session = jar.get('kugetsu_session')!;
    const payload = Buffer.from(session.split('.')[0]!, 'base64url').toString('utf8');
    expect(JSON.parse(payload)).toMatchObject({ login: 'alice', id: 4242 });
    expect(payload).not.toContain('gto_');
    // The token exchange went to Gitea with the client secret and the PKCE verifier.
    const exchange = gitea.fake.calls.find((c) => c.path.startsWith('/login/oauth/access_token'));
    expect(String(exchange?.body)).toContain('code_verifier=');
    expect(gitea.fake.calls.some((c) => c.method === 'GET' && c.path === '/user' && c.status === 200)).toBe(true);

    const me = (await (await browser.go(`${base}/api/session`)).json()) as { viewer: { csrfToken: string } };
    const out = await browser.go(`${base}/auth/logout`, { method: 'POST', headers: { origin: base, 'x-csrf-token': me.viewer.csrfToken, accept: 'application/json' } });
    expect(out.status).toBe(200);
    expect(browser.jar.get(base)?.has('kugetsu_session')).toBe(false);
    expect((await browser.go(`${base}/api/jobs`)).status).toBe(401);
  });

  it('the session cookie is HttpOnly, SameSite=Lax and expires; the flow cookies are short-lived', async () => {
    const res = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const flow = res.headers.getSetCookie();
    expect(flow).toHaveLength(3);
    for (const c of flow) expect(c).toMatch(/Max-Age=600; Path=\/auth; HttpOnly; SameSite=Lax/);
    gitea.fake.oauth.signInAs('bob');
    // Step by step, to read the Set-Cookie of the callback itself.
    const again = new Browser();
    const login = await again.go(`${base}/auth/login`, {}, 1);
    const location = login.headers.get('location')!;
    const back = await fetch(location, { redirect: 'manual' });
    const callback = back.headers.get('location')!;
    const flowCookies = [...again.jar.get(base)!].map(([k, v]) => `${k}=${v}`).join('; ');
    const done = await fetch(callback, { redirect: 'manual', headers: { cookie: flowCookies } });
    const set = done.headers.getSetCookie().find((c) => c.startsWith('kugetsu_session='))!;
    expect(set).toMatch(/Max-Age=43200/);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).not.toMatch(/Secure/); // http:// public URL
  });

  it('?instance= names the one instance (gitea without an instances file); another name is a 400 naming the choices, with no flow cookies', async () => {
    const named = await fetch(`${base}/auth/login?instance=gitea`, { redirect: 'manual' });
    expect(named.status).toBe(302);
    expect(new URL(named.headers.get('location')!).origin).toBe(new URL(gitea.url).origin);
    const unknown = await fetch(`${base}/auth/login?instance=codeberg`, { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('There is no instance "codeberg" to sign in with. Sign in with one of: gitea');
    expect(unknown.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a callback whose state does not match, a denied grant, and a reused code', async () => {
    gitea.fake.oauth.signInAs('alice');
    const browser = new Browser();
    const login = await browser.go(`${base}/auth/login`, {}, 1);
    const back = await fetch(login.headers.get('location')!, { redirect: 'manual' });
    const callback = new URL(back.headers.get('location')!);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged');
    const cookies = [...browser.jar.get(base)!].map(([k, v]) => `${k}=${v}`).join('; ');
    const bad = await fetch(forged, { redirect: 'manual', headers: { cookie: cookies } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('state does not match');
    expect(bad.headers.getSetCookie().some((c) => c.startsWith('kugetsu_session=') && !/Max-Age=0/.test(c))).toBe(false);
    // Without the flow cookies (another browser), the real callback is refused too.
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(400);
    const denied = await fetch(`${base}/auth/callback?error=access_denied&state=x`, { redirect: 'manual' });
    expect(denied.status).toBe(400);
    expect(await denied.text()).toContain('access_denied');
    // The code was never exchanged above; exchanging it twice fails the second time at Gitea.
    const ok = await fetch(callback, { redirect: 'manual', headers: { cookie: cookies } });
    expect(ok.status).toBe(302);
    const reused = await fetch(callback, { redirect: 'manual', headers: { cookie: cookies } });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('unauthorized_client');
  });
});
