import { expect } from 'vitest';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import type { FakeGiteaFixture } from '../support/fake-gitea.js';
import { useServiceWorld, type ServiceWorld } from '../support/service-world.js';

/** The public URL and OAuth application every web test's kugetsu uses. */
export const PUBLIC_URL = 'http://kugetsu.test';
export const CLIENT = { clientId: 'kugetsu-client', clientSecret: 'kugetsu-client-secret-0123456789' };

/** A signed-in person: the cookie header to send and the session's CSRF token. */
export interface Session {
  cookie: string;
  csrf: string;
  login: string;
}

/** The `name=value` pairs of a response's Set-Cookie headers (a removal gives an empty value). */
export function cookiesOf(res: Response): Map<string, { value: string; raw: string }> {
  const out = new Map<string, { value: string; raw: string }>();
  for (const raw of res.headers.getSetCookie()) {
    const [pair = ''] = raw.split(';');
    const eq = pair.indexOf('=');
    out.set(pair.slice(0, eq).trim(), { value: pair.slice(eq + 1).trim(), raw });
  }
  return out;
}

/** A service world (ingress role: admitted jobs stay queued) with sign-in with Gitea configured. */
export function useWebWorld(gitea: FakeGiteaFixture, prefix: string) {
  const world: ServiceWorld = useServiceWorld(gitea, prefix);
  const env = {
    KUGETSU_OAUTH_CLIENT_ID: CLIENT.clientId,
    KUGETSU_OAUTH_CLIENT_SECRET: CLIENT.clientSecret,
    KUGETSU_PUBLIC_URL: PUBLIC_URL,
    KUGETSU_MAX_QUEUED_PER_ISSUE: '50',
    KUGETSU_RATE_LIMIT_SENDER: '0',
    KUGETSU_RATE_LIMIT_REPO: '0',
  };
  return {
    world,
    /** Registers the OAuth app in the fake and starts kugetsu without a worker. */
    async start(extra: Record<string, string> = {}, events?: { keepAliveMs?: number; pollMs?: number }) {
      gitea.fake.oauth.addApp({ ...CLIENT, redirectUris: [`${PUBLIC_URL}/auth/callback`] });
      return world.start(['exit:0'], { ...env, ...extra }, { role: 'ingress', ...(events ? { web: { events } } : {}) });
    },
    /** Requests to kugetsu's app (in process). */
    request(path: string, init: RequestInit = {}) {
      return world.service.app.request(`${PUBLIC_URL}${path}`, init);
    },
    /** Signs `login` in through the whole OAuth flow (kugetsu → fake Gitea authorize → callback). */
    async signIn(login: string): Promise<Session> {
      const app = world.service.app;
      const start = await app.request(`${PUBLIC_URL}/auth/login?next=/jobs`);
      expect(start.status).toBe(302);
      const flow = [...cookiesOf(start)].map(([k, v]) => `${k}=${v.value}`).join('; ');
      gitea.fake.oauth.signInAs(login);
      const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
      expect(authorize.status).toBe(303);
      const callback = new URL(authorize.headers.get('location')!);
      const done = await app.request(`${PUBLIC_URL}${callback.pathname}${callback.search}`, { headers: { cookie: flow } });
      expect(done.status, await done.clone().text()).toBe(302);
      expect(done.headers.get('location')).toBe('/jobs');
      const session = cookiesOf(done).get('kugetsu_session');
      expect(session?.value).toBeTruthy();
      const cookie = `kugetsu_session=${session!.value}`;
      const me = (await (await app.request(`${PUBLIC_URL}/api/session`, { headers: { cookie } })).json()) as { viewer: { login: string; csrfToken: string } };
      expect(me.viewer.login).toBe(login);
      return { cookie, csrf: me.viewer.csrfToken, login };
    },
    /** `author` comments `/kugetsu <message>` on issue `n` of `repo`; returns the new job's id. */
    async ask(fake: FakeGitea, repo: string, n: number, author: string, message = 'please fix it'): Promise<string> {
      const [owner, name] = repo.split('/') as [string, string];
      const issue = fake.issue(repo, n);
      const c = fake.addComment(repo, n, { body: `/kugetsu ${message}`, author });
      const res = await world.deliver(
        'issue_comment',
        issueCommentPayload({ repo: world.repo(fake, owner, name), issue, comment: { id: c.id, body: c.body }, sender: fake.user(author) }),
      );
      expect(res.status, res.json.reason).toBe(202);
      return res.json.job!;
    },
  };
}

/** One Server-Sent Event (or a `:` comment, as `comment`). */
export interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

/**
 * Reads an SSE response until `done(events)` is true (then cancels the body) or `timeoutMs`
 * passes (then throws, listing what came).
 */
export async function readSse(res: Response, done: (events: SseEvent[]) => boolean, timeoutMs = 15_000): Promise<SseEvent[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!done(events)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SSE: timed out; got ${JSON.stringify(events)}`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([reader.read(), new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), left)))]);
      clearTimeout(timer);
      if (chunk === 'timeout') continue;
      if (chunk.done) throw new Error(`SSE: stream ended; got ${JSON.stringify(events)}`);
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) event.comment = line.slice(1).trim();
          else {
            const colon = line.indexOf(':');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event' || field === 'id') event[field] = value;
            else if (field === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`;
          }
        }
        events.push(event);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return events;
}
