import { describe, expect, it } from 'vitest';
import { DEFAULT_REPORT_SETTINGS, turnStartedItems, type ReportSettings } from '../../src/report/report-items.js';
import type { Job } from '../../src/domain/job.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { admitJob, clientFor, seedIssues, startWorker, tempStore } from './outbox-fixtures.js';
import { advance } from './report-fixtures.js';

const gitea = useFakeGitea({ seed: (fake) => seedIssues(fake, 1) });
const NO_LABELS: ReportSettings = { ...DEFAULT_REPORT_SETTINGS, stateLabels: false };
const START = 'a'.repeat(40);
const END = 'b'.repeat(40);

/** What the job runner commits once the worktree is ready: the head the turn starts from and the pending status. */
function turnStarts(store: SqliteStore, job: Job): Promise<Job> {
  return store.update(job.id, { startSha: START }, turnStartedItems(job, START));
}

describe('commit status on the head of the issue branch while it has an open PR', () => {
  it('pending ("kugetsu is working") at the start, success on the new head at the end, linked to the status comment', async () => {
    const { fake } = gitea;
    fake.addPullRequest('acme/app', { title: 'kugetsu: issue 1', headRef: 'kugetsu/issue-1', headSha: START });
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1);
    await advance(store, job, 'running', { settings: NO_LABELS });
    await turnStarts(store, job);
    expect(await worker.drain(2000)).toBe(true);

    const commentId = (await store.get(job.id))?.statusCommentId;
    const link = `http://gitea.test/acme/app/issues/1#issuecomment-${commentId}`;
    expect(fake.statusesOf('acme/app').map((s) => ({ sha: s.sha, state: s.state, context: s.context, description: s.description, targetUrl: s.targetUrl }))).toEqual([
      { sha: START, state: 'pending', context: 'kugetsu', description: 'kugetsu is working (job 1)', targetUrl: link },
    ]);
    fake.takeCalls();

    await advance(store, job, 'succeeded', { settings: NO_LABELS, headSha: END });
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.statusesOf('acme/app', END).map((s) => [s.state, s.context, s.description, s.targetUrl])).toEqual([['success', 'kugetsu', 'kugetsu finished (job 1)', link]]);
    const posts = fake.takeCalls().filter((c) => c.method === 'POST' && c.path.startsWith('/repos/acme/app/statuses/'));
    expect(posts.map((c) => [c.path, c.status])).toEqual([[`/repos/acme/app/statuses/${END}`, 201]]);
  });

  it('failure on the head the turn started from when the turn failed (nothing pushed)', async () => {
    const { fake } = gitea;
    fake.addPullRequest('acme/app', { title: 'kugetsu: issue 1', headRef: 'kugetsu/issue-1', headSha: START });
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1);
    await advance(store, job, 'running', { settings: NO_LABELS });
    await turnStarts(store, job);
    await advance(store, job, 'failed', { settings: NO_LABELS });
    expect(await worker.drain(2000)).toBe(true);

    expect(fake.statusesOf('acme/app', START).map((s) => s.state)).toEqual(['pending', 'failure']);
    expect(fake.statusesOf('acme/app', START)[1]?.description).toBe('kugetsu failed (job 1)');
    fake.takeCalls();
  });

  it('writes no status while the branch has no open PR', async () => {
    const { fake } = gitea;
    fake.addPullRequest('acme/app', { title: 'another branch', headRef: 'feature/x', headSha: START });
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1);
    await advance(store, job, 'running', { settings: NO_LABELS });
    await turnStarts(store, job);
    await advance(store, job, 'failed', { settings: NO_LABELS });
    expect(await worker.drain(2000)).toBe(true);

    expect(fake.statusesOf('acme/app')).toEqual([]);
    const calls = fake.takeCalls();
    expect(calls.filter((c) => c.path.startsWith('/repos/acme/app/pulls')).map((c) => c.method)).toEqual(['GET', 'GET']);
    expect(calls.filter((c) => c.path.includes('/statuses/'))).toEqual([]);
  });
});
