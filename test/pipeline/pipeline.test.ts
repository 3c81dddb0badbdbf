import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueCommentPayload, issueLabelPayload, reviewRejectedPayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { hostProcessesWith } from '../agents/support.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { git } from '../support/git-fixtures.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea();
const world = useServiceWorld(gitea, 'kugetsu-pipeline-');

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.addLabel('acme/app', 'ready');
  const issue = fake.addIssue('acme/app', { title: 'Add a greeting', body: 'Please add hello.txt', author: 'alice', labels: ['ready'] });
  fake.addComment('acme/app', issue.number, { body: 'Make it friendly.', author: 'bob' });
  return issue;
}

/**
 * The calls the fake received: each of `once` exactly once, and nothing else but `allowed` ones
 * (status comment edits may coalesce, so their number is not fixed).
 */
function expectCalls(calls: Array<{ method: string; path: string }>, expected: { once: string[]; allowed: RegExp[] }) {
  const lines = calls.map((c) => `${c.method} ${c.path}`);
  for (const line of expected.once)
    expect(
      lines.filter((l) => l === line),
      line,
    ).toHaveLength(1);
  const unexpected = lines.filter((l) => !expected.once.includes(l) && !expected.allowed.some((re) => re.test(l)));
  expect(unexpected).toEqual([]);
}

/** What kugetsu reads back from Gitea before it admits a delivery (the repository, the issue, its timeline, the comment). */
const READ_BACKS = [
  /^GET \/repos\/acme\/app$/,
  /^GET \/repos\/acme\/app\/issues\/1$/,
  /^GET \/repos\/acme\/app\/issues\/1\/timeline/,
  /^GET \/repos\/acme\/app\/issues\/comments\/\d+$/,
];

/** State labels (look-up, create, add, remove), the auto-PR look-up and commit statuses (see test/pipeline/status-labels-and-auto-pr.test.ts). */
const REPORT_CALLS = [
  /^(GET|POST) \/repos\/acme\/app\/labels/,
  /^(POST|DELETE) \/repos\/acme\/app\/issues\/1\/labels/,
  /^GET \/repos\/acme\/app\/pulls/,
  /^POST \/repos\/acme\/app\/statuses\//,
];

/** Any number of these in a job's life: status comment edits, timeline pages, permission look-ups, read-backs and report calls. */
const JOB_CALLS = [
  /^PATCH \/repos\/acme\/app\/issues\/comments\/\d+$/,
  /^GET \/repos\/acme\/app\/issues\/1\/timeline\?page=\d+&limit=50$/,
  /^GET \/repos\/acme\/app\/collaborators\/(alice|bob)\/permission$/,
  ...READ_BACKS,
  ...REPORT_CALLS,
];

const botComments = (fake: FakeGitea, n: number) => fake.commentsOn('acme/app', n).filter((c) => c.authorId === fake.bot.id);

