import { expect } from 'vitest';
import type { JobStore } from '../../src/store/job-store.js';
import { accepted, newJob, repo } from './contract-fixtures.js';

const AT = '2025-01-01T00:00:00.000Z';

/**
 * Rows of a database at the schema before issue #13's step (SQLite 3, PostgreSQL 2), as SQL both backends run: two jobs with
 * their history and four outbox items. Values are literals (test data without quotes).
 */
export function schema3Rows(): string[] {
  const { issueKey: _k, deliveryId: _d, ...rest } = newJob(7);
  const first = {
    ...rest,
    repo: { ...repo(), owner: 'Acme', name: 'App' },
    sender: { id: 3, login: 'Alice' },
    message: 'Fix the ✨ Login',
    issueSnapshot: { title: 'Sign-in broken', body: '' },
    result: { exitCode: 0, timedOut: false, canceled: false, durationMs: 5, outputTail: 'nul \u0000 here', newCommits: 0, pushed: false },
  };
  const second = {
    ...rest,
    issueNumber: 8,
    replyTo: 8,
    branch: 'kugetsu/issue-8',
    sender: { id: 4, login: 'bob' },
    message: 'other work',
    waiting: { reason: 'rate-limit', detail: 'slow down', until: '2030-01-01T00:00:00.000Z', times: 1 },
  };
  const job = (key: string, state: string, data: object, finished: boolean) =>
    `INSERT INTO jobs (issue_key, state, delivery_id, attempt, created_at, started_at, finished_at, repo_key, sender_id, data)
     VALUES ('${key}', '${state}', 'd-${key}', 1, '${AT}', ${finished ? `'${AT}'` : 'NULL'}, ${finished ? `'${AT}'` : 'NULL'}, 'acme/app', 3, '${JSON.stringify(data)}')`;
  const event = (jobId: number, state: string) => `INSERT INTO job_events (job_id, at, state) VALUES (${jobId}, '${AT}', '${state}')`;
  const outbox = (key: string, op: object, state: string, attempts: number) =>
    `INSERT INTO outbox (key, group_key, op, state, attempts, next_attempt_at, created_at) VALUES ('${key}', 'acme/app#7', '${JSON.stringify(op)}', '${state}', ${attempts}, 0, 1735689600000)`;
  return [
    job('Acme/App#7', 'succeeded', first, true),
    job('acme/app#8', 'waiting', second, false),
    event(1, 'queued'),
    event(1, 'running'),
    event(1, 'succeeded'),
    event(2, 'queued'),
    event(2, 'waiting'),
    outbox('status:1', { kind: 'status_comment', jobId: '1' }, 'done', 1),
    outbox(
      'pull-request:1',
      { kind: 'ensure_pull_request', owner: 'acme', repo: 'app', issueNumber: 7, head: 'kugetsu/issue-7', base: 'main', title: 't', body: 'b', jobId: '1' },
      'pending',
      2,
    ),
    outbox('commit-status:1:1:agent', { kind: 'commit_status', owner: 'acme', repo: 'app', sha: 'abc', state: 'success', description: 'd', context: 'kugetsu' }, 'failed', 1),
    outbox('reply:x', { kind: 'comment', owner: 'acme', repo: 'app', number: 7, body: 'hi' }, 'pending', 0),
  ];
}

/** What a store opened on {@link schema3Rows} must show after migrating: every row kept, the new columns backfilled. */
export async function expectWatchBackfill(store: JobStore): Promise<void> {
  const ids = async (filter: Parameters<JobStore['search']>[0]) => (await store.search(filter, { limit: 10 })).jobs.map((j) => j.id);
  expect(await ids({})).toEqual(['2', '1']);
  expect(await ids({ sender: 'ALICE' })).toEqual(['1']);
  expect(await ids({ text: 'login' })).toEqual(['1']);
  expect(await ids({ text: 'sign-in' })).toEqual(['1']);
  expect(await ids({ text: 'kugetsu/issue-8' })).toEqual(['2']);
  expect(await ids({ repo: 'acme/app', issue: 8 })).toEqual(['2']);
  expect((await store.get('1'))!.result!.outputTail).toBe('nul \u0000 here');

  expect((await store.outboxOf('1')).map((w) => [w.kind, w.state, w.attempts])).toEqual([
    ['status_comment', 'done', 1],
    ['ensure_pull_request', 'pending', 2],
    ['commit_status', 'failed', 1],
  ]);
  expect((await store.outboxOf('1'))[0]!.doneAt).toBeUndefined(); // written before done times were kept
  expect(await store.outboxOf('2')).toEqual([]);
  expect(await store.outboxHealth()).toEqual([
    { kind: 'comment', pending: 1, retrying: 0, failed: 0 },
    { kind: 'commit_status', pending: 0, retrying: 0, failed: 1 },
    { kind: 'ensure_pull_request', pending: 1, retrying: 1, failed: 0 },
  ]);
  expect(await store.waitingCounts()).toEqual([{ repo: 'acme/app', reason: 'rate-limit', count: 1 }]);

  const changes = await store.changes(0, 100);
  expect(changes.map((c) => [c.jobId, c.state])).toEqual([
    ['1', 'queued'],
    ['1', 'running'],
    ['1', 'succeeded'],
    ['2', 'queued'],
    ['2', 'waiting'],
  ]);
  const last = await store.lastChangeId();
  expect(last).toBe(changes[4]!.id);
  const next = await accepted(store, 9, 'd-9');
  expect(await store.changes(last, 10)).toMatchObject([{ jobId: next.id, state: 'queued' }]);
  expect((await store.outboxOf(next.id)).map((w) => w.kind)).toEqual(['status_comment']);
}
