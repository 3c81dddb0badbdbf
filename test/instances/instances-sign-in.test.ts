/**
 * Dashboard sign-in with every instance, over real HTTP on 127.0.0.1: kugetsu's server and two fake
 * forges (company, a Gitea, first; codeberg, a Forgejo), each with the dashboard's OAuth2
 * application registered for the one redirect URI `<public>/auth/callback`. A person signs in
 * through their own instance's authorize page and is then a user of that instance only; a code
 * or a person's token never travels to the other instance; a state of one instance's flow does not
 * finish a sign-in of the other's. The last case does the codeberg sign-in in real Chromium.
 */
import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/ingress/start-http-server.js';
import { onCleanup } from '../cli/support/cli-kit.js';
import { freePort } from '../support/free-port.js';
import { Browser } from '../web/browser.js';
import { launchChromium, newContext } from '../web-ui/support/browser.js';
import { labelledIssue, twoInstances, until, type Side, type TwoInstances } from './support/two-services.js';

interface World extends TwoInstances {
  base: string;
  jobA: string;
  jobB: string;
}

/** Both forges with an OAuth application, kugetsu (ingress only: jobs stay queued) on a real port, and one queued job on each instance's acme/app. */
async function world(): Promise<World> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const w = await twoInstances({}, { role: 'ingress' }, { publicUrl: base });
  const http = await startHttpServer(w.service.app, { port, host: '127.0.0.1', headersMs: 5_000, requestMs: 10_000 });
  onCleanup(() => http.close());
  const ra = await w.label(w.a, labelledIssue(w.a));
  const rb = await w.label(w.b, labelledIssue(w.b));
  expect([ra.status, rb.status]).toEqual([202, 202]);
  const jobA = ra.json.job!;
  const jobB = rb.json.job!;
  await until('both jobs queued', async () => (await w.service.store.get(jobA))?.state === 'queued' && (await w.service.store.get(jobB))?.state === 'queued');
  // bob reads acme/app on codeberg only, carol on company only.
  w.b.fake.setPermission('acme/app', 'bob', 'read');
  w.a.fake.setPermission('acme/app', 'carol', 'read');
  return { ...w, base, jobA, jobB };
}