describe('the main job: delivery → delegation → job → worktree → agent → push → status comment', () => {
  it('a label trigger runs the agent in the issue worktree, pushes the branch and ends "succeeded"; a /kugetsu comment continues the session', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const alice = fake.user('alice');
    const s = await world.start(['env:KUGETSU_SESSION_ID', 'env:KUGETSU_MESSAGE', 'write:turn{sessionId}.txt:hello from {issueKey}', 'session:sess-abc']);

    const labels = fake
      .repo('acme/app')
      .labels.filter((l) => l.name === 'ready')
      .map((l) => ({ id: l.id, name: l.name }));
    const first = await world.deliver(
      'issue_label',
      issueLabelPayload({ repo: world.repo(fake), issue: { number: issue.number, title: issue.title, body: issue.body, labels }, sender: alice }),
    );
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ status: 'accepted', issue: `acme/app#${issue.number}` });

    // Another label change that still shows the trigger label while the job is active starts nothing.
    const relabel = issueLabelPayload({ repo: world.repo(fake), issue: { number: issue.number, title: issue.title, body: issue.body, labels }, sender: alice });
    relabel.issue.updated_at = new Date().toISOString();
    const again = await world.deliver('issue_label', relabel);
    // Gitea's timeline says the label was added once: the same addition is not taken twice.
    expect(again.json.reason).toBe('ignored: this event was already handled under another delivery (job 1)');
    await s.idle();

    const branch = `kugetsu/issue-${issue.number}`;
    expect(git(world.origin, ['show', `${branch}:turn.txt`])).toBe(`hello from acme/app#${issue.number}`);
    expect(git(world.origin, ['log', '-1', '--format=%an <%ae>', branch])).toBe('kugetsu <kugetsu@localhost>');
    // The trigger label is gone; the state label says how the last job ended.
    expect(fake.issueLabelNames('acme/app', issue.number)).toEqual(['kugetsu/done']);
    const status = botComments(fake, issue.number);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/^<!-- kugetsu:status job=1 issue=acme\/app#1 -->/);
    expect(status[0]!.body).toContain('✅ **kugetsu** · succeeded');
    expect(status[0]!.body).toContain('pushed, 1 new commit');
    expect(status[0]!.body).toContain('`sess-abc`');
    expectCalls(fake.takeCalls(), {
      once: ['GET /user', 'POST /repos/acme/app/issues/1/comments', `DELETE /repos/acme/app/issues/1/labels/${labels[0]!.id}`, 'POST /repos/acme/app/pulls'],
      allowed: JOB_CALLS,
    });

    // Follow-up: a command comment continues the session in the same worktree.
    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu also say goodbye', author: 'alice' });
    const second = await world.deliver(
      'issue_comment',
      issueCommentPayload({
        repo: world.repo(fake),
        issue: { number: issue.number, title: issue.title, body: issue.body },
        comment: { id: comment.id, body: comment.body },
        sender: alice,
      }),
    );
    expect(second.status).toBe(202);
    await s.idle();
    expect(git(world.origin, ['show', `${branch}:turnsess-abc.txt`])).toBe(`hello from acme/app#${issue.number}`);
    expect(git(world.origin, ['rev-list', '--count', `main..${branch}`])).toBe('2');
    const log = await s.store.get('2');
    expect(log?.state).toBe('succeeded');
    expect(log?.message).toBe('also say goodbye');
    expect(botComments(fake, issue.number)).toHaveLength(2);
    expect(fake.comments.get(comment.id)?.reactions.map((r) => r.content)).toEqual(['eyes']);
    const logFile = path.join(world.tmp, 'state', 'logs', 'job-2.log');
    expect(existsSync(logFile)).toBe(true);
    // The engine has the turn's output as the log file has it, and the job's Gitea writes.
    const output = await s.store.readOutput('2');
    expect(output).toMatchObject({ text: readFileSync(logFile, 'utf8'), dropped: 0, done: true });
    expect(output.text).toContain('KUGETSU_MESSAGE=also say goodbye');
    expect((await s.store.outboxOf('2')).map((w) => w.kind)).toContain('status_comment');
    expect((await s.store.outboxOf('2')).every((w) => w.state === 'done')).toBe(true);
    // The service's worker reports itself, with its slots.
    expect(await s.store.workers()).toMatchObject([{ id: expect.stringMatching(/^w:/), slots: 3, running: 0, host: hostname(), pid: process.pid }]);
    expectCalls(fake.takeCalls(), {
      once: ['POST /repos/acme/app/issues/1/comments', `POST /repos/acme/app/issues/comments/${comment.id}/reactions`, `GET /repos/acme/app/issues/comments/${comment.id}`],
      allowed: JOB_CALLS,
    });
  });

  it('a failing agent ends "failed" with its exit code and last output lines, and nothing is pushed', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['print:working on it', 'stderr:Error: could not compile', 'write:partial.txt:x', 'exit:3']);
    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu try', author: 'alice' });
    const res = await world.deliver(
      'issue_comment',
      issueCommentPayload({
        repo: world.repo(fake),
        issue: { number: issue.number, title: issue.title, body: issue.body },
        comment: { id: comment.id, body: comment.body },
        sender: fake.user('alice'),
      }),
    );
    expect(res.status).toBe(202);
    await s.idle();
    const [status] = botComments(fake, issue.number);
    expect(status!.body).toContain('❌ **kugetsu** · failed');
    expect(status!.body).toContain('**Failed while: agent.** The agent exited with code 3.');
    expect(status!.body).toContain('Error: could not compile');
    expect(status!.body).toContain('exit code 3');
    expect(() => git(world.origin, ['rev-parse', '--verify', `refs/heads/kugetsu/issue-${issue.number}`])).toThrow();
    fake.takeCalls();
  });

  it('an agent that hangs with a grandchild is killed with its whole (sandboxed) group at the timeout and reported failed', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    // Written in the worktree (the sandbox shows nothing else); the name marks the grandchild's command line.
    const pidFile = `grandchild-${randomUUID()}.pid`;
    const s = await world.start([`grandchild:${pidFile}`, 'ignore-term', 'sleep:60000'], { KUGETSU_AGENT_TIMEOUT_S: '1' });
    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu hang', author: 'alice' });
    await world.deliver(
      'issue_comment',
      issueCommentPayload({
        repo: world.repo(fake),
        issue: { number: issue.number, title: issue.title, body: issue.body },
        comment: { id: comment.id, body: comment.body },
        sender: fake.user('alice'),
      }),
    );
    await s.idle();
    expect(existsSync(path.join(world.tmp, 'state', 'worktrees', 'acme', 'app', `issue-${issue.number}`, pidFile)), 'the grandchild started').toBe(true);
    expect(hostProcessesWith(pidFile)).toEqual([]);
    const [status] = botComments(fake, issue.number);
    expect(status!.body).toContain('❌ **kugetsu** · failed');
    expect(status!.body).toContain('timed out');
    expect(status!.body).toContain('longer than the 1 s limit');
    fake.takeCalls();
  });

  it('changes requested on a kugetsu PR run a follow-up turn on the linked issue; the status comment goes on the PR', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const pr = fake.addPullRequest('acme/app', { title: 'kugetsu: greeting', headRef: `kugetsu/issue-${issue.number}`, author: 'kugetsu-bot' });
    fake.addReview('acme/app', pr.number, { author: 'alice', body: 'Use a constant.' });
    const s = await world.start(['env:KUGETSU_MESSAGE', 'write:review.txt:{branch}']);
    const res = await world.deliver(
      'pull_request_review_rejected',
      reviewRejectedPayload({
        repo: world.repo(fake),
        pull: { number: pr.number, title: pr.title, headRef: `kugetsu/issue-${issue.number}` },
        review: 'Use a constant.',
        sender: fake.user('alice'),
      }),
    );
    expect(res.status).toBe(202);
    expect(res.json.issue).toBe(`acme/app#${issue.number}`);
    await s.idle();
    expect(git(world.origin, ['show', `kugetsu/issue-${issue.number}:review.txt`])).toBe(`kugetsu/issue-${issue.number}`);
    expect(botComments(fake, pr.number)).toHaveLength(1);
    expect(botComments(fake, pr.number)[0]!.body).toContain('asked by requesting changes');
    expect(botComments(fake, issue.number)).toHaveLength(0);
    const job = await s.store.get('1');
    expect(job?.message).toBe('Use a constant.');
    fake.takeCalls();
  });
});
