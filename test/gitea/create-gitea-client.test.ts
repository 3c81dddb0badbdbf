import { describe, expect, it } from 'vitest';
import { createGiteaClient } from '../../src/gitea/create-gitea-client.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';

const R = 'acme/widgets';

function seed(fake: FakeGitea): void {
  fake.addRepo({ owner: 'acme', name: 'widgets' });
  fake.addLabel(R, 'ready', { color: '00aa00' });
  fake.addLabel(R, 'bug');
  fake.addIssue(R, { title: 'Fix it', body: 'please', author: 'alice', labels: ['ready'] }); // #1
  fake.addPullRequest(R, { title: 'PR', author: 'bob', headRef: 'feature', headSha: 'a'.repeat(40) }); // #2
  fake.addComment(R, 1, { body: 'first', author: 'alice', createdAt: '2025-01-01T10:00:00Z' });
}

describe('createGiteaClient against the fake Gitea (msw)', () => {
  const gitea = useFakeGitea({ seed });
  const client = () => createGiteaClient({ baseUrl: `${gitea.baseUrl}/`, token: gitea.fake.token });

  it('currentUser: GET /user → the bot', async () => {
    await expect(client().currentUser()).resolves.toEqual({ id: gitea.fake.bot.id, login: 'kugetsu-bot' });
    gitea.fake.expectCalls(['GET /user']);
  });

  it('getIssue: maps labels, author, isPull', async () => {
    const issue = await client().getIssue('acme', 'widgets', 1);
    expect(issue).toEqual({
      number: 1,
      title: 'Fix it',
      body: 'please',
      state: 'open',
      labels: [{ id: gitea.fake.repo(R).labels[0]?.id, name: 'ready' }],
      user: { id: gitea.fake.user('alice').id, login: 'alice' },
      htmlUrl: 'http://gitea.test/acme/widgets/issues/1',
      isPull: false,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      comments: gitea.fake.commentsOn(R, 1).length,
    });
    expect((await client().getIssue('acme', 'widgets', 2)).isPull).toBe(true);
    gitea.fake.expectCalls(['GET /repos/acme/widgets/issues/1', 'GET /repos/acme/widgets/issues/2']);
  });

  it('listComments, createComment, editComment, deleteComment', async () => {
    const c = client();
    const { id } = await c.createComment('acme', 'widgets', 1, 'queued');
    await c.editComment('acme', 'widgets', id, 'done');
    const comments = await c.listComments('acme', 'widgets', 1);
    expect(comments.map((m) => [m.body, m.user.login, m.issueNumber])).toEqual([
      ['first', 'alice', 1],
      ['done', 'kugetsu-bot', 1],
    ]);
    expect(comments[0]?.createdAt).toBe('2025-01-01T10:00:00Z');
    expect(comments[1]?.htmlUrl).toBe(`http://gitea.test/acme/widgets/issues/1#issuecomment-${id}`);
    await c.deleteComment('acme', 'widgets', id);
    expect(gitea.fake.commentsOn(R, 1).map((m) => m.body)).toEqual(['first']);
    gitea.fake.expectCalls([
      { method: 'POST', path: '/repos/acme/widgets/issues/1/comments', status: 201, body: { body: 'queued' } },
      { method: 'PATCH', path: `/repos/acme/widgets/issues/comments/${id}`, status: 200, body: { body: 'done' } },
      { method: 'GET', path: '/repos/acme/widgets/issues/1/comments', status: 200 },
      { method: 'DELETE', path: `/repos/acme/widgets/issues/comments/${id}`, status: 204 },
    ]);
  });

  it('addCommentReaction: 201 the first time, 200 the second, both resolve', async () => {
    const commentId = gitea.fake.commentsOn(R, 1)[0]?.id ?? 0;
    await client().addCommentReaction('acme', 'widgets', commentId, 'eyes');
    await client().addCommentReaction('acme', 'widgets', commentId, 'eyes');
    expect(gitea.fake.comments.get(commentId)?.reactions.map((r) => r.content)).toEqual(['eyes']);
    const path = `/repos/acme/widgets/issues/comments/${commentId}/reactions`;
    gitea.fake.expectCalls([
      { method: 'POST', path, status: 201, body: { content: 'eyes' } },
      { method: 'POST', path, status: 200, body: { content: 'eyes' } },
    ]);
  });

  it('removeIssueLabel: DELETE by id → 204', async () => {
    const ready = gitea.fake.repo(R).labels[0]?.id ?? 0;
    await client().removeIssueLabel('acme', 'widgets', 1, ready);
    expect(gitea.fake.issueLabelNames(R, 1)).toEqual([]);
    gitea.fake.expectCalls([{ method: 'DELETE', path: `/repos/acme/widgets/issues/1/labels/${ready}`, status: 204 }]);
  });

  it('getPullRequest: head ref/sha, base ref', async () => {
    const pr = await client().getPullRequest('acme', 'widgets', 2);
    expect(pr).toEqual({
      number: 2,
      title: 'PR',
      body: '',
      state: 'open',
      headRef: 'feature',
      headSha: 'a'.repeat(40),
      baseRef: 'main',
      htmlUrl: 'http://gitea.test/acme/widgets/pulls/2',
      merged: false,
      fromFork: false,
    });
    gitea.fake.expectCalls(['GET /repos/acme/widgets/pulls/2']);
  });

  it('addIssueLabels by names (unknown ignored) and by ids; listRepoLabels; createLabel', async () => {
    const c = client();
    const bug = gitea.fake.repo(R).labels[1]?.id ?? 0;
    expect((await c.addIssueLabels('acme', 'widgets', 1, ['bug', 'nope'])).map((l) => l.name)).toEqual(['ready', 'bug']);
    expect((await c.addIssueLabels('acme', 'widgets', 2, [bug])).map((l) => l.name)).toEqual(['bug']);
    const created = await c.createLabel('acme', 'widgets', { name: 'kugetsu/running', color: '#112233', description: 'busy' });
    expect(created.name).toBe('kugetsu/running');
    expect((await c.listRepoLabels('acme', 'widgets')).map((l) => l.name)).toEqual(['ready', 'bug', 'kugetsu/running']);
    gitea.fake.expectCalls([
      { method: 'POST', path: '/repos/acme/widgets/issues/1/labels', status: 200, body: { labels: ['bug', 'nope'] } },
      { method: 'POST', path: '/repos/acme/widgets/issues/2/labels', status: 200, body: { labels: [bug] } },
      { method: 'POST', path: '/repos/acme/widgets/labels', status: 201, body: { name: 'kugetsu/running', color: '#112233', description: 'busy' } },
      'GET /repos/acme/widgets/labels?page=1&limit=50',
    ]);
  });

  it('listRepoLabels reads every page', async () => {
    for (let i = 0; i < 60; i++) gitea.fake.addLabel(R, `l${i}`);
    expect(await client().listRepoLabels('acme', 'widgets')).toHaveLength(62);
    gitea.fake.expectCalls(['GET /repos/acme/widgets/labels?page=1&limit=50', 'GET /repos/acme/widgets/labels?page=2&limit=50']);
  });

  it('getCollaboratorPermission: role string', async () => {
    gitea.fake.setPermission(R, 'carol', 'write');
    expect(await client().getCollaboratorPermission('acme', 'widgets', 'carol')).toBe('write');
    expect(await client().getCollaboratorPermission('acme', 'widgets', 'acme')).toBe('owner');
    expect(await client().getCollaboratorPermission('acme', 'widgets', 'alice')).toBe('read');
    gitea.fake.expectCalls([
      'GET /repos/acme/widgets/collaborators/carol/permission',
      'GET /repos/acme/widgets/collaborators/acme/permission',
      'GET /repos/acme/widgets/collaborators/alice/permission',
    ]);
  });

  it('createCommitStatus: POST …/statuses/{sha} → 201', async () => {
    const sha = 'b'.repeat(40);
    await client().createCommitStatus('acme', 'widgets', sha, { state: 'pending', context: 'kugetsu', description: 'queued' });
    expect(gitea.fake.statusesOf(R, sha).map((s) => [s.state, s.context])).toEqual([['pending', 'kugetsu']]);
    gitea.fake.expectCalls([{ method: 'POST', path: `/repos/acme/widgets/statuses/${sha}`, status: 201, body: { state: 'pending', description: 'queued', context: 'kugetsu' } }]);
  });

  it('createPullRequest and listPullRequests', async () => {
    gitea.fake.setBranch(R, 'kugetsu/issue-1', 'c'.repeat(40));
    const pr = await client().createPullRequest('acme', 'widgets', { title: 'Fix #1', head: 'kugetsu/issue-1', base: 'main', body: 'Closes #1' });
    expect([pr.number, pr.headRef, pr.headSha, pr.baseRef]).toEqual([3, 'kugetsu/issue-1', 'c'.repeat(40), 'main']);
    expect((await client().listPullRequests('acme', 'widgets')).map((p) => p.number)).toEqual([3, 2]);
    gitea.fake.expectCalls([
      { method: 'POST', path: '/repos/acme/widgets/pulls', status: 201, body: { title: 'Fix #1', head: 'kugetsu/issue-1', base: 'main', body: 'Closes #1' } },
      'GET /repos/acme/widgets/pulls?state=open&page=1&limit=50',
    ]);
  });

  it('listIssues: open issues with a label, issues only', async () => {
    gitea.fake.addIssue(R, { title: 'closed one', labels: ['ready'], state: 'closed' });
    gitea.fake.addPullRequest(R, { title: 'ready PR', headRef: 'x', labels: ['ready'] });
    gitea.fake.addIssue(R, { title: 'unlabelled' });
    const issues = await client().listIssues('acme', 'widgets', { labels: ['ready'], type: 'issues' });
    expect(issues.map((i) => i.title)).toEqual(['Fix it']);
    gitea.fake.expectCalls(['GET /repos/acme/widgets/issues?state=open&labels=ready&type=issues&page=1&limit=50']);
  });

  it("listCommentPage: one timeline page, its plain comments only, with the page's entry count", async () => {
    const f = gitea.fake;
    for (let i = 0; i < 4; i++) f.addComment(R, 1, { body: `c${i}`, author: 'bob', createdAt: `2025-01-02T10:00:0${i}Z` });
    // A label change is a timeline entry too, not a comment.
    await client().addIssueLabels('acme', 'widgets', 1, ['bug']);
    const c = client();
    const p1 = await c.listCommentPage('acme', 'widgets', 1, 1, 2);
    const p3 = await c.listCommentPage('acme', 'widgets', 1, 3, 2);
    const p4 = await c.listCommentPage('acme', 'widgets', 1, 4, 2);
    const p5 = await c.listCommentPage('acme', 'widgets', 1, 5, 2);
    // Oldest first: first (Jan 1), c0–c3 (Jan 2), then the two label changes (now).
    expect([p1.comments.map((m) => m.body), p1.entries]).toEqual([['first', 'c0'], 2]);
    expect([p3.comments.map((m) => [m.body, m.user.login, m.issueNumber]), p3.entries]).toEqual([[['c3', 'bob', 1]], 2]);
    expect(p4).toEqual({ comments: [], entries: 1 });
    expect(p5).toEqual({ comments: [], entries: 0 });
    gitea.fake.expectCalls([
      { method: 'POST', path: '/repos/acme/widgets/issues/1/labels', status: 200 },
      'GET /repos/acme/widgets/issues/1/timeline?page=1&limit=2',
      'GET /repos/acme/widgets/issues/1/timeline?page=3&limit=2',
      'GET /repos/acme/widgets/issues/1/timeline?page=4&limit=2',
      'GET /repos/acme/widgets/issues/1/timeline?page=5&limit=2',
    ]);
  });

  it('labelAddition: who last added the label, read through the timeline up to its empty (null) page', async () => {
    const f = gitea.fake;
    const ready = f.repo(R).labels.find((l) => l.name === 'ready')!;
    f.labelIssue(R, 1, 'ready', 'alice', false);
    f.labelIssue(R, 1, 'ready', 'bob');
    const bob = f.user('bob');
    const addition = await client().labelAddition('acme', 'widgets', 1, ready.id);
    expect(addition).toMatchObject({ user: { id: bob.id, login: 'bob' } });
    expect(addition?.entryId).toBe(f.repo(R).issues.get(1)!.labelEvents.at(-1)!.id);
    // Page 2 is past the end: Gitea and Forgejo answer `null` there, which ends the reading.
    f.expectCalls(['GET /repos/acme/widgets/issues/1/timeline?page=1&limit=50', 'GET /repos/acme/widgets/issues/1/timeline?page=2&limit=50']);
  });

  it('listRepoComments: since filter, issue numbers of issues and PRs', async () => {
    gitea.fake.addComment(R, 2, { body: 'on the PR', createdAt: '2025-01-02T10:00:00Z' });
    const comments = await client().listRepoComments('acme', 'widgets', '2025-01-01T12:00:00Z');
    expect(comments.map((c) => [c.body, c.issueNumber])).toEqual([['on the PR', 2]]);
    gitea.fake.expectCalls([`GET /repos/acme/widgets/issues/comments?since=${encodeURIComponent('2025-01-01T12:00:00Z')}&page=1&limit=50`]);
  });

  it('hooks: create (active), list, edit (full events), delete', async () => {
    const c = client();
    const hook = await c.createHook('acme', 'widgets', { url: 'http://kugetsu.test/hook', secret: 's3cret', events: ['issues', 'issue_comment'] });
    expect(hook).toMatchObject({ type: 'gitea', url: 'http://kugetsu.test/hook', contentType: 'json', active: true, branchFilter: '*' });
    expect(hook.events).toContain('issue_label');
    const edited = await c.editHook('acme', 'widgets', hook.id, { url: 'http://kugetsu.test/v2', events: ['pull_request'] });
    expect(edited.url).toBe('http://kugetsu.test/v2');
    expect(edited.events).toContain('pull_request_comment');
    expect(edited.events).not.toContain('issue_label');
    expect((await c.listHooks('acme', 'widgets')).map((h) => h.id)).toEqual([hook.id]);
    await c.deleteHook('acme', 'widgets', hook.id);
    expect(gitea.fake.repo(R).hooks).toEqual([]);
    gitea.fake.expectCalls([
      {
        method: 'POST',
        path: '/repos/acme/widgets/hooks',
        status: 201,
        body: {
          type: 'gitea',
          config: { url: 'http://kugetsu.test/hook', content_type: 'json', secret: 's3cret' },
          events: ['issues', 'issue_comment'],
          branch_filter: '*',
          active: true,
        },
      },
      {
        method: 'PATCH',
        path: `/repos/acme/widgets/hooks/${hook.id}`,
        status: 200,
        body: { config: { url: 'http://kugetsu.test/v2' }, events: ['pull_request'], branch_filter: '*' },
      },
      'GET /repos/acme/widgets/hooks?page=1&limit=50',
      { method: 'DELETE', path: `/repos/acme/widgets/hooks/${hook.id}`, status: 204 },
    ]);
  });

  it('encodes owner and repo names in the path', async () => {
    gitea.fake.addRepo({ owner: 'my org', name: 'r?x#1' });
    gitea.fake.addIssue('my org/r?x#1', { title: 'odd' });
    expect((await client().getIssue('my org', 'r?x#1', 1)).title).toBe('odd');
    gitea.fake.expectCalls(['GET /repos/my%20org/r%3Fx%231/issues/1']);
  });
});
