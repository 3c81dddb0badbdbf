import { describe, expect, it } from 'vitest';
import { DEFAULT_REPORT_SETTINGS, type ReportSettings } from '../../src/report/report-items.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { liveMentions } from '../support/gitea-mentions.js';
import { admitJob, clientFor, seedIssues, startWorker, statusCommentsOf, tempStore } from './outbox-fixtures.js';
import { advance } from './report-fixtures.js';

const gitea = useFakeGitea({ seed: (fake) => seedIssues(fake, 1) });
const NO_LABELS: ReportSettings = { ...DEFAULT_REPORT_SETTINGS, stateLabels: false };
const PULLS = /^\/repos\/acme\/app\/pulls(\?|$)/;
const HEAD = 'b'.repeat(40);

/** The fake's pull requests of acme/app: number, head, base, title, body. */
function pullsOf(fake: FakeGitea) {
  return [...fake.repo('acme/app').issues.values()]
    .filter((i) => i.pull)
    .map((i) => ({ number: i.number, head: i.pull!.headRef, base: i.pull!.baseRef, title: i.title, body: i.body }));
}

const snapshot = { issueSnapshot: { title: 'Add a greeting', body: 'Please add hello.txt' } };

describe('auto-PR after a successful turn that pushed', () => {
  it('opens one PR (Closes #n, who asked, the summary), stores it on the job, shows it in the status comment; a second turn opens none', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1, '1', { extra: snapshot });
    await advance(store, job, 'running', { settings: NO_LABELS });
    await advance(store, job, 'succeeded', { settings: NO_LABELS, headSha: HEAD });
    expect(await worker.drain(2000)).toBe(true);

    const [pr, ...more] = pullsOf(fake);
    expect(more).toEqual([]);
    expect(pr).toMatchObject({ number: 2, head: 'kugetsu/issue-1', base: 'main', title: 'kugetsu: Add a greeting' });
    expect(pr!.body).toBe(
      'Closes #1\n\n' +
        'kugetsu worked on #1 at the request of @alice (job 1); follow-up turns push to this branch.\n\n' +
        '**Agent summary**\n\n> Added hello.txt.\n\n<!-- kugetsu:pr issue=acme/app#1 job=1 -->\n',
    );
    const url = `${fake.baseUrl}/acme/app/pulls/2`;
    expect((await store.get(job.id))?.pullRequest).toEqual({ number: 2, url });
    expect(statusCommentsOf(fake, job)).toEqual([expect.stringContaining(`| Pull request | [#2](${url}) |`)]);
    const calls = fake.takeCalls().map((c) => `${c.method} ${c.path.replace(/\?.*/, '')} ${c.status}`);
    expect(calls.filter((c) => c.includes('/pulls'))).toEqual([
      'GET /repos/acme/app/pulls 200', // look before creating
      'POST /repos/acme/app/pulls 201',
      'GET /repos/acme/app/pulls 200', // the final commit status: only while the branch has an open PR
    ]);

    // A follow-up turn that pushes again finds the open PR: no second one; the job shows it too.
    const second = await admitJob(store, 1, '2', { extra: snapshot });
    await advance(store, second, 'running', { settings: NO_LABELS });
    await advance(store, second, 'succeeded', { settings: NO_LABELS, headSha: 'c'.repeat(40) });
    expect(await worker.drain(2000)).toBe(true);
    expect(pullsOf(fake)).toHaveLength(1);
    expect((await store.get(second.id))?.pullRequest).toEqual({ number: 2, url });
    expect(fake.takeCalls().filter((c) => c.method === 'POST' && PULLS.test(c.path))).toEqual([]);
  });

  it("mentions in the quoted issue title are inert in the PR title and body; the requester's stays", async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const title = 'Greet @everyone, (@bob) and **@acme/team**';
    expect(liveMentions(title)).toEqual(['everyone', 'bob', 'acme/team']);
    const job = await admitJob(store, 1, '1', { extra: { issueSnapshot: { title, body: '' } } });
    await advance(store, job, 'succeeded', { settings: NO_LABELS, headSha: HEAD });
    expect(await worker.drain(2000)).toBe(true);
    const [pr] = pullsOf(fake);
    expect(liveMentions(pr!.title)).toEqual([]);
    expect(pr!.title.replaceAll('\u200B', '')).toBe(`kugetsu: ${title}`);
    expect(liveMentions(pr!.body)).toEqual(['alice']);
    fake.takeCalls();
  });

  it('without prClosesIssue the body has no "Closes #n"; a configured base branch is used', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1, '1', { extra: snapshot });
    await advance(store, job, 'succeeded', { settings: { ...NO_LABELS, prClosesIssue: false, baseBranch: 'develop' }, headSha: HEAD });
    expect(await worker.drain(2000)).toBe(true);

    const [pr] = pullsOf(fake);
    expect(pr).toMatchObject({ head: 'kugetsu/issue-1', base: 'develop' });
    expect(pr!.body).not.toContain('Closes');
    expect(pr!.body).toContain('kugetsu worked on #1');
    fake.takeCalls();
  });

  it('opens none when the turn pushed nothing, failed, or autoPr is off', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const nothing = await admitJob(store, 1, '1', { extra: snapshot });
    await advance(store, nothing, 'succeeded', { settings: NO_LABELS }); // pushed: false
    const failed = await admitJob(store, 1, '2', { extra: snapshot });
    await advance(store, failed, 'failed', { settings: NO_LABELS });
    const off = await admitJob(store, 1, '3', { extra: snapshot });
    await advance(store, off, 'succeeded', { settings: { ...NO_LABELS, autoPr: false }, headSha: HEAD });
    expect(await worker.drain(2000)).toBe(true);

    expect(pullsOf(fake)).toEqual([]);
    const calls = fake.takeCalls();
    expect(calls.filter((c) => c.method === 'POST' && PULLS.test(c.path))).toEqual([]);
    expect((await store.get(off.id))?.pullRequest).toBeUndefined();
  });

  it('a create whose answer was lost is not repeated: the retry finds the PR it opened', async () => {
    const { fake } = gitea;
    const store = tempStore();
    fake.injectFault({ loseResponse: true, method: 'POST', path: /\/pulls$/ });
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1, '1', { extra: snapshot });
    await advance(store, job, 'succeeded', { settings: NO_LABELS, headSha: HEAD });
    expect(await worker.drain(3000)).toBe(true);

    expect(fake.calls.filter((c) => c.lost).map((c) => c.method)).toEqual(['POST']);
    expect(pullsOf(fake)).toHaveLength(1);
    expect((await store.get(job.id))?.pullRequest?.number).toBe(2);
    const pullCalls = fake
      .takeCalls()
      .filter((c) => PULLS.test(c.path))
      .map((c) => c.method);
    expect(pullCalls.slice(0, 3)).toEqual(['GET', 'POST', 'GET']); // list, create (answer lost), list again: found
  });

  it('a PR someone opened for the branch meanwhile (409) is adopted', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const client = clientFor(fake);
    const { worker } = startWorker({
      store,
      gitea: {
        ...client,
        // Someone opens the PR between kugetsu's look-up and its create.
        listPullRequests: async (...args) => {
          const open = await client.listPullRequests(...args);
          if (pullsOf(fake).length === 0) fake.addPullRequest('acme/app', { title: 'by hand', headRef: 'kugetsu/issue-1', author: 'alice' });
          return open;
        },
      },
    });
    const job = await admitJob(store, 1, '1', { extra: snapshot });
    await advance(store, job, 'succeeded', { settings: NO_LABELS, headSha: HEAD });
    expect(await worker.drain(2000)).toBe(true);

    expect(pullsOf(fake)).toEqual([expect.objectContaining({ number: 2, title: 'by hand' })]);
    expect((await store.get(job.id))?.pullRequest?.number).toBe(2);
    expect(
      fake
        .takeCalls()
        .filter((c) => c.method === 'POST' && PULLS.test(c.path))
        .map((c) => c.status),
    ).toEqual([409]);
  });
});
