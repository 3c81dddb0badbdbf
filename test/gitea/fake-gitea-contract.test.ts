import { beforeEach, describe, expect, it } from 'vitest';
import { createFakeGitea, type FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { callFake } from '../support/fake-gitea.js';

const R = 'acme/widgets';
const P = '/repos/acme/widgets';

describe('the fake Gitea honours the contract (gitea-contract.md, swagger v1.25.4)', () => {
  let fake: FakeGitea;
  let ready: number;
  let bug: number;
  let commentId: number;
  beforeEach(() => {
    fake = createFakeGitea({ now: () => new Date('2025-03-01T12:00:00Z') });
    fake.addRepo({ owner: 'acme', name: 'widgets' });
    ready = fake.addLabel(R, 'ready').id;
    bug = fake.addLabel(R, 'bug').id;
    fake.addIssue(R, { title: 'one', labels: ['ready'], author: 'alice' });
    commentId = fake.addComment(R, 1, { body: 'hello', author: 'alice' }).id;
  });

  describe('labels', () => {
    it('removes a label by numeric id only: a name → 422, the label stays', async () => {
      const byName = await callFake(fake, 'DELETE', `${P}/issues/1/labels/ready`);
      expect(byName.status).toBe(422);
      expect(byName.json).toMatchObject({ message: 'label does not exist [label_id: 0]' });
      expect(fake.issueLabelNames(R, 1)).toEqual(['ready']);
      const byId = await callFake(fake, 'DELETE', `${P}/issues/1/labels/${ready}`);
      expect([byId.status, byId.text]).toEqual([204, '']);
      expect(fake.issueLabelNames(R, 1)).toEqual([]);
    });

    it('removing an unknown label id → 422; a label not on the issue → 204', async () => {
      expect((await callFake(fake, 'DELETE', `${P}/issues/1/labels/999999`)).status).toBe(422);
      expect((await callFake(fake, 'DELETE', `${P}/issues/1/labels/${bug}`)).status).toBe(204);
    });

    it('adds by ids or by names; mixed → 400; unknown names silently ignored', async () => {
      const mixed = await callFake(fake, 'POST', `${P}/issues/1/labels`, { labels: [bug, 'ready'] });
      expect(mixed.status).toBe(400);
      expect(mixed.json).toMatchObject({ message: 'labels should be an array of strings or integers' });
      const names = await callFake(fake, 'POST', `${P}/issues/1/labels`, { labels: ['bug', 'no-such-label'] });
      expect(names.status).toBe(200);
      expect((names.json as { name: string }[]).map((l) => l.name)).toEqual(['ready', 'bug']);
      fake.addIssue(R, { title: 'two' });
      const ids = await callFake(fake, 'POST', `${P}/issues/2/labels`, { labels: [ready, 424242] });
      expect((ids.json as { id: number }[]).map((l) => l.id)).toEqual([ready]);
    });

    it('label writes need write access: 403', async () => {
      fake.setPermission(R, fake.bot.login, 'read');
      expect((await callFake(fake, 'POST', `${P}/issues/1/labels`, { labels: ['bug'] })).status).toBe(403);
      const remove = await callFake(fake, 'DELETE', `${P}/issues/1/labels/${ready}`);
      expect([remove.status, remove.text]).toEqual([403, '']);
    });
  });

  describe('comments and reactions', () => {
    it('POST comment → 201 with the comment; PATCH → 200; DELETE → 204 without a body', async () => {
      const created = await callFake(fake, 'POST', `${P}/issues/1/comments`, { body: 'queued' });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ body: 'queued', user: { login: 'kugetsu-bot' }, created_at: '2025-03-01T12:00:00Z', pull_request_url: '' });
      const id = (created.json as { id: number }).id;
      const edited = await callFake(fake, 'PATCH', `${P}/issues/comments/${id}`, { body: 'done' });
      expect(edited.status).toBe(200);
      expect(edited.json).toMatchObject({ id, body: 'done' });
      const deleted = await callFake(fake, 'DELETE', `${P}/issues/comments/${id}`);
      expect([deleted.status, deleted.text]).toEqual([204, '']);
      expect((await callFake(fake, 'PATCH', `${P}/issues/comments/${id}`, { body: 'x' })).status).toBe(404);
    });

    it('a comment without body → 422; a comment of another repo → 404', async () => {
      expect((await callFake(fake, 'POST', `${P}/issues/1/comments`, {})).status).toBe(422);
      fake.addRepo({ owner: 'acme', name: 'other' });
      expect((await callFake(fake, 'PATCH', `/repos/acme/other/issues/comments/${commentId}`, { body: 'x' })).status).toBe(404);
    });

    it("editing someone else's comment without write access → 403", async () => {
      fake.setPermission(R, fake.bot.login, 'read');
      expect((await callFake(fake, 'PATCH', `${P}/issues/comments/${commentId}`, { body: 'x' })).status).toBe(403);
    });

    it('reaction → 201 when new, 200 when it exists, 403 when not allowed', async () => {
      const path = `${P}/issues/comments/${commentId}/reactions`;
      const first = await callFake(fake, 'POST', path, { content: 'eyes' });
      expect(first.status).toBe(201);
      expect(first.json).toMatchObject({ content: 'eyes', user: { login: 'kugetsu-bot' } });
      expect((await callFake(fake, 'POST', path, { content: 'eyes' })).status).toBe(200);
      expect((await callFake(fake, 'POST', path, { content: 'not-an-emoji' })).status).toBe(403);
      expect((await callFake(fake, 'POST', `${P}/issues/comments/999999/reactions`, { content: 'eyes' })).status).toBe(404);
    });

    it('GET …/issues/comments?since= returns comments updated since, oldest first', async () => {
      fake.addComment(R, 1, { body: 'old', createdAt: '2025-01-01T00:00:00Z' });
      fake.addComment(R, 1, { body: 'new', createdAt: '2025-02-01T00:00:00Z' });
      const res = await callFake(fake, 'GET', `${P}/issues/comments?since=2025-01-15T00:00:00Z`);
      expect((res.json as { body: string }[]).map((c) => c.body)).toEqual(['new', 'hello']);
      expect(res.headers.get('x-total-count')).toBe('2');
    });
  });

  describe("reading an issue's comments (Gitea v1.25 issue_comment.go)", () => {
    it('GET …/issues/{n}/comments ignores page and limit: the whole thread, X-Total-Count = all of it', async () => {
      for (let i = 0; i < 60; i++) fake.addComment(R, 1, { body: `c${i}` });
      const res = await callFake(fake, 'GET', `${P}/issues/1/comments?page=2&limit=10`);
      const all = fake.commentsOn(R, 1).map((c) => c.body);
      expect((res.json as { body: string }[]).map((c) => c.body)).toEqual(all);
      expect(res.headers.get('x-total-count')).toBe(String(all.length));
    });

    it("GET …/issues/{n}/timeline pages with page/limit (at most 50), oldest first; X-Total-Count is the page's length; no page → everything", async () => {
      for (let i = 0; i < 60; i++) fake.addComment(R, 1, { body: `c${i}` });
      type Entry = { id: number; type: string; body: string };
      const all = (await callFake(fake, 'GET', `${P}/issues/1/timeline`)).json as Entry[];
      // Everything: the label added when the issue was made, then 'hello' and c0…c59.
      expect(all.map((e) => (e.type === 'comment' ? e.body : e.type))).toEqual(['label', 'hello', ...Array.from({ length: 60 }, (_v, i) => `c${i}`)]);
      const page2 = await callFake(fake, 'GET', `${P}/issues/1/timeline?page=2&limit=50`);
      expect((page2.json as Entry[]).map((e) => e.id)).toEqual(all.slice(50).map((e) => e.id));
      expect(page2.headers.get('x-total-count')).toBe(String(all.length - 50));
      const capped = await callFake(fake, 'GET', `${P}/issues/1/timeline?page=1&limit=500`);
      expect((capped.json as Entry[]).map((e) => e.id)).toEqual(all.slice(0, 50).map((e) => e.id));
      expect(capped.headers.get('x-total-count')).toBe('50');
      // Past the last page: `null`, not `[]` (Gitea and Forgejo encode the empty page as a nil Go slice).
      expect((await callFake(fake, 'GET', `${P}/issues/1/timeline?page=9&limit=50`)).json).toBeNull();
    });
  });

  describe('issues and 404s', () => {
    it('GET …/issues?state=open&labels=ready&type=issues filters state, label and type', async () => {
      fake.addIssue(R, { title: 'closed', labels: ['ready'], state: 'closed' });
      fake.addPullRequest(R, { title: 'pr', headRef: 'f', labels: ['ready'] });
      fake.addIssue(R, { title: 'other', labels: ['bug'] });
      const res = await callFake(fake, 'GET', `${P}/issues?state=open&labels=ready&type=issues`);
      expect((res.json as { title: string }[]).map((i) => i.title)).toEqual(['one']);
      const pulls = await callFake(fake, 'GET', `${P}/issues?state=all&type=pulls`);
      expect((pulls.json as { title: string; pull_request: unknown }[]).map((i) => [i.title, i.pull_request !== null])).toEqual([['pr', true]]);
    });

    it('issues and PRs share one number sequence; GET /pulls/{n} of a plain issue → 404', async () => {
      expect(fake.addPullRequest(R, { title: 'pr', headRef: 'f' }).number).toBe(2);
      expect(fake.addIssue(R, { title: 'i' }).number).toBe(3);
      expect((await callFake(fake, 'GET', `${P}/pulls/2`)).status).toBe(200);
      expect((await callFake(fake, 'GET', `${P}/pulls/1`)).status).toBe(404);
    });

    it.each([
      ['unknown repo', `/repos/acme/nope/issues/1`],
      ['unknown issue', `${P}/issues/42`],
      ['non-numeric index', `${P}/issues/abc`],
      ['unknown route', `/nothing/here`],
    ])('%s → 404 with {message, url}', async (_name, path) => {
      const res = await callFake(fake, 'GET', path);
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ message: "The target couldn't be found.", url: 'http://gitea.test/api/swagger' });
    });

    it('a private repo the caller cannot read → 404, not 403', async () => {
      fake.addRepo({ owner: 'acme', name: 'secret', private: true, botPermission: 'none' });
      expect((await callFake(fake, 'GET', '/repos/acme/secret')).status).toBe(404);
    });
  });

  describe('authentication and permissions', () => {
    it('a wrong token → 401 everywhere; no token → 401 on /user and writes, reads of public repos allowed', async () => {
      expect((await callFake(fake, 'GET', `${P}/issues/1`, undefined, 'wrong')).status).toBe(401);
      const noToken = await callFake(fake, 'GET', '/user', undefined, null);
      expect(noToken.status).toBe(401);
      expect(noToken.json).toMatchObject({ message: 'token is required' });
      expect((await callFake(fake, 'POST', `${P}/issues/1/comments`, { body: 'x' }, null)).status).toBe(401);
      expect((await callFake(fake, 'GET', `${P}/issues/1`, undefined, null)).status).toBe(200);
    });

    it('requireSignIn makes anonymous reads 401 too', async () => {
      const strict = createFakeGitea({ requireSignIn: true });
      strict.addRepo({ owner: 'acme', name: 'widgets' });
      expect((await callFake(strict, 'GET', `${P}`, undefined, null)).status).toBe(401);
    });

    it('permission: admins and the user themself may ask; others get 403', async () => {
      fake.addUser({ login: 'carol', token: 'carol-token' });
      fake.setPermission(R, 'carol', 'write');
      const own = await callFake(fake, 'GET', `${P}/collaborators/carol/permission`, undefined, 'carol-token');
      expect(own.json).toMatchObject({ permission: 'write', role_name: 'write', user: { login: 'carol' } });
      expect((await callFake(fake, 'GET', `${P}/collaborators/alice/permission`, undefined, 'carol-token')).status).toBe(403);
      expect((await callFake(fake, 'GET', `${P}/collaborators/alice/permission`)).json).toMatchObject({ permission: 'read' });
      expect((await callFake(fake, 'GET', `${P}/collaborators/nobody/permission`)).status).toBe(404);
      fake.addRepo({ owner: 'acme', name: 'private', private: true });
      expect((await callFake(fake, 'GET', '/repos/acme/private/collaborators/alice/permission')).json).toMatchObject({ permission: 'none' });
    });

    it('commit status: 201 with `status`; invalid state → 400; read-only caller → 403', async () => {
      const ok = await callFake(fake, 'POST', `${P}/statuses/abc123`, { state: 'success', context: 'kugetsu' });
      expect(ok.status).toBe(201);
      expect(ok.json).toMatchObject({ status: 'success', context: 'kugetsu' });
      expect((await callFake(fake, 'POST', `${P}/statuses/abc123`, { state: 'great' })).status).toBe(400);
      fake.setPermission(R, fake.bot.login, 'read');
      expect((await callFake(fake, 'POST', `${P}/statuses/abc123`, { state: 'success' })).status).toBe(403);
    });
  });

  describe('hooks (contract §4)', () => {
    const create = { type: 'gitea', config: { url: 'http://k.test/hook', content_type: 'json', secret: 's1' }, events: ['issue_comment'] };

    it('`active` defaults to false; secret never returned; 201', async () => {
      const res = await callFake(fake, 'POST', `${P}/hooks`, create);
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ active: false, type: 'gitea', events: ['issue_comment'], config: { url: 'http://k.test/hook', content_type: 'json' } });
      expect(JSON.stringify(res.json)).not.toContain('s1');
    });

    it('PATCH does not apply config.secret and replaces events (absent → push only)', async () => {
      const id = ((await callFake(fake, 'POST', `${P}/hooks`, { ...create, active: true, branch_filter: '*' })).json as { id: number }).id;
      const res = await callFake(fake, 'PATCH', `${P}/hooks/${id}`, { config: { secret: 's2' } });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ events: ['push'], branch_filter: '', active: true });
      expect(fake.repo(R).hooks[0]?.secret).toBe('s1');
    });

    it('authorization_header is answered as set, and a PATCH without it clears it (Gitea and Forgejo editHook always set it)', async () => {
      const made = await callFake(fake, 'POST', `${P}/hooks`, { ...create, authorization_header: 'Bearer x' });
      expect(made.json).toMatchObject({ authorization_header: 'Bearer x' });
      const id = (made.json as { id: number }).id;
      const kept = await callFake(fake, 'PATCH', `${P}/hooks/${id}`, { events: ['issues'], authorization_header: 'Bearer y' });
      expect(kept.json).toMatchObject({ authorization_header: 'Bearer y' });
      const cleared = await callFake(fake, 'PATCH', `${P}/hooks/${id}`, { events: ['issues'] });
      expect(cleared.json).toMatchObject({ authorization_header: '' });
    });

    it('`issues` enables every issue sub-event; `pull_request` includes PR comments and reviews', async () => {
      const res = await callFake(fake, 'POST', `${P}/hooks`, { ...create, events: ['issues', 'pull_request'] });
      expect((res.json as { events: string[] }).events).toEqual(expect.arrayContaining(['issue_comment', 'issue_label', 'pull_request_comment', 'pull_request_review_rejected']));
    });

    it('rejects a bad hook: unknown type / missing url / MIME content type → 422; delete → 204; unknown id → 404', async () => {
      expect((await callFake(fake, 'POST', `${P}/hooks`, { ...create, type: 'nope' })).status).toBe(422);
      expect((await callFake(fake, 'POST', `${P}/hooks`, { ...create, config: { content_type: 'json' } })).status).toBe(422);
      expect((await callFake(fake, 'POST', `${P}/hooks`, { ...create, config: { url: 'u', content_type: 'application/json' } })).status).toBe(422);
      const id = ((await callFake(fake, 'POST', `${P}/hooks`, create)).json as { id: number }).id;
      const del = await callFake(fake, 'DELETE', `${P}/hooks/${id}`);
      expect([del.status, del.text]).toEqual([204, '']);
      expect((await callFake(fake, 'DELETE', `${P}/hooks/${id}`)).status).toBe(404);
    });

    it('hooks need repo admin: 403', async () => {
      fake.setPermission(R, fake.bot.login, 'write');
      expect((await callFake(fake, 'GET', `${P}/hooks`)).status).toBe(403);
    });
  });

  describe('call log and faults', () => {
    it('expectCalls fails on a missing call and on an unexpected one, and passes on the exact set', async () => {
      await callFake(fake, 'GET', '/user');
      await callFake(fake, 'GET', `${P}/issues/1`);
      const calls = fake.takeCalls();
      const again = () => calls.forEach((c) => (fake.calls as typeof calls).push(c));
      again();
      expect(() => fake.expectCalls(['GET /user'])).toThrow(/unexpected:\n {2}GET \/repos\/acme\/widgets\/issues\/1/);
      again();
      expect(() => fake.expectCalls(['GET /user', `GET ${P}/issues/1`, 'POST /x'])).toThrow(/missing:\n {2}POST \/x/);
      again();
      expect(() => fake.expectCalls([`GET ${P}/issues/1`, 'GET /user'])).toThrow(/different order/);
      again();
      expect(() => fake.expectCalls([`GET ${P}/issues/1`, 'GET /user'], { ordered: false })).not.toThrow();
      again();
      expect(() =>
        fake.expectCalls([
          { method: 'GET', path: /^\/user$/, status: 200 },
          { method: 'GET', path: `${P}/issues/1`, status: 200 },
        ]),
      ).not.toThrow();
      expect(fake.calls).toEqual([]);
    });

    it('faults match method and path, count down, then the fake answers again', async () => {
      fake.injectFault({ status: 503, times: 2, method: 'POST', path: /\/comments$/ });
      expect((await callFake(fake, 'GET', `${P}/issues/1`)).status).toBe(200);
      expect((await callFake(fake, 'POST', `${P}/issues/1/comments`, { body: 'a' })).status).toBe(503);
      expect((await callFake(fake, 'POST', `${P}/issues/1/comments`, { body: 'a' })).status).toBe(503);
      expect(fake.pendingFaults()).toBe(0);
      expect((await callFake(fake, 'POST', `${P}/issues/1/comments`, { body: 'a' })).status).toBe(201);
      expect(fake.commentsOn(R, 1)).toHaveLength(2);
      fake.expectCalls([
        { method: 'GET', path: `${P}/issues/1`, status: 200 },
        { method: 'POST', path: `${P}/issues/1/comments`, status: 503, body: { body: 'a' } },
        { method: 'POST', path: `${P}/issues/1/comments`, status: 503, body: { body: 'a' } },
        { method: 'POST', path: `${P}/issues/1/comments`, status: 201, body: { body: 'a' } },
      ]);
    });

    it('down drops everything until up; clearFaults removes pending faults', async () => {
      fake.goDown();
      expect(fake.isDown).toBe(true);
      expect((await callFake(fake, 'GET', '/user')).status).toBe(0);
      fake.goUp();
      fake.failNext(Infinity, 500);
      expect((await callFake(fake, 'GET', '/user')).status).toBe(500);
      fake.clearFaults();
      expect((await callFake(fake, 'GET', '/user')).status).toBe(200);
    });
  });
});
