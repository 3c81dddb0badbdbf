import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-fallback-');

describe('the prompt when Gitea cannot be read at run time', () => {
  it('retries the issue read twice, then runs on the issue as Gitea described it at admission instead of failing the request', { timeout: 30_000 }, async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const issue = fake.addIssue('acme/app', { title: 'Rename the helper', body: 'call it formatName', author: 'alice' });
    const s = await world.start(['write:done.txt:x']);
    // After the read that confirmed the delivery, every read of the issue fails, as while Gitea
    // restarts (other routes answer).
    fake.injectFault({ method: 'GET', path: `/repos/acme/app/issues/${issue.number}`, status: 503, times: Infinity, after: 1 });
    const c = fake.addComment('acme/app', issue.number, { body: '/kugetsu go', author: 'alice' });
    const res = await world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: c.id, body: c.body }, sender: fake.user('alice') }));
    expect(res.status).toBe(202);
    await s.idle(30_000);
    const [job] = await s.store.recent(1);
    expect(job?.state).toBe('succeeded');
    const reads = fake.calls.filter((call) => call.method === 'GET' && call.path === `/repos/acme/app/issues/${issue.number}`);
    expect(reads.map((r) => r.status)).toEqual([200, 503, 503, 503]);
    const prompt = readFileSync(path.join(world.tmp, 'state', 'prompts', 'acme', 'app', `issue-${issue.number}`, `job-${job!.id}.md`), 'utf8');
    expect(prompt).toContain('Rename the helper');
    expect(prompt).toContain('call it formatName');
    expect(prompt).toContain('- The comments: Gitea could not be read when this prompt was written, so none are quoted');
  });
});

describe('the issue read when the worktree cannot be prepared', () => {
  it('stops retrying the read once preparing the worktree failed (the job fails; more reads would only cost Gitea calls)', { timeout: 30_000 }, async () => {
    const fake = gitea.fake;
    // The clone URL Gitea gives names no repository: the worktree fails at the clone.
    fake.addRepo({ owner: 'acme', name: 'gone', cloneUrl: path.join(world.tmp, 'no-such-origin.git') });
    fake.setPermission('acme/gone', 'alice', 'write');
    const issue = fake.addIssue('acme/gone', { title: 'Rename the helper', body: 'call it formatName', author: 'alice' });
    const s = await world.start(['write:done.txt:x']);
    fake.injectFault({ method: 'GET', path: `/repos/acme/gone/issues/${issue.number}`, status: 503, times: Infinity, after: 1 });
    const c = fake.addComment('acme/gone', issue.number, { body: '/kugetsu go', author: 'alice' });
    const res = await world.deliver(
      'issue_comment',
      issueCommentPayload({ repo: world.repo(fake, 'acme', 'gone'), issue, comment: { id: c.id, body: c.body }, sender: fake.user('alice') }),
    );
    expect(res.status).toBe(202);
    await s.idle(30_000);
    const [job] = await s.store.recent(1);
    expect(job?.state).toBe('failed');
    expect(job?.result?.failedPhase).toBe('clone');
    // The first retry would come 2 s after the failed read: wait past it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const reads = fake.calls.filter((call) => call.method === 'GET' && call.path === `/repos/acme/gone/issues/${issue.number}`);
    expect(reads.map((r) => r.status)).toEqual([200, 503]);
  });
});