/** Signs `login` in through `side`'s chooser page, starting at `start`; the browser and the page it lands on. */
async function signIn(w: World, side: Side, start: string, login: string): Promise<{ browser: Browser; landed: Response }> {
  const browser = new Browser();
  const chooser = await browser.go(`${w.base}${start}`);
  expect(chooser.status).toBe(200);
  const href = new RegExp(`href="([^"]*login=${login}[^"]*)"`).exec(await chooser.text())![1]!.replace(/&#38;/g, '&');
  // The chooser is the authorize page of the instance asked for, on its own origin.
  const authorize = new URL(href, side.server.url);
  expect(authorize.pathname).toBe('/login/oauth/authorize');
  expect(authorize.searchParams.get('client_id')).toBe(`client-of-${side.name}`);
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${w.base}/auth/callback`);
  const landed = await browser.go(authorize.toString());
  return { browser, landed };
}

async function jobIds(w: World, browser: Browser): Promise<string[]> {
  const res = await browser.go(`${w.base}/api/jobs`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { jobs: Array<{ id: string }> }).jobs.map((j) => j.id).sort();
}

/** The OAuth tokens an instance's API saw: each must be one that instance issued. */
function foreignTokens(side: Side): string[] {
  return side.calls.filter((c) => c.token.startsWith('gto_oauth_') && side.fake.oauth.userIdOfToken(c.token) === undefined).map((c) => c.token);
}

const exchanges = (side: Side) => side.fake.calls.filter((c) => c.method === 'POST' && c.path.startsWith('/login/oauth/access_token'));

describe('dashboard sign-in with each instance', { timeout: 120_000 }, () => {
  it("a codeberg person signs in through codeberg's pages and sees codeberg's job only; a company person (the default) the reverse; tokens stay on their instance", async () => {
    const w = await world();
    const home = await (await fetch(`${w.base}/`)).text();
    expect(home).toContain(`Sign in with company (${w.a.host})`);
    expect(home).toContain(`Sign in with codeberg (${w.b.host})`);
    expect(home).toContain('href="/auth/login?instance=codeberg"');

    const bob = await signIn(w, w.b, '/auth/login?instance=codeberg&next=/api/session', 'bob');
    expect(bob.browser.visited.slice(-3)).toEqual(['303 /login/oauth/authorize', '302 /auth/callback', '200 /api/session']);
    expect(await bob.landed.json()).toMatchObject({ viewer: { kind: 'person', login: 'bob', instance: 'codeberg' } });
    // The session holds codeberg's bob (codeberg's user id), never a token.
    const payload = Buffer.from(bob.browser.jar.get(w.base)!.get('kugetsu_session')!.split('.')[0]!, 'base64url').toString('utf8');
    expect(JSON.parse(payload)).toMatchObject({ login: 'bob', id: w.b.fake.user('bob').id, instance: 'codeberg' });
    expect(payload).not.toContain('gto_');
    expect(await jobIds(w, bob.browser)).toEqual([w.jobB]);
    expect((await bob.browser.go(`${w.base}/api/jobs/${w.jobA}`)).status).toBe(404);
    // Codeberg's code was exchanged at codeberg, and bob's token read GET /user there; company heard nothing of it.
    expect(exchanges(w.b)).toHaveLength(1);
    expect(exchanges(w.a)).toEqual([]);
    expect(w.b.fake.calls.some((c) => c.method === 'GET' && c.path === '/user' && c.status === 200)).toBe(true);
    expect(w.a.calls.filter((c) => c.token.startsWith('gto_oauth_'))).toEqual([]);

    // No ?instance=: the first instance, company; its session records no instance (the first's, as always).
    const carol = await signIn(w, w.a, '/auth/login?next=/api/session', 'carol');
    const session = (await carol.landed.json()) as { viewer: { login: string; instance?: string } };
    expect(session.viewer.login).toBe('carol');
    expect(session.viewer.instance).toBeUndefined();
    expect(await jobIds(w, carol.browser)).toEqual([w.jobA]);
    expect((await carol.browser.go(`${w.base}/api/jobs/${w.jobB}`)).status).toBe(404);
    expect(exchanges(w.a)).toHaveLength(1);
    expect(exchanges(w.b)).toHaveLength(1);

    // Each instance saw OAuth tokens it issued, never the other's.
    expect(foreignTokens(w.a)).toEqual([]);
    expect(foreignTokens(w.b)).toEqual([]);
    expect(w.a.calls.some((c) => c.token.startsWith('gto_oauth_'))).toBe(true);
  });

  it("a state from one instance's flow does not finish a sign-in on the other; an unknown instance is a 400", async () => {
    const w = await world();
    w.a.fake.oauth.signInAs('carol');
    w.b.fake.oauth.signInAs('bob');
    // Two flows, stopped at the callback: codeberg's in browser x, company's in browser y.
    const start = async (query: string) => {
      const browser = new Browser();
      const login = await browser.go(`${w.base}/auth/login${query}`, {}, 1);
      expect(login.status).toBe(302);
      const back = await fetch(login.headers.get('location')!, { redirect: 'manual' });
      expect(back.status).toBe(303);
      const callback = new URL(back.headers.get('location')!);
      const cookie = [...browser.jar.get(w.base)!].map(([k, v]) => `${k}=${v}`).join('; ');
      return { callback, cookie };
    };
    const x = await start('?instance=codeberg');
    const y = await start('?instance=company');
    expect(x.callback.searchParams.get('state')!.startsWith('codeberg.')).toBe(true);
    expect(y.callback.searchParams.get('state')!.startsWith('company.')).toBe(true);
    const sessionSet = (res: Response) => res.headers.getSetCookie().some((c) => c.startsWith('kugetsu_session=') && !/Max-Age=0/.test(c));
    const finish = async (url: URL, cookie: string) => {
      const res = await fetch(url, { redirect: 'manual', headers: { cookie } });
      return { status: res.status, text: await res.text(), session: sessionSet(res) };
    };

    // Codeberg's answer (its state) in the company flow's browser: refused before any exchange.
    expect(await finish(x.callback, y.cookie)).toEqual({ status: 400, text: expect.stringContaining('state does not match'), session: false });
    // Company's code with codeberg's state (matching x's cookie): it is taken to codeberg, which refuses it.
    const crossed = new URL(y.callback);
    crossed.searchParams.set('state', x.callback.searchParams.get('state')!);
    expect(await finish(crossed, x.cookie)).toEqual({ status: 400, text: expect.stringContaining('codeberg'), session: false });
    expect(exchanges(w.a)).toEqual([]);
    // A state renamed to the other instance no longer matches its cookie.
    const renamed = new URL(x.callback);
    renamed.searchParams.set('state', `company.${x.callback.searchParams.get('state')!.slice('codeberg.'.length)}`);
    expect(await finish(renamed, x.cookie)).toEqual({ status: 400, text: expect.stringContaining('state does not match'), session: false });
    // Company's own flow still finishes with its own answer.
    expect(await finish(y.callback, y.cookie)).toMatchObject({ status: 302, session: true });
    expect(exchanges(w.a)).toHaveLength(1);

    // A person who says no on codeberg's authorize page is told codeberg refused.
    const denying = new Browser();
    const login = await denying.go(`${w.base}/auth/login?instance=codeberg`, {}, 1);
    const deny = new URL(login.headers.get('location')!);
    deny.searchParams.set('deny', '1');
    const refused = await denying.go(deny.toString());
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(`codeberg (${w.b.host}) did not sign you in: access_denied`);

    const unknown = await fetch(`${w.base}/auth/login?instance=nowhere`, { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('There is no instance "nowhere" to sign in with. Sign in with one of: company, codeberg');
    expect(unknown.headers.getSetCookie()).toEqual([]);
  });

  it("in Chromium: the sign-in page's codeberg button leads to codeberg's authorize page and back, signed in as codeberg's bob, who sees codeberg's job only", async () => {
    const w = await world();
    const chromium = await launchChromium();
    onCleanup(() => chromium.close());
    const { context, problems } = await newContext(chromium);
    const page = await context.newPage();
    await page.goto(`${w.base}/`);
    await page.getByRole('link', { name: `Sign in with codeberg (${w.b.host})` }).click();
    await page.waitForURL((url) => url.origin === w.b.server.url && url.pathname === '/login/oauth/authorize');
    await page.locator('a[data-login="bob"]').click();
    await page.waitForURL(`${w.base}/`);
    expect(await page.locator('header .who').textContent()).toContain('Signed in as bob');
    await page.goto(`${w.base}/queue`);
    expect(await page.locator(`a[href="/jobs/${w.jobB}"]`).count()).toBeGreaterThan(0);
    expect(await page.locator(`a[href="/jobs/${w.jobA}"]`).count()).toBe(0);
    // No page error on kugetsu's pages (the fake forge's page has no favicon: not kugetsu's concern).
    expect(problems.filter((p) => !p.includes(`(${w.b.server.url}/`))).toEqual([]);
    expect((await page.goto(`${w.base}/jobs/${w.jobA}`))?.status()).toBe(404);
  });

  it('an instance without an OAuth2 application is named as such (not as unknown), and its name starts no flow', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const w = await twoInstances({}, { role: 'ingress' }, { publicUrl: base, signInOn: 'first' });
    const http = await startHttpServer(w.service.app, { port, host: '127.0.0.1', headersMs: 5_000, requestMs: 10_000 });
    onCleanup(() => http.close());
    const codeberg = await fetch(`${base}/auth/login?instance=codeberg`, { redirect: 'manual' });
    expect(codeberg.status).toBe(400);
    const text = await codeberg.text();
    expect(text).toContain('The instance "codeberg" offers no sign-in');
    expect(text).toContain('oauth_client_id_env and oauth_client_secret_env');
    expect(text).toContain('the first instance may use KUGETSU_OAUTH_CLIENT_ID and KUGETSU_OAUTH_CLIENT_SECRET instead');
    expect(text).toContain('Sign in with one of: company (');
    expect(codeberg.headers.getSetCookie()).toEqual([]);
    const unknown = await fetch(`${base}/auth/login?instance=nowhere`, { redirect: 'manual' });
    expect(await unknown.text()).toContain('There is no instance "nowhere" to sign in with. Sign in with one of: company');
    // The first instance's sign-in still starts, on company's own origin.
    const company = await fetch(`${base}/auth/login?instance=company`, { redirect: 'manual' });
    expect(company.status).toBe(302);
    expect(new URL(company.headers.get('location')!).origin).toBe(new URL(w.a.server.url).origin);
  });
});
