import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGiteaClient } from '../../src/gitea/create-gitea-client.js';
import { GiteaError } from '../../src/gitea/types.js';
import { startFakeGiteaServer, type FakeGiteaServer } from '../../src/sandbox/fake-gitea-server.js';

describe('the fake Gitea over real HTTP (127.0.0.1, port 0)', () => {
  let server: FakeGiteaServer;
  beforeEach(async () => {
    server = await startFakeGiteaServer();
    server.fake.addRepo({ owner: 'acme', name: 'widgets', cloneUrl: '/tmp/origin.git' });
    server.fake.addLabel('acme/widgets', 'ready');
    server.fake.addIssue('acme/widgets', { title: 'Fix it', labels: ['ready'] });
  });
  afterEach(async () => {
    await server.close();
  });

  it('serves the client: comment, reaction, label removal, with exact calls', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = createGiteaClient({ baseUrl: server.url, token: server.fake.token });
    expect((await client.currentUser()).login).toBe('kugetsu-bot');
    const issue = await client.getIssue('acme', 'widgets', 1);
    expect(issue.htmlUrl).toBe(`${server.url}/acme/widgets/issues/1`);
    const { id } = await client.createComment('acme', 'widgets', 1, 'queued');
    await client.addCommentReaction('acme', 'widgets', id, 'eyes');
    const label = issue.labels[0]?.id ?? 0;
    await client.removeIssueLabel('acme', 'widgets', 1, label);
    server.fake.expectCalls([
      'GET /user',
      'GET /repos/acme/widgets/issues/1',
      { method: 'POST', path: '/repos/acme/widgets/issues/1/comments', status: 201 },
      { method: 'POST', path: `/repos/acme/widgets/issues/comments/${id}/reactions`, status: 201 },
      { method: 'DELETE', path: `/repos/acme/widgets/issues/1/labels/${label}`, status: 204 },
    ]);
  });

  it('reports the clone_url a test set', async () => {
    const response = await fetch(`${server.url}/api/v1/repos/acme/widgets`, { headers: { authorization: `token ${server.fake.token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ clone_url: '/tmp/origin.git', default_branch: 'main', full_name: 'acme/widgets' });
    server.fake.expectCalls(['GET /repos/acme/widgets']);
  });

  it('drops the connection on a fault and while down; answers again once up', async () => {
    const client = createGiteaClient({ baseUrl: server.url, token: server.fake.token });
    server.fake.failNext(1, 'drop');
    const dropped = await client.getIssue('acme', 'widgets', 1).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(GiteaError);
    expect((dropped as GiteaError).status).toBe(0);
    server.fake.goDown();
    expect(((await client.currentUser().catch((e: unknown) => e)) as GiteaError).status).toBe(0);
    server.fake.goUp();
    expect((await client.currentUser()).login).toBe('kugetsu-bot');
    server.fake.expectCalls([
      { method: 'GET', path: '/repos/acme/widgets/issues/1', status: 0 },
      { method: 'GET', path: '/user', status: 0 },
      { method: 'GET', path: '/user', status: 200 },
    ]);
  });

  it('answers an injected 503 with Gitea error shape and Retry-After on 429', async () => {
    server.fake.injectFault({ status: 429, retryAfterSeconds: 7, method: 'GET', path: '/user' });
    const response = await fetch(`${server.url}/api/v1/user`, { headers: { authorization: `token ${server.fake.token}` } });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({ message: 'fake Gitea: injected 429', url: `${server.url}/api/swagger` });
    server.fake.expectCalls([{ method: 'GET', path: '/user', status: 429 }]);
  });
});
