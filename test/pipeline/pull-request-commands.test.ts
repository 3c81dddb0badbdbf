import { describe, expect, it } from 'vitest';
import { normalizeDelivery } from '../../src/events/normalize-delivery.js';
import { pullRequestSchema } from '../../src/gitea/gitea-schemas.js';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import { routeEvent } from '../../src/triggers/route-event.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { fixtureJson } from '../support/fixtures.js';
import { git, pushUpstreamCommit } from '../support/git-fixtures.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-prcmd-');

describe('/kugetsu on a pull request kugetsu did not open', () => {
  it("works on the pull request's own head branch: pushes there, opens no new pull request, reports on the PR", async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const headSha = pushUpstreamCommit(world.origin, { 'feature.txt': 'work in progress\n' }, { branch: 'feature/greeting' });
    const pr = fake.addPullRequest('acme/app', { title: 'Greeting', headRef: 'feature/greeting', headSha, author: 'alice' });
    const s = await world.start(['write:fix.txt:fixed on {branch}']);
    const comment = fake.addComment('acme/app', pr.number, { body: '/kugetsu fix the typo', author: 'alice' });
    // An older Gitea's payload: no top-level pull_request, so the runner asks Gitea for the head.
    const payload = issueCommentPayload({ repo: world.repo(fake), issue: pr, comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') });
    payload.issue.pull_request = { merged: false };
    const res = await world.deliver('pull_request_comment', payload);
    expect(res.status).toBe(202);
    expect(res.json.issue).toBe(`acme/app#${pr.number}`);
    await s.idle();
    const [job] = await s.store.recent(1);
    expect(job).toMatchObject({ state: 'succeeded', branch: 'feature/greeting', result: { pushed: true, newCommits: 1 } });
    expect(git(world.origin, ['show', 'feature/greeting:fix.txt'])).toBe('fixed on feature/greeting');
    expect(git(world.origin, ['show', 'feature/greeting:feature.txt'])).toBe('work in progress');
    expect(() => git(world.origin, ['rev-parse', '--verify', `refs/heads/kugetsu/issue-${pr.number}`])).toThrow();
    expect([...fake.repo('acme/app').issues.values()].filter((i) => i.pull)).toHaveLength(1);
    const status = fake.commentsOn('acme/app', pr.number).filter((c) => c.authorId === fake.bot.id && c.body.startsWith('<!-- kugetsu:status'));
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toContain('`feature/greeting`');
  });

  it('a pull request from a fork is refused with what to do; nothing is pushed', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const pr = fake.addPullRequest('acme/app', { title: 'From a fork', headRef: 'main', author: 'alice', fromFork: true });
    const s = await world.start(['write:fix.txt:x']);
    const comment = fake.addComment('acme/app', pr.number, { body: '/kugetsu fix it', author: 'alice' });
    const payload = issueCommentPayload({ repo: world.repo(fake), issue: pr, comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') });
    payload.issue.pull_request = { merged: false };
    expect((await world.deliver('pull_request_comment', payload)).status).toBe(202);
    await s.idle();
    const [job] = await s.store.recent(1);
    expect(job).toMatchObject({ state: 'failed', result: { failedPhase: 'worktree', pushed: false } });
    expect(job!.result!.error).toContain(`Pull request #${pr.number} comes from a fork: kugetsu can only push to branches of acme/app`);
  });

  it('a pull request from a fork is recognised in the payload and through the API', () => {
    const file = 'zulip__pull_request_comment__created.json';
    const payload = fixtureJson(file);
    payload.comment.body = '/kugetsu please fix';
    const n = normalizeDelivery({
      id: 'd',
      eventType: 'pull_request_comment',
      event: 'issue_comment',
      targetType: undefined,
      payload,
      size: 1,
      bodySha256: 'x',
      receivedAt: new Date(),
    });
    expect(n.ok).toBe(true);
    const intent = routeEvent((n as { event: Parameters<typeof routeEvent>[0] }).event, {
      botUserId: undefined,
      settingsFor: () => ({ triggerLabels: ['ready'], command: '/kugetsu', branchTemplate: 'kugetsu/issue-{number}' }),
    });
    expect(intent).toMatchObject({ kind: 'delegate', delegation: { onPullRequest: { number: payload.issue.number, headRef: 'main', fromFork: true } } });
    expect(pullRequestSchema.parse(payload.pull_request).fromFork).toBe(true);
  });
});
