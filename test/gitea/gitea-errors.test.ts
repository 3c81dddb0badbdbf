import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createGiteaClient } from '../../src/gitea/create-gitea-client.js';
import { GiteaError } from '../../src/gitea/types.js';
import { useFakeGitea } from '../support/fake-gitea.js';

const TOKEN = 'sekrit-token-0123456789';

/** A 127.0.0.1 port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<GiteaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GiteaError);
  return error as GiteaError;
}

describe('GiteaError from createGiteaClient', () => {
  const gitea = useFakeGitea({
    token: TOKEN,
    seed: (fake) => {
      fake.addRepo({ owner: 'acme', name: 'widgets', private: true });
      fake.addIssue('acme/widgets', { title: 'x' });
    },
  });
  const client = (token = TOKEN) => createGiteaClient({ baseUrl: gitea.baseUrl, token });

  it('a 429 keeps its Retry-After header for the outbox backoff', async () => {
    gitea.fake.injectFault({ status: 429, times: 1, retryAfterSeconds: 7 });
    const error = await failure(client().getIssue('acme', 'widgets', 1));
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    expect(error.retryAfter).toBe('7');
    gitea.fake.takeCalls();
  });

  it.each([
    ['unknown repo', () => client().getIssue('acme', 'nope', 1), 404],
    ['unknown issue', () => client().getIssue('acme', 'widgets', 99), 404],
    ['unknown comment', () => client().editComment('acme', 'widgets', 12345, 'x'), 404],
  ])('%s → 404, not retryable, Gitea message', async (_name, run, status) => {
    const error = await failure(run());
    expect([error.status, error.retryable]).toEqual([status, false]);
    expect(error.message).toContain("The target couldn't be found.");
    gitea.fake.takeCalls();
  });

  it('a wrong token → 401, not retryable, the token never in the message', async () => {
    const wrong = `${TOKEN}-wrong`;
    const error = await failure(client(wrong).currentUser());
    expect([error.status, error.retryable, error.operation]).toEqual([401, false, 'currentUser']);
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(TOKEN);
    expect(String(error.stack)).not.toContain(TOKEN);
    gitea.fake.expectCalls([{ method: 'GET', path: '/user', status: 401 }]);
  });

  it('a caller without rights → 403 with Gitea message', async () => {
    gitea.fake.setPermission('acme/widgets', 'kugetsu-bot', 'read');
    const error = await failure(client().getCollaboratorPermission('acme', 'widgets', 'alice'));
    expect([error.status, error.retryable]).toEqual([403, false]);
    expect(error.message).toContain('Only admins can query all permissions');
    gitea.fake.expectCalls(['GET /repos/acme/widgets/collaborators/alice/permission']);
  });

  it.each([500, 503, 429])('%i → retryable', async (status) => {
    gitea.fake.failNext(1, status);
    const error = await failure(client().getIssue('acme', 'widgets', 1));
    expect([error.status, error.retryable]).toEqual([status, true]);
    expect(error.message).toContain(`injected ${status}`);
    gitea.fake.expectCalls([{ method: 'GET', path: '/repos/acme/widgets/issues/1', status }]);
  });

  it('a dropped connection → status 0, retryable', async () => {
    gitea.fake.failNext(1, 'drop');
    const error = await failure(client().createComment('acme', 'widgets', 1, 'hi'));
    expect([error.status, error.retryable]).toEqual([0, true]);
    gitea.fake.expectCalls([{ method: 'POST', path: '/repos/acme/widgets/issues/1/comments', status: 0 }]);
  });

  it('a closed port on 127.0.0.1 → status 0, retryable, token absent', async () => {
    const port = await closedPort();
    const c = createGiteaClient({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN });
    const error = await failure(c.getIssue('acme', 'widgets', 1));
    expect([error.status, error.retryable]).toEqual([0, true]);
    expect(error.message).toMatch(/fetch failed.*ECONNREFUSED/);
    expect(error.message).not.toContain(TOKEN);
  });

  it('a token echoed by the server is redacted from the message', async () => {
    const echo: typeof fetch = async () => new Response(JSON.stringify({ message: `bad token ${TOKEN}` }), { status: 400, headers: { 'content-type': 'application/json' } });
    const error = await failure(createGiteaClient({ baseUrl: 'http://gitea.test', token: TOKEN, fetch: echo }).currentUser());
    expect(error.status).toBe(400);
    expect(error.message).toContain('bad token ***');
    expect(error.message).not.toContain(TOKEN);
  });

  it('a non-JSON error body → the status text', async () => {
    const html: typeof fetch = async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    const error = await failure(createGiteaClient({ baseUrl: 'http://gitea.test', token: TOKEN, fetch: html }).currentUser());
    expect([error.status, error.retryable, error.message]).toEqual([502, true, 'Gitea is failing: currentUser → HTTP 502: Bad Gateway']);
  });

  it('a 200 with a malformed body → GiteaError with that status, not retryable', async () => {
    const wrong: typeof fetch = async () => new Response(JSON.stringify({ id: 'x' }), { status: 200, headers: { 'content-type': 'application/json' } });
    const error = await failure(createGiteaClient({ baseUrl: 'http://gitea.test', token: TOKEN, fetch: wrong }).currentUser());
    expect([error.status, error.retryable]).toEqual([200, false]);
    expect(error.message).toContain('unexpected response body');
  });

  it('refuses `..` as a name before sending anything (400, not retryable)', async () => {
    const error = await failure(client().getIssue('..', 'widgets', 1));
    expect([error.status, error.retryable, error.operation]).toEqual([400, false, 'getIssue']);
    gitea.fake.expectCalls([]);
  });

  it('strips trailing slashes from baseUrl and sends a Bearer token', async () => {
    const seen: string[] = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push(String(input), new Headers(init?.headers).get('authorization') ?? '');
      return new Response(JSON.stringify({ id: 1, login: 'bot' }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    await createGiteaClient({ baseUrl: 'http://gitea.test///', token: TOKEN, fetch: spy }).currentUser();
    expect(seen).toEqual(['http://gitea.test/api/v1/user', `Bearer ${TOKEN}`]);
  });
});
