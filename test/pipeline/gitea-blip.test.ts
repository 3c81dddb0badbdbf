/**
 * Issue 11, scenario 3: a Gitea blip never fails an accepted request. Gitea answering 503 while a
 * label delivery arrives: the delivery is kept (202 deferred) and the job runs once Gitea answers.
 * Gitea answering 503 to a check right before the run: the job waits (its status comment says for
 * what and until when) and runs afterwards, as the same attempt, without failing.
 */
import { describe, expect, it, vi } from 'vitest';
import { issueCommentPayload, issueLabelPayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { git } from '../support/git-fixtures.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-blip-');

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.addLabel('acme/app', 'ready');
  return fake.addIssue('acme/app', { title: 'Add a greeting', body: 'Please add hello.txt', author: 'alice' });
}

describe('a Gitea blip', () => {
  it('while a label delivery arrives: 202 deferred, nothing admitted on the payload, and the job runs once Gitea answers', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['write:hello.txt:{issueKey}']);
    fake.labelIssue('acme/app', issue.number, 'ready', 'alice');
    fake.injectFault({ status: 503, times: Infinity });
    const labels = fake.repo('acme/app').labels.map((l) => ({ id: l.id, name: l.name }));
    const res = await world.deliver('issue_label', issueLabelPayload({ repo: world.repo(fake), issue: { ...issue, labels }, sender: fake.user('alice') }));
    expect({ status: res.status, answer: res.json.status }).toEqual({ status: 202, answer: 'deferred' });
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // Gitea keeps failing for 2 s
    expect(await s.store.recent(5)).toEqual([]);
    fake.clearFaults();
    await vi.waitFor(async () => expect((await s.store.recent(1))[0]?.state).toBe('succeeded'), { timeout: 10_000 });
    expect(git(world.origin, ['show', `kugetsu/issue-${issue.number}:hello.txt`])).toBe(`acme/app#${issue.number}`);
    expect(await s.store.deferredCount()).toBe(0);
  });

  it('right before the run: the job waits for Gitea (status comment says so), then runs as the same attempt', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['write:hello.txt:{issueKey}']);
    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu please add hello.txt', author: 'alice' });
    // The delivery is confirmed (the first repository read answers); the job's own read of the
    // repository, right before its worktree, fails three times.
    fake.injectFault({ method: 'GET', path: '/repos/acme/app', status: 503, times: 3, after: 1 });
    const res = await world.deliver(
      'issue_comment',
      issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') }),
    );
    expect(res.status).toBe(202);
    await vi.waitFor(async () => expect((await s.store.get(res.json.job!))?.state).toBe('succeeded'), { timeout: 10_000 });
    await s.idle();
    const job = (await s.store.get(res.json.job!))!;
    expect(job.attempt).toBe(1);
    expect(job.waiting).toBeUndefined();
    const history = await s.store.history(job.id);
    expect(history.filter((h) => h.state === 'waiting' && /^waiting until .*: acme\/app cannot be read/.test(h.detail ?? ''))).toHaveLength(3);
    expect(history.at(-1)?.state).toBe('succeeded');
    // Some version of the status comment told people what the job waits for.
    const statusWrites = fake.calls
      .filter((c) => (c.method === 'PATCH' || c.method === 'POST') && /\/comments/.test(c.path))
      .map((c) => String((c.body as { body?: string })?.body ?? ''));
    expect(statusWrites.some((b) => b.includes('Waiting for Gitea to answer: acme/app cannot be read'))).toBe(true);
    expect(git(world.origin, ['show', `kugetsu/issue-${issue.number}:hello.txt`])).toBe(`acme/app#${issue.number}`);
  });
});
